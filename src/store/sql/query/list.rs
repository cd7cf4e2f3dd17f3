//! Turns a typed [`OrderQuery`] into SQL shared by every backend: `$N` placeholders, every
//! value bound, every name taken from the catalogue (never from the request).
//!
//! Schema it assumes: `orders o` with one column per order-level leaf, and the child tables
//! `order_appointments` and `order_milestones`, keyed by `(customer_id, order_id)`. Text
//! columns compare by code point; dates and date-times are `i64` nanoseconds.

use super::filters::{bind_values, is_status_filter};
use crate::domain::catalogue::{self, Container, Field};
use crate::domain::instant::DAY_NANOS;
use crate::query::{Filter, Op, OrderQuery};
use crate::store::sql::bind::Bind;

/// Where a backend puts a NULL when it sorts: below every value (SQLite) or above (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsSort {
    Low,
    High,
}

/// How the ids of a page are found (chosen by the [`Dialect`](super::super::Dialect)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagePlan {
    /// As the database's planner decides.
    Planner,
    /// Walk the index of the sort, testing the filters on each row, until the page is full.
    WalkSortIndex,
    /// Find every match through a filter's index, then sort them.
    FilterFirst,
}

/// Joins each order to its document: the latest entry of its change log (migration 0009).
pub const DOCUMENTS: &str = "FROM orders o JOIN order_changes c ON c.customer_id = o.customer_id AND c.seq = o.doc_seq";

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
        let sql = format!("SELECT c.doc {} WHERE o.customer_id = $1 AND o.id IN ({ids}) ORDER BY {}", DOCUMENTS, self.order_by,);
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
