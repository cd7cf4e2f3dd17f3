//! The sandbox's simulator (issue #33): the same seed and clock moves give byte-identical orders;
//! over a simulated year the invariants hold at every step; the clock routes move and tell time.

use std::collections::{BTreeSet, HashMap};

use order_tracking::config::Config;
use order_tracking::demo::generate::generate_orders;
use order_tracking::sandbox::settings::SandboxClock;
use reqwest::Method;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::harness::{Answer, Backend, Tenant, TestApp, answer, backend_tests};

const CLOCK: &str = "/sandbox/v1/clock";

/// A sandbox whose clock moves only when told, from 2026-12-01, holding `orders` demo orders.
async fn simulation(backend: Backend, seed: u64, orders: usize) -> (TestApp, Tenant, String) {
    let app = TestApp::spawn_with(backend, |config: &mut Config| {
        config.sandbox = true;
        config.sandbox_clock = SandboxClock { speed: 0, start: datetime!(2026-12-01 0:00 UTC), seed };
    })
    .await;
    let tenant = app.tenant("Acme").await;
    app.store.import_orders(&tenant.customer_id, generate_orders(orders, 2026)).await.unwrap();
    let token = app.token(&tenant).await;
    (app, tenant, token)
}

async fn call(app: &TestApp, token: &str, tenant: &Tenant, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token).header("x-api-key", &tenant.api_key);
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_string());
    }
    answer(request.send().await.expect("the server answers")).await
}

async fn advance(app: &TestApp, token: &str, tenant: &Tenant, by: &str) -> Value {
    let moved = call(app, token, tenant, Method::POST, CLOCK, Some(json!({"advance": by}))).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    moved.json()
}

/// Every order of the tenant, by id, as the store keeps it.
async fn documents(app: &TestApp, tenant: &Tenant) -> Vec<(String, String)> {
    let mut all = Vec::new();
    let query =
        order_tracking::query::parse_query("sort=id&limit=1000", order_tracking::query::Limits { default_limit: 1000, max_limit: 1000 });
    let mut offset = 0;
    loop {
        let mut query = query.clone().unwrap();
        query.offset = offset;
        let page = app.store.list_orders(&tenant.customer_id, &query, None).await.unwrap();
        if page.orders.is_empty() {
            return all;
        }
        for document in page.orders {
            let value: Value = serde_json::from_str(document.as_str()).unwrap();
            all.push((value["id"].as_str().unwrap().to_owned(), document.as_str().to_owned()));
        }
        offset = all.len() as u64;
    }
}

async fn the_same_seed_and_clock_moves_give_the_same_orders(backend: Backend) {
    let mut runs = Vec::new();
    for seed in [7, 7, 8] {
        let (app, tenant, token) = simulation(backend, seed, 60).await;
        let mut changes = Vec::new();
        for by in ["P3D", "PT12H", "P10D"] {
            changes.push(advance(&app, &token, &tenant, by).await["changes"].as_u64().unwrap());
        }
        runs.push((changes, documents(&app, &tenant).await));
    }
    assert!(runs[0].0.iter().all(|changes| *changes > 0), "each move changed orders: {:?}", runs[0].0);
    assert_eq!(runs[0], runs[1], "seed 7 twice: byte-identical orders and as many changes");
    assert_ne!(runs[0].1, runs[2].1, "another seed, another life");
}

/// One change of an order against the version before it: the invariants hold, and what it went
/// through is noted in `turns`.
fn check_change(id: &str, earlier: &Value, order: &Value, turns: &mut BTreeSet<String>) {
    assert_ne!(earlier["status"], "Closed", "{id}: a Closed order never changes again: {order}");
    assert_eq!(order["completionDate"].is_string(), order["status"] == "Closed", "{id}: completionDate exactly when Closed: {order}");
    assert!(order["lastUpdateDate"].as_str() > earlier["lastUpdateDate"].as_str(), "{id}: lastUpdateDate moves");
    turns.insert(order["request"]["status"].as_str().unwrap_or_default().to_owned());
    let listed = |order: &Value, member: &str| order[member].as_array().cloned().unwrap_or_default();
    for (was, is) in listed(earlier, "milestones").iter().zip(listed(order, "milestones")) {
        assert!(is["date"].as_str() >= was["date"].as_str(), "{id}: a milestone date went back");
        assert!(was["status"] != "Done" || is["status"] == "Done", "{id}: a milestone undone");
    }
    let (was, is) = (listed(earlier, "appointments"), listed(order, "appointments"));
    assert!(is.len() >= was.len(), "{id}: an appointment disappeared");
    for (was, is) in was.iter().zip(&is) {
        if was["status"] == "Done" || was["status"] == "Cancelled" {
            assert_eq!(was, is, "{id}: a settled appointment changed");
        }
        if is["status"] == "Rescheduled" && was["status"] != "Rescheduled" {
            assert!(is["start"].as_str() > was["start"].as_str(), "{id}: rescheduled later");
            turns.insert("appointment rescheduled".to_owned());
        }
    }
    if is.len() > was.len() {
        turns.insert(if was.is_empty() { "appointments booked" } else { "appointment booked again" }.to_owned());
    }
}

/// 500 orders through a simulated year, in jumps of two weeks: every change, as the change log
/// recorded it, against the version before it; and at each jump, the orders as served.
#[tokio::test]
async fn over_a_simulated_year_the_invariants_hold() {
    let (app, tenant, token) = simulation(Backend::Sqlite, 1, 500).await;
    let mut versions: HashMap<String, Value> =
        documents(&app, &tenant).await.into_iter().map(|(id, document)| (id, serde_json::from_str(&document).unwrap())).collect();
    let mut seen = app.store.list_events(&tenant.customer_id, 0, u32::MAX, &[]).await.unwrap().len() as i64;
    let (mut changes, mut arrived) = (0, 0);
    // What the changed orders went through: request statuses, and appointments moved or booked.
    let mut turns = BTreeSet::new();
    for _ in 0..26 {
        changes += advance(&app, &token, &tenant, "P14D").await["changes"].as_u64().unwrap();
        for event in app.store.list_events(&tenant.customer_id, seen, u32::MAX, &[]).await.unwrap() {
            assert_eq!(event.sequence, seen + 1, "one event per change, none lost");
            seen = event.sequence;
            let order: Value = serde_json::from_str(event.order.as_str()).unwrap();
            let id = order["id"].as_str().unwrap().to_owned();
            match versions.get(&id) {
                Some(earlier) => check_change(&id, earlier, &order, &mut turns),
                None => {
                    arrived += 1;
                    assert!(order["orderDate"].as_str() >= Some("2026-12-01"), "{id}: a new order is placed in the simulation: {order}");
                    if order["milestones"].is_array() {
                        assert_eq!(order["milestones"][0]["date"], order["orderDate"], "{id}: its first milestone is its order");
                    }
                }
            }
            versions.insert(id, order);
        }
        let served: HashMap<String, Value> =
            documents(&app, &tenant).await.into_iter().map(|(id, document)| (id, serde_json::from_str(&document).unwrap())).collect();
        assert_eq!(served, versions, "the orders served are the last version the change log recorded");
    }
    let current = versions.values().filter(|order| order["status"] == "Current").count();
    assert_eq!(arrived, 26 * 14 * 2, "two new orders a day");
    assert_eq!(seen as u64, 500 + changes, "one event per change");
    for turn in [
        "In progress",
        "Pending customer",
        "Held",
        "Completed",
        "Cancelled",
        "Rejected",
        "appointment rescheduled",
        "appointments booked",
        "appointment booked again",
    ] {
        assert!(turns.contains(turn), "no order went through {turn:?} in a year: {turns:?}");
    }
    assert!(changes > 3 * 500, "the orders moved: {changes} changes");
    assert!(current > 0 && current < versions.len() / 10, "orders keep arriving and closing: {current} of {}", versions.len());
}

async fn the_clock_tells_time_pauses_and_refuses_bad_moves(backend: Backend) {
    let (app, tenant, token) = simulation(backend, 1, 10).await;
    let clock = call(&app, &token, &tenant, Method::GET, CLOCK, None).await.json();
    assert_eq!(clock, json!({"now": "2026-12-01T00:00:00Z", "paused": false, "speed": 0}));
    let paused = call(&app, &token, &tenant, Method::POST, CLOCK, Some(json!({"pause": true, "advance": "P1DT6H"}))).await.json();
    assert_eq!((&paused["now"], &paused["paused"]), (&json!("2026-12-02T06:00:00Z"), &json!(true)));
    let events_before = call(&app, &token, &tenant, Method::GET, "/order-tracking/b2b/v1/events?limit=1000", None).await.json();
    let moved = advance(&app, &token, &tenant, "P5D").await;
    let events = call(&app, &token, &tenant, Method::GET, "/order-tracking/b2b/v1/events?limit=1000", None).await.json();
    assert_eq!(
        events.as_array().unwrap().len() - events_before.as_array().unwrap().len(),
        moved["changes"].as_u64().unwrap() as usize,
        "every change is an event"
    );
    for (body, field) in [(json!({"advance": "P1M"}), "advance"), (json!({"advance": 3}), "advance"), (json!({"pause": "yes"}), "pause")] {
        let refused = call(&app, &token, &tenant, Method::POST, CLOCK, Some(body.clone())).await;
        assert_eq!((refused.status, refused.code()), (400, 24), "{body}: {}", refused.body);
        assert!(refused.body.contains(field), "{}", refused.body);
    }
    assert_eq!(call(&app, &token, &tenant, Method::POST, CLOCK, Some(json!({}))).await.code(), 22, "nothing to do");
    assert_eq!(call(&app, &token, &tenant, Method::GET, CLOCK, None).await.json()["now"], "2026-12-07T06:00:00Z", "unchanged");
}

backend_tests!(the_same_seed_and_clock_moves_give_the_same_orders, the_clock_tells_time_pauses_and_refuses_bad_moves);
