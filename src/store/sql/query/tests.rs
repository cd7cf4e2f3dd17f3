//! Tests of the SQL that lists and totals are made of.

use super::list::*;
use super::totals::*;
use crate::query::{Limits, parse_query};
use crate::store::sql::bind::Bind;
use crate::store::sql::columns::{COUNTED_FIELDS, COUNTED_SETS};
use crate::store::sql::value_sets;

fn total_sql(raw: &str) -> Option<(String, Vec<Bind>)> {
    status_total("c1", &parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap())
}

#[test]
fn only_a_status_filter_or_none_is_answered_from_the_kept_counts() {
    let (sql, binds) = total_sql("sort=-orderDate&offset=40").unwrap();
    assert!(!sql.contains("status IN"));
    assert_eq!(binds, [Bind::text("c1")]);
    let (sql, binds) = total_sql("status=Current,Closed,Current").unwrap();
    assert!(sql.ends_with("status IN ($2, $3)"), "{sql}");
    assert_eq!(binds, [Bind::text("c1"), Bind::text("Closed"), Bind::text("Current")]);
    let (sql, binds) = total_sql("status.ne=Closed,InProgress").unwrap();
    assert!(sql.ends_with("status NOT IN ($2, $3)"), "{sql}");
    assert_eq!(binds, [Bind::text("c1"), Bind::text("Closed"), Bind::text("InProgress")]);
    for counted in [
        "status.gte=Closed",
        "status=Current&status.ne=Closed",
        "status=Current&site.address.city=Paris",
        "site.address.city=Paris",
        "orderDate.gte=2026-01-01",
    ] {
        assert!(total_sql(counted).is_none(), "{counted} needs its rows counted");
    }
}

fn by_day(raw: &str) -> Option<DayTotal> {
    day_total("c1", &parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap())
}

#[test]
fn only_ranges_on_one_counted_date_with_or_without_status_are_answered_from_the_kept_day_counts() {
    // 2026-03-01 is day 20,513; its noon belongs to it, its midnight starts it.
    let total = by_day("orderDate.gte=2026-03-01T12:00:00Z&orderDate.lt=2026-03-05&status=Closed,Current,Closed").unwrap();
    assert_eq!(total.bound_days, [20_513, 20_517]);
    let (sql, binds) = total.whole_days;
    assert!(sql.ends_with("AND day > $2 AND day < $3 AND status IN ($4, $5)"), "{sql}");
    assert_eq!(binds, [Bind::text("c1"), Bind::int(20_513), Bind::int(20_517), Bind::text("Closed"), Bind::text("Current")]);
    // Two lower bounds: the later one's day; a range within one day: that day, once.
    assert_eq!(by_day("orderDate.gt=2026-03-01&orderDate.gte=2026-03-03T05:00:00Z").unwrap().bound_days, [20_515]);
    assert_eq!(by_day("orderDate.gt=2026-03-01T01:00:00Z&orderDate.lte=2026-03-01T02:00:00Z").unwrap().bound_days, [20_513]);
    assert_eq!(by_day("orderDate.lt=1969-12-31T23:59:59Z").unwrap().bound_days, [-1]);
    for counted in [
        "sort=-orderDate",
        "status=Current",
        "orderDate=2026-03-01",
        "orderDate.ne=2026-03-01",
        "orderDate.gte=2026-03-01&site.address.city=Paris",
        "orderDate.gte=2026-03-01&status.lt=Closed",
        "orderDate.gte=2026-03-01&lastUpdateDate.lt=2026-04-01",
        "lastUpdateDate.lt=2026-04-01&orderDate.gte=2026-03-01",
        "completionDate.gte=2026-03-01&expectedCompletionDate.lt=2026-04-01",
    ] {
        assert!(by_day(counted).is_none(), "{counted} needs its rows counted");
    }
}

#[test]
fn ranges_on_each_counted_date_are_answered_from_its_own_day_counts() {
    for (path, table, column) in [
        ("lastUpdateDate", "order_last_update_day_counts", "last_update_date"),
        ("expectedCompletionDate", "order_expected_completion_day_counts", "expected_completion_date"),
        ("completionDate", "order_completion_day_counts", "completion_date"),
    ] {
        let total = by_day(&format!("{path}.lt=2026-03-02")).unwrap();
        assert_eq!((total.column, total.bound_days.as_slice()), (column, &[20_514][..]));
        assert!(total.whole_days.0.contains(&format!("FROM {table} WHERE customer_id = $1")), "{}", total.whole_days.0);
    }

    let total = by_day("lastUpdateDate.gt=2026-03-01T12:00:00Z&status=Current&lastUpdateDate.lte=2026-03-02").unwrap();
    assert_eq!((total.column, total.bound_days.as_slice()), ("last_update_date", &[20_513, 20_514][..]));
    let (sql, binds) = total.whole_days;
    assert!(sql.contains("FROM order_last_update_day_counts WHERE customer_id = $1"), "{sql}");
    assert!(sql.ends_with("AND day > $2 AND day < $3 AND status IN ($4)"), "{sql}");
    assert_eq!(binds, [Bind::text("c1"), Bind::int(20_513), Bind::int(20_514), Bind::text("Current")]);
    let total = by_day("orderDate.gte=2026-03-01&status.ne=Closed").unwrap();
    assert_eq!(total.column, "order_date");
    assert!(total.whole_days.0.ends_with("AND day > $2 AND status NOT IN ($3)"), "{}", total.whole_days.0);
    assert!(total.whole_days.0.contains("FROM order_day_counts WHERE"), "{}", total.whole_days.0);
}

fn by_value(raw: &str) -> Option<(String, Vec<Bind>)> {
    value_total("c1", &parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap())
}

#[test]
fn only_one_counted_field_with_or_without_status_is_answered_from_the_kept_value_counts() {
    let (sql, binds) = by_value("status=Current&product.code=FIBRE-ENT,SDWAN").unwrap();
    assert!(sql.contains("FROM order_value_counts WHERE customer_id = $1"), "{sql}");
    assert!(sql.ends_with("AND field = $2 AND value IN ($3, $4) AND status IN ($5)"), "{sql}");
    assert_eq!(binds, [Bind::text("c1"), Bind::text("product_code"), Bind::text("FIBRE-ENT"), Bind::text("SDWAN"), Bind::text("Current")]);
    let (sql, binds) = by_value("site.address.country.ne=FR").unwrap();
    assert!(sql.ends_with("AND field = $2 AND value NOT IN ($3)"), "{sql}");
    assert_eq!(binds, [Bind::text("c1"), Bind::text("site_country"), Bind::text("FR")]);
    let (sql, _) = by_value("status.ne=Closed&action=Add").unwrap();
    assert!(sql.ends_with("AND value IN ($3) AND status NOT IN ($4)"), "{sql}");
    for field in COUNTED_FIELDS {
        assert!(by_value(&format!("{field}=x")).is_some(), "{field}");
    }
    for counted in [
        "status=Current",
        "sort=-orderDate",
        "site.address.postalCode=75001",
        "product.code=A&site.address.city=Paris",
        "product.code.gte=A",
        "product.code=A&status.gt=Closed",
        "product.code=A&orderDate.gte=2026-03-01",
    ] {
        assert!(by_value(counted).is_none(), "{counted} needs its rows counted");
    }
}
fn by_set(raw: &str) -> Option<SetTotal> {
    set_total("c1", &parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap())
}

#[test]
fn one_counted_element_field_with_or_without_status_is_answered_from_the_kept_set_counts() {
    let total = by_set("status.ne=Closed&appointments.status=Done,Planned").unwrap();
    let (sql, binds) = &total.counts;
    assert!(sql.starts_with("SELECT value_set, CAST(sum(orders) AS BIGINT) FROM order_set_counts WHERE customer_id = $1"), "{sql}");
    assert!(sql.ends_with("AND field = $2 AND status NOT IN ($3) GROUP BY value_set LIMIT $4"), "{sql}");
    let limit = Bind::int(MAX_KEPT_SETS as i64 + 1);
    assert_eq!(*binds, [Bind::text("c1"), Bind::text("appointments.status"), Bind::text("Closed"), limit.clone()]);
    for field in COUNTED_SETS {
        assert!(by_set(&format!("{field}.gte=x")).is_some(), "{field}");
    }
    for counted in [
        "status=Current",
        "appointments.id=A1",
        "appointments.start.gte=2026-03-01",
        "appointments.status=Done&milestones.status=Done",
        "appointments.status=Done&appointments.status.ne=Planned",
        "appointments.status=Done&action=Add",
        "appointments.status=Done&status.gt=Closed",
    ] {
        assert!(by_set(counted).is_none(), "{counted} needs its rows counted");
    }
}

#[test]
fn a_set_matches_when_any_of_its_values_meets_the_filter() {
    let key = value_sets::encode(["Done", "Planned"]);
    let matches = |raw: &str| by_set(raw).unwrap().matches(&key);
    for matching in [
        "appointments.status=Done",
        "appointments.status=Cancelled,Planned",
        "appointments.status.ne=Done",
        "appointments.status.ne=Cancelled,Rescheduled",
        "appointments.status.gt=Done",
        "appointments.status.gte=Planned",
        "appointments.status.lt=Planned",
        "appointments.status.lte=Done",
    ] {
        assert!(matches(matching), "{matching}");
    }
    for other in [
        "appointments.status=Cancelled",
        "appointments.status.ne=Done,Planned",
        "appointments.status.gt=Planned",
        "appointments.status.gte=Planneds",
        "appointments.status.lt=Done",
        "appointments.status.lte=Cancelled",
        "appointments.status=done",
    ] {
        assert!(!matches(other), "{other}");
    }
    let with_comma = value_sets::encode(["Site survey, 2nd visit"]);
    // A comma in a filter's value separates values: ranges still compare the whole name.
    assert!(by_set("milestones.name.gt=Site%20survey").unwrap().matches(&with_comma));
    assert!(!by_set("milestones.name.gte=Site%20survey%2C%203").unwrap().matches(&with_comma));
    assert!(!by_set("milestones.name=Site%20survey").unwrap().matches(&with_comma));
}

#[test]
fn element_filters_beside_status_alone_are_counted_and_found_first_as_lists() {
    let listed = "o.id IN (SELECT e.order_id FROM order_appointments e WHERE e.customer_id = $1 AND e.id = $2)";
    let tested = "EXISTS (SELECT 1 FROM order_appointments e WHERE e.customer_id = o.customer_id AND e.order_id = o.id AND e.id = $2)";
    let sql_of = |raw: &str| {
        let query = parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap();
        let sql = list_sql("c1", &query, NullsSort::Low);
        (sql.count().0, sql.ids(&query, PagePlan::FilterFirst).0, sql.ids(&query, PagePlan::WalkSortIndex).0, lists_elements(&query))
    };
    for raw in ["appointments.id=A1", "appointments.id=A1&status=Current", "appointments.id=A1&milestones.status.ne=Done"] {
        let (count, found_first, walked, lists) = sql_of(raw);
        assert!(lists, "{raw}");
        assert!(count.contains(listed) && !count.contains("EXISTS"), "{raw}: {count}");
        assert!(found_first.contains(listed), "{raw}: {found_first}");
        // A walk stops after its page: each order it reads is tested.
        assert!(walked.contains(tested) && !walked.contains(listed), "{raw}: {walked}");
    }
    for raw in ["appointments.id=A1&site.address.city=Paris", "appointments.id=A1&status.gt=Closed", "site.address.city=Paris"] {
        let (count, found_first, _, lists) = sql_of(raw);
        assert!(!lists, "{raw}");
        assert!(!count.contains("IN (SELECT") && !found_first.contains("IN (SELECT"), "{raw}: {count} / {found_first}");
    }
}
