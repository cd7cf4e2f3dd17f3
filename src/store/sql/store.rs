//! The SQL store: a pool of one backend's connections and what it keeps beside them.

use std::sync::{Arc, OnceLock};

use sqlx::{Database, Pool};

use super::batcher::Batcher;
use crate::domain::order::Order;
use crate::store::memory::document_cache::DocumentCache;
use crate::store::memory::order_index::OrderIndexes;
use crate::store::{ImportSummary, NewAccessToken, Precondition, StoreResult};
// The one implementation reads SQLite's file directly where it has the readers, so this folder
// names one of `sqlite/`'s files; that file names nothing of `sql/`.
use crate::store::sqlite::direct_reads::DirectReads;

/// A store on a pool of connections of one backend.
pub struct SqlStore<DB: Database> {
    pub(in crate::store) pool: Pool<DB>,
    /// Exact totals of lists, under the customer's orders version (see `orders.rs`).
    pub(in crate::store) counts: Arc<quick_cache::sync::Cache<CountKey, u64>>,
    /// Credential lookups straight from the SQLite file (SQLite only; see `sqlite/direct_reads.rs`).
    pub(in crate::store) direct: Option<Arc<DirectReads>>,
    /// Stores new access tokens in batches; started by the first token.
    pub(in crate::store) token_writer: OnceLock<Batcher<NewAccessToken>>,
    /// Each customer's orders in memory, for lists (see `indexed_lists.rs`); none by default.
    pub(in crate::store) indexes: Arc<OrderIndexes>,
    /// The packed documents of the pages those indexes find; none by default.
    pub(in crate::store) documents: Arc<DocumentCache>,
    /// Where a backend has one writer at a time ([`super::Dialect::ONE_WRITER`]), single-order
    /// writes wait their turn here rather than in the database's busy handler, and take the one
    /// connection kept for them, whose page cache holds what they touch.
    pub(in crate::store) one_writer: Arc<OneWriter<DB>>,
    /// Writes concurrent single-order writes together, one transaction per group; started by the first.
    pub(in crate::store) order_writer: OnceLock<Batcher<PendingPut, StoreResult<ImportSummary>>>,
    /// Asks for a checkpoint beside single-order writes, whose kept connection never runs one
    /// at its commits ([`super::Dialect::KEPT_WRITER_SETTINGS`]); none where the backend needs none.
    pub(in crate::store) write_checkpointer: OnceLock<Option<tokio::sync::mpsc::Sender<()>>>,
}

/// The turn of single-order writes on a backend of one writer, and the connection kept for them.
pub(in crate::store) type OneWriter<DB> = tokio::sync::Mutex<Option<sqlx::pool::PoolConnection<DB>>>;

/// A single-order write waiting for its group (`grouped_puts.rs`).
pub(in crate::store) struct PendingPut {
    pub customer_id: String,
    pub order: Order,
    pub precondition: Option<Precondition>,
}

/// What a list's total depends on: whose orders, which version of them, and the filters (as
/// the SQL and values that express them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(in crate::store) struct CountKey {
    pub customer_id: String,
    pub orders_version: i64,
    pub filters: String,
}

/// Totals kept: a few hundred bytes each.
const COUNTS_KEPT: usize = 10_000;

impl<DB: Database> SqlStore<DB> {
    pub fn new(pool: Pool<DB>) -> Self {
        SqlStore {
            pool,
            counts: Arc::new(quick_cache::sync::Cache::new(COUNTS_KEPT)),
            direct: None,
            token_writer: OnceLock::new(),
            indexes: Arc::new(OrderIndexes::new(0)),
            documents: Arc::new(DocumentCache::new(0)),
            one_writer: Arc::default(),
            order_writer: OnceLock::new(),
            write_checkpointer: OnceLock::new(),
        }
    }

    /// Answers lists from in-memory indexes of up to `budget` bytes in all.
    pub fn with_list_indexes(self, budget: usize) -> Self {
        SqlStore { indexes: Arc::new(OrderIndexes::new(budget)), ..self }
    }

    /// Keeps up to `budget` bytes of the documents of pages found by the list indexes.
    pub fn with_document_cache(self, budget: u64) -> Self {
        SqlStore { documents: Arc::new(DocumentCache::new(budget)), ..self }
    }

    /// Reads credentials through `direct` first, the pool when it cannot answer at once.
    pub fn with_direct_reads(self, direct: Arc<DirectReads>) -> Self {
        SqlStore { direct: Some(direct), ..self }
    }
}
