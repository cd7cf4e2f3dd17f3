//! Lists answered from the in-memory order indexes (`memory/order_index/`), on any SQL backend:
//! what an index needs from the database — the orders version, and the documents of a page by
//! their numbers; `index_loads.rs` reads the indexes themselves.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::OptionalExtension;
use sqlx::Row;

use super::bind::Bind;
use super::bind::arguments;
use super::dialect::Dialect;
use super::multi_row::placeholders;
use super::packed_documents;
use super::store::SqlStore;
use crate::domain::order::OrderDocument;
use crate::query::OrderQuery;
use crate::store::memory::document_cache::CustomerKey;
use crate::store::memory::order_index::{self, Load, Lookup, OrderIndex};
use crate::store::{OrderPage, StoreError, StoreResult};

/// Customers with at most this many orders have their index loaded by the list that needs it
/// (milliseconds); larger ones in the background, while SQL answers.
const LOADED_WHILE_WAITING: u64 = 10_000;

/// The customer's orders version and number of orders (from the per-status counts), or no row.
const VERSION_AND_ORDERS: &str = "SELECT u.orders_version,
        (SELECT CAST(coalesce(sum(c.orders), 0) AS BIGINT) FROM order_counts c WHERE c.customer_id = u.id)
 FROM customers u WHERE u.id = $1";

/// One document by its number; the customer too, so that no index can show another's.
const DOCUMENT_BY_SEQ: &str = "SELECT doc FROM order_changes WHERE seq = $1 AND customer_id = $2";

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    /// The page from the customer's in-memory index, when one holds `known_version` (the
    /// caller's, read with its credentials) or the orders version stored now (or can be loaded
    /// at once); `None` leaves the list to SQL.
    pub(super) async fn select_orders_indexed(
        &self,
        customer_id: &str,
        query: &OrderQuery,
        known_version: Option<i64>,
    ) -> StoreResult<Option<OrderPage>> {
        if !self.indexes.enabled() || !order_index::servable(query) {
            return Ok(None);
        }
        // At the version the caller read, the database need not be asked again.
        let ready = known_version.and_then(|version| self.indexes.ready(customer_id, version, query));
        let index = match ready {
            Some(index) => index,
            None => match self.lookup_stored_version(customer_id, query).await? {
                Some(index) => index,
                None => return Ok(self.deferred()),
            },
        };
        let Some(page) = index.page(query) else { return Ok(self.deferred()) };
        if let Some(spec) = page.wants_ordering
            && let Some(load) = self.indexes.claim_ordering(customer_id, &index, spec)
        {
            // The page is found without it; later ones walk it.
            self.load_in_background(load);
        }
        let Some((total, seqs)) = page.found else { return Ok(self.deferred()) };
        let Some(orders) = self.documents(customer_id, &seqs).await? else { return Ok(self.deferred()) };
        self.indexes.count_answer(true);
        Ok(Some(OrderPage { total, orders }))
    }

    /// The customer's index at the orders version stored now, loaded first if the customer is
    /// small enough to wait for it; `None` when it is not there (a load may have begun).
    async fn lookup_stored_version(&self, customer_id: &str, query: &OrderQuery) -> StoreResult<Option<Arc<OrderIndex>>> {
        let Some((version, orders)) = self.orders_version_and_count(customer_id).await? else { return Ok(None) };
        Ok(match self.indexes.lookup(customer_id, version, orders, query) {
            Lookup::Ready(index) => Some(index),
            Lookup::Unavailable => None,
            Lookup::Load(load) if orders > LOADED_WHILE_WAITING => {
                self.load_in_background(load);
                None
            }
            Lookup::Load(load) => Self::load(self.pool.clone(), self.direct.clone(), self.indexes.clone(), load).await,
        })
    }

    /// Carries out `load` in a task of its own, one such load at a time: a million orders'
    /// column passes through memory twice over on its way in.
    fn load_in_background(&self, load: Load) {
        let (pool, direct, indexes) = (self.pool.clone(), self.direct.clone(), self.indexes.clone());
        tokio::spawn(async move {
            let _one_at_a_time = indexes.background_load().await;
            Self::load(pool, direct, indexes.clone(), load).await
        });
    }

    fn deferred(&self) -> Option<OrderPage> {
        self.indexes.count_answer(false);
        None
    }

    /// The customer's orders version and number of orders: `None` for an unknown customer.
    async fn orders_version_and_count(&self, customer_id: &str) -> StoreResult<Option<(i64, u64)>> {
        let read = |connection: &rusqlite::Connection| {
            connection.prepare_cached(VERSION_AND_ORDERS)?.query_row([customer_id], |row| Ok((row.get(0)?, row.get(1)?))).optional()
        };
        let found: Option<(i64, i64)> = match self.direct.as_ref().and_then(|direct| direct.read(read)) {
            Some(found) => found,
            None => sqlx::query(VERSION_AND_ORDERS)
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
                .transpose()?,
        };
        Ok(found.map(|(version, orders)| (version, orders.max(0) as u64)))
    }

    /// The documents numbered `seqs` of the customer's, in that order: those kept in memory,
    /// the others read (and kept); `None` if one is not there (the index is then not to be
    /// trusted for this page).
    async fn documents(&self, customer_id: &str, seqs: &[i64]) -> StoreResult<Option<Vec<OrderDocument>>> {
        let customer = CustomerKey::of(customer_id);
        let mut packed: Vec<Option<Box<[u8]>>> = seqs.iter().map(|&seq| self.documents.get(customer, seq)).collect();
        let missing: Vec<i64> = seqs.iter().zip(&packed).filter(|(_, kept)| kept.is_none()).map(|(&seq, _)| seq).collect();
        if !missing.is_empty() {
            let Some(read) = self.read_documents(customer_id, &missing).await? else { return Ok(None) };
            let mut read = read.into_iter();
            for (&seq, slot) in seqs.iter().zip(&mut packed) {
                if slot.is_none() {
                    *slot = read.next().map(|stored| {
                        self.documents.keep(customer, seq, &stored);
                        stored.into_boxed_slice()
                    });
                }
            }
        }
        let Some(packed) = packed.into_iter().collect::<Option<Vec<_>>>() else { return Ok(None) };
        let documents = packed.iter().map(|stored| packed_documents::unpack(stored).map(|json| OrderDocument(json.into())));
        Ok(Some(documents.collect::<Result<_, _>>().map_err(|error| StoreError::Backend(Box::new(error)))?))
    }

    /// The stored documents numbered `seqs` of the customer's, in that order; `None` if one is
    /// not there.
    async fn read_documents(&self, customer_id: &str, seqs: &[i64]) -> StoreResult<Option<Vec<Vec<u8>>>> {
        let read = |connection: &rusqlite::Connection| {
            // One read transaction for the page, not one per document: each takes the file's locks.
            let transaction = connection.unchecked_transaction()?;
            let mut statement = transaction.prepare_cached(DOCUMENT_BY_SEQ)?;
            let documents = seqs
                .iter()
                .map(|&seq| statement.query_row((seq, customer_id), |row| row.get::<_, Vec<u8>>(0)).optional())
                .collect::<rusqlite::Result<Option<Vec<Vec<u8>>>>>()?;
            drop(statement);
            transaction.commit()?;
            Ok(documents)
        };
        match self.direct.as_ref().and_then(|direct| direct.read(read)) {
            Some(stored) => Ok(stored),
            None => self.documents_from_pool(customer_id, seqs).await,
        }
    }

    async fn documents_from_pool(&self, customer_id: &str, seqs: &[i64]) -> StoreResult<Option<Vec<Vec<u8>>>> {
        if seqs.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let sql = format!(
            "SELECT seq, doc FROM order_changes WHERE customer_id = {} AND seq IN ({})",
            placeholders(DB::PLACEHOLDER, 1, 1),
            placeholders(DB::PLACEHOLDER, 2, seqs.len())
        );
        let binds: Vec<Bind> = std::iter::once(Bind::text(customer_id)).chain(seqs.iter().map(|&seq| Bind::int(seq))).collect();
        let rows = sqlx::query_with(&sql, arguments::<DB>(&binds)?).fetch_all(&self.pool).await?;
        let mut by_seq: HashMap<i64, Vec<u8>> = rows.iter().map(|row| (row.get::<i64, _>(0), row.get::<Vec<u8>, _>(1))).collect();
        Ok(seqs.iter().map(|seq| by_seq.remove(seq)).collect())
    }
}
