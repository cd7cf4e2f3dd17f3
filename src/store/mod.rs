//! Storage: the [`Store`] trait, spoken in domain types, and its backends. SQL lives only here.

mod batcher;
mod document_cache;
mod order_columns;
mod order_index;
pub mod packed_documents;
mod page_plan;
mod postgres;
mod sql;
mod sql_query;
mod sqlite;
mod sqlite_direct;
mod time_columns;
mod value_sets;

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use thiserror::Error;
use time::OffsetDateTime;

use crate::domain::credentials::{AccessToken, ApiKey, Client, Customer, SecretHash, TokenKey};
use crate::domain::order::{Order, OrderDocument};
use crate::query::OrderQuery;
pub use document_cache::DocumentCacheUsage;
pub use order_index::IndexUsage;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The thing named does not exist (for this customer).
    #[error("{0} not found")]
    NotFound(String),
    /// The write contradicts what is stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is busy beyond the timeout; retrying later may work.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else the database reported.
    #[error("database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A new OAuth client, its secret already hashed.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client_id: String,
    pub customer_id: String,
    pub name: Option<String>,
    pub secret_hash: SecretHash,
}

/// A new API key, its secret already hashed.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key_id: String,
    pub customer_id: String,
    pub key_hash: SecretHash,
    pub expires_at: OffsetDateTime,
}

/// A new access token: its key (its expiry and its hash) and whose it is.
#[derive(Debug, Clone)]
pub struct NewAccessToken {
    pub key: TokenKey,
    pub client_id: String,
    pub customer_id: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub created: u64,
    pub updated: u64,
}

/// One page of a list, and how many orders match in all.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub total: u64,
    pub orders: Vec<OrderDocument>,
}

/// Which API keys to list.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    pub customer_id: Option<String>,
    /// Only keys not revoked whose expiry falls before this instant.
    pub expiring_before: Option<OffsetDateTime>,
}

/// Everything the service keeps. Each method is one unit of work; every order method takes the
/// customer, so no caller can forget the tenant.
#[async_trait]
pub trait Store: Send + Sync {
    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// The connection pool now, for the metrics.
    fn pool_usage(&self) -> PoolUsage;
    /// The in-memory list indexes now, for the metrics.
    fn list_index_usage(&self) -> IndexUsage;
    /// The documents kept in memory for lists now, for the metrics.
    fn document_cache_usage(&self) -> DocumentCacheUsage;

    async fn create_customer(&self, id: &str, name: &str) -> StoreResult<Customer>;
    async fn list_customers(&self) -> StoreResult<Vec<Customer>>;
    async fn find_customer_by_name(&self, name: &str) -> StoreResult<Option<Customer>>;

    /// `NotFound` when the customer does not exist.
    async fn create_client(&self, client: NewClient) -> StoreResult<Client>;
    async fn find_client(&self, client_id: &str) -> StoreResult<Option<Client>>;
    /// Revokes the client and, through it, every token issued to it.
    async fn revoke_client(&self, client_id: &str) -> StoreResult<()>;

    async fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey>;
    /// Moves a key's expiry; the key itself does not change.
    async fn renew_api_key(&self, key_id: &str, expires_at: OffsetDateTime) -> StoreResult<ApiKey>;
    async fn revoke_api_key(&self, key_id: &str) -> StoreResult<ApiKey>;
    async fn list_api_keys(&self, filter: &KeyFilter) -> StoreResult<Vec<ApiKey>>;

    async fn insert_access_token(&self, token: NewAccessToken) -> StoreResult<()>;
    /// An API call's token and, when given, its key, in one lookup: each `None` when unknown.
    async fn find_call_credentials(
        &self,
        token: &TokenKey,
        key_hash: Option<&SecretHash>,
    ) -> StoreResult<(Option<AccessToken>, Option<ApiKey>)>;
    /// Deletes the tokens that expired before `before`; returns how many.
    async fn purge_expired_tokens(&self, before: OffsetDateTime) -> StoreResult<u64>;

    /// Creates or replaces (by id) every order, all or nothing, and records each change.
    async fn import_orders(&self, customer_id: &str, orders: Vec<Order>) -> StoreResult<ImportSummary>;
    /// A page of the customer's orders and their total. `known_version` is the customer's orders
    /// version as the caller read it (with its credentials), if it did: the page may then be
    /// found as at that version without reading it again, as if listed a moment earlier.
    async fn list_orders(&self, customer_id: &str, query: &OrderQuery, known_version: Option<i64>) -> StoreResult<OrderPage>;
    async fn get_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>>;
    async fn count_orders(&self, customer_id: &str) -> StoreResult<u64>;
}

/// Connections of the pool: open (idle or in use), idle, and the most it may open; on SQLite,
/// the reads made straight from the file (`sqlite_direct.rs`) and those left to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
    pub direct_reads: DirectReadCounts,
}

/// Reads of the SQLite file on the request's thread: `answered` there, or `deferred` to the
/// pool (the database busy, or the read failed). Zero on PostgreSQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectReadCounts {
    pub answered: u64,
    pub deferred: u64,
}

/// Database settings that every backend understands.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    pub max_connections: u32,
    /// How long a statement may wait for a lock (or, on PostgreSQL, run) before "unavailable".
    pub timeout: std::time::Duration,
    /// How long to wait for a pooled connection before "unavailable": an unreachable database
    /// answers within this.
    pub connect_timeout: std::time::Duration,
    /// Idle connections are closed after this long, so they hold nothing open.
    pub idle_timeout: std::time::Duration,
    /// SQLite: how much of the file the pooled connections read through memory mapping (0: none).
    pub sqlite_mmap_bytes: u64,
    /// Memory for in-memory indexes of the customers' orders, which answer lists (0: none).
    pub list_index_bytes: u64,
    /// Memory for the packed documents of the pages lists from those indexes show (0: none).
    pub document_cache_bytes: u64,
}

/// Opens the backend the URL names, creating and migrating its schema. A database that
/// cannot be reached fails with [`StoreError::Unavailable`] inside the error.
pub async fn open(options: &StoreOptions) -> anyhow::Result<Arc<dyn Store>> {
    let masked = mask_password(&options.url);
    let store: Arc<dyn Store> = if options.url.starts_with("sqlite:") {
        Arc::new(sqlite::open(options).await.with_context(|| format!("cannot open {masked}"))?)
    } else if options.url.starts_with("postgres:") || options.url.starts_with("postgresql:") {
        Arc::new(postgres::open(options).await.with_context(|| format!("cannot open {masked}"))?)
    } else {
        anyhow::bail!("unsupported database URL {masked:?}: use sqlite://PATH or postgres://USER@HOST/DATABASE")
    };
    Ok(store)
}

/// The URL with any password replaced by `***`, fit for logs and error messages.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::mask_password;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(mask_password("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(mask_password("sqlite://x.db"), "sqlite://x.db");
    }
}
