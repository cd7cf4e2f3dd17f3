//! The list and detail endpoints (contract §6): headers, paging links, entity tags, fields,
//! and the refusal of bad parameters.

use serde_json::json;

use crate::harness::{Backend, ORDERS, Tenant, TestApp, backend_tests, order};

async fn app_with_orders(backend: Backend, count: usize) -> (TestApp, Tenant) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let orders: Vec<_> = (0..count).map(|i| order(&format!("{:03}", i))).collect();
    app.import(&tenant, &orders).await;
    (app, tenant)
}

async fn a_list_answers_json_with_counts_and_links(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 45).await;
    let answer = app.get_as(&tenant, &format!("{ORDERS}?status=Current&offset=20&limit=10")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json; charset=UTF-8"));
    assert_eq!(answer.header("x-result-count"), Some("10"));
    assert_eq!(answer.header("x-total-count"), Some("45"));
    assert_eq!(answer.ids(), (20..30).map(|i| format!("{i:03}")).collect::<Vec<_>>());
    let link = answer.header("link").unwrap();
    for expected in [
        r#"</order-tracking/b2b/v1/orders?status=Current&offset=0&limit=10>; rel="first""#,
        r#"</order-tracking/b2b/v1/orders?status=Current&offset=10&limit=10>; rel="prev""#,
        r#"</order-tracking/b2b/v1/orders?status=Current&offset=30&limit=10>; rel="next""#,
        r#"</order-tracking/b2b/v1/orders?status=Current&offset=40&limit=10>; rel="last""#,
    ] {
        assert!(link.contains(expected), "{link} lacks {expected}");
    }
}

async fn the_first_and_last_pages_have_no_prev_and_no_next(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 5).await;
    let first = app.get_as(&tenant, &format!("{ORDERS}?limit=5")).await;
    let link = first.header("link").unwrap();
    assert!(!link.contains("rel=\"prev\"") && !link.contains("rel=\"next\""), "{link}");
}

async fn an_offset_past_the_end_is_an_empty_page(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 3).await;
    let answer = app.get_as(&tenant, &format!("{ORDERS}?offset=50")).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "[]"));
    assert_eq!(answer.header("x-result-count"), Some("0"));
    assert_eq!(answer.header("x-total-count"), Some("3"));
}

async fn the_default_limit_applies_and_is_configurable(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.limits.default_limit = 2).await;
    let tenant = app.tenant("Acme").await;
    app.import(&tenant, &[order("a"), order("b"), order("c")]).await;
    let answer = app.get_as(&tenant, ORDERS).await;
    assert_eq!(answer.ids(), ["a", "b"]);
    assert_eq!(answer.header("x-total-count"), Some("3"));
}

async fn an_unchanged_list_or_order_answers_304_to_its_etag(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 3).await;
    let token = app.token(&tenant).await;
    for path in [format!("{ORDERS}?sort=-id"), format!("{ORDERS}/001")] {
        let first = app.get_authorized(&token, &tenant.api_key, &path).await;
        let etag = first.header("etag").expect("an ETag").to_owned();
        let headers =
            [("authorization", format!("Bearer {token}")), ("x-api-key", tenant.api_key.clone()), ("if-none-match", etag.clone())];
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let again = app.get_with(&path, &headers).await;
        assert_eq!((again.status, again.body.as_str()), (304, ""));
        assert_eq!(again.header("etag"), Some(etag.as_str()));

        app.import(&tenant, &[json!({"id": "001", "status": "Closed", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": "3-x"}})])
            .await;
        let changed = app.get_with(&path, &headers).await;
        assert_eq!(changed.status, 200, "a changed answer has a new tag");
        assert_ne!(changed.header("etag"), Some(etag.as_str()));
        app.import(&tenant, &[order("001")]).await;
    }
}

async fn fields_selects_top_level_members_and_always_the_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let mut full = order("1");
    full["site"] = json!({"name": "Siège", "id": "S1", "address": {"city": "Paris"}});
    full["lastUpdateDate"] = "2026-04-01T00:00:00Z".into();
    app.import(&tenant, &[full, order("2")]).await;
    let answer = app.get_as(&tenant, &format!("{ORDERS}?fields=site,status,lastUpdateDate")).await;
    assert_eq!(
        answer.json(),
        json!([
            {"id": "1", "status": "Current", "lastUpdateDate": "2026-04-01T00:00:00Z", "site": {"id": "S1", "name": "Siège", "address": {"city": "Paris"}}},
            {"id": "2", "status": "Current"}
        ])
    );
    assert!(answer.body.starts_with(r#"[{"id":"1","status":"Current","lastUpdateDate""#), "schema order is kept: {}", answer.body);
}

/// As generated clients send lists: `fields` and `sort` repeated mean one comma list.
async fn fields_and_sort_given_several_times_join_as_one_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let mut orders: Vec<_> = (0..4).map(|i| order(&i.to_string())).collect();
    for (i, order) in orders.iter_mut().enumerate() {
        order["lastUpdateDate"] = format!("2026-04-0{}T00:00:00Z", 1 + i / 2).into();
    }
    app.import(&tenant, &orders).await;
    let repeated = app.get_as(&tenant, &format!("{ORDERS}?fields=status&fields=lastUpdateDate&sort=-lastUpdateDate&sort=id")).await;
    let joined = app.get_as(&tenant, &format!("{ORDERS}?fields=status,lastUpdateDate&sort=-lastUpdateDate,id")).await;
    assert_eq!((repeated.status, repeated.body.as_str()), (200, joined.body.as_str()));
    assert_eq!(repeated.ids(), ["2", "3", "0", "1"]);
    assert_eq!(repeated.json()[0], json!({"id": "2", "status": "Current", "lastUpdateDate": "2026-04-02T00:00:00Z"}));
    let twice = app.get_as(&tenant, &format!("{ORDERS}?sort=id&sort=-id")).await;
    assert_eq!((twice.status, twice.code()), (400, 28));
}

async fn the_detail_is_the_stored_order_normalized_to_utc(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("Acme").await;
    let mut sent = order("42");
    sent["orderDate"] = "2026-03-01T12:00:00+02:00".into();
    sent["appointments"] = json!([{"id": "A", "type": "Installation", "status": "Planned", "start": "2026-03-05T09:00:00+01:00"}]);
    app.import(&tenant, &[sent]).await;
    let answer = app.get_as(&tenant, &format!("{ORDERS}/42")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json; charset=UTF-8"));
    let body = answer.json();
    assert_eq!(body["orderDate"], "2026-03-01T10:00:00Z");
    assert_eq!(body["appointments"][0]["start"], "2026-03-05T08:00:00Z");
}

async fn bad_parameters_are_code_28_naming_the_parameter(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 2).await;
    let token = app.token(&tenant).await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=2.5", "offset"),
        ("colour=red", "colour"),
        ("status.like=C", "status.like"),
        ("sort=colour", "sort"),
        ("sort=appointments.start", "sort"),
        ("fields=colour", "fields"),
        ("orderDate.gt=yesterday", "orderDate.gt"),
        ("expectedCompletionDate=2026-02-30", "expectedCompletionDate"),
    ];
    for (query, parameter) in cases {
        let answer = app.get_authorized(&token, &tenant.api_key, &format!("{ORDERS}?{query}")).await;
        assert_eq!((answer.status, answer.code()), (400, 28), "{query}: {}", answer.body);
        let description = answer.json()["description"].as_str().unwrap().to_owned();
        assert!(description.contains(&format!("'{parameter}'")), "{query}: {description}");
    }
}

backend_tests!(
    a_list_answers_json_with_counts_and_links,
    the_first_and_last_pages_have_no_prev_and_no_next,
    an_offset_past_the_end_is_an_empty_page,
    the_default_limit_applies_and_is_configurable,
    an_unchanged_list_or_order_answers_304_to_its_etag,
    fields_selects_top_level_members_and_always_the_id,
    fields_and_sort_given_several_times_join_as_one_list,
    the_detail_is_the_stored_order_normalized_to_utc,
    bad_parameters_are_code_28_naming_the_parameter,
);
