//! `serve --sandbox` through the real binary: it refuses a database holding other customers, and
//! the client CLI, rehearsing against it, recovers from the faults it sets (issue #33).

use std::time::{Duration, Instant};

use crate::serve::Demo;
use crate::support::*;

/// A value the demo printed on a line of its own (`  client_id     cli_…`).
fn printed(demo: &Demo, label: &str) -> String {
    let line = demo.text.lines().find(|line| line.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{label} in {}", demo.text));
    line.trim_start()[label.len()..].split_whitespace().next().expect("a value").to_owned()
}

/// The demo's customer and credentials, as the sandbox printed them at start.
fn demo_tenant(server: &Server) -> Tenant {
    tenant_of(&Demo::read(server))
}

fn tenant_of(demo: &Demo) -> Tenant {
    Tenant {
        customer_id: printed(demo, "Demo customer"),
        client_id: printed(demo, "client_id"),
        client_secret: printed(demo, "client_secret"),
        api_key: printed(demo, "API key"),
    }
}

/// Successful token requests the server answered so far (its /metrics).
fn tokens_issued(server: &Server) -> u64 {
    let text = block_on(async { reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap() });
    let line = r#"order_tracking_http_requests_total{method="POST",route="/oauth/v3/token",status="200"} "#;
    text.lines().find_map(|l| l.strip_prefix(line)).map_or(0, |count| count.trim().parse().expect("a count"))
}

/// `POST /sandbox/v1/faults` with the demo's credentials.
fn set_fault(server: &Server, token: &str, api_key: &str, fault: Value) {
    let status = block_on(async {
        let response = reqwest::Client::new()
            .post(server.url("/sandbox/v1/faults"))
            .bearer_auth(token)
            .header("x-api-key", api_key)
            .json(&fault)
            .send()
            .await
            .expect("the sandbox answers");
        response.status().as_u16()
    });
    assert_eq!(status, 201, "{fault}");
}

fn the_client_recovers_from_the_faults_a_sandbox_sets(env: Env) {
    let server = env.serve(&["--sandbox"]);
    let demo = demo_tenant(&server);
    let list = ["orders", "list", "--all", "--limit", "100", "--format", "ndjson"];
    let calm = env.client_run(&server, &demo, &list).assert_success();
    let mut ids: Vec<String> = calm.stdout.lines().map(|line| string(&serde_json::from_str(line).expect("NDJSON"), "id")).collect();
    ids.sort();
    assert_eq!(ids, drawn_ids(2026), "without --seed, the orders of --demo");

    // The next three lists of this client: an expired token, then 429, then 503.
    let token = server.token(&demo.client_id, &demo.client_secret);
    let path = "/order-tracking/b2b/v1/orders";
    for fault in [
        json!({"method": "GET", "path": path, "fault": "expired-token"}),
        json!({"method": "GET", "path": path, "fault": "rate-limited", "retryAfter": 1}),
        json!({"method": "GET", "path": path, "fault": "unavailable"}),
    ] {
        set_fault(&server, &token, &demo.api_key, fault);
    }
    let (tokens_before, started) = (tokens_issued(&server), Instant::now());
    let rough = env.client_run(&server, &demo, &list).assert_success();
    assert_eq!(rough.stdout, calm.stdout, "the same orders, faults or not");
    assert_eq!(tokens_issued(&server) - tokens_before, 1, "one new token, after the expired one");
    // Retry-After: 1 s after the 429, 5 s after the 503.
    assert!(started.elapsed() >= Duration::from_secs(6), "the retries waited as told: {:?}", started.elapsed());
    let left = server.get("/sandbox/v1/faults", &token, &demo.api_key).json();
    assert_eq!(left["faults"], json!([]), "every fault was met");
}

/// `orders watch` prints what the simulator changes, as the clock moves.
fn watch_prints_the_simulators_changes(env: Env) {
    let server = env.serve(&["--sandbox", "--sandbox-speed", "0", "--sandbox-start", "2026-12-01"]);
    let demo = demo_tenant(&server);
    let token = server.token(&demo.client_id, &demo.client_secret);
    let current = server.get("/order-tracking/b2b/v1/orders?status=Current&sort=id&limit=1", &token, &demo.api_key).json();
    let id = string(&current[0], "id");
    let mut command = env.client_command(&["orders", "watch", &id, "--interval", "1"]);
    with_credentials(&mut command, &server, &demo);
    let watch = crate::orders::Watcher::start(command);
    watch.expect(&format!("watching order {id}: status Current"));

    // Two simulated months: every order of the demo that was Current has closed by then.
    let moved = block_on(async {
        let response = reqwest::Client::new()
            .post(server.url("/sandbox/v1/clock"))
            .bearer_auth(&token)
            .header("x-api-key", &demo.api_key)
            .json(&json!({"advance": "P60D"}))
            .send()
            .await
            .expect("the sandbox answers");
        response.json::<Value>().await.expect("JSON")
    });
    assert!(moved["changes"].as_u64().is_some_and(|changes| changes > 300), "{moved}");
    watch.expect(&format!("{id}  status: Current → Closed"));
    assert!(watch.interrupt().success());
}

/// The ids of the demo orders the generator draws from `seed`, sorted.
fn drawn_ids(seed: u64) -> Vec<String> {
    let mut ids: Vec<String> = order_tracking::demo::generate::generate_orders(500, seed).into_iter().map(|order| order.id).collect();
    ids.sort();
    ids
}

/// The sandbox's demo orders are drawn from `--seed`, by the demo's own generator, and the
/// detail example it prints names one of them.
fn the_seed_draws_the_sandboxs_orders(env: Env) {
    let server = env.serve(&["--sandbox", "--sandbox-speed", "0", "--seed", "7"]);
    let printed = Demo::read(&server);
    let demo = tenant_of(&printed);
    let token = server.token(&demo.client_id, &demo.client_secret);
    let served = server.get("/order-tracking/b2b/v1/orders?sort=id&limit=500&fields=id", &token, &demo.api_key).json();
    let mut served: Vec<String> = served.as_array().expect("a list").iter().map(|order| string(order, "id")).collect();
    served.sort();
    assert_eq!(served, drawn_ids(7), "the generator's orders for seed 7");
    let first = order_tracking::demo::generate::generate_orders(1, 7).remove(0).id;
    assert!(printed.text.contains(&format!("/orders/{first}\"")), "the detail example names a seed-7 order");
}

fn serve_sandbox_refuses_a_database_that_holds_another_customer(env: Env) {
    env.json(&["admin", "customer", "create", "--name", "Real customer"]);
    let run = env.run(&["serve", "--listen", "127.0.0.1:0", "--sandbox"]).assert_failure();
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains("--sandbox") && last.contains("other customers"),
        "a clear reason: {}",
        run.stderr
    );
    assert!(!run.stdout.contains("listening"), "{}", run.stdout);
    assert_eq!(items(&env.json(&["admin", "customer", "list"])).len(), 1, "nothing was added");
}

env_tests!(
    the_client_recovers_from_the_faults_a_sandbox_sets,
    watch_prints_the_simulators_changes,
    serve_sandbox_refuses_a_database_that_holds_another_customer,
    the_seed_draws_the_sandboxs_orders,
);
