//! The SQL backends: one implementation of the store's queries, generic over the sqlx
//! database, with a [`Dialect`] for what differs (transactions, locks, error codes).
//! `sqlite.rs` and `postgres.rs` beside this module open the pools.

pub(super) mod credentials;
mod indexed_lists;
mod kept_counts;
mod multi_row;
mod orders;
mod prepared;

use std::sync::{Arc, OnceLock};

use sqlx::{Arguments, Database, Pool};
use time::OffsetDateTime;

use super::NewAccessToken;
use super::StoreError;
use super::StoreResult;
use super::batcher::Batcher;
use super::document_cache::DocumentCache;
use super::order_index::OrderIndexes;
use super::sql_query::{Bind, NullsSort};
use super::sqlite_direct::DirectReads;
pub use multi_row::Placeholder;
pub(in crate::store) use orders::DOCUMENTS;

/// What differs between SQL backends.
pub trait Dialect: Database {
    /// Starts a transaction that writes.
    const BEGIN_WRITE: &'static str;
    /// Starts a read-only transaction that sees one snapshot (a page and its total agree).
    const BEGIN_SNAPSHOT: &'static str;
    /// Run first in an import's transaction, `$1` the customer: serializes imports of one
    /// customer where the write transaction alone does not.
    const LOCK_CUSTOMER: Option<&'static str>;
    /// Run first in an import's transaction: settings for the import.
    const IMPORT_SETTINGS: &'static [&'static str];
    /// Whether those settings outlive the transaction, so that the import's connection is closed
    /// afterwards rather than pooled with them.
    const IMPORT_SETTINGS_OUTLIVE_IT: bool;
    /// Run on one connection after an import changed orders: keeps the planner's statistics
    /// up to date where the database does not do it by itself.
    const AFTER_IMPORT: &'static [&'static str];
    /// Run on the import's own connection once it committed, beside [`Self::AFTER_IMPORT`] on
    /// another: what the backend would otherwise do in the commit, one thing after the other
    /// (SQLite's checkpoint; docs/performance.md, step 28).
    const CHECKPOINT_AFTER_IMPORT: &'static [&'static str];
    /// Run on the import's connection after both, where it may fail (another process reading):
    /// leaves no log for the next process to read back.
    const EMPTY_LOG_AFTER_IMPORT: &'static [&'static str];
    /// Run on another pooled connection after a batch of tokens is written, at most once per
    /// [`credentials::CHECKPOINT_AHEAD_EVERY`]: moves what the log holds into the database
    /// beside the writes, where the backend would otherwise do it in a writer's commit
    /// (SQLite's automatic checkpoint; docs/performance.md, step 38).
    const CHECKPOINT_AHEAD: Option<&'static str>;
    /// Lists the secondary indexes of `orders` (`name`, `CREATE INDEX` statement) where a large
    /// import drops them and builds them again after its rows (see `orders.rs`); `None` where
    /// dropping an index would block the readers until the import commits (PostgreSQL).
    const ORDERS_INDEXES: Option<&'static str>;
    /// Where the backend sorts NULL.
    const NULLS: NullsSort;
    /// Whether the store chooses how a filtered page is found (`page_plan.rs`), because the
    /// backend's planner cannot see how many orders a value matches.
    const CHOOSES_PAGE_PLANS: bool;
    /// How statements built with many values name them.
    const PLACEHOLDER: Placeholder;

    fn rows_affected(result: &Self::QueryResult) -> u64;
}

/// A store on a pool of connections of one backend.
pub struct SqlStore<DB: Database> {
    pub(super) pool: Pool<DB>,
    /// Exact totals of lists, under the customer's orders version (see `orders.rs`).
    pub(super) counts: Arc<quick_cache::sync::Cache<CountKey, u64>>,
    /// Credential lookups straight from the SQLite file (SQLite only; see `sqlite_direct.rs`).
    pub(super) direct: Option<Arc<DirectReads>>,
    /// Stores new access tokens in batches; started by the first token.
    pub(super) token_writer: OnceLock<Batcher<NewAccessToken>>,
    /// Each customer's orders in memory, for lists (see `indexed_lists.rs`); none by default.
    pub(super) indexes: Arc<OrderIndexes>,
    /// The packed documents of the pages those indexes find; none by default.
    pub(super) documents: Arc<DocumentCache>,
}

/// What a list's total depends on: whose orders, which version of them, and the filters (as
/// the SQL and values that express them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct CountKey {
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

/// Every backend is the same implementation; the [`Dialect`] supplies what differs.
#[async_trait::async_trait]
impl<DB> crate::store::Store for SqlStore<DB>
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
    async fn ping(&self) -> crate::store::StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
    fn pool_usage(&self) -> crate::store::PoolUsage {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        let direct_reads = self.direct.as_ref().map(|direct| direct.counts()).unwrap_or_default();
        crate::store::PoolUsage { open: self.pool.size(), idle, max: self.pool.options().get_max_connections(), direct_reads }
    }
    fn list_index_usage(&self) -> crate::store::IndexUsage {
        self.indexes.usage()
    }
    fn document_cache_usage(&self) -> crate::store::DocumentCacheUsage {
        self.documents.usage()
    }
    async fn create_customer(&self, id: &str, name: &str) -> crate::store::StoreResult<crate::domain::credentials::Customer> {
        self.insert_customer(id, name).await
    }
    async fn list_customers(&self) -> crate::store::StoreResult<Vec<crate::domain::credentials::Customer>> {
        self.select_customers(None).await
    }
    async fn find_customer_by_name(&self, name: &str) -> crate::store::StoreResult<Option<crate::domain::credentials::Customer>> {
        Ok(self.select_customers(Some(name)).await?.into_iter().next())
    }
    async fn create_client(&self, client: crate::store::NewClient) -> crate::store::StoreResult<crate::domain::credentials::Client> {
        self.insert_client(client).await
    }
    async fn find_client(&self, client_id: &str) -> crate::store::StoreResult<Option<crate::domain::credentials::Client>> {
        self.select_client(client_id).await
    }
    async fn revoke_client(&self, client_id: &str) -> crate::store::StoreResult<()> {
        self.update_client_revoked(client_id).await
    }
    async fn create_api_key(&self, key: crate::store::NewApiKey) -> crate::store::StoreResult<crate::domain::credentials::ApiKey> {
        self.insert_api_key(key).await
    }
    async fn renew_api_key(
        &self,
        key_id: &str,
        expires_at: time::OffsetDateTime,
    ) -> crate::store::StoreResult<crate::domain::credentials::ApiKey> {
        self.update_api_key(key_id, "expires_at", expires_at).await
    }
    async fn revoke_api_key(&self, key_id: &str) -> crate::store::StoreResult<crate::domain::credentials::ApiKey> {
        self.update_api_key(key_id, "revoked_at", crate::store::sql::now()).await
    }
    async fn list_api_keys(&self, filter: &crate::store::KeyFilter) -> crate::store::StoreResult<Vec<crate::domain::credentials::ApiKey>> {
        self.select_api_keys(filter).await
    }
    async fn insert_access_token(&self, token: crate::store::NewAccessToken) -> crate::store::StoreResult<()> {
        self.insert_token(token).await
    }
    async fn find_call_credentials(
        &self,
        token: &crate::domain::credentials::TokenKey,
        key_hash: Option<&crate::domain::credentials::SecretHash>,
    ) -> crate::store::StoreResult<(Option<crate::domain::credentials::AccessToken>, Option<crate::domain::credentials::ApiKey>)> {
        self.select_call_credentials(token, key_hash).await
    }
    async fn purge_expired_tokens(&self, before: time::OffsetDateTime) -> crate::store::StoreResult<u64> {
        self.delete_tokens_expired_before(before).await
    }
    async fn import_orders(
        &self,
        customer_id: &str,
        orders: Vec<crate::domain::order::Order>,
    ) -> crate::store::StoreResult<crate::store::ImportSummary> {
        self.upsert_orders(customer_id, orders).await
    }
    async fn list_orders(
        &self,
        customer_id: &str,
        query: &crate::query::OrderQuery,
        known_version: Option<i64>,
    ) -> crate::store::StoreResult<crate::store::OrderPage> {
        self.select_orders(customer_id, query, known_version).await
    }
    async fn get_order(&self, customer_id: &str, order_id: &str) -> crate::store::StoreResult<Option<crate::domain::order::OrderDocument>> {
        self.select_order(customer_id, order_id).await
    }
    async fn count_orders(&self, customer_id: &str) -> crate::store::StoreResult<u64> {
        self.count_customer_orders(customer_id).await
    }
}

/// Arguments for a statement built at run time.
fn arguments<'q, DB>(binds: &[Bind]) -> StoreResult<DB::Arguments<'q>>
where
    DB: Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    owned_arguments::<DB>(binds.iter().cloned())
}

/// Arguments that take their values over: an import's documents and rows are not copied again.
fn owned_arguments<'q, DB>(binds: impl IntoIterator<Item = Bind>) -> StoreResult<DB::Arguments<'q>>
where
    DB: Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut arguments = DB::Arguments::default();
    for bind in binds {
        let added = match bind {
            Bind::Text(text) => arguments.add(text),
            Bind::Int(value) => arguments.add(value),
            Bind::Blob(bytes) => arguments.add(bytes),
        };
        added.map_err(StoreError::Backend)?;
    }
    Ok(arguments)
}

/// A failed migration: the database's own error where there is one, so an unreachable
/// database still reads as unavailable.
pub(super) fn migration_error(error: sqlx::migrate::MigrateError) -> StoreError {
    match error {
        sqlx::migrate::MigrateError::Execute(error) => error.into(),
        other => StoreError::Backend(Box::new(other)),
    }
}

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let unavailable = match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => {
                if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    // Connection exceptions, insufficient resources, operator intervention
                    // (shutdown, statement timeout).
                    matches!(&pg.code()[..2], "08" | "53" | "57")
                } else {
                    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN and their extended codes.
                    let code: Option<i64> = db.code().and_then(|code| code.parse().ok());
                    matches!(code.map(|code| code & 0xff), Some(5 | 6 | 14))
                }
            }
            _ => false,
        };
        if unavailable { StoreError::Unavailable(Box::new(error)) } else { StoreError::Backend(Box::new(error)) }
    }
}
