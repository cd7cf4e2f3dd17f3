//! Orders in SQLite: all-or-nothing imports with a change log, and list queries.

use sqlx::{Row, Sqlite, Transaction};

use super::{SqliteStore, arguments, now};
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

impl SqliteStore {
    pub(super) async fn upsert_orders(&self, customer_id: &str, orders: &[Order]) -> StoreResult<ImportSummary> {
        let mut tx = self.begin_write().await?;
        let known = sqlx::query("SELECT 1 FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut *tx).await?;
        if known.is_none() {
            return Err(StoreError::NotFound(format!("customer {customer_id}")));
        }
        let mut summary = ImportSummary::default();
        let changed_at = crate::store::time_columns::to_micros(now());
        for order in orders {
            let document = order.to_document();
            let existing: Option<String> = sqlx::query_scalar("SELECT doc FROM orders WHERE customer_id = $1 AND id = $2")
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
            write_order(&mut tx, customer_id, order, &document, changed_at, existing.is_some()).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }

    pub(super) async fn select_orders(&self, customer_id: &str, query: &OrderQuery) -> StoreResult<OrderPage> {
        let sql = list_sql(customer_id, query);
        // One read transaction, so that the page and the total see the same snapshot.
        let mut tx = self.pool.begin().await?;
        let (count_sql, count_binds) = sql.count();
        let total: i64 = sqlx::query_scalar_with(&count_sql, arguments(wrap(&count_binds).iter())?).fetch_one(&mut *tx).await?;
        let (page_sql, page_binds) = sql.page(query);
        let rows = sqlx::query_with(&page_sql, arguments(wrap(&page_binds).iter())?).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let orders = rows.iter().map(|row| OrderDocument(row.get::<String, _>(0).into())).collect();
        Ok(OrderPage { total: total as u64, orders })
    }

    pub(super) async fn select_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM orders WHERE customer_id = $1 AND id = $2")
            .bind(customer_id)
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(doc.map(|doc| OrderDocument(doc.into())))
    }
}

fn wrap(binds: &[Bind]) -> Vec<Option<Bind>> {
    binds.iter().cloned().map(Some).collect()
}

async fn write_order(
    tx: &mut Transaction<'static, Sqlite>,
    customer_id: &str,
    order: &Order,
    document: &OrderDocument,
    changed_at: i64,
    replace: bool,
) -> StoreResult<()> {
    if replace {
        // Children go with their parent row (ON DELETE CASCADE).
        sqlx::query("DELETE FROM orders WHERE customer_id = $1 AND id = $2").bind(customer_id).bind(&order.id).execute(&mut **tx).await?;
    }
    let row = order_row(order);
    let mut values =
        vec![Some(Bind::Text(customer_id.to_owned())), Some(Bind::Text(document.as_str().to_owned())), Some(Bind::Int(changed_at))];
    values.extend(row.iter().map(|(_, value)| value.clone()));
    sqlx::query_with(&insert_sql("orders", &["doc", "updated_at"], &row), arguments(values.iter())?).execute(&mut **tx).await?;

    for (table, rows) in [("order_appointments", appointment_rows(order)), ("order_milestones", milestone_rows(order))] {
        for (position, row) in rows.iter().enumerate() {
            let mut values =
                vec![Some(Bind::Text(customer_id.to_owned())), Some(Bind::Text(order.id.clone())), Some(Bind::Int(position as i64))];
            values.extend(row.iter().map(|(_, value)| value.clone()));
            sqlx::query_with(&insert_sql(table, &["order_id", "position"], row), arguments(values.iter())?).execute(&mut **tx).await?;
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
