//! A real webhook receiver for tests: an HTTP server on a random loopback port that keeps every
//! request it gets and answers each as its script says (fail N times, 410, slowly...).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a webhook body is JSON")
    }
}

/// What the receiver answers to its `n`th request (from 0) and what it holds.
pub type Script = Arc<dyn Fn(usize, &Received) -> StatusCode + Send + Sync>;

pub struct Receiver {
    pub address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A receiver that answers 204 to everything.
    pub async fn accepting() -> Receiver {
        Receiver::scripted(Arc::new(|_, _| StatusCode::NO_CONTENT)).await
    }

    pub async fn scripted(script: Script) -> Receiver {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = received.clone();
        let handler = move |headers: HeaderMap, body: Bytes| {
            let (kept, script) = (kept.clone(), script.clone());
            async move {
                let request = Received { headers, body: String::from_utf8_lossy(&body).into_owned(), at: Instant::now() };
                let mut all = kept.lock().unwrap();
                let status = script(all.len(), &request);
                all.push(request);
                status
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, axum::Router::new().route("/hook", post(handler))).await });
        Receiver { address, received }
    }

    pub fn callback(&self) -> String {
        format!("http://{}/hook", self.address)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests once there are at least `count`; panics after 20 s (a deadline, not a
    /// measure: deliveries take milliseconds).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "{} webhook requests after 20 s, not {count}", received.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
