//! Imports on any SQL backend: all or nothing, in batches, each order's change recorded in the
//! change log and the event log, and the kept counts updated, in the same transaction.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use sqlx::pool::PoolConnection;
use sqlx::{Row, Transaction};

use super::bind::{Bind, owned_arguments};
use super::dialect::Dialect;
use super::events::{self, NewEvent, Numbering};
use super::in_place::{Replace, Update};
use super::kept_counts::{CountedAs, KeptCounts};
use super::multi_row::{Rows, placeholders};
use super::orders::unpack;
use super::prepared::{PreparedOrder, prepare_ahead};
use super::query::DOCUMENTS;
use super::store::SqlStore;
use super::time_columns::now;
use crate::domain::order::Order;
use crate::store::{ImportSummary, StoreError, StoreResult};

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
    /// Imports in batches: each batch looks up its existing documents in one statement and
    /// writes each table with multi-row `INSERT`s, so an order costs a share of a handful of
    /// statements instead of about nine of its own (docs/performance.md, step 6).
    pub(super) async fn upsert_orders(&self, customer_id: &str, orders: Vec<Order>) -> StoreResult<ImportSummary> {
        let mut connection = self.pool.acquire().await?;
        let imported = Self::import_on(&mut connection, customer_id, orders).await;
        if DB::IMPORT_SETTINGS_OUTLIVE_IT {
            // Whether the import committed or failed midway, nothing else inherits its settings.
            connection.close_on_drop();
        }
        let (summary, changed) = imported?;
        // The orders are committed: upkeep that fails is worth a warning, not a failed import.
        let upkeep = changed && !DB::AFTER_IMPORT.is_empty();
        let checkpointed = if self.pool.options().get_max_connections() > 1 {
            // The checkpoint on the import's connection, the upkeep on another, side by side.
            let on_another = async {
                if upkeep {
                    match self.pool.acquire().await {
                        Ok(mut another) => Self::after_import(&mut another).await,
                        Err(error) => tracing::warn!(%error, "upkeep after an import failed; the orders are imported"),
                    }
                }
            };
            tokio::join!(Self::run_all(&mut connection, DB::CHECKPOINT_AFTER_IMPORT), on_another).0
        } else {
            let checkpointed = Self::run_all(&mut connection, DB::CHECKPOINT_AFTER_IMPORT).await;
            if upkeep {
                Self::after_import(&mut connection).await;
            }
            checkpointed
        };
        if let Err(error) = checkpointed {
            tracing::warn!(%error, "the checkpoint after an import failed; the orders are imported");
        } else if let Err(error) = Self::run_all(&mut connection, DB::EMPTY_LOG_AFTER_IMPORT).await {
            // Another process is reading: the log is reused as it was before.
            tracing::debug!(%error, "the log was left as it is after an import");
        }
        Ok(summary)
    }

    /// Runs `statements` in turn on `connection`.
    async fn run_all(connection: &mut DB::Connection, statements: &[&str]) -> StoreResult<()> {
        for statement in statements {
            sqlx::query(statement).execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// The import in one transaction on `connection`: what it did, and whether orders changed.
    /// (Visible to the store's tests, which check what it commits without the upkeep after it.)
    pub(in crate::store) async fn import_on(
        connection: &mut DB::Connection,
        customer_id: &str,
        orders: Vec<Order>,
    ) -> StoreResult<(ImportSummary, bool)> {
        let mut tx = sqlx::Connection::begin_with(connection, DB::BEGIN_WRITE).await?;
        for setting in DB::IMPORT_SETTINGS {
            sqlx::query(setting).execute(&mut *tx).await?;
        }
        let sequence = Self::lock_customer(&mut tx, customer_id).await?;
        let written = Self::write_orders(&mut tx, customer_id, sequence, orders, Replace::Rewrite).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Writes `orders` of the customer whose lock the transaction holds (`sequence`: its last
    /// event number), with their changes, events, kept counts and the orders version: what it
    /// did, and whether orders changed. An id given twice is written twice, the later last.
    /// Replaced orders are written as `replace` says.
    pub(super) async fn write_orders(
        tx: &mut Transaction<'_, DB>,
        customer_id: &str,
        sequence: i64,
        orders: Vec<Order>,
        replace: Replace,
    ) -> StoreResult<(ImportSummary, bool)> {
        let rebuilt = Self::drop_indexes_for_import(tx, orders.len()).await?;
        let mut summary = ImportSummary::default();
        let changed_at = super::time_columns::to_micros(now());
        let mut numbering =
            Numbering { first_sequence: sequence, last_sequence: sequence, event_time: changed_at, recorded: BTreeMap::new() };
        let mut changed = false;
        let mut kept = KeptCounts::default();
        // Written in the order of the id, which leads the keys of the orders and their changes:
        // each batch fills neighbouring pages of those B-trees instead of pages all over them
        // (docs/performance.md, step 11). The sort is stable: an id given twice still has its
        // later order written last. Positions are sorted, not the orders, which are large.
        let mut in_order: Vec<usize> = (0..orders.len()).collect();
        in_order.sort_by(|&a, &b| orders[a].id.cmp(&orders[b].id));
        let batches = import_batches(&in_order, |position| orders[position].id.as_str());
        let (mut prepared, preparer) = prepare_ahead(orders, in_order, batches);
        while let Some(batch) = prepared.recv().await {
            changed |= Self::write_batch(tx, customer_id, batch, &mut numbering, &mut summary, &mut kept, replace).await?;
        }
        // The batches ended early only if their preparer failed: then so does the import.
        preparer.await.map_err(|failed| StoreError::Backend(Box::new(failed)))?;
        Self::write_kept_counts(tx, customer_id, &kept).await?;
        for create in &rebuilt {
            sqlx::query(create).execute(&mut **tx).await?;
        }
        if !rebuilt.is_empty() {
            // Their statistics went with them. Gathered here, while the new pages are in this
            // connection's cache, and committed with them: no reader ever plans without them.
            sqlx::query("ANALYZE orders").execute(&mut **tx).await?;
        }
        Self::close_numbering(tx, customer_id, &numbering).await?;
        if changed {
            Self::next_orders_version(tx, customer_id).await?;
        }
        Ok((summary, changed))
    }

    /// Drops the secondary indexes of `orders` before a large import, where the backend allows
    /// it, and returns the statements that build them again once its rows are written. Each
    /// order inserted into eight indexes lands on pages all over them; built afterwards, each
    /// index is one sort and sequential writes (200,000 orders: 35 s → 21 s with the rebuild,
    /// docs/performance.md step 18). All in the import's transaction: readers keep their
    /// snapshot, indexes included, and a failed or killed import leaves the indexes as they were.
    async fn drop_indexes_for_import(tx: &mut Transaction<'_, DB>, importing: usize) -> StoreResult<Vec<String>> {
        let Some(list_indexes) = DB::ORDERS_INDEXES else { return Ok(Vec::new()) };
        if importing < REBUILD_FROM_ORDERS {
            return Ok(Vec::new()); // small imports, most of them, spare the query below
        }
        let stored: i64 = sqlx::query_scalar("SELECT coalesce(sum(orders), 0) FROM order_counts").fetch_one(&mut **tx).await?;
        if !rebuilds_indexes(importing, stored as u64) {
            return Ok(Vec::new());
        }
        let indexes = sqlx::query(list_indexes).fetch_all(&mut **tx).await?;
        let mut rebuild = Vec::with_capacity(indexes.len());
        for index in &indexes {
            let name: String = index.get(0);
            sqlx::query(&format!("DROP INDEX \"{name}\"")).execute(&mut **tx).await?;
            rebuild.push(index.get::<String, _>(1));
        }
        Ok(rebuild)
    }

    /// The upkeep after an import, on `connection`. One that fails is worth a warning, and the
    /// connection is closed: it may be left with a setting meant for the upkeep only.
    async fn after_import(connection: &mut PoolConnection<DB>) {
        if let Err(error) = Self::run_all(connection, DB::AFTER_IMPORT).await {
            connection.close_on_drop();
            tracing::warn!(%error, "upkeep after an import failed; the orders are imported");
        }
    }

    /// The stored (packed) documents of those of `ids` the customer has, by id, in one statement.
    pub(super) async fn stored_packed_documents<'i>(
        tx: &mut Transaction<'_, DB>,
        customer_id: &str,
        ids: impl ExactSizeIterator<Item = &'i str>,
    ) -> StoreResult<HashMap<String, Vec<u8>>> {
        let sql = format!(
            "SELECT o.id, c.doc {DOCUMENTS} WHERE o.customer_id = {} AND o.id IN ({})",
            placeholders(DB::PLACEHOLDER, 1, 1),
            placeholders(DB::PLACEHOLDER, 2, ids.len())
        );
        let binds = std::iter::once(Bind::text(customer_id)).chain(ids.map(Bind::text));
        let rows = sqlx::query_with(&sql, owned_arguments::<DB>(binds)?).fetch_all(&mut **tx).await?;
        Ok(rows.iter().map(|row| (row.get::<String, _>(0), row.get::<Vec<u8>, _>(1))).collect())
    }

    /// Writes the orders of one batch (distinct ids) that differ from what is stored; tells
    /// whether any did.
    async fn write_batch(
        tx: &mut Transaction<'_, DB>,
        customer_id: &str,
        batch: Vec<PreparedOrder>,
        numbering: &mut Numbering,
        summary: &mut ImportSummary,
        kept: &mut KeptCounts,
        replace: Replace,
    ) -> StoreResult<bool> {
        let changed_at = numbering.event_time;
        // Each stored order's document, by id, through the primary keys alone (the status of a
        // replaced order is read from its document: selecting it from `orders` as well, a
        // PostgreSQL import ran past the statement timeout).
        let existing = Self::stored_packed_documents(tx, customer_id, batch.iter().map(|order| order.id.as_str())).await?;

        let mut replaced = Vec::new();
        let mut written = Vec::new();
        // How each written order is replaced in place, in the order of `written`; `None`: inserted.
        let mut updates: Vec<Option<Update>> = Vec::new();
        // What each written order's event says, in the order of `written`; `None`: no event.
        let mut events_of_written: Vec<Option<(crate::domain::events::EventType, Vec<String>)>> = Vec::new();
        for order in batch {
            match existing.get(&order.id) {
                None => {
                    summary.created += 1;
                    events_of_written.push(events::change_of(None, &order.document)?);
                    updates.push(None);
                }
                Some(stored) => {
                    summary.updated += 1;
                    // Packing is deterministic, so the bytes tell most identical orders without
                    // unpacking; a document stored plain (before migration 0011) is unpacked.
                    if *stored == order.packed {
                        continue; // identical: nothing to change, nothing to log
                    }
                    let stored = unpack(stored)?;
                    if stored == order.document {
                        continue;
                    }
                    events_of_written.push(events::change_of(Some(&stored), &order.document)?);
                    let stored: Order = serde_json::from_str(&stored).map_err(|error| StoreError::Backend(Box::new(error)))?;
                    kept.add(&CountedAs::of(&stored), -1);
                    match replace {
                        Replace::Rewrite => {
                            replaced.push(Bind::text(order.id.clone()));
                            updates.push(None);
                        }
                        Replace::InPlace => updates.push(Some(Update::between(&stored, &order))),
                    }
                }
            }
            kept.add(&order.counted, 1);
            written.push(order);
        }
        if written.is_empty() {
            return Ok(false);
        }
        if !replaced.is_empty() {
            // Children go with their parent row (ON DELETE CASCADE).
            let sql = format!(
                "DELETE FROM orders WHERE customer_id = {} AND id IN ({})",
                placeholders(DB::PLACEHOLDER, 1, 1),
                placeholders(DB::PLACEHOLDER, 2, replaced.len())
            );
            let binds = std::iter::once(Bind::text(customer_id)).chain(replaced);
            sqlx::query_with(&sql, owned_arguments::<DB>(binds)?).execute(&mut **tx).await?;
        }

        let customer = || Bind::text(customer_id);
        // The change log first: each order's row points at its change, which holds its document.
        let mut changes = Rows::default();
        for order in &mut written {
            let packed = std::mem::take(&mut order.packed);
            let change = [customer(), Bind::text(order.id.clone()), Bind::int(changed_at), Bind::blob(packed)];
            changes.push(["customer_id", "order_id", "changed_at", "doc"], change, Vec::new());
        }
        let written_count = written.len();
        let log_changes = async {
            let mut change_seqs: HashMap<String, i64> = HashMap::with_capacity(written_count);
            for (insert, binds) in changes.statements("order_changes", DB::PLACEHOLDER) {
                let returning = format!("{insert} RETURNING order_id, seq");
                let rows = sqlx::query_with(&returning, owned_arguments::<DB>(binds)?).fetch_all(&mut **tx).await?;
                change_seqs.extend(rows.iter().map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1))));
            }
            StoreResult::Ok(change_seqs)
        };
        // The children do not need the change numbers: their statements are built while the
        // connection's thread writes the change log (this one would otherwise wait for it).
        let build_children = async {
            let (mut appointments, mut milestones) = (Rows::default(), Rows::default());
            for (order, update) in written.iter_mut().zip(&updates) {
                let (appointments_changed, milestones_changed) = update.as_ref().map_or((true, true), |u| (u.appointments, u.milestones));
                for (table, rows, changed) in [
                    (&mut appointments, &mut order.appointments, appointments_changed),
                    (&mut milestones, &mut order.milestones, milestones_changed),
                ] {
                    if !changed {
                        continue; // kept as they are by an update in place
                    }
                    for (position, row) in std::mem::take(rows).into_iter().enumerate() {
                        let key = [customer(), Bind::text(order.id.clone()), Bind::int(position as i64)];
                        table.push(["customer_id", "order_id", "position"], key, row);
                    }
                }
            }
            let appointments = appointments.statements("order_appointments", DB::PLACEHOLDER);
            appointments.into_iter().chain(milestones.statements("order_milestones", DB::PLACEHOLDER)).collect::<Vec<_>>()
        };
        let (change_seqs, children) = tokio::join!(log_changes, build_children);
        let change_seqs = change_seqs?;

        let mut orders = Rows::default();
        let mut new_events = Vec::with_capacity(written.len());
        for ((order, change), update) in written.into_iter().zip(events_of_written).zip(updates) {
            let doc_seq = *change_seqs
                .get(&order.id)
                .ok_or_else(|| StoreError::Backend(format!("no change logged for order {}", order.id).into()))?;
            if let Some((event_type, changed_fields)) = change {
                new_events.push(NewEvent { event_type, changed_fields, change_seq: doc_seq });
            }
            match update {
                // Its changed children are deleted here, before the batch inserts them again.
                Some(update) => update.write(tx, customer_id, &order.id, changed_at, doc_seq).await?,
                None => orders.push(
                    ["customer_id", "updated_at", "doc_seq"],
                    [customer(), Bind::int(changed_at), Bind::int(doc_seq)],
                    order.row,
                ),
            }
        }
        // The orders before their children, which refer to them.
        for (sql, binds) in orders.statements("orders", DB::PLACEHOLDER).into_iter().chain(children) {
            sqlx::query_with(&sql, owned_arguments::<DB>(binds)?).execute(&mut **tx).await?;
        }
        events::record(tx, customer_id, new_events, numbering).await?;
        Ok(true)
    }
}

/// The fewest orders for which an import rebuilds the indexes of `orders` rather than inserting
/// into them.
const REBUILD_FROM_ORDERS: usize = 1_000;

/// Whether an import of `importing` orders into a table of `stored` orders (every customer's:
/// an index holds them all) rebuilds the indexes: when it is large, and at least a third of
/// what is stored, so that sorting every row again costs less than inserting its own.
fn rebuilds_indexes(importing: usize, stored: u64) -> bool {
    importing >= REBUILD_FROM_ORDERS && importing as u64 * 3 >= stored
}

/// Orders per batch of an import: what one existence lookup covers.
const IMPORT_BATCH: usize = 1_000;

/// Consecutive batches of at most [`IMPORT_BATCH`] orders (ranges of `orders`, in the order of
/// their ids as read through `id_of`), none holding an id twice: an id given again (next to its
/// first, the ids being in order) starts a new batch, so the later order replaces the earlier
/// one, as it would one import later.
fn import_batches<'a, T: Copy>(orders: &[T], id_of: impl Fn(T) -> &'a str) -> Vec<Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut previous = None;
    for (index, &order) in orders.iter().enumerate() {
        let id = id_of(order);
        debug_assert!(previous.is_none_or(|previous| previous <= id), "import_batches takes orders in the order of their ids");
        if index - start == IMPORT_BATCH || previous == Some(id) {
            batches.push(start..index);
            start = index;
        }
        previous = Some(id);
    }
    if start < orders.len() {
        batches.push(start..orders.len());
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::generate::generate_orders;

    #[test]
    fn only_large_imports_rebuild_the_indexes() {
        assert!(rebuilds_indexes(1_000, 0));
        assert!(rebuilds_indexes(1_000_000, 0));
        assert!(rebuilds_indexes(1_000, 3_000));
        assert!(!rebuilds_indexes(1_000, 3_001));
        assert!(!rebuilds_indexes(999, 0));
        assert!(!rebuilds_indexes(100_000, 1_000_000));
    }

    #[test]
    fn batches_hold_at_most_a_thousand_orders_and_no_id_twice() {
        let mut orders = generate_orders(2_500, 3);
        orders.sort_by(|a, b| a.id.cmp(&b.id));
        let sizes = |orders: &[Order]| {
            let orders: Vec<&Order> = orders.iter().collect();
            import_batches(&orders, |order| order.id.as_str()).iter().map(|batch| batch.len()).collect::<Vec<_>>()
        };
        assert_eq!(sizes(&orders), [1_000, 1_000, 500]);
        // An id given again at 1,201 (first at 1,200) starts a batch there.
        orders[1_201].id = orders[1_200].id.clone();
        assert_eq!(sizes(&orders), [1_000, 201, 1_000, 299]);
        // Given three times, it starts two.
        orders[1_202].id = orders[1_200].id.clone();
        assert_eq!(sizes(&orders), [1_000, 201, 1, 1_000, 298]);
        assert!(import_batches(&[] as &[&Order], |order| order.id.as_str()).is_empty());
    }
}
