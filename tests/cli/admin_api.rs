//! The admin API through the real binary (issue #32): `admin token create|list|revoke`, and
//! `serve --admin-listen` taking writes with such a token, logged under its name; an import over
//! HTTP gives what `admin import` gives of the same file.

use crate::support::*;

/// `serve --admin-listen 127.0.0.1:0`, and the admin API's address from its second line.
fn serve_with_admin(env: &Env) -> (Server, String) {
    let server = env.serve(&["--admin-listen", "127.0.0.1:0"]);
    let lines = server.read_until(|lines| !lines.is_empty());
    let admin = lines[0]
        .strip_prefix("admin API listening on ")
        .unwrap_or_else(|| panic!("the second line names the admin API: {lines:?}"))
        .to_owned();
    (server, admin)
}

fn send(method: reqwest::Method, url: String, token: &str, content_type: &str, body: String) -> (u16, String) {
    block_on(async {
        let response = reqwest::Client::new()
            .request(method, url)
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the admin API answers");
        (response.status().as_u16(), response.text().await.unwrap())
    })
}

fn tokens_are_made_listed_revoked_and_let_a_pipeline_write(env: Env) {
    let made = env.json(&["admin", "token", "create", "--name", "etl-nightly"]);
    let token = string(&made, "adminToken");
    assert!(token.starts_with("adm_"), "{made}");
    let again = env.run(&["admin", "token", "create", "--name", "etl-nightly"]).assert_failure().assert_one_line_error();
    assert!(again.stderr.contains("etl-nightly") && again.stderr.contains("another name"), "{}", again.stderr);
    let bad = env.run(&["admin", "token", "create", "--name", "a b"]).assert_failure().assert_one_line_error();
    assert!(bad.stderr.contains("--name"), "{}", bad.stderr);

    let tenant = env.tenant("Acme");
    let (server, admin) = serve_with_admin(&env);
    let order = order("P-1", "Current", "PO-1");
    let url = format!("{admin}/admin/v1/customers/{}/orders/P-1", tenant.customer_id);
    let (status, body) = send(reqwest::Method::PUT, url.clone(), &token, "application/json", order.to_string());
    assert_eq!(status, 201, "{body}");
    let listed = server.get(&format!("{ORDERS}/P-1"), &server.token(&tenant.client_id, &tenant.client_secret), &tenant.api_key);
    assert_eq!(listed.json()["request"]["customerReference"], "PO-1");
    // Logged at info with the token's name and the request id.
    let deadline = Instant::now() + DEADLINE;
    while !server.log().lines().any(|line| line.contains("order written") && line.contains("etl-nightly") && line.contains("request_id")) {
        assert!(Instant::now() < deadline, "no log line of the write: {}", server.log());
        thread::sleep(StdDuration::from_millis(20));
    }

    let listed = env.json(&["admin", "token", "list"]);
    assert_eq!((items(&listed)[0]["name"].as_str(), items(&listed)[0]["revokedAt"].is_null()), (Some("etl-nightly"), true));
    assert!(!listed.to_string().contains(&token), "the token itself is never shown again");
    env.json(&["admin", "token", "revoke", "etl-nightly"]);
    let (status, body) = send(reqwest::Method::PUT, url, &token, "application/json", order.to_string());
    assert_eq!(status, 401, "{body}");
    let unknown = env.run(&["admin", "token", "revoke", "nobody"]).assert_failure().assert_one_line_error();
    assert!(unknown.stderr.contains("nobody"), "{}", unknown.stderr);
}

fn an_import_over_http_gives_what_admin_import_gives(env: Env) {
    let token = string(&env.json(&["admin", "token", "create", "--name", "bulk"]), "adminToken");
    let (over_http, by_cli) = (env.tenant("Http"), env.tenant("Cli"));
    let orders: Vec<Value> = (0..200).map(|n| order(&format!("I-{n:03}"), if n % 3 == 0 { "Closed" } else { "Current" }, "PO")).collect();
    let file = env.write("orders.ndjson", &ndjson(&orders));
    assert_counts(&env.run(&["admin", "import", "--customer", &by_cli.customer_id, &file, "--json"]).assert_success(), 200, 0);
    let (server, admin) = serve_with_admin(&env);
    let url = format!("{admin}/admin/v1/customers/{}/imports", over_http.customer_id);
    let (status, body) = send(reqwest::Method::POST, url, &token, "application/x-ndjson", std::fs::read_to_string(&file).unwrap());
    assert_eq!((status, serde_json::from_str::<Value>(&body).unwrap()), (200, json!({"created": 200, "updated": 0})), "{body}");
    let listed = |tenant: &Tenant| {
        let token = server.token(&tenant.client_id, &tenant.client_secret);
        server.get(&format!("{ORDERS}?limit=1000&sort=id"), &token, &tenant.api_key).body
    };
    assert_eq!(listed(&over_http), listed(&by_cli));
}

env_tests!(tokens_are_made_listed_revoked_and_let_a_pipeline_write, an_import_over_http_gives_what_admin_import_gives);
