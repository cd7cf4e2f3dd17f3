//! `admin hub`: the operator lists subscriptions and deliveries, disables and enables, and
//! replays, on a server that delivers to a real receiver which always fails.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::receiver::{ThreadReceiver, subscribe};
use crate::support::*;

#[test]
fn operators_see_deliveries_disable_enable_and_replay() {
    let env = Env::new();
    let tenant = env.tenant("Acme");
    let order = json!({"id": "H-1", "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": "3-H-1"}});
    env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-"], &order.to_string()).assert_success();
    let receiver = ThreadReceiver::answering(500, Duration::ZERO);
    let callback = receiver.callback.clone();
    let server = env.serve(&["--webhook-allow-private", "--webhook-retry-schedule", "10ms"]);
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    let id = subscribe(&server, &tenant, &callback);

    let mut closed = order.clone();
    closed["status"] = "Closed".into();
    env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-"], &closed.to_string()).assert_success();
    let failed = until(&env, &["admin", "hub", "deliveries", &id, "--failed"], |printed| items(printed).len() == 1);
    let delivery = &items(&failed)[0];
    assert_eq!(
        (delivery["attempts"].as_u64(), delivery["lastStatus"].as_u64(), delivery["orderId"].as_str()),
        (Some(2), Some(500), Some("H-1"))
    );
    assert_eq!(receiver.count(), 2, "one attempt and the schedule's one retry");
    let listed = env.json(&["admin", "hub", "list", "--customer", &tenant.customer_id]);
    assert_eq!((items(&listed)[0]["id"].as_str(), items(&listed)[0]["failed"].as_i64()), (Some(id.as_str()), Some(1)), "{listed}");

    assert_eq!(string(&env.json(&["admin", "hub", "disable", &id]), "status"), "disabled");
    assert_eq!(string(&env.json(&["admin", "hub", "enable", &id]), "status"), "active");

    // The event again, by its id: two more attempts.
    let events = server.get("/order-tracking/b2b/v1/events?eventType=OrderStateChangeEvent", &token, &tenant.api_key).json();
    let event_id = string(&events[0], "eventId");
    assert_eq!(env.json(&["admin", "hub", "replay", &id, "--event", &event_id])["replayed"], 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.count() < 4 {
        assert!(Instant::now() < deadline, "the replay was not attempted");
        std::thread::sleep(Duration::from_millis(20));
    }
    until(&env, &["admin", "hub", "deliveries", &id, "--failed"], |printed| items(printed)[0]["attempts"] == 2);
    assert_eq!(env.json(&["admin", "hub", "replay", &id, "--since", "2000-01-01T00:00:00Z"])["replayed"], 1);

    // Mistakes are named and change nothing.
    let unknown = env.run(&["admin", "hub", "deliveries", "sub_nope"]).assert_failure().assert_one_line_error();
    assert!(unknown.stderr.contains("sub_nope"), "{}", unknown.stderr);
    let bad_since = env.run(&["admin", "hub", "replay", &id, "--since", "yesterday"]).assert_failure().assert_one_line_error();
    assert!(bad_since.stderr.contains("--since"), "{}", bad_since.stderr);
}
