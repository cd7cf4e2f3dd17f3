//! The client library (`order-tracking-client`) against the real server, on both backends: its
//! typed orders read back exactly what the server serves, its stream follows pages to the end,
//! and its errors carry Orange's code and the request id.

use futures_util::TryStreamExt;
use order_tracking::demo::generate::generate_orders;
use order_tracking_client::{Client, Credentials, Error, Fetched, Op, OrderQuery};
use serde_json::Value;

use crate::harness::{Backend, ORDERS, Tenant, TestApp, backend_tests};

backend_tests!(
    the_stream_equals_the_full_list_for_any_page_size,
    typed_orders_read_back_exactly_what_the_server_serves,
    errors_carry_the_code_and_the_request_id,
    a_conditional_get_of_an_unchanged_order_is_not_modified,
);

fn client(app: &TestApp, tenant: &Tenant, api_key: &str) -> Client {
    let credentials =
        Credentials { client_id: tenant.client_id.clone(), client_secret: tenant.client_secret.clone().into(), api_key: api_key.into() };
    Client::builder(app.url(""), credentials).build().expect("a client")
}

async fn app_with_orders(backend: Backend, count: usize) -> (TestApp, Tenant) {
    let app = TestApp::spawn(backend).await;
    let tenant = app.tenant("streamed").await;
    let orders: Vec<Value> = generate_orders(count, 11).iter().map(|order| serde_json::to_value(order).expect("JSON")).collect();
    app.import(&tenant, &orders).await;
    (app, tenant)
}

async fn the_stream_equals_the_full_list_for_any_page_size(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 137).await;
    let client = client(&app, &tenant, &tenant.api_key);
    let cases = [
        (OrderQuery::new(), "limit=1000"),
        (OrderQuery::new().limit(10), "limit=1000"),
        (OrderQuery::new().status("Closed").sort_desc("orderDate").limit(9), "status=Closed&sort=-orderDate&limit=1000"),
        (
            OrderQuery::new().filter("orderDate", Op::Gte, "2026-06-01").sort_asc("site.name").offset(5).limit(7),
            "orderDate.gte=2026-06-01&sort=site.name&offset=5&limit=1000",
        ),
        (OrderQuery::new().offset(500).limit(3), "offset=500"),
    ];
    for (query, expected_query) in cases {
        let what = query.query_string();
        let streamed: Vec<Value> =
            client.stream(query).map_ok(|order| serde_json::to_value(order).expect("JSON")).try_collect().await.expect("the stream ends");
        let expected = app.get_as(&tenant, &format!("{ORDERS}?{expected_query}")).await.json();
        assert_eq!(Value::Array(streamed), expected, "{what}");
    }
}

async fn typed_orders_read_back_exactly_what_the_server_serves(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 60).await;
    let client = client(&app, &tenant, &tenant.api_key);
    let page = client.list(&OrderQuery::new().limit(1000)).await.expect("a page");
    assert_eq!(page.total_count, Some(60));
    assert!(page.etag.is_some() && page.request_id.is_some());
    let served = app.get_as(&tenant, &format!("{ORDERS}?limit=1000")).await.json();
    assert_eq!(serde_json::to_value(&page.orders).expect("JSON"), served);
    for order in page.orders.iter().take(5) {
        let detail = client.order(&order.id).await.expect("the order");
        assert_eq!(&detail, order);
        assert!(detail.other.is_empty(), "a field the client does not know: {:?}", detail.other);
    }
}

async fn errors_carry_the_code_and_the_request_id(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 1).await;
    let error = client(&app, &tenant, "otk_not-a-key").list(&OrderQuery::new()).await.expect_err("an unknown key");
    assert_eq!((error.status(), error.code()), (Some(401), Some(41)), "{error}");
    let request_id = error.request_id().expect("a request id").to_owned();
    assert!(error.to_string().contains(&request_id), "{error}");

    let error = client(&app, &tenant, &tenant.api_key).order("no-such-order").await.expect_err("an unknown order");
    assert_eq!((error.status(), error.code()), (Some(404), Some(60)), "{error}");

    let error =
        client(&app, &tenant, &tenant.api_key).list(&OrderQuery::new().filter("nope", Op::Eq, "x")).await.expect_err("an unknown field");
    assert!(matches!(&error, Error::Api(api) if api.code == Some(28) && api.description.contains("nope")), "{error:?}");
}

async fn a_conditional_get_of_an_unchanged_order_is_not_modified(backend: Backend) {
    let (app, tenant) = app_with_orders(backend, 3).await;
    let client = client(&app, &tenant, &tenant.api_key);
    let id = client.list(&OrderQuery::new().limit(1)).await.expect("a page").orders[0].id.clone();
    let Fetched::Modified { etag: Some(etag), .. } = client.order_if_changed(&id, None).await.expect("the order") else {
        panic!("an ETag")
    };
    assert_eq!(client.order_if_changed(&id, Some(&etag)).await.expect("an answer"), Fetched::NotModified);
}
