//! Tenant isolation: a customer never sees another's orders, and another's order looks
//! exactly like one that exists nowhere (contract §1).

use crate::harness::{Backend, ORDERS, TestApp, backend_tests, order};

async fn a_customer_lists_only_its_own_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    app.import(&acme, &[order("1"), order("2")]).await;
    app.import(&other, &[order("2"), order("3")]).await;

    let acme_list = app.get_as(&acme, ORDERS).await;
    assert_eq!(acme_list.ids(), ["1", "2"]);
    assert_eq!(acme_list.header("x-total-count"), Some("2"));
    let other_list = app.get_as(&other, &format!("{ORDERS}?id=1,2,3")).await;
    assert_eq!(other_list.ids(), ["2", "3"]);
}

async fn another_customers_order_answers_like_a_missing_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    app.import(&acme, &[order("100001")]).await;

    let foreign = app.get_as(&other, &format!("{ORDERS}/100001")).await;
    let missing = app.get_as(&other, &format!("{ORDERS}/100002")).await;
    assert_eq!((foreign.status, foreign.code()), (404, 60));
    assert_eq!(foreign.status, missing.status);
    assert_eq!(foreign.header("content-type"), missing.header("content-type"));
    assert_eq!(foreign.body.replace("100001", "ID"), missing.body.replace("100002", "ID"));
    assert_eq!(app.get_as(&acme, &format!("{ORDERS}/100001")).await.status, 200, "the owner sees it");
}

async fn same_order_ids_in_two_customers_stay_apart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let mut acme_order = order("7");
    acme_order["request"]["customerReference"] = "ACME-PO".into();
    let mut other_order = order("7");
    other_order["request"]["customerReference"] = "OTHER-PO".into();
    app.import(&acme, &[acme_order]).await;
    app.import(&other, &[other_order]).await;

    let seen = app.get_as(&acme, &format!("{ORDERS}/7")).await.json();
    assert_eq!(seen["request"]["customerReference"], "ACME-PO");
    let filtered = app.get_as(&acme, &format!("{ORDERS}?request.customerReference=OTHER-PO")).await;
    assert_eq!(filtered.ids(), Vec::<String>::new());
    assert_eq!(filtered.header("x-total-count"), Some("0"));
}

async fn a_customer_filtering_on_array_fields_sees_only_its_own_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let mut with_survey = order("9");
    with_survey["appointments"] = serde_json::json!([{"type": "Survey"}]);
    app.import(&other, &[with_survey]).await;
    app.import(&acme, &[order("9")]).await;
    assert_eq!(app.get_as(&acme, &format!("{ORDERS}?appointments.type=Survey")).await.ids(), Vec::<String>::new());
    assert_eq!(app.get_as(&other, &format!("{ORDERS}?appointments.type=Survey")).await.ids(), ["9"]);
}

backend_tests!(
    a_customer_lists_only_its_own_orders,
    another_customers_order_answers_like_a_missing_one,
    same_order_ids_in_two_customers_stay_apart,
    a_customer_filtering_on_array_fields_sees_only_its_own_orders,
);
