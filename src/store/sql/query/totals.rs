//! A list's total from the counts the imports keep, where they can give it, instead of
//! counting its rows: by status, by value, by set of values, by day.

use super::filters::{bind_values, is_status_filter, status_in};
use crate::domain::catalogue::Field;
use crate::domain::instant::day_of;
use crate::query::{Filter, Op, OrderQuery, Value};
use crate::store::sql::bind::Bind;
use crate::store::sql::columns::{COUNTED_BY_DAY, COUNTED_FIELDS, COUNTED_SETS};
use crate::store::sql::value_sets;

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
