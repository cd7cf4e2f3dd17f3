//! The CSV export against the CLI's CSV, the live updates' stream and fragments, and the API's
//! errors in French.

use std::time::Duration;

use order_tracking::demo::generate::generate_orders;
use serde_json::Value;

use super::browser::signed_in;
use crate::harness::{Backend, ORDERS, TestApp, backend_tests};

backend_tests!(the_csv_export_is_the_clis_csv_of_every_page, a_change_reaches_an_open_page_as_an_event_and_a_fresh_row,);

async fn the_csv_export_is_the_clis_csv_of_every_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let orders: Vec<Value> = generate_orders(2300, 8).iter().map(|order| serde_json::to_value(order).unwrap()).collect();
    app.import(&tenant, &orders).await;
    let mut browser = signed_in(&app, &tenant, "buyer@example.com").await;
    for (portal_query, cli_filters) in [
        ("sort=-orderDate&offset=50&limit=10", vec!["--sort", "-orderDate"]),
        ("status=Closed&sort=site.address.city", vec!["--status", "Closed", "--sort", "site.address.city"]),
        ("site.address.city=Nowhere", vec!["--filter", "site.address.city=Nowhere"]),
    ] {
        let exported = browser.get(&format!("/portal/orders.csv?{portal_query}")).await;
        assert_eq!(exported.status, 200, "{portal_query}: {}", exported.body);
        assert_eq!(exported.header("content-type"), Some("text/csv; charset=utf-8"));
        assert!(exported.header("content-disposition").unwrap().starts_with("attachment"));
        let home = tempfile::tempdir().unwrap();
        let mut args = vec!["orders", "list", "--all", "--format", "csv"];
        args.extend(cli_filters);
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_order-tracking"));
        command
            .args(&args)
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env("ORDER_TRACKING_URL", app.url(""))
            .env("ORDER_TRACKING_CLIENT_ID", &tenant.client_id)
            .env("ORDER_TRACKING_CLIENT_SECRET", &tenant.client_secret)
            .env("ORDER_TRACKING_API_KEY", &tenant.api_key);
        // Off the async threads, which serve the calls it makes.
        let cli = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
        drop(home);
        assert!(cli.status.success(), "{args:?}: {}", String::from_utf8_lossy(&cli.stderr));
        let cli_csv = String::from_utf8(cli.stdout).unwrap();
        assert_eq!(exported.body, cli_csv, "{portal_query}");
        let rows = exported.body.lines().count();
        if portal_query.starts_with("sort=-orderDate") {
            // Every page: beyond the 1,000 a batch holds, whatever the page's offset and limit.
            assert!(rows > 2300, "{rows} lines (header and rows; cells may hold line breaks)");
        }
    }
}

async fn a_change_reaches_an_open_page_as_an_event_and_a_fresh_row(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let orders = generate_orders(5, 4);
    let values: Vec<Value> = orders.iter().map(|order| serde_json::to_value(order).unwrap()).collect();
    app.import(&tenant, &values).await;
    let mut browser = signed_in(&app, &tenant, "buyer@example.com").await;
    let page = browser.get("/portal/orders").await;
    let after = page.body.split(r#"data-live-after=""#).nth(1).and_then(|rest| rest.split('"').next()).expect("where the stream starts");
    assert_eq!(after, "5", "after the import's five events");
    assert!(page.body.contains(r#"<script src="/portal/assets/live.js" defer"#));
    let script = browser.get("/portal/assets/live.js").await;
    assert!(script.body.contains("EventSource") && script.header("content-type").unwrap().starts_with("text/javascript"));

    // The stream, as the page's script opens it: with the session's cookie.
    let cookie = browser.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ");
    let response = reqwest::Client::new()
        .get(app.url(&format!("/portal/events?after={after}")))
        .header("cookie", cookie)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut changed = values[2].clone();
    changed["request"]["status"] = "Held".into();
    changed["lastUpdateDate"] = "2026-12-01T10:00:00Z".into();
    app.import(&tenant, &[changed]).await;
    let mut response = response;
    let mut seen = String::new();
    let event = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(data) = seen.lines().find_map(|line| line.strip_prefix("data:")) {
                return serde_json::from_str::<Value>(data.trim()).unwrap();
            }
        }
        panic!("the stream ended: {seen}");
    })
    .await
    .expect("the change arrives within 2 s");
    let id = event["event"]["order"]["id"].as_str().unwrap();
    assert_eq!(id, orders[2].id);
    let row = browser.get(&format!("/portal/orders/{id}?part=row")).await;
    assert!(row.body.starts_with(&format!(r#"<tr id="order-{id}""#)), "{}", row.body);
    assert!(row.body.contains(">Held<"), "the fresh row: {}", row.body);
    let article = browser.get(&format!("/portal/orders/{id}?part=order")).await;
    assert!(article.body.starts_with(r#"<article class="order""#) && article.body.contains("Held"));
    // Signed out, no stream.
    let refused = reqwest::get(app.url("/portal/events")).await.unwrap();
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn api_errors_are_described_in_french_when_asked() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let tenant = app.tenant("Acme").await;
    let english = app.get_with(ORDERS, &[]).await;
    let french = app.get_with(ORDERS, &[("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")]).await;
    assert_eq!((english.status, english.code()), (french.status, french.code()));
    assert_eq!(english.json()["message"], french.json()["message"], "the label stays");
    assert!(english.json()["description"].as_str().unwrap().starts_with("The service needs credentials"));
    assert!(french.json()["description"].as_str().unwrap().starts_with("Le service demande des identifiants"), "{}", french.body);
    assert_eq!(french.header("content-language"), Some("fr"));
    // Compressed answers too; and a call that prefers English, or names neither, stays English.
    let compressed = app.get_with(ORDERS, &[("accept-language", "fr"), ("accept-encoding", "gzip")]).await;
    assert!(compressed.json()["description"].as_str().unwrap().starts_with("Le service"), "{}", compressed.body);
    for other in ["en, fr;q=0.8", "de"] {
        let answer = app.get_with(ORDERS, &[("accept-language", other)]).await;
        assert!(answer.json()["description"].as_str().unwrap().starts_with("The service"), "{other}");
    }
    let token = app.token(&tenant).await;
    let credentials =
        [("authorization", format!("Bearer {token}")), ("x-api-key", tenant.api_key.clone()), ("accept-language", "fr".into())];
    let credentials: Vec<(&str, &str)> = credentials.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let missing = app.get_with(&format!("{ORDERS}/nope"), &credentials).await;
    assert_eq!(missing.code(), 60);
    assert!(missing.json()["description"].as_str().unwrap().starts_with("Aucune commande \"nope\""), "{}", missing.body);
    let bad = app.get_with(&format!("{ORDERS}?limit=0"), &credentials).await;
    assert_eq!(bad.code(), 28);
    assert!(bad.json()["description"].as_str().unwrap().starts_with("Paramètre de requête « limit » invalide"), "{}", bad.body);
}
