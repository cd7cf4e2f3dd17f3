//! Order events (issue #31, first part): every import records one event per order it created or
//! changed, in its own transaction, numbered per customer in commit order; an identical
//! re-import records none. Checked against what each test itself changed, not against the diff.

use order_tracking::demo::generate::generate_orders;
use order_tracking::domain::events::{EventType, OrderEvent};
use order_tracking::domain::order::{Order, OrderStatus};
use serde_json::Value;

use crate::harness::{Backend, TestApp, backend_tests};

async fn events(app: &TestApp, customer_id: &str, after: i64, types: &[EventType]) -> Vec<OrderEvent> {
    app.store.list_events(customer_id, after, u32::MAX, types).await.expect("the events")
}

fn document(event: &OrderEvent) -> Value {
    serde_json::from_str(event.order.as_str()).expect("an event's order is JSON")
}

async fn imports_record_one_event_per_created_or_changed_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    // More than one import batch (1,000 orders), so that numbering crosses a batch.
    let mut orders = generate_orders(1_500, 31);
    orders.sort_by(|a, b| a.id.cmp(&b.id));
    app.store.import_orders(&acme.customer_id, orders.clone()).await.unwrap();

    let created = events(&app, &acme.customer_id, 0, &[]).await;
    assert_eq!(created.iter().map(|event| event.sequence).collect::<Vec<_>>(), (1..=1_500).collect::<Vec<i64>>());
    for (event, order) in created.iter().zip(&orders) {
        assert_eq!((event.event_type, event.changed_fields.len()), (EventType::OrderCreate, 0));
        assert_eq!(document(event), serde_json::to_value(order).unwrap(), "the order after the change");
        assert!(event.event_id.starts_with("evt_"), "{}", event.event_id);
    }
    let ids: std::collections::HashSet<&str> = created.iter().map(|event| event.event_id.as_str()).collect();
    assert_eq!(ids.len(), 1_500, "every event has its own id");

    // The same orders again: nothing changed, nothing recorded.
    app.store.import_orders(&acme.customer_id, orders.clone()).await.unwrap();
    assert!(events(&app, &acme.customer_id, 1_500, &[]).await.is_empty(), "an identical re-import is silent");

    // 0..300: the status; 300..600: the customer's reference; 600..700: both; the rest as it was.
    let mut changed: Vec<Order> = orders.clone();
    let flip = |status: OrderStatus| if status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
    for (position, order) in changed.iter_mut().enumerate().take(700) {
        if !(300..600).contains(&position) {
            order.status = flip(order.status);
        }
        if position >= 300 {
            order.request.customer_reference = Some(format!("changed-{}", order.id));
        }
    }
    app.store.import_orders(&acme.customer_id, changed.clone()).await.unwrap();
    let later = events(&app, &acme.customer_id, 1_500, &[]).await;
    assert_eq!(later.len(), 700, "one event per changed order, none for the 800 unchanged");
    for (position, event) in later.iter().enumerate() {
        let (kind, fields): (EventType, &[&str]) = match position {
            0..300 => (EventType::OrderStateChange, &["status"]),
            300..600 => (EventType::OrderAttributeValueChange, &["request.customerReference"]),
            _ => (EventType::OrderStateChange, &["request.customerReference", "status"]),
        };
        assert_eq!(event.sequence, 1_501 + position as i64);
        assert_eq!(
            (event.event_type, event.changed_fields.clone()),
            (kind, fields.iter().map(|field| field.to_string()).collect::<Vec<_>>()),
            "order {}",
            changed[position].id
        );
        assert_eq!(document(event), serde_json::to_value(&changed[position]).unwrap());
    }

    // Types filter and page; the other customer's numbering is its own.
    let attribute_changes = events(&app, &acme.customer_id, 0, &[EventType::OrderAttributeValueChange]).await;
    assert_eq!(attribute_changes.len(), 300);
    assert!(attribute_changes.iter().all(|event| event.event_type == EventType::OrderAttributeValueChange));
    let page = app.store.list_events(&acme.customer_id, 1_600, 50, &[]).await.unwrap();
    assert_eq!(page.iter().map(|event| event.sequence).collect::<Vec<_>>(), (1_601..=1_650).collect::<Vec<i64>>());
    app.store.import_orders(&other.customer_id, orders[..3].to_vec()).await.unwrap();
    let theirs = events(&app, &other.customer_id, 0, &[]).await;
    assert_eq!(theirs.iter().map(|event| event.sequence).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(events(&app, &acme.customer_id, 2_200, &[]).await.len(), 0, "nothing of theirs among Acme's");
}

async fn old_events_are_purged_and_numbers_are_never_given_twice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let mut orders = generate_orders(5, 3);
    app.store.import_orders(&acme.customer_id, orders.clone()).await.unwrap();
    let kept = app.store.purge_events(time::OffsetDateTime::now_utc() - time::Duration::days(1)).await.unwrap();
    assert_eq!(kept, 0, "nothing is a day old");
    let purged = app.store.purge_events(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.unwrap();
    assert_eq!(purged, 5);
    assert!(events(&app, &acme.customer_id, 0, &[]).await.is_empty());
    orders[0].status = if orders[0].status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
    app.store.import_orders(&acme.customer_id, orders).await.unwrap();
    let next = events(&app, &acme.customer_id, 0, &[]).await;
    assert_eq!(next.iter().map(|event| (event.sequence, event.event_type)).collect::<Vec<_>>(), [(6, EventType::OrderStateChange)]);
}

/// Every event the feed gives, following its `next` links from `start` until a page is empty.
async fn walk_feed(app: &TestApp, tenant: &crate::harness::Tenant, start: &str) -> (Vec<Value>, usize) {
    let (mut events, mut pages, mut url) = (Vec::new(), 0, start.to_owned());
    loop {
        let page = app.get_as(tenant, &url).await;
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        let batch = page.json().as_array().unwrap().clone();
        assert_eq!(page.header("x-result-count"), Some(batch.len().to_string().as_str()));
        let link = page.header("link").expect("a next link").to_owned();
        url = link.trim_start_matches('<').split_once(">; rel=\"next\"").expect("rel=next").0.to_owned();
        if batch.is_empty() {
            return (events, pages);
        }
        events.extend(batch);
        pages += 1;
    }
}

async fn the_feed_gives_the_events_in_order_by_pages_types_and_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let mut orders = generate_orders(30, 5);
    orders.sort_by(|a, b| a.id.cmp(&b.id));
    app.store.import_orders(&acme.customer_id, orders.clone()).await.unwrap();
    // The first ten change status; the next five only their reference.
    let mut changed = orders.clone();
    for order in &mut changed[..10] {
        order.status = if order.status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
    }
    for order in &mut changed[10..15] {
        order.request.customer_reference = Some(format!("ref-{}", order.id));
    }
    app.store.import_orders(&acme.customer_id, changed.clone()).await.unwrap();

    let (all, pages) = walk_feed(&app, &acme, "/order-tracking/b2b/v1/events?limit=7").await;
    assert_eq!(pages, 7, "45 events by 7");
    let sequences: Vec<i64> = all.iter().map(|event| event["sequence"].as_i64().unwrap()).collect();
    assert_eq!(sequences, (1..=45).collect::<Vec<i64>>());
    let expected_order = |position: usize| if position < 30 { &orders[position] } else { &changed[position - 30] };
    for (position, event) in all.iter().enumerate() {
        let kind = match position {
            0..30 => "OrderCreateEvent",
            30..40 => "OrderStateChangeEvent",
            _ => "OrderAttributeValueChangeEvent",
        };
        assert_eq!(event["eventType"], kind, "{event}");
        assert_eq!(event["event"]["order"], serde_json::to_value(expected_order(position)).unwrap());
        assert!(event["eventId"].as_str().unwrap().starts_with("evt_") && event["eventTime"].is_string());
    }

    // A type and a filter on the order after the change: the closed orders among the ten.
    let closed: Vec<&str> =
        changed[..10].iter().filter(|order| order.status == OrderStatus::Closed).map(|order| order.id.as_str()).collect();
    let (state_changes, _) = walk_feed(&app, &acme, "/order-tracking/b2b/v1/events?eventType=OrderStateChangeEvent&status=Closed").await;
    let ids: Vec<&str> = state_changes.iter().map(|event| event["event"]["order"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, closed);
    let (after_40, _) = walk_feed(&app, &acme, "/order-tracking/b2b/v1/events?after=40").await;
    assert_eq!(after_40.len(), 5);

    // A poller at the end: the same empty answer, then 304 with its tag, until an event comes.
    let tail = "/order-tracking/b2b/v1/events?after=45";
    let empty = app.get_as(&acme, tail).await;
    let etag = empty.header("etag").expect("a tag").to_owned();
    let token = app.token(&acme).await;
    let again =
        app.get_with(tail, &[("authorization", &format!("Bearer {token}")), ("x-api-key", &acme.api_key), ("if-none-match", &etag)]).await;
    assert_eq!((again.status, again.body.as_str()), (304, ""));
    app.store.import_orders(&acme.customer_id, generate_orders(1, 99)).await.unwrap();
    let moved =
        app.get_with(tail, &[("authorization", &format!("Bearer {token}")), ("x-api-key", &acme.api_key), ("if-none-match", &etag)]).await;
    assert_eq!((moved.status, moved.json().as_array().map(Vec::len)), (200, Some(1)), "a new event: a new answer");

    // Nothing of Acme's in another customer's feed; bad parameters are named.
    let (theirs, _) = walk_feed(&app, &other, "/order-tracking/b2b/v1/events").await;
    assert!(theirs.is_empty());
    for (query, parameter) in
        [("after=-1", "'after'"), ("eventType=Created", "'eventType'"), ("sort=id", "'sort'"), ("colour=red", "'colour'")]
    {
        let answer = app.get_as(&acme, &format!("/order-tracking/b2b/v1/events?{query}")).await;
        assert_eq!((answer.status, answer.code()), (400, 28), "{query}: {}", answer.body);
        assert!(answer.json()["description"].as_str().unwrap().contains(parameter), "{query}: {}", answer.body);
    }
}

backend_tests!(
    imports_record_one_event_per_created_or_changed_order,
    old_events_are_purged_and_numbers_are_never_given_twice,
    the_feed_gives_the_events_in_order_by_pages_types_and_filters,
);
