//! `serve --sandbox` (issue #33): faults on demand, each answered exactly as the genuine error
//! path answers it, counts spent exactly, one client's faults never touching another's,
//! `Prefer: code=`, credentials expired now, and none of it without the flag.

use std::time::{Duration, Instant};

use order_tracking::admin;
use order_tracking::auth::secret;
use order_tracking::config::Config;
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::harness::{Answer, Backend, Tenant, TestApp, answer, backend_tests};

const ORDERS: &str = "/order-tracking/b2b/v1/orders";
const FAULTS: &str = "/sandbox/v1/faults";
const EXPIRE: &str = "/sandbox/v1/credentials/expire";

async fn sandbox(backend: Backend, configure: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::spawn_with(backend, |config: &mut Config| {
        config.sandbox = true;
        configure(config);
    })
    .await
}

/// `method path` with the token and the tenant's key, and a JSON body if given.
async fn call(app: &TestApp, token: &str, tenant: &Tenant, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token).header("x-api-key", &tenant.api_key);
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_string());
    }
    answer(request.send().await.expect("the server answers")).await
}

pub(crate) async fn set_fault(app: &TestApp, token: &str, tenant: &Tenant, fault: Value) {
    let set = call(app, token, tenant, Method::POST, FAULTS, Some(fault)).await;
    assert_eq!(set.status, 201, "{}", set.body);
}

/// Status, body and the headers a client acts on: what two answers must share to be the same.
pub(crate) fn essence(answer: &Answer) -> (u16, String, Vec<(&'static str, Option<String>)>) {
    let names = ["content-type", "www-authenticate", "retry-after", "ratelimit-limit", "ratelimit-remaining"];
    (answer.status, answer.body.clone(), names.iter().map(|name| (*name, answer.header(name).map(str::to_owned))).collect())
}

async fn faults_answer_as_the_genuine_error_paths(backend: Backend) {
    let app = sandbox(backend, |_| {}).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;

    // An expired token: one issued already past its expiry, against the fault.
    let client = app.store.find_client(&acme.client_id).await.unwrap().unwrap();
    let expired = admin::issue_token(app.store.as_ref(), &client, time::Duration::seconds(-1)).await.unwrap();
    let genuine = call(&app, &expired, &acme, Method::GET, ORDERS, None).await;
    assert_eq!((genuine.status, genuine.code()), (401, 42));
    set_fault(&app, &token, &acme, json!({"fault": "expired-token"})).await;
    assert_eq!(essence(&call(&app, &token, &acme, Method::GET, ORDERS, None).await), essence(&genuine));

    // An unknown token.
    let (unknown, _) = secret::generate_access_token(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let genuine = call(&app, &unknown.text, &acme, Method::GET, ORDERS, None).await;
    assert_eq!((genuine.status, genuine.code()), (401, 41));
    set_fault(&app, &token, &acme, json!({"fault": "invalid-token"})).await;
    assert_eq!(essence(&call(&app, &token, &acme, Method::GET, ORDERS, None).await), essence(&genuine));

    // The per-minute limit (2 here): one client goes over it for real; for another, which spends
    // one call setting the fault and the next on the caught call, the fault answers.
    let app = sandbox(backend, |config| config.requests_per_minute = 2).await;
    let other = app.tenant("Other").await;
    let other_token = app.token(&other).await;
    let genuine = loop {
        let answer = call(&app, &other_token, &other, Method::GET, ORDERS, None).await;
        if answer.status == 429 {
            break answer;
        }
    };
    let retry_after: u64 = genuine.header("retry-after").unwrap().parse().unwrap();
    let fresh = app.tenant("Fresh").await;
    let fresh_token = app.token(&fresh).await;
    set_fault(&app, &fresh_token, &fresh, json!({"fault": "rate-limited", "retryAfter": retry_after})).await;
    assert_eq!(essence(&call(&app, &fresh_token, &fresh, Method::GET, ORDERS, None).await), essence(&genuine));

    // `unavailable` against a genuine outage: tests/api/outage.rs; `internal`, in its contract
    // shape (no bug to set off here).
    let app = sandbox(backend, |_| {}).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    for (fault, status, code, retry_after) in [("unavailable", 503, 5, Some("5")), ("internal", 500, 1, None)] {
        set_fault(&app, &token, &acme, json!({"fault": fault})).await;
        let answer = call(&app, &token, &acme, Method::GET, ORDERS, None).await;
        assert_eq!((answer.status, answer.code(), answer.header("retry-after")), (status, code, retry_after), "{fault}: {}", answer.body);
    }
}

async fn token_endpoint_faults_answer_as_its_genuine_refusals(backend: Backend) {
    let app = sandbox(backend, |config| config.token_requests_per_minute = 1).await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    let token = app.token(&acme).await;
    let genuine = app.request_token(&acme.client_id, &acme.client_secret).await;
    assert_eq!((genuine.status, genuine.json()["error"].as_str()), (429, Some("too_many_requests")));
    let retry_after: u64 = genuine.header("retry-after").unwrap().parse().unwrap();

    set_fault(&app, &token, &acme, json!({"path": "/oauth/v3/token", "fault": "rate-limited", "retryAfter": retry_after})).await;
    assert_eq!(essence(&app.request_token(&acme.client_id, &acme.client_secret).await), essence(&genuine));
    assert_eq!(app.request_token(&other.client_id, &other.client_secret).await.status, 200, "acme's fault is not other's");
    let relaxed = sandbox(backend, |_| {}).await;
    let acme = relaxed.tenant("Acme").await;
    let token = relaxed.token(&acme).await;
    set_fault(&relaxed, &token, &acme, json!({"path": "/oauth/v3/token", "fault": "unavailable"})).await;
    let refused = relaxed.request_token(&acme.client_id, &acme.client_secret).await;
    assert_eq!((refused.status, refused.json()["error"].as_str()), (503, Some("temporarily_unavailable")), "{}", refused.body);
    assert!(refused.header("retry-after").is_some());
    assert_eq!(relaxed.request_token(&acme.client_id, &acme.client_secret).await.status, 200, "one call only");
}

async fn counts_are_spent_exactly_and_faults_stay_with_their_client(backend: Backend) {
    let app = sandbox(backend, |_| {}).await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    let (token, other_token) = (app.token(&acme).await, app.token(&other).await);
    let detail = "/order-tracking/b2b/v1/orders/{orderId}";
    set_fault(&app, &token, &acme, json!({"method": "GET", "path": detail, "fault": "unavailable", "count": 3})).await;
    let listed = call(&app, &token, &acme, Method::GET, FAULTS, None).await.json();
    assert_eq!(listed["faults"][0]["remaining"], 3);
    assert_eq!(call(&app, &other_token, &other, Method::GET, FAULTS, None).await.json()["faults"], json!([]));

    assert_eq!(call(&app, &token, &acme, Method::GET, ORDERS, None).await.status, 200, "another route");
    assert_eq!(call(&app, &other_token, &other, Method::GET, &format!("{ORDERS}/9"), None).await.status, 404, "another client");
    for _ in 0..3 {
        assert_eq!(call(&app, &token, &acme, Method::GET, &format!("{ORDERS}/9"), None).await.status, 503);
    }
    assert_eq!(call(&app, &token, &acme, Method::GET, &format!("{ORDERS}/9"), None).await.status, 404, "three, no more");
    assert_eq!(call(&app, &token, &acme, Method::GET, FAULTS, None).await.json()["faults"], json!([]));

    set_fault(&app, &token, &acme, json!({"fault": "internal", "count": 5})).await;
    assert_eq!(call(&app, &token, &acme, Method::GET, FAULTS, None).await.status, 200, "the control routes are never caught");
    assert_eq!(call(&app, &token, &acme, Method::DELETE, FAULTS, None).await.status, 204);
    assert_eq!(call(&app, &token, &acme, Method::GET, ORDERS, None).await.status, 200, "cleared");

    let bad = call(&app, &token, &acme, Method::POST, FAULTS, Some(json!({"fault": "explode"}))).await;
    assert_eq!((bad.status, bad.code()), (400, 24), "{}", bad.body);
    assert!(bad.body.contains("expired-token"), "names the faults: {}", bad.body);
    assert_eq!(call(&app, &token, &acme, Method::GET, FAULTS, None).await.json()["faults"], json!([]), "nothing set");
}

async fn slow_timeout_and_reset_delay_or_drop_the_answer(backend: Backend) {
    let app = sandbox(backend, |config| config.request_timeout = Duration::from_secs(1)).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    let genuine = call(&app, &token, &acme, Method::GET, ORDERS, None).await;

    set_fault(&app, &token, &acme, json!({"fault": "slow", "delayMs": 300})).await;
    let started = Instant::now();
    let slow = call(&app, &token, &acme, Method::GET, ORDERS, None).await;
    assert!(started.elapsed() >= Duration::from_millis(300), "delayed");
    assert_eq!((slow.status, &slow.body), (200, &genuine.body), "then the genuine answer");

    set_fault(&app, &token, &acme, json!({"fault": "timeout"})).await;
    let timed_out = call(&app, &token, &acme, Method::GET, ORDERS, None).await;
    assert_eq!((timed_out.status, timed_out.code()), (408, 63), "{}", timed_out.body);

    set_fault(&app, &token, &acme, json!({"fault": "reset"})).await;
    let dropped = app.http.get(app.url(ORDERS)).bearer_auth(&token).header("x-api-key", &acme.api_key).send().await;
    assert!(dropped.is_err(), "no answer: {dropped:?}");
    assert_eq!(call(&app, &token, &acme, Method::GET, ORDERS, None).await.status, 200, "then served again");
}

async fn prefer_code_answers_that_one_call(backend: Backend) {
    let app = sandbox(backend, |_| {}).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    let prefer = |code: &'static str| {
        let request = app.http.get(app.url(ORDERS)).bearer_auth(&token).header("x-api-key", &acme.api_key).header("prefer", code);
        async move { answer(request.send().await.unwrap()).await }
    };
    for (preference, status, code) in
        [("code=401", 401, 42), ("code=429", 429, 53), ("code=500", 500, 1), ("respond-async, code=503", 503, 5)]
    {
        let answer = prefer(preference).await;
        assert_eq!((answer.status, answer.code()), (status, code), "{preference}: {}", answer.body);
        assert_eq!(answer.header("x-sandbox"), Some("true"));
    }
    let unsupported = prefer("code=418").await;
    assert_eq!((unsupported.status, unsupported.code()), (400, 26), "{}", unsupported.body);
    assert_eq!(prefer("return=minimal").await.status, 200, "other preferences are ignored");
    assert_eq!(call(&app, &token, &acme, Method::GET, ORDERS, None).await.status, 200);
}

async fn credentials_expire_on_demand(backend: Backend) {
    let app = sandbox(backend, |_| {}).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;

    let moved = call(&app, &token, &acme, Method::POST, EXPIRE, Some(json!({"keyExpiresInDays": 5}))).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let listed = call(&app, &token, &acme, Method::GET, ORDERS, None).await;
    assert_eq!(listed.header("x-api-key-expires"), moved.json()["keyExpiresAt"].as_str(), "the key's expiry is announced");

    let expired = call(&app, &token, &acme, Method::POST, EXPIRE, Some(json!({"token": true}))).await;
    assert_eq!(expired.json()["tokenExpired"], true);
    let refused = call(&app, &token, &acme, Method::GET, ORDERS, None).await;
    assert_eq!((refused.status, refused.code()), (401, 42), "{}", refused.body);
    let token = app.token(&acme).await;
    assert_eq!(call(&app, &token, &acme, Method::GET, ORDERS, None).await.status, 200, "a new token works");

    assert_eq!(call(&app, &token, &acme, Method::POST, EXPIRE, Some(json!({"key": true}))).await.status, 200);
    let refused = call(&app, &token, &acme, Method::GET, ORDERS, None).await;
    assert_eq!((refused.status, refused.code()), (401, 42), "{}", refused.body);
    assert!(refused.json()["description"].as_str().unwrap().contains("expired on"), "with the date: {}", refused.body);
    let nothing = call(&app, &app.token(&acme).await, &acme, Method::POST, EXPIRE, Some(json!({}))).await;
    assert_eq!(nothing.status, 401, "the key is expired now, for the control routes too");
}

async fn an_order_advances_a_step_or_to_its_end_through_the_one_write_path(backend: Backend) {
    let start = time::macros::datetime!(2027-01-01 0:00 UTC);
    let app = sandbox(backend, |config| config.sandbox_clock.start = start).await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    let mut order = crate::harness::order("A-1");
    order["request"]["status"] = "Acknowledged".into();
    order["lastUpdateDate"] = "2026-03-02T10:00:00Z".into();
    order["milestones"] =
        json!([{"name": "Ordered", "status": "Done", "date": "2026-03-01T10:00:00Z"}, {"name": "Installed", "status": "Pending"}]);
    app.import(&acme, &[order]).await;
    let token = app.token(&acme).await;
    let before = call(&app, &token, &acme, Method::GET, &format!("{ORDERS}/A-1"), None).await;
    let events_before = call(&app, &token, &acme, Method::GET, "/order-tracking/b2b/v1/events", None).await.json();

    let advance = "/sandbox/v1/orders/A-1/advance";
    let stepped = call(&app, &token, &acme, Method::POST, advance, None).await;
    assert_eq!(stepped.status, 200, "{}", stepped.body);
    let stepped = stepped.json();
    assert_eq!((stepped["request"]["status"].as_str(), stepped["milestones"][1]["status"].as_str()), (Some("In progress"), Some("Done")));
    let served = call(&app, &token, &acme, Method::GET, &format!("{ORDERS}/A-1"), None).await;
    assert_eq!(served.json(), stepped, "the API serves what the step wrote");
    assert_ne!(served.header("etag"), before.header("etag"), "a new ETag");
    assert!(stepped["lastUpdateDate"].as_str() > before.json()["lastUpdateDate"].as_str(), "lastUpdateDate moves");
    let events = call(&app, &token, &acme, Method::GET, "/order-tracking/b2b/v1/events", None).await.json();
    assert_eq!(events.as_array().unwrap().len(), events_before.as_array().unwrap().len() + 1, "the step is an event");

    assert_eq!(stepped["lastUpdateDate"], "2027-01-01T00:00:00Z", "dated by the sandbox's clock, not the machine's");
    let ended = call(&app, &token, &acme, Method::POST, advance, Some(json!({"to": "Closed"}))).await.json();
    assert_eq!((ended["status"].as_str(), ended["request"]["status"].as_str()), (Some("Closed"), Some("Completed")));
    assert!(ended["completionDate"].is_string(), "{ended}");
    let closed = call(&app, &token, &acme, Method::POST, advance, None).await;
    assert_eq!((closed.status, closed.code()), (400, 24), "a Closed order never reopens: {}", closed.body);
    assert_eq!(call(&app, &token, &acme, Method::GET, &format!("{ORDERS}/A-1"), None).await.json(), ended, "unchanged");

    let other_token = app.token(&other).await;
    let foreign = call(&app, &other_token, &other, Method::POST, advance, None).await;
    assert_eq!((foreign.status, foreign.code()), (404, 60), "another customer's order");
    let bad = call(&app, &token, &acme, Method::POST, advance, Some(json!({"to": "Open"}))).await;
    assert_eq!((bad.status, bad.code()), (400, 24));
}

async fn nothing_of_it_without_the_flag(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    for path in [FAULTS, EXPIRE, "/sandbox/v1/orders/1/advance"] {
        let absent = call(&app, &token, &acme, Method::POST, path, Some(json!({"fault": "internal", "token": true}))).await;
        assert_eq!((absent.status, absent.code()), (404, 60), "{path}");
    }
    let plain =
        app.get_with(ORDERS, &[("authorization", &format!("Bearer {token}")), ("x-api-key", &acme.api_key), ("prefer", "code=503")]).await;
    assert_eq!((plain.status, plain.header("x-sandbox")), (200, None), "Prefer does nothing, and no answer says sandbox");
}

backend_tests!(
    faults_answer_as_the_genuine_error_paths,
    token_endpoint_faults_answer_as_its_genuine_refusals,
    counts_are_spent_exactly_and_faults_stay_with_their_client,
    slow_timeout_and_reset_delay_or_drop_the_answer,
    prefer_code_answers_that_one_call,
    credentials_expire_on_demand,
    an_order_advances_a_step_or_to_its_end_through_the_one_write_path,
    nothing_of_it_without_the_flag,
);
