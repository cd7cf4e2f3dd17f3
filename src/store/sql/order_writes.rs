//! What every write of a customer's orders does around its rows, on any SQL backend: the
//! customer's lock and event numbering, the precondition of a single-order write (`If-Match`),
//! the kept counts, the orders version; and the deletion of one order (issue #32), which records
//! its `OrderDeleteEvent` with the order as it was.

use std::collections::BTreeMap;

use sqlx::{Row, Transaction};

use super::bind::arguments;
use super::checkpoint_ahead::{ask_for_checkpoint, checkpointer};
use super::dialect::Dialect;
use super::events::{self, NewEvent, Numbering};
use super::kept_counts::{CountedAs, KeptCounts};
use super::orders::unpack;
use super::query::DOCUMENTS;
use super::store::{OneWriter, SqlStore};
use super::time_columns::{now, to_micros};
use crate::domain::events::EventType;
use crate::domain::order::Order;
use crate::store::{Precondition, StoreError, StoreResult};

/// A single-order write's connection: its own from the pool, or the one kept for such writes
/// (while the guard is held, no other such write runs).
pub(super) enum SingleWrite<'a, DB: sqlx::Database> {
    Pooled(sqlx::pool::PoolConnection<DB>),
    Kept(tokio::sync::MutexGuard<'a, Option<sqlx::pool::PoolConnection<DB>>>),
    /// The turn, and a pooled connection: a small pool keeps none for writes.
    Turn {
        _turn: tokio::sync::MutexGuard<'a, Option<sqlx::pool::PoolConnection<DB>>>,
        connection: sqlx::pool::PoolConnection<DB>,
    },
}

/// The fewest pooled connections for one of them to be kept for single-order writes.
const KEEP_A_WRITER_FROM: u32 = 4;

impl<DB: sqlx::Database> SingleWrite<'_, DB> {
    pub(super) fn get(&mut self) -> &mut DB::Connection {
        match self {
            SingleWrite::Pooled(connection) | SingleWrite::Turn { connection, .. } => connection,
            SingleWrite::Kept(kept) => kept.as_mut().expect("a kept connection is set before it is handed out"),
        }
    }
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
    for<'q> Option<String>: sqlx::Encode<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    /// Takes the customer's write lock (PostgreSQL's advisory lock; SQLite has one writer) and
    /// reads its last event number, which the lock keeps until the commit, so that numbers
    /// follow commit order. `NotFound` for an unknown customer.
    pub(super) async fn lock_customer(tx: &mut Transaction<'_, DB>, customer_id: &str) -> StoreResult<i64> {
        if let Some(lock) = DB::LOCK_CUSTOMER {
            sqlx::query(lock).bind(customer_id).execute(&mut **tx).await?;
        }
        let sequence: Option<i64> =
            sqlx::query_scalar("SELECT event_sequence FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&mut **tx).await?;
        sequence.ok_or_else(|| StoreError::NotFound(format!("customer {customer_id}")))
    }

    /// The stored order's change number and document, if there is one.
    pub(super) async fn stored_document(
        tx: &mut Transaction<'_, DB>,
        customer_id: &str,
        order_id: &str,
    ) -> StoreResult<Option<(i64, String)>> {
        let sql = format!("SELECT o.doc_seq, c.doc {DOCUMENTS} WHERE o.customer_id = $1 AND o.id = $2");
        let row = sqlx::query(&sql).bind(customer_id).bind(order_id).fetch_optional(&mut **tx).await?;
        row.map(|row| Ok((row.try_get::<i64, _>(0)?, unpack(&row.try_get::<Vec<u8>, _>(1)?)?))).transpose()
    }

    /// The kept counts moved by what the write changed.
    pub(super) async fn write_kept_counts(tx: &mut Transaction<'_, DB>, customer_id: &str, kept: &KeptCounts) -> StoreResult<()> {
        for (table, key, rows) in kept.rows(customer_id) {
            for (insert, binds) in rows.statements(table, DB::PLACEHOLDER) {
                let upsert = format!("{insert} ON CONFLICT ({key}) DO UPDATE SET orders = {table}.orders + excluded.orders");
                sqlx::query_with(&upsert, arguments::<DB>(&binds)?).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    /// Keeps the customer's last event number and counts, and tells the listeners (PostgreSQL's
    /// `NOTIFY`, sent at the commit), when the write recorded events.
    pub(super) async fn close_numbering(tx: &mut Transaction<'_, DB>, customer_id: &str, numbering: &Numbering) -> StoreResult<()> {
        if !numbering.advanced() {
            return Ok(());
        }
        sqlx::query("UPDATE customers SET event_sequence = $2 WHERE id = $1")
            .bind(customer_id)
            .bind(numbering.last_sequence)
            .execute(&mut **tx)
            .await?;
        events::count(tx, customer_id, numbering).await?;
        if let Some(notify) = DB::NOTIFY_EVENTS {
            sqlx::query(notify).bind(customer_id).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// In the write's transaction: a reader sees the new orders and the new version together.
    pub(super) async fn next_orders_version(tx: &mut Transaction<'_, DB>, customer_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE customers SET orders_version = orders_version + 1 WHERE id = $1").bind(customer_id).execute(&mut **tx).await?;
        Ok(())
    }

    /// The connection a single-order write runs on, with its turn: on a backend of one writer,
    /// the one kept for such writes (a pooled one, each time, elsewhere).
    pub(super) async fn single_write_connection<'a>(
        pool: &sqlx::Pool<DB>,
        one_writer: &'a OneWriter<DB>,
    ) -> StoreResult<SingleWrite<'a, DB>> {
        if !DB::ONE_WRITER {
            return Ok(SingleWrite::Pooled(pool.acquire().await?));
        }
        let mut kept = one_writer.lock().await;
        if kept.is_none() {
            let mut connection = pool.acquire().await?;
            // Kept out of the pool only where the pool has room for the reads beside it.
            if pool.options().get_max_connections() < KEEP_A_WRITER_FROM {
                return Ok(SingleWrite::Turn { _turn: kept, connection });
            }
            for setting in DB::KEPT_WRITER_SETTINGS {
                sqlx::query(setting).execute(&mut *connection).await?;
            }
            *kept = Some(connection);
        }
        Ok(SingleWrite::Kept(kept))
    }

    /// The task that checkpoints beside single-order writes, started by the first of them.
    pub(super) fn write_checkpointer(&self) -> Option<&tokio::sync::mpsc::Sender<()>> {
        self.write_checkpointer.get_or_init(|| checkpointer(self.pool.clone())).as_ref()
    }

    /// Deletes the order if `precondition` holds of it, in one transaction with its event, the
    /// kept counts and the orders version; `false` when there is no such order.
    pub(super) async fn delete_one(&self, customer_id: &str, order_id: &str, precondition: Option<Precondition>) -> StoreResult<bool> {
        let mut connection = Self::single_write_connection(&self.pool, &self.one_writer).await?;
        let mut tx = sqlx::Connection::begin_with(connection.get(), DB::BEGIN_WRITE).await?;
        let sequence = Self::lock_customer(&mut tx, customer_id).await?;
        let stored = Self::stored_document(&mut tx, customer_id, order_id).await?;
        if let Some(precondition) = precondition
            && !precondition(stored.as_ref().map(|(_, document)| document.as_str()))
        {
            return Err(StoreError::PreconditionFailed);
        }
        let Some((doc_seq, document)) = stored else { return Ok(false) };
        let order: Order = serde_json::from_str(&document).map_err(|error| StoreError::Backend(Box::new(error)))?;
        let mut kept = KeptCounts::default();
        kept.add(&CountedAs::of(&order), -1);
        Self::write_kept_counts(&mut tx, customer_id, &kept).await?;
        // Its appointments and milestones go with it (ON DELETE CASCADE); its change-log rows
        // stay, and the event points at the last one: the order as it was.
        sqlx::query("DELETE FROM orders WHERE customer_id = $1 AND id = $2").bind(customer_id).bind(order_id).execute(&mut *tx).await?;
        let event_time = to_micros(now());
        let mut numbering = Numbering { first_sequence: sequence, last_sequence: sequence, event_time, recorded: BTreeMap::new() };
        let deleted = NewEvent { event_type: EventType::OrderDelete, changed_fields: Vec::new(), change_seq: doc_seq };
        events::record(&mut tx, customer_id, vec![deleted], &mut numbering).await?;
        Self::close_numbering(&mut tx, customer_id, &numbering).await?;
        Self::next_orders_version(&mut tx, customer_id).await?;
        tx.commit().await?;
        ask_for_checkpoint(self.write_checkpointer());
        Ok(true)
    }
}
