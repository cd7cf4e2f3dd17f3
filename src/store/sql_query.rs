//! Turns a typed [`OrderQuery`] into SQL shared by every backend: `$N` placeholders, every
//! value bound, every name taken from the catalogue (never from the request).
//!
//! Schema it assumes: `orders o` with one column per order-level leaf, and the child tables
//! `order_appointments` and `order_milestones`, keyed by `(customer_id, order_id)`. Text
//! columns compare by code point; dates and date-times are `i64` nanoseconds.

use super::order_columns::{COUNTED_BY_DAY, COUNTED_FIELDS, COUNTED_SETS};
use super::page_plan::PagePlan;
use super::value_sets;
use crate::domain::catalogue::{self, Container, Field};
use crate::domain::instant::{DAY_NANOS, day_of};
use crate::query::{Filter, Op, OrderQuery, Value};

/// A value to bind, in placeholder order. A null keeps its type: PostgreSQL needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Blob(Option<Vec<u8>>),
}

impl Bind {
    pub fn text(value: impl Into<String>) -> Bind {
        Bind::Text(Some(value.into()))
    }

    pub fn int(value: i64) -> Bind {
        Bind::Int(Some(value))
    }

    pub fn blob(value: Vec<u8>) -> Bind {
        Bind::Blob(Some(value))
    }
}

/// Where a backend puts a NULL when it sorts: below every value (SQLite) or above (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsSort {
    Low,
    High,
}

/// The pieces of a list query: `FROM ... WHERE ...` shared by the page and the count,
/// and the ordering of the page.
///
/// Each also comes in a form no index can serve (SQLite's unary `+` on every column), with
/// which a page follows the [`PagePlan`] chosen for it: filters that cannot use an index leave
/// the sort's index to walk; an ordering that cannot leaves a filter's index to search.
///
/// A filter on the appointments or milestones tests each order's elements (`EXISTS`): cheap
/// for a walk that stops after a page, but 3.5 s to count 1,000,000 orders. Listed instead
/// (`o.id IN (SELECT order_id ...)`), the child table is read once, in order, and the count
/// took 0.2-0.6 s; unless another filter finds fewer orders through an index, which `EXISTS`
/// then tests one by one, so the list is only made beside status filters.
#[derive(Debug)]
pub struct ListSql {
    from_where: String,
    from_where_unindexed: String,
    /// With each element filter as a list of the orders it matches, read once from the child
    /// table, where the other filters are on the status alone; `None` otherwise.
    from_where_elements_listed: Option<String>,
    order_by: String,
    order_by_unindexed: String,
    binds: Vec<Bind>,
}

impl ListSql {
    /// The page's documents, with its binds. The page's ids come first, from an index (every
    /// sort index ends with `id`): an offset skips index entries, never documents.
    pub fn page(&self, query: &OrderQuery, plan: PagePlan) -> (String, Vec<Bind>) {
        let (ids, binds) = self.ids(query, plan);
        let sql = format!(
            "SELECT c.doc {} WHERE o.customer_id = $1 AND o.id IN ({ids}) ORDER BY {}",
            crate::store::sql::DOCUMENTS,
            self.order_by,
        );
        (sql, binds)
    }

    /// The ids of the page, found as `plan` says, with their binds.
    pub fn ids(&self, query: &OrderQuery, plan: PagePlan) -> (String, Vec<Bind>) {
        let mut binds = self.binds.clone();
        binds.push(Bind::int(clamp(query.limit)));
        binds.push(Bind::int(clamp(query.offset)));
        let n = binds.len();
        let (from_where, order_by) = match plan {
            PagePlan::Planner => (&self.from_where, &self.order_by),
            PagePlan::WalkSortIndex => (&self.from_where_unindexed, &self.order_by),
            PagePlan::FilterFirst => (self.from_where_elements_listed.as_ref().unwrap_or(&self.from_where), &self.order_by_unindexed),
        };
        (format!("SELECT o.id {from_where} ORDER BY {order_by} LIMIT ${} OFFSET ${}", n - 1, n), binds)
    }

    /// `SELECT count(*) ...`, with its binds.
    pub fn count(&self) -> (String, Vec<Bind>) {
        (format!("SELECT count(*) {}", self.from_where_elements_listed.as_ref().unwrap_or(&self.from_where)), self.binds.clone())
    }

    /// [`Self::count`] of the matching orders whose date `column` falls within one UTC day.
    pub fn count_on_day(&self, column: &str, day: i64) -> (String, Vec<Bind>) {
        let (count, mut binds) = self.count();
        let start = day.saturating_mul(DAY_NANOS);
        binds.extend([Bind::int(start), Bind::int(start.saturating_add(DAY_NANOS))]);
        (format!("{count} AND o.{column} >= ${} AND o.{column} < ${}", binds.len() - 1, binds.len()), binds)
    }
}

/// The number of the customer's orders, from the per-status counts the import keeps.
pub fn customer_total(customer_id: &str) -> (String, Vec<Bind>) {
    kept_sum("order_counts", customer_id)
}

/// The sum of the customer's rows of one of the tables of kept counts, before any other condition.
fn kept_sum(table: &str, customer_id: &str) -> (String, Vec<Bind>) {
    // PostgreSQL sums BIGINT into NUMERIC.
    (format!("SELECT CAST(coalesce(sum(orders), 0) AS BIGINT) FROM {table} WHERE customer_id = $1"), vec![Bind::text(customer_id)])
}

/// The total of a list filtered by `status` alone (`=` or `ne`), or not at all, as a sum over
/// the per-status counts the import keeps (`order_counts`): `None` for any other filter.
pub fn status_total(customer_id: &str, query: &OrderQuery) -> Option<(String, Vec<Bind>)> {
    let (sql, mut binds) = customer_total(customer_id);
    match query.filters.as_slice() {
        [] => Some((sql, binds)),
        [filter] if is_status_filter(filter) => {
            let condition = status_in(filter, &mut binds);
            Some((format!("{sql}{condition}"), binds))
        }
        _ => None,
    }
}

/// Whether the kept counts, which are kept per status, can serve `filter` as a condition on
/// their own `status` column: `status = ...` or `status.ne = ...` (an order always has a status,
/// so `ne` matches exactly the orders counted under the other statuses).
fn is_status_filter(filter: &Filter) -> bool {
    filter.field.path == "status" && matches!(filter.op, Op::Eq | Op::Ne)
}

/// ` AND status [NOT] IN (...)` over a kept-counts table, for a [`is_status_filter`] filter, its
/// values bound after `binds`: each status once, so that `status=Current,Current` counts each
/// order once.
fn status_in(filter: &Filter, binds: &mut Vec<Bind>) -> String {
    let mut statuses: Vec<&str> =
        filter.values.iter().filter_map(|value| if let Value::Text(text) = value { Some(text.as_str()) } else { None }).collect();
    statuses.sort_unstable();
    statuses.dedup();
    let placeholders: Vec<String> = (binds.len() + 1..binds.len() + 1 + statuses.len()).map(|n| format!("${n}")).collect();
    binds.extend(statuses.into_iter().map(Bind::text));
    let not = if filter.op == Op::Ne { "NOT " } else { "" };
    format!(" AND status {not}IN ({})", placeholders.join(", "))
}

/// The list's one filter that `counted` accepts, and its status filter (`=` or `ne`) if any:
/// `None` for any other filter, or none `counted` accepts.
fn counted_beside_status(query: &OrderQuery, counted: impl Fn(&Filter) -> bool) -> Option<(&Filter, Option<&Filter>)> {
    let (mut found, mut status) = (None::<&Filter>, None::<&Filter>);
    for filter in &query.filters {
        if is_status_filter(filter) && status.is_none() {
            status = Some(filter);
        } else if found.is_none() && counted(filter) {
            found = Some(filter);
        } else {
            return None;
        }
    }
    Some((found?, status))
}

/// The total of a list filtered by one of the [`COUNTED_FIELDS`] (`=` or `ne`, one value or
/// several), with or without a status filter (`=` or `ne`), from the per-value counts the
/// import keeps (`order_value_counts`, which has no row for a missing value, as neither `=` nor
/// `ne` matches one): `None` for any other filter.
pub fn value_total(customer_id: &str, query: &OrderQuery) -> Option<(String, Vec<Bind>)> {
    let (counted, status) =
        counted_beside_status(query, |filter| matches!(filter.op, Op::Eq | Op::Ne) && COUNTED_FIELDS.contains(&filter.field.path))?;
    let (sql, mut binds) = kept_sum("order_value_counts", customer_id);
    binds.push(Bind::text(counted.field.column));
    let field = binds.len();
    let values = bind_values(counted, &mut binds).join(", ");
    let not = if counted.op == Op::Ne { "NOT " } else { "" };
    let mut sql = format!("{sql} AND field = ${field} AND value {not}IN ({values})");
    if let Some(status) = status {
        sql.push_str(&status_in(status, &mut binds));
    }
    Some((sql, binds))
}

/// The most sets of values of one field a total is summed over: a customer with more (each
/// order with milestone names of its own, say) has its orders counted instead.
pub const MAX_KEPT_SETS: usize = 10_000;

/// How [`set_total`] finds a total: the kept counts of each set of values of the field, summed
/// over the statuses the list keeps, of which those of the sets with a matching value are added.
#[derive(Debug)]
pub struct SetTotal {
    /// `(value_set, orders)` rows, at most [`MAX_KEPT_SETS`] + 1 of them.
    pub counts: (String, Vec<Bind>),
    op: Op,
    values: Vec<String>,
}

impl SetTotal {
    /// Whether the orders whose values are the set `key` ([`value_sets::encode`]) match: an
    /// order matches when any of its elements does, and the set holds every value they have.
    pub fn matches(&self, key: &str) -> bool {
        value_sets::decode(key).iter().any(|value| self.holds(value))
    }

    /// The filter's comparison, as SQL makes it on the element's column: by code point, `ne`
    /// and `NOT IN` true for a value other than every listed one.
    fn holds(&self, value: &str) -> bool {
        let listed = self.values.iter().map(String::as_str);
        match self.op {
            Op::Eq => listed.into_iter().any(|other| value == other),
            Op::Ne => listed.into_iter().all(|other| value != other),
            // One value: the parser ensures it.
            Op::Gt => listed.into_iter().all(|bound| value > bound),
            Op::Gte => listed.into_iter().all(|bound| value >= bound),
            Op::Lt => listed.into_iter().all(|bound| value < bound),
            Op::Lte => listed.into_iter().all(|bound| value <= bound),
        }
    }
}

/// The total of a list filtered by one of the [`COUNTED_SETS`] (any operator), with or without
/// a status filter (`=` or `ne`), from the per-set counts the import keeps (`order_set_counts`,
/// which has no row for an order without a value, as no filter matches one): `None` for any
/// other filter.
pub fn set_total(customer_id: &str, query: &OrderQuery) -> Option<SetTotal> {
    let (counted, status) = counted_beside_status(query, |filter| COUNTED_SETS.contains(&filter.field.path))?;
    let values: Vec<String> = counted.texts()?.into_iter().map(str::to_owned).collect();
    let mut binds = vec![Bind::text(customer_id), Bind::text(counted.field.path)];
    let mut sql = String::from("SELECT value_set, CAST(sum(orders) AS BIGINT) FROM order_set_counts WHERE customer_id = $1 AND field = $2");
    if let Some(status) = status {
        sql.push_str(&status_in(status, &mut binds));
    }
    binds.push(Bind::int(MAX_KEPT_SETS as i64 + 1));
    sql.push_str(&format!(" GROUP BY value_set LIMIT ${}", binds.len()));
    Some(SetTotal { counts: (sql, binds), op: counted.op, values })
}

/// How [`day_total`] finds a total: a sum over the whole days the kept per-day counts hold, and
/// counts of the matching orders on the days the range's bounds fall in (by `column`).
#[derive(Debug, PartialEq)]
pub struct DayTotal {
    pub whole_days: (String, Vec<Bind>),
    pub column: &'static str,
    pub bound_days: Vec<i64>,
}

/// The total of a list filtered by a range (`gt`, `gte`, `lt`, `lte`) on one of the
/// [`COUNTED_BY_DAY`] dates, with or without a status filter (`=` or `ne`), from the per-day
/// counts the import keeps: `None` for any other filter, or ranges on two dates.
pub fn day_total(customer_id: &str, query: &OrderQuery) -> Option<DayTotal> {
    let (mut first_day, mut last_day, mut status) = (None::<i64>, None::<i64>, None::<&Filter>);
    // The date the ranges are on, and the table of its counts.
    let mut date: Option<(&Field, &str)> = None;
    for filter in &query.filters {
        let counted_by_day = COUNTED_BY_DAY.iter().find(|(path, _)| *path == filter.field.path);
        if let Some(&(_, table)) = counted_by_day {
            if date.is_some_and(|(date, _)| date != filter.field) {
                return None; // ranges on two dates: no one table counts both
            }
            date = Some((filter.field, table));
        }
        match (counted_by_day.is_some(), filter.op, filter.values.as_slice()) {
            (true, Op::Gt | Op::Gte, [Value::Instant(from)]) => first_day = first_day.max(Some(day_of(*from))),
            (true, Op::Lt | Op::Lte, [Value::Instant(to)]) => last_day = Some(last_day.map_or(day_of(*to), |day| day.min(day_of(*to)))),
            (false, _, _) if is_status_filter(filter) && status.is_none() => status = Some(filter),
            _ => return None,
        }
    }
    let (date, table) = date?;
    let (mut sql, mut binds) = kept_sum(table, customer_id);
    // The bounds' own days are counted row by row: only part of each may match.
    for (day, comparison) in [(first_day, ">"), (last_day, "<")] {
        if let Some(day) = day {
            binds.push(Bind::int(day));
            sql.push_str(&format!(" AND day {comparison} ${}", binds.len()));
        }
    }
    if let Some(status) = status {
        sql.push_str(&status_in(status, &mut binds));
    }
    let mut bound_days: Vec<i64> = first_day.into_iter().chain(last_day).collect();
    bound_days.dedup();
    Some(DayTotal { whole_days: (sql, binds), column: date.column, bound_days })
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub fn list_sql(customer_id: &str, query: &OrderQuery, nulls: NullsSort) -> ListSql {
    let mut binds = vec![Bind::text(customer_id)];
    let mut from_where = String::from("FROM orders o WHERE o.customer_id = $1");
    let mut from_where_unindexed = from_where.clone();
    let mut from_where_elements_listed = lists_elements(query).then(|| from_where.clone());
    for filter in &query.filters {
        let placeholders = bind_values(filter, &mut binds);
        for (sql, form) in [(&mut from_where, Form::Indexed), (&mut from_where_unindexed, Form::Unindexed)] {
            sql.push_str(" AND ");
            sql.push_str(&filter_sql(filter, &placeholders, form));
        }
        if let Some(sql) = &mut from_where_elements_listed {
            sql.push_str(" AND ");
            sql.push_str(&filter_sql(filter, &placeholders, Form::ElementsListed));
        }
    }
    ListSql {
        from_where,
        from_where_unindexed,
        from_where_elements_listed,
        order_by: order_by(query, nulls, false),
        order_by_unindexed: order_by(query, nulls, true),
        binds,
    }
}

/// Whether the list's element filters are counted, and found first, as lists of the orders they
/// match (see [`ListSql`]): it has some, and its other filters are on the status alone.
pub fn lists_elements(query: &OrderQuery) -> bool {
    let on_elements = |filter: &Filter| filter.field.container != Container::Order;
    query.filters.iter().any(on_elements) && query.filters.iter().all(|filter| on_elements(filter) || is_status_filter(filter))
}

/// Binds the filter's values, and returns their placeholders.
fn bind_values(filter: &Filter, binds: &mut Vec<Bind>) -> Vec<String> {
    filter
        .values
        .iter()
        .map(|value| {
            binds.push(match value {
                Value::Text(text) => Bind::text(text.clone()),
                Value::Instant(nanos) => Bind::int(*nanos),
            });
            format!("${}", binds.len())
        })
        .collect()
}

/// How [`filter_sql`] writes a filter.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// As any index may serve it; element filters tested per order (`EXISTS`).
    Indexed,
    /// In a form no index of the order's columns can serve.
    Unindexed,
    /// As [`Form::Indexed`], with element filters as the list of orders they match.
    ElementsListed,
}

/// The filter as a condition on its `placeholders`, in `form`.
fn filter_sql(filter: &Filter, placeholders: &[String], form: Form) -> String {
    let column = match filter.field.container {
        Container::Order if form == Form::Unindexed => format!("+o.{}", filter.field.column),
        Container::Order => format!("o.{}", filter.field.column),
        _ => format!("e.{}", filter.field.column),
    };
    // NULL (a missing field) compares to nothing, so it never matches, `ne` included.
    let condition = match (filter.op, placeholders) {
        (Op::Eq, [one]) => format!("{column} = {one}"),
        (Op::Ne, [one]) => format!("{column} <> {one}"),
        (Op::Eq, many) => format!("{column} IN ({})", many.join(", ")),
        (Op::Ne, many) => format!("{column} NOT IN ({})", many.join(", ")),
        (op, [one]) => format!("{column} {} {one}", comparison(op)),
        (op, _) => unreachable!("{} takes one value; the parser ensures it", op.name()),
    };
    let table = match filter.field.container {
        Container::Order => return condition,
        Container::Appointments => "order_appointments",
        Container::Milestones => "order_milestones",
    };
    if form == Form::ElementsListed {
        format!("o.id IN (SELECT e.order_id FROM {table} e WHERE e.customer_id = $1 AND {condition})")
    } else {
        format!("EXISTS (SELECT 1 FROM {table} e WHERE e.customer_id = o.customer_id AND e.order_id = o.id AND {condition})")
    }
}

fn comparison(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "<>",
        Op::Gt => ">",
        Op::Gte => ">=",
        Op::Lt => "<",
        Op::Lte => "<=",
    }
}

/// Requested keys, missing values last in both directions, then `id` ascending so that pages
/// never overlap or skip.
///
/// Where the backend's own NULL placement already puts them last (SQLite descending,
/// PostgreSQL ascending), or a filter on the field excludes them, no `IS NULL` term is added:
/// such a term matches no index, and sorting every matching row for one page costs seconds.
/// `unindexed`, every term in a form no index can serve.
fn order_by(query: &OrderQuery, nulls: NullsSort, unindexed: bool) -> String {
    let plus = if unindexed { "+" } else { "" };
    let mut terms = Vec::new();
    for key in &query.sort {
        let column = sort_column(key.field);
        let direction = if key.descending { "DESC" } else { "ASC" };
        let nulls_come_last = match nulls {
            NullsSort::Low => key.descending,
            NullsSort::High => !key.descending,
        };
        let filtered = query.filters.iter().any(|filter| filter.field == key.field);
        if !key.field.always_present() && !nulls_come_last && !filtered {
            terms.push(format!("{plus}(o.{column} IS NULL) ASC"));
        }
        terms.push(format!("{plus}o.{column} {direction}"));
    }
    if !query.sort.iter().any(|key| key.field == catalogue::id_field()) {
        terms.push(format!("{plus}o.id ASC"));
    }
    terms.join(", ")
}

fn sort_column(field: &Field) -> &'static str {
    debug_assert!(field.sortable(), "the parser only lets order-level fields through");
    field.column
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Limits, parse_query};

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
        assert_eq!(
            binds,
            [Bind::text("c1"), Bind::text("product_code"), Bind::text("FIBRE-ENT"), Bind::text("SDWAN"), Bind::text("Current")]
        );
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
}
