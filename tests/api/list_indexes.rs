//! Lists from the in-memory indexes: a customer too large to be indexed by the list that needs
//! it is indexed in the background, its orderings too, and meanwhile and afterwards every list
//! answers as SQL does, before and after an import moves the orders version.

use std::time::{Duration, Instant};

use order_tracking::domain::order::{Order, OrderStatus};
use order_tracking::query::{Limits, parse_query};
use order_tracking::store::{OrderPage, Store};

use crate::harness::{Backend, TestApp, backend_tests};

/// Past the orders a list loads an index for while it waits (10,000).
const ORDERS: usize = 12_000;

/// Lists of every shape the index answers: filters passed over, found in an ordering, tested
/// one by one; sorts walked, selected, on several keys, with missing values; deep offsets.
fn lists(orders: &[Order]) -> Vec<String> {
    let city = orders[7].site.as_ref().and_then(|site| site.address.as_ref()?.city.clone()).expect("a city");
    let code = orders[11].product.as_ref().and_then(|product| product.code.clone()).expect("a product code");
    let reference = orders[13].request.customer_reference.clone().expect("a customer reference");
    let day = orders[17].order_date.date();
    let mut ids: Vec<&str> = orders.iter().map(|order| order.id.as_str()).collect();
    ids.sort_unstable();
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    vec![
        "status=Current&sort=-orderDate&limit=20".to_owned(),
        "status=Current&sort=-orderDate&offset=7000&limit=30".to_owned(),
        format!("site.address.city={}&sort=request.customerReference&offset=100&limit=30", encode(&city)),
        format!("product.code={}&sort=status,-orderDate&offset=40", encode(&code)),
        format!("orderDate.gte={day}&orderDate.lte={}&sort=status,-orderDate", day + time::Duration::days(30)),
        format!("lastUpdateDate.gte={day}&sort=-lastUpdateDate&offset=20"),
        format!("request.customerReference={}", encode(&reference)),
        "site.address.country.ne=FR&sort=site.address.city&offset=500".to_owned(),
        format!("expectedCompletionDate.lt={day}&sort=-completionDate,id&limit=50"),
        format!("id.gte={}&limit=50", encode(ids[ORDERS / 2])),
        "sort=-id&offset=11990".to_owned(),
        "action=Add,Move&status.ne=Closed&sort=-lastUpdateDate,site.name&offset=60".to_owned(),
        "sort=site.name,-orderDate&offset=3000&limit=100".to_owned(),
        "status=Closed&site.address.city.gt=M&orderDate.lt=2026-01-01&sort=-orderDate&offset=13".to_owned(),
    ]
}

/// Every list of `lists` answered alike by the store with indexes and the one without: each
/// page's documents and total. Returns how many the indexes answered.
async fn compare(indexed: &dyn Store, plain: &dyn Store, customer_id: &str, lists: &[String]) -> u64 {
    compare_at(indexed, plain, customer_id, lists, None).await
}

/// As [`compare`], the indexed store told the orders version the caller read (`known_version`).
async fn compare_at(indexed: &dyn Store, plain: &dyn Store, customer_id: &str, lists: &[String], known_version: Option<i64>) -> u64 {
    let answered = indexed.list_index_usage().answered;
    for raw in lists {
        let query = list_query(raw);
        let ours = indexed.list_orders(customer_id, &query, known_version).await.unwrap();
        let sql = plain.list_orders(customer_id, &query, None).await.unwrap();
        assert_same_page(&ours, &sql, raw);
    }
    indexed.list_index_usage().answered - answered
}

fn list_query(raw: &str) -> order_tracking::query::OrderQuery {
    parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).expect("a valid list")
}

fn assert_same_page(ours: &OrderPage, expected: &OrderPage, raw: &str) {
    assert_eq!(ours.total, expected.total, "total of {raw}");
    let ids = |page: &OrderPage| -> Vec<String> {
        page.orders.iter().map(|order| serde_json::from_str::<serde_json::Value>(order.as_str()).unwrap()["id"].to_string()).collect()
    };
    assert_eq!(ids(ours), ids(expected), "ids of the page of {raw}");
    assert!(ours.orders == expected.orders, "documents of the page of {raw}");
}

/// The customer's orders version as a caller reads it: with its credentials.
async fn orders_version(app: &TestApp, tenant: &crate::harness::Tenant) -> i64 {
    let answer = app.request_token(&tenant.client_id, &tenant.client_secret).await;
    let token: serde_json::Value = serde_json::from_str(&answer.body).expect("a token answer");
    let key = order_tracking::auth::secret::access_token_key(token["access_token"].as_str().expect("a token")).expect("a token's key");
    let (token, _) = app.store.find_call_credentials(&key, None).await.unwrap();
    token.expect("the token just issued").orders_version
}

/// Compares rounds of every list until a whole round came from the indexes and they stopped
/// growing (the orderings lists asked for are built).
async fn compare_until_indexed(indexed: &dyn Store, plain: &dyn Store, customer_id: &str, lists: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut bytes = 0;
    loop {
        let answered = compare(indexed, plain, customer_id, lists).await;
        let now = indexed.list_index_usage().bytes;
        if answered == lists.len() as u64 && now == bytes {
            return;
        }
        bytes = now;
        assert!(Instant::now() < deadline, "the index never answered every list: {answered} of {} in the last round", lists.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_large_customer_is_indexed_in_the_background_and_answers_as_sql_before_and_after_an_import(backend: Backend) {
    let indexed = TestApp::spawn(backend).await;
    let plain = TestApp::spawn_on(indexed.database.clone(), |config| config.store.list_index_bytes = 0).await;
    let tenant = indexed.tenant("Large").await;
    let mut orders = order_tracking::demo::generate::generate_orders(ORDERS, 5);
    indexed.store.import_orders(&tenant.customer_id, orders.clone()).await.unwrap();
    let lists = lists(&orders);

    // The first lists load the index in the background and are answered from SQL meanwhile.
    assert_eq!(compare(indexed.store.as_ref(), plain.store.as_ref(), &tenant.customer_id, &lists[..1]).await, 0);
    compare_until_indexed(indexed.store.as_ref(), plain.store.as_ref(), &tenant.customer_id, &lists).await;
    let kept = indexed.store.document_cache_usage();
    assert!(kept.hits > 0 && kept.bytes > 0, "the pages' documents were kept and found again: {kept:?}");

    // An import changes statuses, cities and dates of some orders: from the next list on, no
    // answer shows the orders as they were.
    for (position, order) in orders.iter_mut().enumerate().filter(|(position, _)| position % 23 == 0) {
        order.status = match order.status {
            OrderStatus::Current => OrderStatus::Closed,
            OrderStatus::Closed => OrderStatus::Current,
        };
        order.order_date += time::Duration::days(position as i64 % 40);
        if let Some(address) = order.site.as_mut().and_then(|site| site.address.as_mut()) {
            address.city = Some("Zanzibar".into());
        }
    }
    indexed.store.import_orders(&tenant.customer_id, orders).await.unwrap();
    compare(indexed.store.as_ref(), plain.store.as_ref(), &tenant.customer_id, &lists).await;
    compare_until_indexed(indexed.store.as_ref(), plain.store.as_ref(), &tenant.customer_id, &lists).await;
    // The orders the import left alone kept their documents, found again in memory.
    assert!(indexed.store.document_cache_usage().hits > kept.hits);
}

/// A document cache smaller than a page drops documents while a page is read, and every page
/// is still the one SQL finds, two customers' pages taking turns in it.
async fn a_document_cache_too_small_for_a_page_answers_as_sql(backend: Backend) {
    let indexed = TestApp::spawn_with(backend, |config| config.store.document_cache_bytes = 4096).await;
    let plain = TestApp::spawn_on(indexed.database.clone(), |config| config.store.list_index_bytes = 0).await;
    let (first, second) = (indexed.tenant("First").await, indexed.tenant("Second").await);
    let (first_orders, second_orders) =
        (order_tracking::demo::generate::generate_orders(300, 9), order_tracking::demo::generate::generate_orders(300, 10));
    indexed.store.import_orders(&first.customer_id, first_orders.clone()).await.unwrap();
    indexed.store.import_orders(&second.customer_id, second_orders.clone()).await.unwrap();
    let lists = [lists_of_few(&first_orders), lists_of_few(&second_orders)];
    for _round in 0..3 {
        for (tenant, lists) in [&first, &second].into_iter().zip(&lists) {
            assert_eq!(compare(indexed.store.as_ref(), plain.store.as_ref(), &tenant.customer_id, lists).await, lists.len() as u64);
        }
    }
    let kept = indexed.store.document_cache_usage();
    assert!(kept.bytes <= 4096 && kept.hits > 0, "{kept:?}");
}

/// A list told the orders version its caller read is answered from the index of that version
/// without reading the version again; told another, it reads the stored one and answers as SQL.
async fn a_list_at_the_callers_orders_version_reads_no_version_and_any_other_answers_as_sql(backend: Backend) {
    let indexed = TestApp::spawn(backend).await;
    let plain = TestApp::spawn_on(indexed.database.clone(), |config| config.store.list_index_bytes = 0).await;
    let tenant = indexed.tenant("Versions").await;
    let mut orders = order_tracking::demo::generate::generate_orders(400, 12);
    indexed.store.import_orders(&tenant.customer_id, orders.clone()).await.unwrap();
    let before = orders_version(&indexed, &tenant).await;
    let lists = lists_of_few(&orders);
    let (store, customer_id) = (indexed.store.as_ref(), tenant.customer_id.as_str());
    assert_eq!(compare_at(store, plain.store.as_ref(), customer_id, &lists, Some(before)).await, lists.len() as u64);
    let mut pages_before = Vec::new();
    for raw in &lists {
        // Its documents are in memory now: on SQLite, a read of the version would show here.
        let reads = store.pool_usage().direct_reads;
        pages_before.push(store.list_orders(customer_id, &list_query(raw), Some(before)).await.unwrap());
        assert_eq!(store.pool_usage().direct_reads, reads, "no read for {raw}");
    }

    for order in orders.iter_mut().step_by(3) {
        order.status = match order.status {
            OrderStatus::Current => OrderStatus::Closed,
            OrderStatus::Closed => OrderStatus::Current,
        };
        order.last_update_date = Some(order.order_date + time::Duration::days(700));
    }
    indexed.store.import_orders(&tenant.customer_id, orders).await.unwrap();
    let after = orders_version(&indexed, &tenant).await;
    assert_ne!(after, before);
    // A caller that read the version before the import is answered as then, from the index it had.
    for (raw, page) in lists.iter().zip(&pages_before) {
        assert_same_page(&store.list_orders(customer_id, &list_query(raw), Some(before)).await.unwrap(), page, raw);
    }
    // One that read it after, or before once the index moved on, as the orders are now.
    compare_at(store, plain.store.as_ref(), customer_id, &lists, Some(after)).await;
    assert_eq!(compare_at(store, plain.store.as_ref(), customer_id, &lists, Some(before)).await, lists.len() as u64);
}

backend_tests!(
    a_large_customer_is_indexed_in_the_background_and_answers_as_sql_before_and_after_an_import,
    a_document_cache_too_small_for_a_page_answers_as_sql,
    a_list_at_the_callers_orders_version_reads_no_version_and_any_other_answers_as_sql,
);

/// Lists of a few hundred orders, each read from the index at once; the first twice in a row,
/// its five documents found again.
fn lists_of_few(orders: &[Order]) -> Vec<String> {
    let city = orders.iter().find_map(|order| order.site.as_ref()?.address.as_ref()?.city.clone()).expect("a city");
    vec![
        "sort=-orderDate&limit=5".to_owned(),
        "sort=-orderDate&limit=5".to_owned(),
        "sort=-orderDate&limit=20".to_owned(),
        "status=Current&sort=-orderDate&offset=20&limit=50".to_owned(),
        format!("site.address.city={}&sort=id", form_urlencoded::byte_serialize(city.as_bytes()).collect::<String>()),
        "sort=-lastUpdateDate&offset=280".to_owned(),
    ]
}
