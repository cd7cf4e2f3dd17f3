//! The client against a small scripted server, for what order-tracking itself never sends:
//! `expires_in` as a string, 403 with code 53, 503 with `Retry-After`, tokens that expire early.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use order_tracking_client::{Client, Credentials, Error, Fetched, OrderQuery, RetryPolicy};
use serde_json::{Value, json};

/// One scripted answer.
#[derive(Clone)]
struct Scripted {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
}

fn answer(status: u16, body: Value) -> Scripted {
    Scripted { status, headers: Vec::new(), body }
}

fn orange_error(status: u16, code: i64) -> Scripted {
    let mut scripted = answer(status, json!({"code": code, "message": "scripted", "description": "a scripted refusal"}));
    scripted.headers.push(("x-oapi-request-id", format!("req-{code}")));
    scripted
}

fn token(value: &str, expires_in: Value) -> Scripted {
    answer(200, json!({"token_type": "Bearer", "access_token": value, "expires_in": expires_in}))
}

/// What the fake answers next (the last answer repeats), and what it was sent.
#[derive(Default)]
struct Fake {
    tokens: Mutex<VecDeque<Scripted>>,
    orders: Mutex<VecDeque<Scripted>>,
    /// (Authorization, X-Api-Key) of each orders request.
    seen: Mutex<Vec<(String, String)>>,
    token_requests: Mutex<u32>,
}

impl Fake {
    fn order_requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn token_requests(&self) -> u32 {
        *self.token_requests.lock().unwrap()
    }
}

fn next(script: &Mutex<VecDeque<Scripted>>) -> Response {
    let mut script = script.lock().unwrap();
    let scripted = if script.len() > 1 { script.pop_front().unwrap() } else { script.front().cloned().expect("a scripted answer") };
    let mut response = (StatusCode::from_u16(scripted.status).unwrap(), axum::Json(scripted.body)).into_response();
    for (name, value) in scripted.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

async fn token_endpoint(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    assert!(headers["authorization"].to_str().unwrap().starts_with("Basic "), "the token request authenticates with Basic");
    *fake.token_requests.lock().unwrap() += 1;
    next(&fake.tokens)
}

async fn orders_endpoint(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    let header = |name: &str| headers.get(name).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default();
    fake.seen.lock().unwrap().push((header("authorization"), header("x-api-key")));
    next(&fake.orders)
}

async fn start(tokens: Vec<Scripted>, orders: Vec<Scripted>) -> (Arc<Fake>, SocketAddr) {
    let fake = Arc::new(Fake { tokens: Mutex::new(tokens.into()), orders: Mutex::new(orders.into()), ..Fake::default() });
    let app = Router::new()
        .route("/oauth/v3/token", post(token_endpoint))
        .route("/order-tracking/b2b/v1/orders", get(orders_endpoint))
        .route("/order-tracking/b2b/v1/orders/{id}", get(orders_endpoint))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, address)
}

fn credentials() -> Credentials {
    Credentials { client_id: "client-1".into(), client_secret: "secret-1".into(), api_key: "key-1".into() }
}

/// Short waits, so that back-off does not slow the tests.
fn quick_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy { max_retries, base_delay: Duration::from_millis(5), max_delay: Duration::from_secs(5) }
}

fn client(address: SocketAddr) -> Client {
    Client::builder(format!("http://{address}"), credentials()).retry_policy(quick_retries(3)).build().unwrap()
}

fn one_order() -> Scripted {
    let mut scripted = answer(200, json!([{"id": "1", "status": "Current"}]));
    scripted.headers.push(("x-total-count", "1".into()));
    scripted
}

#[tokio::test]
async fn expires_in_as_a_string_is_understood_and_the_token_is_reused() {
    let (fake, address) = start(vec![token("t1", json!("7776000"))], vec![one_order()]).await;
    let client = client(address);
    for _ in 0..3 {
        let page = client.list(&OrderQuery::new()).await.unwrap();
        assert_eq!(page.orders[0].id, "1");
        assert_eq!(page.total_count, Some(1));
    }
    assert_eq!(fake.token_requests(), 1, "one token serves every call until it expires");
    assert!(fake.seen.lock().unwrap().iter().all(|seen| *seen == ("Bearer t1".to_owned(), "key-1".to_owned())));
}

#[tokio::test]
async fn forbidden_with_code_53_is_retried_like_too_many_requests() {
    let (fake, address) = start(vec![token("t1", json!(3600))], vec![orange_error(403, 53), orange_error(403, 53), one_order()]).await;
    let page = client(address).list(&OrderQuery::new()).await.unwrap();
    assert_eq!(page.orders.len(), 1);
    assert_eq!(fake.order_requests(), 3);
}

#[tokio::test]
async fn forbidden_with_another_code_is_not_retried() {
    let (fake, address) = start(vec![token("t1", json!(3600))], vec![orange_error(403, 50), one_order()]).await;
    let error = client(address).list(&OrderQuery::new()).await.unwrap_err();
    assert_eq!((error.status(), error.code(), error.request_id()), (Some(403), Some(50), Some("req-50")));
    assert_eq!(fake.order_requests(), 1);
}

#[tokio::test]
async fn unavailable_waits_for_retry_after() {
    let mut busy = orange_error(503, 5);
    busy.headers.push(("retry-after", "1".into()));
    let (fake, address) = start(vec![token("t1", json!(3600))], vec![busy, one_order()]).await;
    let started = Instant::now();
    client(address).list(&OrderQuery::new()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "the retry came before Retry-After: {:?}", started.elapsed());
    assert_eq!(fake.order_requests(), 2);
}

#[tokio::test]
async fn retries_are_bounded_and_the_failure_says_so() {
    let (fake, address) = start(vec![token("t1", json!(3600))], vec![orange_error(429, 53)]).await;
    let error = client(address).list(&OrderQuery::new()).await.unwrap_err();
    assert!(matches!(error, Error::RetriesExhausted { attempts: 4, .. }), "{error:?}");
    assert_eq!((error.code(), error.request_id()), (Some(53), Some("req-53")));
    let message = error.to_string();
    assert!(message.starts_with("gave up after 4 attempts: 429") && message.contains("code 53"), "{message}");
    assert_eq!(fake.order_requests(), 4);
}

#[tokio::test]
async fn a_retry_after_beyond_the_longest_wait_fails_at_once() {
    let mut busy = orange_error(429, 53);
    busy.headers.push(("retry-after", "3600".into()));
    let (fake, address) = start(vec![token("t1", json!(3600))], vec![busy]).await;
    let error = client(address).list(&OrderQuery::new()).await.unwrap_err();
    assert!(error.to_string().contains("retry in 3600 s"), "{error}");
    assert_eq!(fake.order_requests(), 1);
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_and_the_call_retried_once() {
    // The server expires t1 early (its clock, a revocation...): 401 code 42.
    let (fake, address) = start(vec![token("t1", json!(3600)), token("t2", json!(3600))], vec![orange_error(401, 42), one_order()]).await;
    let client = client(address);
    client.list(&OrderQuery::new()).await.unwrap();
    let seen: Vec<String> = fake.seen.lock().unwrap().iter().map(|(authorization, _)| authorization.clone()).collect();
    assert_eq!(seen, ["Bearer t1", "Bearer t2"]);
    assert_eq!(fake.token_requests(), 2);

    // A server that keeps saying "expired" gets one retry, not a loop.
    let (fake, address) = start(vec![token("t1", json!(3600)), token("t2", json!(3600))], vec![orange_error(401, 42)]).await;
    let error = Client::builder(format!("http://{address}"), credentials()).build().unwrap().list(&OrderQuery::new()).await.unwrap_err();
    assert_eq!(error.code(), Some(42));
    assert_eq!((fake.order_requests(), fake.token_requests()), (2, 2));
}

#[tokio::test]
async fn a_refused_client_is_an_oauth_error_and_not_retried() {
    let (fake, address) =
        start(vec![answer(401, json!({"error": "invalid_client", "error_description": "wrong secret"}))], vec![one_order()]).await;
    let error = client(address).list(&OrderQuery::new()).await.unwrap_err();
    assert!(matches!(&error, Error::OAuth(oauth) if oauth.error == "invalid_client"), "{error:?}");
    assert!(!error.to_string().contains("secret-1"), "{error}");
    assert_eq!((fake.token_requests(), fake.order_requests()), (1, 0));
}

#[tokio::test]
async fn a_busy_token_endpoint_is_retried() {
    let (fake, address) =
        start(vec![answer(429, json!({"error": "too_many_requests"})), token("t1", json!(3600))], vec![one_order()]).await;
    client(address).list(&OrderQuery::new()).await.unwrap();
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test]
async fn the_token_cache_file_is_private_and_shared_by_clients_of_the_same_server_and_client() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("tokens/token.json");
    let (fake, address) = start(vec![token("t1", json!(3600)), token("t2", json!(3600))], vec![one_order()]).await;
    let base = format!("http://{address}");
    let with_cache = |credentials: Credentials| Client::builder(&base, credentials).token_cache_file(&cache).build().unwrap();

    with_cache(credentials()).list(&OrderQuery::new()).await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A second client (another process, say) takes the token from the file.
    with_cache(credentials()).list(&OrderQuery::new()).await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    // Another client id does not use the token of the file.
    let other = Credentials { client_id: "client-2".into(), ..credentials() };
    with_cache(other).list(&OrderQuery::new()).await.unwrap();
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(fake.seen.lock().unwrap().last().unwrap().0, "Bearer t2");
}

#[tokio::test]
async fn a_conditional_request_answered_304_is_not_modified() {
    let mut tagged = one_order();
    tagged.headers.push(("etag", "\"v1\"".into()));
    let (_fake, address) = start(vec![token("t1", json!(3600))], vec![tagged, answer(304, json!(null))]).await;
    let client = client(address);
    let Fetched::Modified { etag, .. } = client.list_if_changed(&OrderQuery::new(), None).await.unwrap() else {
        panic!("the first answer is a page")
    };
    assert_eq!(etag.as_deref(), Some("\"v1\""));
    assert_eq!(client.list_if_changed(&OrderQuery::new(), etag.as_deref()).await.unwrap(), Fetched::NotModified);
}

#[tokio::test]
async fn an_unreachable_server_is_named_in_the_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = client(address).list(&OrderQuery::new()).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&format!("cannot reach http://{address}/oauth/v3/token")), "{message}");
    assert!(message.to_lowercase().contains("refused"), "the reason should be given: {message}");
}
