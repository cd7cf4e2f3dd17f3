//! The answer cache: a repeated request is answered from memory, and never with anything older
//! than the orders committed when it started — an import moves the customer's orders version.

use crate::harness::{Backend, ORDERS, TestApp, backend_tests, order};

/// The answer cache's hits and misses so far.
async fn lookups(app: &TestApp) -> (f64, f64) {
    let text = app.get_with("/metrics", &[]).await.body;
    let count = |result: &str| {
        let series = format!("order_tracking_answer_cache_lookups_total{{result=\"{result}\"}} ");
        text.lines().find_map(|line| line.strip_prefix(&series)?.parse().ok()).unwrap_or(0.0)
    };
    (count("hit"), count("miss"))
}

async fn an_import_that_changes_orders_is_seen_at_once_and_one_that_does_not_keeps_the_cache(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    app.import(&acme, &[order("1"), order("2")]).await;
    let list = format!("{ORDERS}?status=Current&sort=-orderDate&limit=1");
    let get = |path: String| {
        let (app, token, key) = (&app, token.clone(), acme.api_key.clone());
        async move { app.get_authorized(&token, &key, &path).await }
    };

    let first = get(list.clone()).await;
    assert_eq!((first.ids(), first.header("x-total-count")), (vec!["1".to_owned()], Some("2")));
    assert_eq!(get(format!("{ORDERS}/2")).await.json()["status"], "Current");
    let again = get(list.clone()).await;
    assert_eq!(again.body, first.body);
    // Its headers are rendered again from what the cache keeps of them.
    assert!(first.header("link").is_some_and(|link| link.contains("rel=\"next\"")), "{:?}", first.header("link"));
    for name in ["etag", "x-result-count", "x-total-count", "link", "content-type"] {
        assert_eq!(again.header(name), first.header(name), "{name} of the cached answer");
    }
    assert_eq!(lookups(&app).await, (1.0, 2.0), "the repeated list is a hit");

    // The same orders again: nothing changes, the cached answers still hold.
    app.import(&acme, &[order("1"), order("2")]).await;
    assert_eq!(get(list.clone()).await.body, first.body);
    assert_eq!(lookups(&app).await, (2.0, 2.0));

    // A changed order and a new one: the next answers show them.
    let mut finished = order("2");
    finished["status"] = "Closed".into();
    app.import(&acme, &[finished, order("0")]).await;
    let after = get(list.clone()).await;
    assert_eq!((after.ids(), after.header("x-total-count")), (vec!["0".to_owned()], Some("2")), "order 2 closed, order 0 new");
    assert_ne!(after.header("etag"), first.header("etag"));
    assert_eq!(get(format!("{ORDERS}/2")).await.json()["status"], "Closed");
    assert_eq!(lookups(&app).await, (2.0, 4.0));
}

async fn answers_are_not_shared_between_customers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    app.import(&acme, &[order("1")]).await;
    app.import(&other, &[order("2")]).await;
    // Both customers are at the same orders version: only the customer tells them apart.
    assert_eq!(app.get_as(&acme, ORDERS).await.ids(), ["1"]);
    assert_eq!(app.get_as(&other, ORDERS).await.ids(), ["2"]);
    assert_eq!(app.get_as(&acme, &format!("{ORDERS}/1")).await.status, 200);
    assert_eq!(app.get_as(&other, &format!("{ORDERS}/1")).await.status, 404);
}

async fn with_no_cache_every_request_reads_the_database(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.answer_cache_bytes = 0).await;
    let acme = app.tenant("Acme").await;
    app.import(&acme, &[order("1")]).await;
    for _ in 0..2 {
        assert_eq!(app.get_as(&acme, ORDERS).await.ids(), ["1"]);
    }
    assert_eq!(lookups(&app).await, (0.0, 2.0));
}

backend_tests!(
    an_import_that_changes_orders_is_seen_at_once_and_one_that_does_not_keeps_the_cache,
    answers_are_not_shared_between_customers,
    with_no_cache_every_request_reads_the_database,
);
