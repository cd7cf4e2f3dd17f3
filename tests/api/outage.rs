//! A PostgreSQL outage, made by cutting the TCP connections between the server and the
//! database: API calls answer 503 code 5 at once, `/readyz` fails, and service resumes
//! without a restart once the database is reachable again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::backend::{Backend, TestDatabase, postgres_available};
use crate::harness::{ORDERS, TestApp};

/// A TCP forwarder to PostgreSQL that the test can cut and restore.
struct Forwarder {
    address: SocketAddr,
    cut: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Forwarder {
    async fn start(upstream: SocketAddr) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("an address");
        let cut = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (accept_cut, accept_connections) = (cut.clone(), connections.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if accept_cut.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused as soon as it is made
                }
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                accept_connections.lock().unwrap().push(relay.abort_handle());
            }
        })
        .abort_handle();
        Forwarder { address, cut, connections, accept }
    }

    /// Breaks every open connection and refuses new ones.
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// A server on a fresh PostgreSQL database reached through a forwarder the test can cut;
/// `configure` may change its settings further.
async fn behind_forwarder(configure: impl FnOnce(&mut order_tracking::config::Config)) -> (TestApp, Forwarder) {
    let database = Arc::new(TestDatabase::create(Backend::Postgres).await);
    let (scheme_user, rest) = database.url.rsplit_once('@').unwrap();
    let (host, name) = rest.split_once('/').unwrap();
    let upstream: SocketAddr = tokio::net::lookup_host(host).await.unwrap().next().unwrap();
    let forwarder = Forwarder::start(upstream).await;
    let proxied = format!("{scheme_user}@{}/{name}", forwarder.address);
    let app = TestApp::spawn_on(database, |config| {
        config.store.url = proxied;
        // Statements may wait long; a connection may not: an outage must answer within the
        // connect timeout (1 s), well before the client below gives up.
        config.store.timeout = Duration::from_secs(60);
        config.store.connect_timeout = Duration::from_secs(1);
        configure(config);
    })
    .await;
    (app, forwarder)
}

#[tokio::test]
async fn a_postgres_outage_is_503_code_5_at_once_and_service_resumes_without_a_restart() {
    if !postgres_available() {
        return;
    }
    let (app, forwarder) = behind_forwarder(|_| {}).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);

    forwarder.cut();
    // The harness's client would wait forever; this one gives up if the server hangs.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    for _ in 0..3 {
        let response = client
            .get(app.url(ORDERS))
            .bearer_auth(&token)
            .header("x-api-key", &tenant.api_key)
            .send()
            .await
            .expect("the server answers rather than hangs");
        let answer = crate::harness::answer(response).await;
        assert_eq!((answer.status, answer.code()), (503, 5), "{}", answer.body);
    }
    let ready = client.get(app.url("/readyz")).send().await.expect("the server answers rather than hangs");
    assert_eq!(ready.status(), 503);

    forwarder.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
        if answer.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume: {} {}", answer.status, answer.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.get_with("/readyz", &[]).await.status, 200);
}

/// The sandbox's `unavailable` fault answers what a genuine outage answers: status, body and
/// the headers a client acts on (issue #33).
#[tokio::test]
async fn the_sandboxs_unavailable_fault_answers_as_a_genuine_outage() {
    if !postgres_available() {
        return;
    }
    let (app, forwarder) = behind_forwarder(|config| config.sandbox = true).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    crate::sandbox::set_fault(&app, &token, &tenant, serde_json::json!({"fault": "unavailable"})).await;
    let fault = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
    assert_eq!((fault.status, fault.code()), (503, 5), "{}", fault.body);

    forwarder.cut();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let response = client.get(app.url(ORDERS)).bearer_auth(&token).header("x-api-key", &tenant.api_key).send().await;
    let genuine = crate::harness::answer(response.expect("the server answers rather than hangs")).await;
    assert_eq!(crate::sandbox::essence(&fault), crate::sandbox::essence(&genuine));
}
