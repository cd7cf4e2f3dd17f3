//! A changed order updated in place: only the columns whose values changed, and its appointments
//! or milestones only if they did. An import's large batches delete changed orders and insert
//! them again, a handful of multi-row statements for a thousand orders; a single-order write of
//! one changed field did the same to touch every index of `orders` and of its children twice
//! (about half of its transaction's time at 100,000 orders, docs/performance.md).

use sqlx::Transaction;

use super::bind::{Bind, owned_arguments};
use super::columns::{Row, appointment_rows, milestone_rows, order_row};
use super::dialect::Dialect;
use super::multi_row::placeholders;
use super::prepared::PreparedOrder;
use crate::domain::order::Order;
use crate::store::StoreResult;

/// How a batch writes the orders it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Delete them (their children with them) and insert them again: an import.
    Rewrite,
    /// Update what changed, an order at a time: single-order writes.
    InPlace,
}

/// What an update in place writes of one order.
pub(super) struct Update {
    /// The order-level columns whose values changed.
    columns: Row,
    /// Whether its appointments, its milestones, changed (and are written again).
    pub appointments: bool,
    pub milestones: bool,
}

impl Update {
    /// What differs between the stored order and `new`, which replaces it.
    pub(super) fn between(stored: &Order, new: &PreparedOrder) -> Update {
        let columns = order_row(stored).into_iter().zip(&new.row).filter(|(old, new)| old != *new).map(|(_, new)| new.clone()).collect();
        Update { columns, appointments: appointment_rows(stored) != new.appointments, milestones: milestone_rows(stored) != new.milestones }
    }

    /// Writes it: the row's changed columns and its new change, and deletes the children that
    /// changed (the batch inserts them again with those of new orders).
    pub(super) async fn write<DB>(
        self,
        tx: &mut Transaction<'_, DB>,
        customer_id: &str,
        order_id: &str,
        changed_at: i64,
        doc_seq: i64,
    ) -> StoreResult<()>
    where
        DB: Dialect,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
        for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
        for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        for<'q> Vec<u8>: sqlx::Type<DB>,
        for<'q> Option<String>: sqlx::Encode<'q, DB>,
        for<'q> Option<i64>: sqlx::Encode<'q, DB>,
        for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    {
        let key = [Bind::text(customer_id), Bind::text(order_id)];
        let set = [("updated_at", Bind::int(changed_at)), ("doc_seq", Bind::int(doc_seq))].into_iter().chain(self.columns);
        let (assignments, values): (Vec<String>, Vec<Bind>) =
            set.enumerate().map(|(n, (column, value))| (format!("{column} = {}", placeholders(DB::PLACEHOLDER, n + 1, 1)), value)).unzip();
        let first_key = values.len() + 1;
        let sql = format!(
            "UPDATE orders SET {} WHERE customer_id = {} AND id = {}",
            assignments.join(", "),
            placeholders(DB::PLACEHOLDER, first_key, 1),
            placeholders(DB::PLACEHOLDER, first_key + 1, 1)
        );
        sqlx::query_with(&sql, owned_arguments::<DB>(values.into_iter().chain(key.clone()))?).execute(&mut **tx).await?;
        for (table, changed) in [("order_appointments", self.appointments), ("order_milestones", self.milestones)] {
            if changed {
                let sql = format!(
                    "DELETE FROM {table} WHERE customer_id = {} AND order_id = {}",
                    placeholders(DB::PLACEHOLDER, 1, 1),
                    placeholders(DB::PLACEHOLDER, 2, 1)
                );
                sqlx::query_with(&sql, owned_arguments::<DB>(key.clone())?).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }
}
