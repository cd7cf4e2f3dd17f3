//! Orange's error model and the headers of every answer (contract §7), and the service routes.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sqlx::{Connection, SqliteConnection};

use crate::harness::{Backend, ORDERS, TestApp, backend_tests, order};

async fn raw_connection(app: &TestApp) -> SqliteConnection {
    SqliteConnection::connect(&app.database.url).await.expect("the test opens the database")
}

async fn every_answer_carries_a_unique_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let mut seen = HashSet::new();
    let answers = [
        app.get_with("/healthz", &[]).await,
        app.get_with("/nowhere", &[]).await,
        app.get_with(ORDERS, &[]).await,
        app.get_as(&tenant, ORDERS).await,
        app.request_token(&tenant.client_id, "wrong").await,
    ];
    for answer in answers {
        let id = answer.header("x-oapi-request-id").expect("a request id").to_owned();
        assert!(id.len() >= 16, "{id}");
        assert!(seen.insert(id), "request ids are unique");
    }
}

async fn an_unknown_path_is_404_code_60(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/nowhere", "/order-tracking/b2b/v2/orders", "/order-tracking/b2b/v1/orders/1/extra"] {
        let answer = app.get_with(path, &[]).await;
        assert_eq!((answer.status, answer.code()), (404, 60), "{path}");
        assert_eq!(answer.json()["message"], "Resource not found");
    }
}

async fn a_wrong_method_is_405_code_61_with_allow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (method, path) in
        [(reqwest::Method::DELETE, ORDERS), (reqwest::Method::POST, "/order-tracking/b2b/v1/orders/1"), (reqwest::Method::PUT, "/healthz")]
    {
        let answer = crate::harness::answer(app.http.request(method.clone(), app.url(path)).send().await.unwrap()).await;
        assert_eq!((answer.status, answer.code()), (405, 61), "{method} {path}");
        assert!(answer.header("allow").unwrap().contains("GET"), "{method} {path}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
}

async fn an_accept_that_excludes_json_is_406_code_62(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let bearer = format!("Bearer {token}");
    for accept in ["text/html", "application/xml", "application/json;q=0"] {
        let answer = app.get_with(ORDERS, &[("authorization", &bearer), ("x-api-key", &tenant.api_key), ("accept", accept)]).await;
        assert_eq!((answer.status, answer.code()), (406, 62), "{accept}");
    }
    for accept in ["application/json", "*/*", "text/html, application/json;q=0.9", "application/*", ""] {
        let answer = app.get_with(ORDERS, &[("authorization", &bearer), ("x-api-key", &tenant.api_key), ("accept", accept)]).await;
        assert_eq!(answer.status, 200, "{accept:?}");
    }
    // Several Accept fields make one list.
    let answer = app
        .get_with(
            ORDERS,
            &[("authorization", &bearer), ("x-api-key", &tenant.api_key), ("accept", "text/html"), ("accept", "application/json")],
        )
        .await;
    assert_eq!(answer.status, 200);
}

async fn an_oversized_body_is_413_code_66(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = format!("grant_type=client_credentials&pad={}", "x".repeat(64 * 1024));
    let response =
        app.http.post(app.url("/oauth/v3/token")).header("content-type", "application/x-www-form-urlencoded").body(body).send().await;
    let answer = crate::harness::answer(response.unwrap()).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert_eq!(answer.json()["error"], "invalid_request");
}

async fn a_too_long_uri_is_414_code_67(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let answer = app.get_with(&format!("{ORDERS}?status={}", "C".repeat(10 * 1024)), &[]).await;
    assert_eq!((answer.status, answer.code()), (414, 67));
}

async fn oversized_header_fields_are_431_code_26(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let big = "x".repeat(9 * 1024);
    let answer = app.get_with(ORDERS, &[("x-one", &big), ("x-two", &big)]).await;
    assert_eq!((answer.status, answer.code()), (431, 26), "{}", answer.body);
    assert!(answer.json()["description"].as_str().unwrap().contains("16384 allowed"), "{}", answer.body);
    // Below the limit the headers pass (and the call fails for want of credentials, as usual).
    assert_eq!(app.get_with(ORDERS, &[("x-one", &big)]).await.code(), 40);
}

async fn an_unexpected_failure_is_500_code_1_without_internal_detail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    app.import(&tenant, &[order("1")]).await;
    app.database.execute("DROP TABLE order_milestones").await.unwrap();
    let answer = app.get_as(&tenant, &format!("{ORDERS}?milestones.date.gte=2026-01-01")).await;
    assert_eq!((answer.status, answer.code()), (500, 1), "{}", answer.body);
    assert_eq!(answer.json()["message"], "Internal error");
    for leak in ["milestones", "sqlite", "SQL", "table"] {
        assert!(!answer.body.contains(leak), "{leak} leaks into {}", answer.body);
    }
}

/// Another process holding the SQLite database exclusively, as a stuck backup tool would. It
/// gets the lock once the server's idle connections have closed (the app's idle timeout must be short).
async fn lock_exclusively(app: &TestApp) -> SqliteConnection {
    let mut holder = raw_connection(app).await;
    sqlx::query("PRAGMA locking_mode = EXCLUSIVE").execute(&mut holder).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await.is_err() {
        assert!(Instant::now() < deadline, "the test could not lock the database");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sqlx::query("UPDATE customers SET name = name").execute(&mut holder).await.unwrap();
    holder
}

/// A request that outlives the request timeout (here: stuck behind a lock the database would wait
/// 30 s for) is answered 408 code 63.
#[tokio::test]
async fn a_request_past_the_timeout_is_408_code_63() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.store.timeout = Duration::from_secs(30);
        config.store.connect_timeout = Duration::from_secs(30);
        config.store.idle_timeout = Duration::from_millis(100);
        config.request_timeout = Duration::from_millis(300);
        // The webhook deliverer's poll would keep a connection from ever being idle that long.
        config.webhooks.poll_every = Duration::from_secs(3600);
    })
    .await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;
    let mut holder = lock_exclusively(&app).await;
    let answer = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
    assert_eq!((answer.status, answer.code()), (408, 63), "{}", answer.body);
    assert!(answer.header("x-oapi-request-id").is_some());
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
}

/// SQLite only: a PostgreSQL outage is tested through a cut connection (`outage.rs`).
#[tokio::test]
async fn a_locked_sqlite_database_is_503_code_5_and_service_resumes_after() {
    let backend = Backend::Sqlite;
    let app = TestApp::spawn_with(backend, |config| {
        config.store.timeout = Duration::from_millis(200);
        config.store.idle_timeout = Duration::from_millis(100);
        config.webhooks.poll_every = Duration::from_secs(3600);
    })
    .await;
    let tenant = app.tenant("Acme").await;
    let token = app.token(&tenant).await;

    let mut holder = lock_exclusively(&app).await;

    let answer = app.get_authorized(&token, &tenant.api_key, ORDERS).await;
    assert_eq!((answer.status, answer.code()), (503, 5), "{}", answer.body);
    assert!(answer.header("retry-after").is_some());
    assert_eq!(app.get_with("/readyz", &[]).await.status, 503);
    assert_eq!(app.get_with("/healthz", &[]).await.status, 200, "liveness does not depend on the database");

    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
    assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
    assert_eq!(app.get_with("/readyz", &[]).await.status, 200);
}

async fn the_openapi_document_describes_every_endpoint(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let answer = app.get_with("/order-tracking/b2b/v1/openapi.json", &[]).await;
    assert_eq!(answer.status, 200);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/oauth/v3/token",
        ORDERS,
        "/order-tracking/b2b/v1/orders/{orderId}",
        "/healthz",
        "/readyz",
        "/order-tracking/b2b/v1/openapi.json",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path} is described");
    }
    let list = &document["paths"][ORDERS]["get"];
    let parameters: Vec<&str> = list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in ["offset", "limit", "sort", "fields", "status", "orderDate.gte", "appointments.status", "filters", "dateFilters"] {
        assert!(parameters.contains(&name), "{name} is documented");
    }
    assert_eq!(document["servers"][0]["url"], app.url(""), "the server it was fetched from");
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"), "any page may load the document");
    for status in ["200", "304", "400", "401", "403", "406", "429", "503"] {
        assert!(list["responses"][status].is_object(), "response {status} is documented");
    }
    assert!(list["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
    assert!(list["responses"]["503"]["headers"]["Retry-After"].is_object());
    let detail = &document["paths"]["/order-tracking/b2b/v1/orders/{orderId}"]["get"];
    for status in ["200", "304", "404"] {
        assert!(detail["responses"][status]["headers"]["X-OAPI-Request-Id"].is_object(), "request id on {status}");
    }
    assert_eq!(
        document["paths"]["/oauth/v3/token"]["post"]["responses"]["500"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/OAuthErrorBody"
    );
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in ["Order", "ErrorBody", "TokenResponse", "Appointment", "Milestone"] {
        assert!(schemas.contains_key(schema), "schema {schema}");
    }
}

async fn probes_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get_with("/healthz", &[]).await.json()["status"], "ok");
    assert_eq!(app.get_with("/readyz", &[]).await.json()["status"], "ready");
}

async fn an_undecodable_order_id_is_400_code_20(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let answer = app.get_as(&tenant, &format!("{ORDERS}/%FF%FE")).await;
    assert_eq!((answer.status, answer.code()), (400, 20), "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

async fn nul_characters_are_refused_before_the_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let answer = app.get_as(&tenant, &format!("{ORDERS}?site.address.city=a%00b")).await;
    assert_eq!((answer.status, answer.code()), (400, 28), "{}", answer.body);
    assert!(answer.json()["description"].as_str().unwrap().contains("'site.address.city'"));
    let answer = app.get_as(&tenant, &format!("{ORDERS}/a%00b")).await;
    assert_eq!((answer.status, answer.code()), (404, 60), "{}", answer.body);
    let answer = app.request_token(&format!("{}\0", tenant.client_id), &tenant.client_secret).await;
    assert_eq!((answer.status, answer.json()["error"].as_str()), (401, Some("invalid_client")), "{}", answer.body);
}

backend_tests!(
    nul_characters_are_refused_before_the_database,
    every_answer_carries_a_unique_request_id,
    an_unknown_path_is_404_code_60,
    a_wrong_method_is_405_code_61_with_allow,
    an_accept_that_excludes_json_is_406_code_62,
    an_oversized_body_is_413_code_66,
    a_too_long_uri_is_414_code_67,
    oversized_header_fields_are_431_code_26,
    an_unexpected_failure_is_500_code_1_without_internal_detail,
    the_openapi_document_describes_every_endpoint,
    probes_answer,
    an_undecodable_order_id_is_400_code_20,
);
