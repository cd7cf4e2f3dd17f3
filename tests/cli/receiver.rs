//! A webhook receiver on loopback for the CLI tests, in plain threads (these tests have no
//! runtime of their own): it answers every request with one status, after an optional delay,
//! and keeps the bodies it got.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Server, Tenant, Value, block_on, json, string};

pub(crate) struct ThreadReceiver {
    pub(crate) callback: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl ThreadReceiver {
    /// Answers `status` to each request, `delay` after reading it; one thread per connection.
    pub(crate) fn answering(status: u16, delay: Duration) -> ThreadReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let callback = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream);
                    let Some(body) = read_request(&mut reader) else { return };
                    std::thread::sleep(delay);
                    kept.lock().unwrap().push(body);
                    let answer = format!("HTTP/1.1 {status} Whatever\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = reader.get_mut().write_all(answer.as_bytes());
                });
            }
        });
        ThreadReceiver { callback, bodies }
    }

    /// The bodies received so far, in the order they came.
    pub(crate) fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }

    pub(crate) fn count(&self) -> usize {
        self.bodies.lock().unwrap().len()
    }
}

/// One request's body, once its head and `Content-Length` bytes are read.
fn read_request(reader: &mut BufReader<std::net::TcpStream>) -> Option<String> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(String::from_utf8_lossy(&body).into_owned())
}

/// Subscribes the tenant to every event at `callback` through `POST /hub`; returns the
/// subscription's id.
pub(crate) fn subscribe(server: &Server, tenant: &Tenant, callback: &str) -> String {
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    let made: Value = block_on(async {
        let response = reqwest::Client::new()
            .post(server.url("/order-tracking/b2b/v1/hub"))
            .bearer_auth(&token)
            .header("x-api-key", &tenant.api_key)
            .json(&json!({"callback": callback}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    });
    string(&made, "id")
}
