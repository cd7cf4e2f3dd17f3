//! Orders read on any SQL backend: pages of lists with their totals, and single documents.

use std::sync::LazyLock;

use rusqlite::OptionalExtension;
use sqlx::Row;

use super::bind::arguments;
use super::dialect::Dialect;
use super::packed_documents;
use super::query::{
    DOCUMENTS, ListSql, MAX_KEPT_SETS, PagePlan, customer_total, day_total, list_sql, set_total, status_total, value_total,
};
use super::store::{CountKey, SqlStore};
use crate::domain::order::OrderDocument;
use crate::query::OrderQuery;
use crate::store::{OrderPage, StoreError, StoreResult};

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    /// One page and the exact total, from one snapshot, in a task of its own: the read
    /// transaction runs to its end even when the caller goes away (a client disconnecting, the
    /// request timeout). A caller dropped while sqlx's `BEGIN` was under way left the connection
    /// inside a transaction that nothing would end, and back in the pool: from then on every
    /// `BEGIN` on it failed (a 500) and every write on it failed with SQLITE_BUSY_SNAPSHOT (a 503),
    /// seen under load when wrk closed its connections (docs/performance.md, step 9).
    pub(super) async fn select_orders(&self, customer_id: &str, query: &OrderQuery, known_version: Option<i64>) -> StoreResult<OrderPage> {
        if let Some(page) = self.select_orders_indexed(customer_id, query, known_version).await? {
            return Ok(page);
        }
        let (pool, counts) = (self.pool.clone(), self.counts.clone());
        let (customer_id, query) = (customer_id.to_owned(), query.clone());
        let listed = tokio::spawn(async move { Self::select_orders_in_snapshot(&pool, &counts, &customer_id, &query).await }).await;
        listed.map_err(|failed| StoreError::Backend(Box::new(failed)))?
    }

    /// The total is counted once per filter and orders version (read in the same snapshot), and
    /// not at all when the page holds every match, unless the page's plan depends on it.
    async fn select_orders_in_snapshot(
        pool: &sqlx::Pool<DB>,
        counts: &quick_cache::sync::Cache<CountKey, u64>,
        customer_id: &str,
        query: &OrderQuery,
    ) -> StoreResult<OrderPage> {
        let sql = list_sql(customer_id, query, DB::NULLS);
        let mut tx = pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let (known_total, plan) = if DB::plan_depends_on_matches(query) {
            let total = Self::total(&mut tx, counts, customer_id, query, &sql).await?;
            let (all_sql, all_binds) = customer_total(customer_id);
            let all: i64 = sqlx::query_scalar_with(&all_sql, arguments::<DB>(&all_binds)?).fetch_one(&mut *tx).await?;
            (Some(total), DB::page_plan(query, total, all as u64))
        } else {
            (None, PagePlan::Planner)
        };
        let rows = if known_total.is_some_and(|total| total <= query.offset) {
            // Nothing to find: a walk for the matches of a filter no index serves would still
            // read every order (3.6 s at 1,000,000 for an appointment id no order has).
            Vec::new()
        } else {
            let (page_sql, page_binds) = sql.page(query, plan);
            sqlx::query_with(&page_sql, arguments::<DB>(&page_binds)?).fetch_all(&mut *tx).await?
        };
        let orders =
            rows.iter().map(|row| Ok(OrderDocument(unpack(&row.get::<Vec<u8>, _>(0))?.into()))).collect::<StoreResult<Vec<_>>>()?;

        let total = match known_total {
            Some(total) => total,
            // A short page that is not past the end is the last one: it tells the total.
            None if (orders.len() as u64) < query.limit && (query.offset == 0 || !orders.is_empty()) => query.offset + orders.len() as u64,
            None => Self::total(&mut tx, counts, customer_id, query, &sql).await?,
        };
        tx.commit().await?;
        Ok(OrderPage { total, orders })
    }

    /// The number of orders that match the list's filters: from the kept per-status or per-day
    /// counts when they tell it, otherwise counted, once per filter and orders version.
    async fn total(
        tx: &mut sqlx::Transaction<'_, DB>,
        counts: &quick_cache::sync::Cache<CountKey, u64>,
        customer_id: &str,
        query: &OrderQuery,
        sql: &ListSql,
    ) -> StoreResult<u64> {
        if let Some((total_sql, total_binds)) = status_total(customer_id, query) {
            // Kept by the imports: a row per status, nothing to count.
            let total: i64 = sqlx::query_scalar_with(&total_sql, arguments::<DB>(&total_binds)?).fetch_one(&mut **tx).await?;
            return Ok(total as u64);
        }
        if let Some((total_sql, total_binds)) = value_total(customer_id, query) {
            // Kept by the imports per value of a few-valued field and status.
            let total: i64 = sqlx::query_scalar_with(&total_sql, arguments::<DB>(&total_binds)?).fetch_one(&mut **tx).await?;
            return Ok(total as u64);
        }
        if let Some(by_set) = set_total(customer_id, query) {
            // Kept by the imports per set of values of an element field and status: the sets
            // with a matching value summed, unless the customer has too many to read.
            let (sets_sql, sets_binds) = &by_set.counts;
            let rows = sqlx::query_with(sets_sql, arguments::<DB>(sets_binds)?).fetch_all(&mut **tx).await?;
            if rows.len() <= MAX_KEPT_SETS {
                let matching = rows.iter().filter(|row| by_set.matches(&row.get::<String, _>(0)));
                return Ok(matching.map(|row| row.get::<i64, _>(1) as u64).sum());
            }
        }
        if let Some(by_day) = day_total(customer_id, query) {
            // Kept by the imports per day: whole days summed, the bounds' days counted.
            let (sum_sql, sum_binds) = &by_day.whole_days;
            let mut total: i64 = sqlx::query_scalar_with(sum_sql, arguments::<DB>(sum_binds)?).fetch_one(&mut **tx).await?;
            for day in by_day.bound_days {
                let (count_sql, count_binds) = sql.count_on_day(by_day.column, day);
                let on_day: i64 = sqlx::query_scalar_with(&count_sql, arguments::<DB>(&count_binds)?).fetch_one(&mut **tx).await?;
                total += on_day;
            }
            return Ok(total as u64);
        }
        let version: Option<i64> =
            sqlx::query_scalar("SELECT orders_version FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut **tx).await?;
        let (count_sql, count_binds) = sql.count();
        let key = CountKey {
            customer_id: customer_id.to_owned(),
            orders_version: version.unwrap_or_default(),
            filters: format!("{count_sql} {count_binds:?}"),
        };
        if let Some(total) = counts.get(&key) {
            return Ok(total);
        }
        let total: i64 = sqlx::query_scalar_with(&count_sql, arguments::<DB>(&count_binds)?).fetch_one(&mut **tx).await?;
        counts.insert(key, total as u64);
        Ok(total as u64)
    }

    pub(super) async fn count_customer_orders(&self, customer_id: &str) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM orders WHERE customer_id = $1").bind(customer_id).fetch_one(&self.pool).await?;
        Ok(count as u64)
    }

    /// One order's document: read straight from the SQLite file where it can be (a pooled
    /// connection's thread hand-over cost more than the read; docs/performance.md, step 30).
    pub(super) async fn select_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>> {
        let read = |connection: &rusqlite::Connection| {
            connection.prepare_cached(&SELECT_ORDER)?.query_row((customer_id, order_id), |row| row.get::<_, Vec<u8>>(0)).optional()
        };
        let doc = match self.direct.as_ref().and_then(|direct| direct.read(read)) {
            Some(doc) => doc,
            None => sqlx::query_scalar(&SELECT_ORDER).bind(customer_id).bind(order_id).fetch_optional(&self.pool).await?,
        };
        doc.map(|doc| Ok(OrderDocument(unpack(&doc)?.into()))).transpose()
    }
}

/// The JSON of a document as the change log stores it (packed since migration 0011).
pub(super) fn unpack(stored: &[u8]) -> StoreResult<String> {
    packed_documents::unpack(stored).map_err(|error| StoreError::Backend(Box::new(error)))
}

/// The document of one order of a customer's.
static SELECT_ORDER: LazyLock<String> = LazyLock::new(|| format!("SELECT c.doc {DOCUMENTS} WHERE o.customer_id = $1 AND o.id = $2"));
