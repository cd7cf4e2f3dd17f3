//! `GET /metrics`: the Prometheus text of the instance, counted from the requests it answered.

use crate::harness::{Backend, ORDERS, TestApp, backend_tests};

backend_tests!(metrics_count_requests_tokens_failures_and_show_the_pool,);

/// The value of the sample line that starts with `series ` (labels included).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics_count_requests_tokens_failures_and_show_the_pool(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Measured").await;
    let token = app.token(&tenant).await;
    for _ in 0..3 {
        assert_eq!(app.get_authorized(&token, &tenant.api_key, ORDERS).await.status, 200);
    }
    assert_eq!(app.get_authorized(&token, "otk_unknown", ORDERS).await.status, 401);
    assert_eq!(app.request_token(&tenant.client_id, "ots_wrong").await.status, 401);
    assert_eq!(app.get_authorized(&token, &tenant.api_key, &format!("{ORDERS}/nope")).await.status, 404);
    assert_eq!(app.get_with("/no/such/path/123", &[]).await.status, 404);

    // A scraper's Accept is not JSON: the metrics answer all the same.
    let answer = app.get_with("/metrics", &[("accept", "text/plain;version=0.0.4")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = answer.body;
    let expect = |series: &str, value: f64| assert_eq!(sample(&text, series), Some(value), "{series} in:\n{text}");
    expect(r#"order_tracking_http_requests_total{method="GET",route="/order-tracking/b2b/v1/orders",status="200"}"#, 3.0);
    expect(r#"order_tracking_http_requests_total{method="GET",route="/order-tracking/b2b/v1/orders",status="401"}"#, 1.0);
    expect(r#"order_tracking_http_requests_total{method="GET",route="/order-tracking/b2b/v1/orders/{orderId}",status="404"}"#, 1.0);
    expect(r#"order_tracking_http_requests_total{method="GET",route="unmatched",status="404"}"#, 1.0);
    expect(r#"order_tracking_http_request_duration_seconds_count{method="GET",route="/order-tracking/b2b/v1/orders"}"#, 4.0);
    expect("order_tracking_tokens_issued_total", 1.0);
    expect(r#"order_tracking_authentication_failures_total{code="41"}"#, 1.0);
    expect(r#"order_tracking_authentication_failures_total{code="invalid_client"}"#, 1.0);
    expect("order_tracking_db_pool_max_connections", 8.0);
    let idle = sample(&text, r#"order_tracking_db_pool_connections{state="idle"}"#).expect("idle connections");
    let in_use = sample(&text, r#"order_tracking_db_pool_connections{state="in_use"}"#).expect("connections in use");
    assert!(idle + in_use >= 1.0 && idle + in_use <= 8.0, "idle {idle}, in use {in_use}");
    // Each authenticated call read its credentials straight from the SQLite file; PostgreSQL
    // has no such reads.
    let direct = sample(&text, r#"order_tracking_sqlite_direct_reads_total{result="answered"}"#).expect("direct reads");
    match backend {
        Backend::Sqlite => assert!(direct >= 5.0, "{direct} direct reads for 5 authenticated calls"),
        Backend::Postgres => assert_eq!(direct, 0.0),
    }
    assert!(text.ends_with("# EOF\n"), "OpenMetrics text ends with # EOF");
}
