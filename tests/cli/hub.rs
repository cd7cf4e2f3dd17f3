//! `admin hub`: the operator lists subscriptions and deliveries, disables and enables, and
//! replays, on a server that delivers to a real receiver which always fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// A receiver on loopback that answers 500 to every request, and counts them.
fn failing_receiver() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let callback = format!("http://{}/hook", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = reader.get_mut().write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (callback, count)
}

/// Runs `admin ARGS --json` until `done` holds of what it prints (20 s at most).
fn until(env: &Env, args: &[&str], done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let printed = env.json(args);
        if done(&printed) {
            return printed;
        }
        assert!(Instant::now() < deadline, "{args:?} still prints {printed}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn operators_see_deliveries_disable_enable_and_replay() {
    let env = Env::new();
    let tenant = env.tenant("Acme");
    let order = json!({"id": "H-1", "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": "3-H-1"}});
    env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-"], &order.to_string()).assert_success();
    let (callback, received) = failing_receiver();
    let server = env.serve(&["--webhook-allow-private", "--webhook-retry-schedule", "10ms"]);
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
    let id = string(&made, "id");

    let mut closed = order.clone();
    closed["status"] = "Closed".into();
    env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-"], &closed.to_string()).assert_success();
    let failed = until(&env, &["admin", "hub", "deliveries", &id, "--failed"], |printed| items(printed).len() == 1);
    let delivery = &items(&failed)[0];
    assert_eq!(
        (delivery["attempts"].as_u64(), delivery["lastStatus"].as_u64(), delivery["orderId"].as_str()),
        (Some(2), Some(500), Some("H-1"))
    );
    assert_eq!(received.load(Ordering::SeqCst), 2, "one attempt and the schedule's one retry");
    let listed = env.json(&["admin", "hub", "list", "--customer", &tenant.customer_id]);
    assert_eq!((items(&listed)[0]["id"].as_str(), items(&listed)[0]["failed"].as_i64()), (Some(id.as_str()), Some(1)), "{listed}");

    assert_eq!(string(&env.json(&["admin", "hub", "disable", &id]), "status"), "disabled");
    assert_eq!(string(&env.json(&["admin", "hub", "enable", &id]), "status"), "active");

    // The event again, by its id: two more attempts.
    let events = server.get("/order-tracking/b2b/v1/events?eventType=OrderStateChangeEvent", &token, &tenant.api_key).json();
    let event_id = string(&events[0], "eventId");
    assert_eq!(env.json(&["admin", "hub", "replay", &id, "--event", &event_id])["replayed"], 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    while received.load(Ordering::SeqCst) < 4 {
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
