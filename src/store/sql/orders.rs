//! Orders on any SQL backend: all-or-nothing imports with a change log, and list queries.

use sqlx::{Row, Transaction};

use super::{CountKey, Dialect, SqlStore, arguments, now};
use crate::domain::order::{Order, OrderDocument};
use crate::query::OrderQuery;
use crate::store::order_columns::{Row as ColumnRow, appointment_rows, milestone_rows, order_row};
use crate::store::sql_query::{Bind, list_sql};
use crate::store::{ImportSummary, OrderPage, StoreError, StoreResult};

/// `INSERT INTO table (customer_id, <key>, <columns>) VALUES (...)`, `$1` the customer and `$2` the key.
fn insert_sql(table: &str, key_columns: &[&str], row: &ColumnRow) -> String {
    let columns: Vec<&str> = key_columns.iter().copied().chain(row.iter().map(|(name, _)| *name)).collect();
    let placeholders: Vec<String> = (1..=columns.len() + 1).map(|n| format!("${n}")).collect();
    format!("INSERT INTO {table} (customer_id, {}) VALUES ({})", columns.join(", "), placeholders.join(", "))
}

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
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    pub(super) async fn upsert_orders(&self, customer_id: &str, orders: &[Order]) -> StoreResult<ImportSummary> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        for setting in DB::IMPORT_SETTINGS {
            sqlx::query(setting).execute(&mut *tx).await?;
        }
        if let Some(lock) = DB::LOCK_CUSTOMER {
            sqlx::query(lock).bind(customer_id).execute(&mut *tx).await?;
        }
        let known = sqlx::query("SELECT 1 FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut *tx).await?;
        if known.is_none() {
            return Err(StoreError::NotFound(format!("customer {customer_id}")));
        }
        let mut summary = ImportSummary::default();
        let changed_at = crate::store::time_columns::to_micros(now());
        let mut changed = false;
        for order in orders {
            let document = order.to_document();
            let existing: Option<String> = sqlx::query_scalar("SELECT doc FROM order_documents WHERE customer_id = $1 AND order_id = $2")
                .bind(customer_id)
                .bind(&order.id)
                .fetch_optional(&mut *tx)
                .await?;
            match &existing {
                None => summary.created += 1,
                Some(_) => summary.updated += 1,
            }
            if existing.as_deref() == Some(document.as_str()) {
                continue; // identical: nothing to change, nothing to log
            }
            Self::write_order(&mut tx, customer_id, order, &document, changed_at, existing.is_some()).await?;
            changed = true;
        }
        if changed {
            // In the same transaction: a reader sees the new orders and the new version together.
            sqlx::query("UPDATE customers SET orders_version = orders_version + 1 WHERE id = $1")
                .bind(customer_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if changed && !DB::AFTER_IMPORT.is_empty() {
            let mut connection = self.pool.acquire().await?;
            for statement in DB::AFTER_IMPORT {
                sqlx::query(statement).execute(&mut *connection).await?;
            }
        }
        Ok(summary)
    }

    /// One page and the exact total, from one snapshot. The total is counted once per filter and
    /// orders version (read in the same snapshot), and not at all when the page holds every match.
    pub(super) async fn select_orders(&self, customer_id: &str, query: &OrderQuery) -> StoreResult<OrderPage> {
        let sql = list_sql(customer_id, query, DB::NULLS);
        let mut tx = self.pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let (page_sql, page_binds) = sql.page(query);
        let rows = sqlx::query_with(&page_sql, arguments::<DB>(&page_binds)?).fetch_all(&mut *tx).await?;
        let orders: Vec<OrderDocument> = rows.iter().map(|row| OrderDocument(row.get::<String, _>(0).into())).collect();

        // A short page that is not past the end is the last one: it tells the total.
        let total = if (orders.len() as u64) < query.limit && (query.offset == 0 || !orders.is_empty()) {
            query.offset + orders.len() as u64
        } else {
            let version: Option<i64> =
                sqlx::query_scalar("SELECT orders_version FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut *tx).await?;
            let (count_sql, count_binds) = sql.count();
            let key = CountKey {
                customer_id: customer_id.to_owned(),
                orders_version: version.unwrap_or_default(),
                filters: format!("{count_sql} {count_binds:?}"),
            };
            match self.counts.get(&key) {
                Some(total) => total,
                None => {
                    let total: i64 = sqlx::query_scalar_with(&count_sql, arguments::<DB>(&count_binds)?).fetch_one(&mut *tx).await?;
                    self.counts.insert(key, total as u64);
                    total as u64
                }
            }
        };
        tx.commit().await?;
        Ok(OrderPage { total, orders })
    }

    pub(super) async fn count_customer_orders(&self, customer_id: &str) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM orders WHERE customer_id = $1").bind(customer_id).fetch_one(&self.pool).await?;
        Ok(count as u64)
    }

    pub(super) async fn select_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM order_documents WHERE customer_id = $1 AND order_id = $2")
            .bind(customer_id)
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(doc.map(|doc| OrderDocument(doc.into())))
    }

    async fn write_order(
        tx: &mut Transaction<'static, DB>,
        customer_id: &str,
        order: &Order,
        document: &OrderDocument,
        changed_at: i64,
        replace: bool,
    ) -> StoreResult<()> {
        if replace {
            // Children go with their parent row (ON DELETE CASCADE).
            sqlx::query("DELETE FROM orders WHERE customer_id = $1 AND id = $2")
                .bind(customer_id)
                .bind(&order.id)
                .execute(&mut **tx)
                .await?;
        }
        let row = order_row(order);
        let mut values = vec![Bind::text(customer_id), Bind::int(changed_at)];
        values.extend(row.iter().map(|(_, value)| value.clone()));
        sqlx::query_with(&insert_sql("orders", &["updated_at"], &row), arguments::<DB>(&values)?).execute(&mut **tx).await?;
        sqlx::query("INSERT INTO order_documents (customer_id, order_id, doc) VALUES ($1, $2, $3)")
            .bind(customer_id)
            .bind(&order.id)
            .bind(document.as_str())
            .execute(&mut **tx)
            .await?;

        for (table, rows) in [("order_appointments", appointment_rows(order)), ("order_milestones", milestone_rows(order))] {
            for (position, row) in rows.iter().enumerate() {
                let mut values = vec![Bind::text(customer_id), Bind::text(order.id.clone()), Bind::int(position as i64)];
                values.extend(row.iter().map(|(_, value)| value.clone()));
                sqlx::query_with(&insert_sql(table, &["order_id", "position"], row), arguments::<DB>(&values)?).execute(&mut **tx).await?;
            }
        }

        sqlx::query("INSERT INTO order_changes (customer_id, order_id, changed_at, doc) VALUES ($1, $2, $3, $4)")
            .bind(customer_id)
            .bind(&order.id)
            .bind(changed_at)
            .bind(document.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
