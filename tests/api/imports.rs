//! Imports are written in batches (1,000 orders each): what crosses a batch boundary, or repeats
//! an id inside one import, comes out as if each order had been imported on its own. Tokens are
//! stored in batches too: every one of many concurrent requests gets a token of its own that works.

use order_tracking::demo::generate::generate_orders;
use order_tracking::domain::order::{Order, OrderStatus};
use order_tracking::store::ImportSummary;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use std::sync::Arc;

use sqlx::Connection;

use crate::backend::TestDatabase;
use crate::harness::{Backend, ORDERS, TestApp, backend_tests};

async fn import(app: &TestApp, customer_id: &str, orders: &[Order]) -> ImportSummary {
    app.store.import_orders(customer_id, orders.to_vec()).await.expect("the import succeeds")
}

/// Every order of the customer, read through the API in pages of 1,000, by id.
async fn served(app: &TestApp, tenant: &crate::harness::Tenant) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let page = app.get_as(tenant, &format!("{ORDERS}?sort=id&limit=1000&offset={}", all.len())).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let orders = page.json().as_array().unwrap().clone();
        if orders.is_empty() {
            return all;
        }
        all.extend(orders);
    }
}

fn by_id(mut orders: Vec<Order>) -> Vec<Value> {
    orders.sort_by(|a, b| a.id.cmp(&b.id));
    orders.iter().map(|order| serde_json::to_value(order).unwrap()).collect()
}

async fn imports_across_batches_create_replace_and_skip_exactly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let generated = generate_orders(2_600, 7);
    assert_eq!(import(&app, &acme.customer_id, &generated[..2_000]).await, ImportSummary { created: 2_000, updated: 0 });

    // 1,000..1,500 changed, 1,500..2,000 identical, 2,000..2,600 new: batches mix all three.
    let mut second = generated[1_000..].to_vec();
    for order in &mut second[..500] {
        order.status = if order.status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
        order.request.customer_reference = Some(format!("changed-{}", order.id));
    }
    assert_eq!(import(&app, &acme.customer_id, &second).await, ImportSummary { created: 600, updated: 1_000 });

    let mut expected = generated[..1_000].to_vec();
    expected.extend(second);
    let served = served(&app, &acme).await;
    assert_eq!(served.len(), 2_600);
    assert!(served == by_id(expected), "the served orders are the imported ones, the later version of each");
    // Totals by status (`=` or `ne`) come from the counts the imports keep: the same as counting.
    for status in STATUS_FILTERS {
        let expected =
            served.iter().filter(|order| status.is_none_or(|(_, matched)| matched.iter().any(|name| order["status"] == *name))).count();
        let filter = status.map_or("", |(filter, _)| filter);
        let page = app.get_as(&acme, &format!("{ORDERS}?{filter}&limit=1")).await;
        assert_eq!(page.header("x-total-count"), Some(expected.to_string().as_str()), "{filter}");
    }
    let both = app.get_as(&acme, &format!("{ORDERS}?status=Closed,Current,Closed&limit=1")).await;
    assert_eq!(both.header("x-total-count"), Some("2600"), "each order counted once");
    let changed = app.get_as(&acme, &format!("{ORDERS}?request.customerReference=changed-{}", generated[1_499].id)).await;
    assert_eq!((changed.ids(), changed.header("x-total-count")), (vec![generated[1_499].id.clone()], Some("1")));
}

async fn an_id_given_twice_in_one_import_keeps_the_later_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    let generated = generate_orders(3, 11);
    let mut later = generated[1].clone();
    later.status = if later.status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
    let orders = [generated[0].clone(), generated[1].clone(), generated[2].clone(), later.clone()];
    assert_eq!(import(&app, &acme.customer_id, &orders).await, ImportSummary { created: 3, updated: 1 });
    let detail = app.get_as(&acme, &format!("{ORDERS}/{}", later.id)).await;
    assert_eq!(detail.json(), serde_json::to_value(&later).unwrap());
    assert_eq!(served(&app, &acme).await.len(), 3);
}

/// The status filters the per-status kept counts serve beside another filter, or on their own:
/// the query parameter, and the statuses whose orders it matches.
const STATUS_FILTERS: [Option<(&str, &[&str])>; 6] = [
    None,
    Some(("status=Closed", &["Closed"])),
    Some(("status=Current", &["Current"])),
    Some(("status=Closed,Current,Closed", &["Closed", "Current"])),
    Some(("status.ne=Closed", &["Current"])),
    Some(("status.ne=Current,Closed", &[])),
];

/// Whether an order date satisfies a filter with a bound.
type DateHolds = fn(OffsetDateTime, OffsetDateTime) -> bool;

/// A date field counted per day: its name in queries, how to read and set it, and how to
/// remove it from an order, if it may be missing (a calendar date is set to the instant's day).
struct DayCountedDate {
    name: &'static str,
    of: fn(&Order) -> Option<OffsetDateTime>,
    set: fn(&mut Order, OffsetDateTime),
    clear: Option<fn(&mut Order)>,
}

const ORDER_DATE: DayCountedDate =
    DayCountedDate { name: "orderDate", of: |order| Some(order.order_date), set: |order, date| order.order_date = date, clear: None };
const LAST_UPDATE_DATE: DayCountedDate = DayCountedDate {
    name: "lastUpdateDate",
    of: |order| order.last_update_date,
    set: |order, date| order.last_update_date = Some(date),
    clear: Some(|order| order.last_update_date = None),
};
const EXPECTED_COMPLETION_DATE: DayCountedDate = DayCountedDate {
    name: "expectedCompletionDate",
    of: |order| order.expected_completion_date.map(|date| date.midnight().assume_utc()),
    set: |order, date| order.expected_completion_date = Some(date.date()),
    clear: Some(|order| order.expected_completion_date = None),
};
const COMPLETION_DATE: DayCountedDate = DayCountedDate {
    name: "completionDate",
    of: |order| order.completion_date,
    set: |order, date| order.completion_date = Some(date),
    clear: Some(|order| order.completion_date = None),
};

/// Totals of `orderDate` ranges come from the per-day counts the imports keep (whole days) and
/// from counting the orders of the days the bounds fall in: the same as counting every order,
/// for bounds at midnight, inside a day, on an order's own instant and outside the data, with
/// each status filter (`=` or `ne`), before and after an import that moves orders to other days
/// and statuses.
async fn date_range_totals_match_a_count_of_the_orders(backend: Backend) {
    date_range_totals_match(backend, ORDER_DATE).await;
}

/// The same for `lastUpdateDate` ranges, with orders that have no last update (never counted).
async fn last_update_range_totals_match_a_count_of_the_orders(backend: Backend) {
    date_range_totals_match(backend, LAST_UPDATE_DATE).await;
}

/// The same for `expectedCompletionDate` ranges: a calendar date, compared as its midnight.
async fn expected_completion_range_totals_match_a_count_of_the_orders(backend: Backend) {
    date_range_totals_match(backend, EXPECTED_COMPLETION_DATE).await;
}

/// The same for `completionDate` ranges.
async fn completion_range_totals_match_a_count_of_the_orders(backend: Backend) {
    date_range_totals_match(backend, COMPLETION_DATE).await;
}

async fn date_range_totals_match(backend: Backend, date: DayCountedDate) {
    // A thousand lists and more, from one token.
    let app = TestApp::spawn_with(backend, |config| config.requests_per_minute = 0).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    let day = 86_400;
    let first_midnight = OffsetDateTime::from_unix_timestamp(1_772_323_200).unwrap(); // 2026-03-01T00:00:00Z
    // 600 orders over four days, every 9 minutes 37 s from the first midnight, one on a midnight.
    let mut orders = generate_orders(600, 13);
    for (index, order) in orders.iter_mut().enumerate() {
        (date.set)(order, first_midnight + time::Duration::seconds(index as i64 * 577));
        if let Some(clear) = date.clear.filter(|_| index % 7 == 3) {
            clear(order);
        }
    }
    (date.set)(&mut orders[300], first_midnight + time::Duration::days(2));
    import(&app, &acme.customer_id, &orders).await;

    let mut bounds: Vec<OffsetDateTime> = (-1..6).map(|days| first_midnight + time::Duration::seconds(days * day)).collect();
    bounds.extend([0, 300, 299, 599].iter().map(|&index| (date.of)(&orders[index]).unwrap()));
    bounds.push(first_midnight + time::Duration::seconds(day + 43_210));
    let check = |orders: Vec<Order>, bounds: Vec<OffsetDateTime>| {
        let app = &app;
        let (acme, token, date) = (&acme, &token, &date);
        async move {
            let ops: [(&str, DateHolds); 4] = [
                ("gt", |date, bound| date > bound),
                ("gte", |date, bound| date >= bound),
                ("lt", |date, bound| date < bound),
                ("lte", |date, bound| date <= bound),
            ];
            // Each bound alone, and each pair of bounds (a lower op with an upper one, two upper ones).
            let singles = bounds.iter().map(|low| (*low, None));
            let pairs = bounds.iter().flat_map(|low| bounds.iter().map(move |high| (*low, Some(*high))));
            for (low, high) in singles.chain(pairs) {
                for (index, (op, holds)) in ops.iter().enumerate() {
                    // A parameter is given once: `lt` pairs with `lte` and the other way round.
                    let (upper_op, upper_holds) = ops[[2, 3, 3, 2][index]];
                    // Pairs of bounds, being many, with two status filters only: none, and `status.ne=Closed`.
                    let statuses = if high.is_some() { [STATUS_FILTERS[0], STATUS_FILTERS[4]].to_vec() } else { STATUS_FILTERS.to_vec() };
                    for status in statuses {
                        let expected = orders
                            .iter()
                            .filter(|order| (date.of)(order).is_some_and(|at| holds(at, low)))
                            .filter(|order| high.is_none_or(|high| (date.of)(order).is_some_and(|at| upper_holds(at, high))))
                            .filter(|order| status.is_none_or(|(_, matched)| matched.contains(&status_name(order))))
                            .count();
                        let mut query = format!("{}.{op}={}", date.name, low.format(&Rfc3339).unwrap());
                        if let Some(high) = high {
                            query.push_str(&format!("&{}.{upper_op}={}", date.name, high.format(&Rfc3339).unwrap()));
                        }
                        if let Some((filter, _)) = status {
                            query.push_str(&format!("&{filter}"));
                        }
                        let page = app.get_authorized(token, &acme.api_key, &format!("{ORDERS}?{query}&limit=1")).await;
                        assert_eq!(page.header("x-total-count"), Some(expected.to_string().as_str()), "{query}");
                    }
                }
            }
        }
    };
    check(orders.clone(), bounds.clone()).await;

    // 200 orders move a day and a half later and change status; one id comes twice.
    let mut moved: Vec<Order> = orders[100..300].to_vec();
    for order in &mut moved {
        if let Some(at) = (date.of)(order) {
            (date.set)(order, at + time::Duration::seconds(day + day / 2));
        }
        order.status = if order.status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
    }
    let mut twice = moved[0].clone();
    (date.set)(&mut twice, first_midnight - time::Duration::seconds(1));
    moved.push(twice.clone());
    import(&app, &acme.customer_id, &moved).await;
    let mut now_stored = orders.clone();
    now_stored[100..300].clone_from_slice(&moved[..200]);
    now_stored[100] = twice;
    check(now_stored, bounds).await;
}

fn status_name(order: &Order) -> &'static str {
    if order.status == OrderStatus::Closed { "Closed" } else { "Current" }
}

async fn concurrent_token_requests_each_get_a_working_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let acme = app.tenant("Acme").await;
    // 40: under the per-client limit of 50 token requests a minute.
    let requests = (0..40).map(|_| app.request_token(&acme.client_id, &acme.client_secret));
    let answers = futures_util::future::join_all(requests).await;
    let mut tokens: Vec<String> = answers
        .iter()
        .map(|answer| {
            assert_eq!(answer.status, 200, "{}", answer.body);
            answer.json()["access_token"].as_str().unwrap().to_owned()
        })
        .collect();
    for token in &tokens {
        assert_eq!(app.get_authorized(token, &acme.api_key, ORDERS).await.status, 200, "token {token} works");
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 40, "every token is its own");
}

/// The fields whose totals come from the per-value counts the imports keep.
const COUNTED: [&str; 6] = ["action", "product.code", "product.name", "site.address.city", "site.address.country", "request.status"];

/// The order's value at a dotted path, if it has one.
fn text_at(order: &Value, path: &str) -> Option<String> {
    let pointer = format!("/{}", path.replace('.', "/"));
    order.pointer(&pointer).and_then(Value::as_str).map(str::to_owned)
}

/// Every byte but letters and digits percent-encoded, for a query value.
fn encoded(value: &str) -> String {
    value.bytes().map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") }).collect()
}

/// `{field}{op}=v1,v2` with its values encoded, and the status filter after it, if any.
fn filter_query<'a>(field: &str, op: &str, listed: impl Iterator<Item = &'a str>, status: Option<(&str, &[&str])>) -> String {
    let values: Vec<String> = listed.map(encoded).collect();
    let mut query = format!("{field}{op}={}", values.join(","));
    if let Some((filter, _)) = status {
        query.push_str(&format!("&{filter}"));
    }
    query
}

/// Totals of lists filtered by a few-valued field (`=` one or two values, `ne`, a value no order
/// has), with or without a status filter (`=` or `ne`), come from the per-value counts the imports keep: the same as
/// counting the orders, with some values missing, before and after an import that moves orders
/// to other values and statuses and removes values.
async fn value_totals_match_a_count_of_the_orders(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.requests_per_minute = 0).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    let mut orders = generate_orders(600, 17);
    for (index, order) in orders.iter_mut().enumerate() {
        if index % 5 == 0 {
            order.action = None;
        }
        if index % 7 == 0 {
            order.request.status = None;
        }
    }
    import(&app, &acme.customer_id, &orders).await;

    let check = |orders: Vec<Order>| {
        let (app, acme, token) = (&app, &acme, &token);
        async move {
            let documents: Vec<Value> = orders.iter().map(|order| serde_json::to_value(order).unwrap()).collect();
            for field in COUNTED {
                let mut values: Vec<String> = documents.iter().filter_map(|order| text_at(order, field)).collect();
                values.sort();
                values.dedup();
                values.retain(|value| !value.contains(','));
                assert!(!values.is_empty(), "{field} has values");
                let missing = documents.iter().filter(|order| text_at(order, field).is_none()).count();
                assert!(field != "action" || missing > 0, "some orders without {field}");
                let lists: [(&str, Vec<String>); 4] = [
                    ("", vec![values[0].clone()]),
                    ("", vec![values[0].clone(), values[values.len() - 1].clone()]),
                    (".ne", vec![values[values.len() / 2].clone()]),
                    ("", vec!["no such value".to_owned()]),
                ];
                for (op, listed) in &lists {
                    for status in [STATUS_FILTERS[0], STATUS_FILTERS[1], STATUS_FILTERS[3], STATUS_FILTERS[4]] {
                        let expected = documents
                            .iter()
                            .filter(|order| match text_at(order, field) {
                                None => false,
                                Some(value) => listed.contains(&value) == op.is_empty(),
                            })
                            .filter(|order| status.is_none_or(|(_, matched)| matched.iter().any(|name| order["status"] == *name)))
                            .count();
                        let query = filter_query(field, op, listed.iter().map(|value| value.as_ref()), status);
                        let page = app.get_authorized(token, &acme.api_key, &format!("{ORDERS}?{query}&limit=1")).await;
                        assert_eq!(page.header("x-total-count"), Some(expected.to_string().as_str()), "{query}");
                    }
                }
            }
        }
    };
    check(orders.clone()).await;

    // 200 orders take another order's product and city, change status, lose their action.
    let mut moved: Vec<Order> = orders[100..300].to_vec();
    for (index, order) in moved.iter_mut().enumerate() {
        let other = &orders[(index * 7) % 600];
        order.product = other.product.clone();
        order.site = other.site.clone();
        order.status = if order.status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
        order.action = None;
    }
    import(&app, &acme.customer_id, &moved).await;
    let mut now_stored = orders.clone();
    now_stored[100..300].clone_from_slice(&moved);
    check(now_stored).await;
}

/// The element fields whose totals come from the per-set counts the imports keep.
const COUNTED_SETS: [&str; 4] = ["appointments.type", "appointments.status", "milestones.name", "milestones.status"];

/// The values an order's elements have at a dotted path (`appointments.status`), missing ones left out.
fn element_values(order: &Value, path: &str) -> Vec<String> {
    let (array, leaf) = path.split_once('.').expect("an element path");
    let elements = order[array].as_array().map(Vec::as_slice).unwrap_or_default();
    elements.iter().filter_map(|element| element[leaf].as_str().map(str::to_owned)).collect()
}

/// Totals of lists filtered by a few-valued field of the appointments or milestones (`=` one
/// or two values, `ne` one or two, each range, a value no order has), with or without a status
/// filter, come from the per-set counts the imports keep: the same as counting the orders any
/// of whose elements matches, with orders without elements, elements without the field, and
/// milestone names holding the key's separator and escape, before and after an import that
/// moves orders to other sets and statuses and removes elements.
async fn set_totals_match_a_count_of_the_orders(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.requests_per_minute = 0).await;
    let acme = app.tenant("Acme").await;
    let token = app.token(&acme).await;
    let mut orders = generate_orders(600, 23);
    for (index, order) in orders.iter_mut().enumerate() {
        if index % 9 == 0 {
            order.appointments = None;
        }
        if let Some(first) = order.appointments.as_mut().and_then(|appointments| appointments.first_mut())
            && index % 4 == 0
        {
            first.status = None;
        }
        if let Some(milestones) = order.milestones.as_mut() {
            match index % 6 {
                0 => milestones.clear(),
                1 => milestones[0].name = Some(r"Survey, then \ install".to_owned()),
                2 => milestones[0].name = Some("Survey,".to_owned()),
                _ => {}
            }
        }
    }
    import(&app, &acme.customer_id, &orders).await;

    let check = |orders: Vec<Order>| {
        let (app, acme, token) = (&app, &acme, &token);
        async move {
            let documents: Vec<Value> = orders.iter().map(|order| serde_json::to_value(order).unwrap()).collect();
            for field in COUNTED_SETS {
                let mut values: Vec<String> = documents.iter().flat_map(|order| element_values(order, field)).collect();
                values.sort();
                values.dedup();
                let listable: Vec<&String> = values.iter().filter(|value| !value.contains(',')).collect();
                assert!(listable.len() >= 2, "{field} has values: {values:?}");
                let (first, last, middle) = (listable[0], listable[listable.len() - 1], &values[values.len() / 2]);
                let without = documents.iter().filter(|order| element_values(order, field).is_empty()).count();
                assert!(without > 0, "some orders without {field}");
                // (operator, values, whether one element value matches).
                type Holds = fn(&str, &[&str]) -> bool;
                let eq: Holds = |value, listed| listed.contains(&value);
                let ne: Holds = |value, listed| !listed.contains(&value);
                let lists: [(&str, Vec<&str>, Holds); 8] = [
                    ("", vec![first], eq),
                    ("", vec![first, last], eq),
                    ("", vec!["no such value"], eq),
                    (".ne", vec![middle], ne),
                    (".ne", vec![first, last], ne),
                    (".gt", vec![middle], |value, bound| value > bound[0]),
                    (".lte", vec![middle], |value, bound| value <= bound[0]),
                    (".lt", vec![first], |value, bound| value < bound[0]),
                ];
                for (op, listed, holds) in &lists {
                    for status in [STATUS_FILTERS[0], STATUS_FILTERS[1], STATUS_FILTERS[4]] {
                        let expected = documents
                            .iter()
                            .filter(|order| element_values(order, field).iter().any(|value| holds(value, listed)))
                            .filter(|order| status.is_none_or(|(_, matched)| matched.iter().any(|name| order["status"] == *name)))
                            .count();
                        let query = filter_query(field, op, listed.iter().map(|value| value.as_ref()), status);
                        let page = app.get_authorized(token, &acme.api_key, &format!("{ORDERS}?{query}&limit=1")).await;
                        assert_eq!(page.header("x-total-count"), Some(expected.to_string().as_str()), "{query}");
                    }
                }
            }
        }
    };
    check(orders.clone()).await;

    // 200 orders take another order's appointments and milestones (or lose them) and change status.
    let mut moved: Vec<Order> = orders[100..300].to_vec();
    for (index, order) in moved.iter_mut().enumerate() {
        let other = &orders[(index * 7) % 600];
        order.appointments = if index % 5 == 0 { None } else { other.appointments.clone() };
        order.milestones = other.milestones.clone();
        order.status = if order.status == OrderStatus::Closed { OrderStatus::Current } else { OrderStatus::Closed };
    }
    import(&app, &acme.customer_id, &moved).await;
    let mut now_stored = orders.clone();
    now_stored[100..300].clone_from_slice(&moved);
    check(now_stored).await;
}

/// `order_set_counts` as it holds the customers' orders: (customer, field, set, status, orders).
type SetCounts = Vec<(String, String, String, String, i64)>;

/// Runs `statements` on the test's database, then reads its per-set counts (none if `!read`).
async fn set_counts_after(database: &TestDatabase, statements: &[&str], read: bool) -> SetCounts {
    const KEPT: &str = "SELECT customer_id, field, value_set, status, orders FROM order_set_counts WHERE orders <> 0 ORDER BY 1, 2, 3, 4";
    macro_rules! on {
        ($connection:ty) => {{
            let mut connection = <$connection>::connect(&database.url).await.expect("the test database");
            for statement in statements {
                sqlx::query(statement).execute(&mut connection).await.expect(statement);
            }
            let kept: SetCounts =
                if read { sqlx::query_as(KEPT).fetch_all(&mut connection).await.expect("the per-set counts") } else { Vec::new() };
            connection.close().await.expect("the connection closes");
            kept
        }};
    }
    match database.backend {
        Backend::Sqlite => on!(sqlx::SqliteConnection),
        Backend::Postgres => on!(sqlx::PgConnection),
    }
}

/// Migration 0015 counts the orders stored before it per set of values, with the keys an import
/// writes (milestone names holding the key's separator and escape, elements without the
/// field, orders without elements, two customers): dropped and migrated again, the table holds
/// what the imports had moved into it.
async fn the_migration_counts_stored_orders_per_set_as_imports_do(backend: Backend) {
    let database = Arc::new(TestDatabase::create(backend).await);
    let mut app = TestApp::spawn_on(database.clone(), |_| {}).await;
    for (name, seed) in [("Acme", 31), ("Globex", 37)] {
        let tenant = app.tenant(name).await;
        let mut orders = generate_orders(300, seed);
        for (index, order) in orders.iter_mut().enumerate() {
            if let Some(milestones) = order.milestones.as_mut().filter(|milestones| milestones.len() > 1) {
                match index % 5 {
                    0 => milestones[0].name = Some(r"a\b,c".to_owned()),
                    1 => milestones[1].name = Some(r",\".to_owned()),
                    2 => milestones[0].name = None,
                    _ => {}
                }
            }
            if index % 7 == 0 {
                order.appointments = None;
            }
        }
        import(&app, &tenant.customer_id, &orders).await;
        // Replaced orders leave rows at zero, which a migration does not write.
        let mut moved = orders[..50].to_vec();
        moved.iter_mut().for_each(|order| order.milestones = None);
        import(&app, &tenant.customer_id, &moved).await;
    }
    app.stop();
    drop(app);

    let imported = set_counts_after(&database, &[], true).await;
    assert!(imported.iter().any(|(_, _, set, _, _)| set.contains(r"a\\b\,c")), "an escaped name: {imported:?}");
    let fields: std::collections::BTreeSet<&str> = imported.iter().map(|(_, field, _, _, _)| field.as_str()).collect();
    assert_eq!(
        fields.into_iter().collect::<Vec<_>>(),
        ["appointments.status", "appointments.type", "milestones.name", "milestones.status"]
    );
    set_counts_after(&database, &["DROP TABLE order_set_counts", "DELETE FROM _sqlx_migrations WHERE version = 15"], false).await;
    let app = TestApp::spawn_on(database.clone(), |_| {}).await;
    let migrated = set_counts_after(&database, &[], true).await;
    drop(app);
    assert_eq!(migrated, imported);
}

backend_tests!(
    imports_across_batches_create_replace_and_skip_exactly,
    an_id_given_twice_in_one_import_keeps_the_later_order,
    date_range_totals_match_a_count_of_the_orders,
    last_update_range_totals_match_a_count_of_the_orders,
    expected_completion_range_totals_match_a_count_of_the_orders,
    completion_range_totals_match_a_count_of_the_orders,
    value_totals_match_a_count_of_the_orders,
    set_totals_match_a_count_of_the_orders,
    the_migration_counts_stored_orders_per_set_as_imports_do,
    concurrent_token_requests_each_get_a_working_token,
);
