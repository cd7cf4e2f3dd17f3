//! The notification hub (issue #31): subscriptions per customer, signed webhooks delivered to
//! real receivers on loopback, retries on a schedule, 410 Gone, and the SSRF refusals.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use order_tracking::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Backend, Tenant, TestApp, backend_tests, order};
use crate::receiver::{Received, Receiver};

const HUB: &str = "/order-tracking/b2b/v1/hub";

/// A server whose webhooks may reach loopback receivers, retrying after `schedule`.
async fn app_with_receivers(backend: Backend, schedule: &[u64]) -> TestApp {
    let schedule: Vec<Duration> = schedule.iter().map(|millis| Duration::from_millis(*millis)).collect();
    TestApp::spawn_with(backend, move |config: &mut Config| {
        config.webhooks.allow_private = true;
        config.webhooks.retry_schedule = schedule;
        config.webhooks.poll_every = Duration::from_millis(10);
    })
    .await
}

async fn subscribe(app: &TestApp, tenant: &Tenant, callback: &str, query: &str) -> Value {
    let body = json!({"callback": callback, "query": query}).to_string();
    let answer = app.call_as(tenant, Method::POST, HUB, Some(&body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.json()
}

/// The signatures a receiver would compute, from the specification's formula and the secret.
fn expected_signature(secret: &str, received: &Received) -> String {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    let signed = format!("{}.{}.{}", received.header("webhook-id"), received.header("webhook-timestamp"), received.body);
    mac.update(signed.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The subscription as `GET /hub/{id}` shows it, once `done` holds of it (20 s at most).
async fn shown_once(app: &TestApp, tenant: &Tenant, subscription: &Value, done: impl Fn(&Value) -> bool) -> Value {
    let path = format!("{HUB}/{}", subscription["id"].as_str().unwrap());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let shown = app.call_as(tenant, Method::GET, &path, None).await.json();
        if done(&shown) {
            return shown;
        }
        assert!(std::time::Instant::now() < deadline, "the subscription stayed {shown}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The README's Rust receiver check, as written there.
fn signed_by(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use hmac::{Hmac, Mac};
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else { return false };
    header.split(' ').filter_map(|signature| signature.strip_prefix("v1,")).any(|signature| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        STANDARD.decode(signature).is_ok_and(|signature| mac.verify_slice(&signature).is_ok())
    })
}

fn with_status(id: &str, status: &str) -> Value {
    let mut order = order(id);
    order["status"] = status.into();
    order
}

async fn subscriptions_belong_to_their_customer_and_bad_input_is_named(backend: Backend) {
    let app = app_with_receivers(backend, &[10]).await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    let receiver = Receiver::accepting().await;
    let made = subscribe(&app, &acme, &receiver.callback(), "eventType=OrderStateChangeEvent&status=Closed").await;
    let id = made["id"].as_str().unwrap();
    assert!(made["secret"].as_str().unwrap().starts_with("whsec_"), "{made}");
    assert_eq!((made["status"].as_str(), made["query"].as_str()), (Some("active"), Some("eventType=OrderStateChangeEvent&status=Closed")));

    let listed = app.call_as(&acme, Method::GET, HUB, None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("secret").is_none(), "the secret is shown once: {listed}");
    let shown = app.call_as(&acme, Method::GET, &format!("{HUB}/{id}"), None).await;
    assert_eq!((shown.status, shown.json()["id"].as_str()), (200, Some(id)));
    assert!(shown.json().get("secret").is_none());

    // Another customer sees nothing of it, and cannot touch it.
    assert_eq!(app.call_as(&other, Method::GET, HUB, None).await.json(), json!([]));
    for (method, path) in
        [(Method::GET, format!("{HUB}/{id}")), (Method::DELETE, format!("{HUB}/{id}")), (Method::POST, format!("{HUB}/{id}/secret"))]
    {
        let answer = app.call_as(&other, method.clone(), &path, None).await;
        assert_eq!((answer.status, answer.code()), (404, 60), "{method} {path}: {}", answer.body);
    }

    // Bad bodies, each named.
    for (body, code, named) in [
        ("", 21, ""),
        ("{not json", 22, "not JSON"),
        ("[1]", 22, "JSON object"),
        (r#"{"query": "status=Closed"}"#, 23, "'callback'"),
        (r#"{"callback": 7}"#, 24, "'callback'"),
        (r#"{"callback": "hook"}"#, 24, "'callback'"),
        (r#"{"callback": "ftp://example.com/x"}"#, 24, "https"),
        (r#"{"callback": "http://127.0.0.1:9/hook", "query": "colour=red"}"#, 24, "colour"),
        (r#"{"callback": "http://127.0.0.1:9/hook", "query": "eventType=Created"}"#, 24, "eventType"),
        (r#"{"callback": "http://127.0.0.1:9/hook", "query": "status.like=x"}"#, 24, "'query'"),
        (r#"{"callback": "http://127.0.0.1:9/hook", "colour": "red"}"#, 22, "colour"),
    ] {
        let answer = app.call_as(&acme, Method::POST, HUB, Some(body)).await;
        assert_eq!((answer.status, answer.code()), (400, code), "{body}: {}", answer.body);
        assert!(answer.json()["description"].as_str().unwrap().contains(named), "{body}: {}", answer.body);
    }
    assert_eq!(app.call_as(&acme, Method::GET, HUB, None).await.json().as_array().unwrap().len(), 1, "bad input made nothing");

    // At most 20 per customer.
    for _ in 1..20 {
        subscribe(&app, &acme, &receiver.callback(), "").await;
    }
    let refused = app.call_as(&acme, Method::POST, HUB, Some(&json!({"callback": receiver.callback()}).to_string())).await;
    assert_eq!((refused.status, refused.code()), (400, 24), "{}", refused.body);
    assert!(refused.body.contains("20 subscriptions"), "{}", refused.body);

    let deleted = app.call_as(&acme, Method::DELETE, &format!("{HUB}/{id}"), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(app.call_as(&acme, Method::GET, &format!("{HUB}/{id}"), None).await.status, 404);
}

async fn matching_events_are_delivered_signed_and_in_order(backend: Backend) {
    let app = app_with_receivers(backend, &[10]).await;
    let acme = app.tenant("Acme").await;
    let receiver = Receiver::accepting().await;
    let everything = Receiver::accepting().await;
    // Before the subscriptions: not delivered, since a subscription sees events from its making.
    app.import(&acme, &[order("A-0")]).await;
    let closed = subscribe(&app, &acme, &receiver.callback(), "eventType=OrderStateChangeEvent&status=Closed&id=A-1,A-3").await;
    subscribe(&app, &acme, &everything.callback(), "").await;

    app.import(&acme, &[order("A-1"), order("A-2"), order("A-3")]).await;
    app.import(&acme, &[with_status("A-1", "Closed"), with_status("A-2", "Closed"), order("A-3")]).await;
    app.import(&acme, &[with_status("A-3", "Closed")]).await;

    let all = everything.wait_for(6).await;
    let types: Vec<(String, String)> = all
        .iter()
        .map(|received| {
            (
                received.json()["eventType"].as_str().unwrap().to_owned(),
                received.json()["event"]["order"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("OrderCreateEvent", "A-1"),
        ("OrderCreateEvent", "A-2"),
        ("OrderCreateEvent", "A-3"),
        ("OrderStateChangeEvent", "A-1"),
        ("OrderStateChangeEvent", "A-2"),
        ("OrderStateChangeEvent", "A-3"),
    ];
    let mut sorted = types.clone();
    sorted.sort_by_key(|(_, id)| id.clone());
    let mut expected_sorted: Vec<(String, String)> = expected.iter().map(|(kind, id)| (kind.to_string(), id.to_string())).collect();
    expected_sorted.sort_by_key(|(_, id)| id.clone());
    assert_eq!(sorted, expected_sorted, "every event of the customer after the subscription, once");
    for id in ["A-1", "A-2", "A-3"] {
        let of_order: Vec<&str> = types.iter().filter(|(_, order)| order == id).map(|(kind, _)| kind.as_str()).collect();
        assert_eq!(of_order, ["OrderCreateEvent", "OrderStateChangeEvent"], "one order's events arrive in sequence order");
    }

    let delivered = receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 2, "only the state changes to Closed of A-1 and A-3 match");
    let secret = closed["secret"].as_str().unwrap();
    let feed = app
        .call_as(&acme, Method::GET, "/order-tracking/b2b/v1/events?eventType=OrderStateChangeEvent&status=Closed&id=A-1,A-3", None)
        .await;
    for (received, from_feed) in delivered.iter().zip(feed.json().as_array().unwrap()) {
        assert_eq!(received.json(), *from_feed, "the webhook body is the feed's event");
        assert_eq!(received.header("webhook-signature"), expected_signature(secret, received));
        assert!(received.header("webhook-id").starts_with("msg_"));
        let sent_at: i64 = received.header("webhook-timestamp").parse().unwrap();
        assert!((sent_at - time::OffsetDateTime::now_utc().unix_timestamp()).abs() < 60);
        assert!(received.header("user-agent").starts_with("order-tracking/"));
        assert_eq!(received.header("content-type"), "application/json");
    }
    let shown = shown_once(&app, &acme, &closed, |shown| shown["delivered"] == 2).await;
    assert_eq!(shown["lastDeliveryOutcome"], "delivered", "{shown}");

    // A rotated secret: both sign for a day.
    let rotated = app.call_as(&acme, Method::POST, &format!("{HUB}/{}/secret", closed["id"].as_str().unwrap()), None).await.json();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    app.import(&acme, &[with_status("A-1", "Current")]).await;
    app.import(&acme, &[with_status("A-1", "Closed")]).await;
    let after = receiver.wait_for(3).await;
    let signatures: Vec<&str> = after[2].header("webhook-signature").split(' ').collect();
    assert_eq!(signatures, [expected_signature(new_secret, &after[2]), expected_signature(secret, &after[2])]);
    let readme_check = |secret: &str, body: &str| {
        signed_by(
            secret,
            after[2].header("webhook-id"),
            after[2].header("webhook-timestamp"),
            body.as_bytes(),
            after[2].header("webhook-signature"),
        )
    };
    assert!(readme_check(new_secret, &after[2].body) && readme_check(secret, &after[2].body), "the README's receiver accepts both");
    assert!(!readme_check(new_secret, &after[2].body.replace("Closed", "Current")), "and refuses a forged body");

    // A ping, now, signed too.
    let ping = app.call_as(&acme, Method::POST, &format!("{HUB}/{}/ping", closed["id"].as_str().unwrap()), None).await;
    assert_eq!((ping.status, ping.json()["delivered"].as_bool()), (200, Some(true)), "{}", ping.body);
    let pinged = receiver.wait_for(4).await;
    assert_eq!(pinged[3].json()["eventType"], "PingEvent");
    assert_eq!(pinged[3].header("webhook-signature").split(' ').next().unwrap(), expected_signature(new_secret, &pinged[3]));
}

async fn failures_are_retried_on_the_schedule_and_gone_disables(backend: Backend) {
    let app = app_with_receivers(backend, &[50, 100, 150]).await;
    let acme = app.tenant("Acme").await;
    // Fails the first two attempts at A-1; every other request succeeds at once.
    let failures = Arc::new(AtomicUsize::new(0));
    let flaky = Receiver::scripted(Arc::new(move |_, received: &Received| {
        let is_first = received.json()["event"]["order"]["id"] == "A-1";
        if is_first && failures.fetch_add(1, Ordering::SeqCst) < 2 { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
    }))
    .await;
    let failing = Receiver::scripted(Arc::new(|_, _| StatusCode::INTERNAL_SERVER_ERROR)).await;
    let gone = Receiver::scripted(Arc::new(|_, _| StatusCode::GONE)).await;
    let flaky_subscription = subscribe(&app, &acme, &flaky.callback(), "").await;
    let failing_subscription = subscribe(&app, &acme, &failing.callback(), "id=A-1").await;
    let gone_subscription = subscribe(&app, &acme, &gone.callback(), "").await;

    app.import(&acme, &[order("A-1"), order("A-2")]).await;
    let received = flaky.wait_for(4).await;
    let of_first: Vec<&Received> = received.iter().filter(|r| r.json()["event"]["order"]["id"] == "A-1").collect();
    assert_eq!(of_first.len(), 3, "two failures, then the success");
    assert!(of_first.iter().all(|r| r.header("webhook-id") == of_first[0].header("webhook-id")), "one webhook-id for every attempt");
    assert!(of_first[1].at - of_first[0].at >= Duration::from_millis(50), "the schedule's first wait");
    assert!(of_first[2].at - of_first[1].at >= Duration::from_millis(100), "the schedule's second wait");
    let position = |id: &str| received.iter().position(|r| r.json()["event"]["order"]["id"] == id).unwrap();
    assert!(position("A-2") < 2, "A-1's retries did not hold A-2 back");

    // One attempt and three retries, then failed.
    failing.wait_for(4).await;
    let shown = shown_once(&app, &acme, &failing_subscription, |shown| shown["failed"] == 1).await;
    assert_eq!((shown["delivered"].as_i64(), shown["lastDeliveryOutcome"].as_str()), (Some(0), Some("answered 500")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(failing.received().len(), 4, "no attempt after the last step");
    shown_once(&app, &acme, &flaky_subscription, |shown| shown["delivered"] == 2).await;

    // 410 disables the subscription at the first answer: nothing more goes there than what was
    // already on its way (both events went out together).
    gone.wait_for(1).await;
    shown_once(&app, &acme, &gone_subscription, |shown| shown["status"] == "disabled").await;
    let before = gone.received().len();
    assert!(before <= 2, "{before}");
    app.import(&acme, &[with_status("A-2", "Closed")]).await;
    flaky.wait_for(5).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(gone.received().len(), before, "nothing after 410 Gone");

    // Every attempt counted by its result; nothing pending once all were decided.
    let metrics = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let count = |result: &str| -> u64 {
        let line = format!("order_tracking_webhook_deliveries_total{{result=\"{result}\"}} ");
        metrics.lines().find_map(|text| text.strip_prefix(line.as_str())).map_or(0, |value| value.trim().parse().unwrap())
    };
    assert_eq!(
        (count("retried"), count("failed")),
        (2 + 3, 1),
        "A-1's two failures at flaky, three at failing; then failing gave up:\n{metrics}"
    );
    assert!(count("delivered") >= 3 && count("gone") >= 1, "{metrics}");
    // Pending: none. An event to the gone receiver that was not already on its way waits, but
    // its subscription is disabled, so it is not counted.
    assert!(metrics.contains("order_tracking_webhook_pending_events 0\n"), "{metrics}");
    // Every event recorded, by type: the two orders created, then one's status changed.
    for (event_type, recorded) in [("OrderCreateEvent", 2), ("OrderStateChangeEvent", 1)] {
        let line = format!("order_tracking_events_recorded_total{{type=\"{event_type}\"}} {recorded}\n");
        assert!(metrics.contains(&line), "{line}{metrics}");
    }
    assert!(!metrics.contains("OrderAttributeValueChangeEvent"), "{metrics}");
}

/// The backlog gauges count the deliveries that wait for an active subscription, and only those.
async fn the_backlog_counts_what_active_subscriptions_wait_for(backend: Backend) {
    let app = app_with_receivers(backend, &[3_600_000]).await;
    let acme = app.tenant("Acme").await;
    let failing = Receiver::scripted(Arc::new(|_, _| StatusCode::INTERNAL_SERVER_ERROR)).await;
    let made = subscribe(&app, &acme, &failing.callback(), "").await;
    app.import(&acme, &[order("B-1"), order("B-2")]).await;
    failing.wait_for(2).await;
    let metrics = || async { app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap() };
    // Both failed once and wait an hour for their retry.
    assert!(metrics().await.contains("order_tracking_webhook_pending_events 2\n"));
    let disabled =
        app.store.set_subscription_status(made["id"].as_str().unwrap(), order_tracking::store::SubscriptionStatus::Disabled).await;
    assert!(disabled.unwrap());
    let after = metrics().await;
    assert!(after.contains("order_tracking_webhook_pending_events 0\n"), "{after}");
    assert!(after.contains("order_tracking_webhook_oldest_pending_seconds 0\n"), "{after}");
}

async fn callbacks_to_private_addresses_are_refused_by_default(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    for callback in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
    ] {
        let answer = app.call_as(&acme, Method::POST, HUB, Some(&json!({"callback": callback}).to_string())).await;
        assert_eq!((answer.status, answer.code()), (400, 24), "{callback}: {}", answer.body);
    }
    assert_eq!(app.call_as(&acme, Method::GET, HUB, None).await.json(), json!([]));
}

backend_tests!(
    subscriptions_belong_to_their_customer_and_bad_input_is_named,
    matching_events_are_delivered_signed_and_in_order,
    failures_are_retried_on_the_schedule_and_gone_disables,
    callbacks_to_private_addresses_are_refused_by_default,
    the_backlog_counts_what_active_subscriptions_wait_for,
);

/// Two instances on one PostgreSQL database: each event reaches the subscription once, whichever
/// instance claims it, when nothing fails.
#[tokio::test]
async fn two_postgres_instances_deliver_each_event_once() {
    if !crate::backend::postgres_available() {
        return;
    }
    let configure = |config: &mut Config| {
        config.webhooks.allow_private = true;
        config.webhooks.poll_every = Duration::from_millis(10);
    };
    let first = TestApp::spawn_with(Backend::Postgres, configure).await;
    let second = TestApp::spawn_on(first.database.clone(), configure).await;
    let acme = first.tenant("Acme").await;
    // A little slow, so that claims of both instances overlap.
    let receiver = Receiver::scripted(Arc::new(|_, _| {
        std::thread::sleep(Duration::from_millis(2));
        StatusCode::OK
    }))
    .await;
    subscribe(&second, &acme, &receiver.callback(), "").await;
    let orders: Vec<Value> = (0..300).map(|n| order(&format!("T-{n:03}"))).collect();
    for batch in orders.chunks(50) {
        first.import(&acme, batch).await;
    }
    let received = receiver.wait_for(300).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received().len().max(received.len());
    let ids: std::collections::HashSet<String> = receiver.received().iter().map(|r| r.header("webhook-id").to_owned()).collect();
    assert_eq!((received, ids.len()), (300, 300), "each event once, none twice");
    let delivered = |app: &TestApp| {
        let app_url = app.url("/metrics");
        async move {
            let text = reqwest::get(app_url).await.unwrap().text().await.unwrap();
            text.lines()
                .find_map(|line| line.strip_prefix("order_tracking_webhook_deliveries_total{result=\"delivered\"} "))
                .map_or(0, |value| value.trim().parse::<u64>().unwrap())
        }
    };
    let (by_first, by_second) = (delivered(&first).await, delivered(&second).await);
    eprintln!("delivered by the first instance: {by_first}, by the second: {by_second}");
    assert_eq!(by_first + by_second, 300, "the instances' attempts add up to the events: {by_first} + {by_second}");
}
