//! The embedded SQLite backend: WAL, a busy timeout, foreign keys, writes in `BEGIN IMMEDIATE`
//! transactions so that concurrent writers queue instead of failing.

mod credentials;
mod orders;

use std::str::FromStr;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Arguments, Sqlite};
use time::OffsetDateTime;

use super::sql_query::Bind;
use super::{ImportSummary, KeyFilter, NewAccessToken, NewApiKey, NewClient, OrderPage, Store, StoreError, StoreOptions, StoreResult};
use crate::domain::credentials::{AccessToken, ApiKey, Client, Customer, SecretHash};
use crate::domain::order::{Order, OrderDocument};
use crate::query::OrderQuery;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn open(options: &StoreOptions) -> anyhow::Result<Self> {
        let connect = SqliteConnectOptions::from_str(&options.url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses nothing when the process is killed; only an OS crash
            // or power loss can roll back the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.timeout)
            .idle_timeout(options.idle_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Starts a write transaction that takes the write lock at once, waiting up to the busy
    /// timeout for another writer, rather than failing when a read would have to upgrade.
    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let unavailable = match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => {
                // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN and their extended codes.
                let code: Option<i64> = db.code().and_then(|code| code.parse().ok());
                matches!(code.map(|code| code & 0xff), Some(5 | 6 | 14))
            }
            _ => false,
        };
        if unavailable { StoreError::Unavailable(Box::new(error)) } else { StoreError::Backend(Box::new(error)) }
    }
}

/// Arguments for a statement built at run time.
fn arguments<'a>(binds: impl IntoIterator<Item = &'a Option<Bind>>) -> StoreResult<SqliteArguments<'static>> {
    let mut arguments = SqliteArguments::default();
    for bind in binds {
        let added = match bind {
            Some(Bind::Text(text)) => arguments.add(text.clone()),
            Some(Bind::Int(value)) => arguments.add(*value),
            None => arguments.add(None::<i64>),
        };
        added.map_err(StoreError::Backend)?;
    }
    Ok(arguments)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_customer(&self, id: &str, name: &str) -> StoreResult<Customer> {
        self.insert_customer(id, name).await
    }

    async fn list_customers(&self) -> StoreResult<Vec<Customer>> {
        self.select_customers(None).await
    }

    async fn find_customer_by_name(&self, name: &str) -> StoreResult<Option<Customer>> {
        Ok(self.select_customers(Some(name)).await?.into_iter().next())
    }

    async fn create_client(&self, client: NewClient) -> StoreResult<Client> {
        self.insert_client(client).await
    }

    async fn find_client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        self.select_client(client_id).await
    }

    async fn revoke_client(&self, client_id: &str) -> StoreResult<()> {
        self.update_client_revoked(client_id).await
    }

    async fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey> {
        self.insert_api_key(key).await
    }

    async fn find_api_key(&self, key_hash: &SecretHash) -> StoreResult<Option<ApiKey>> {
        self.select_api_key_by_hash(key_hash).await
    }

    async fn renew_api_key(&self, key_id: &str, expires_at: OffsetDateTime) -> StoreResult<ApiKey> {
        self.update_api_key(key_id, "expires_at", expires_at).await
    }

    async fn revoke_api_key(&self, key_id: &str) -> StoreResult<ApiKey> {
        self.update_api_key(key_id, "revoked_at", now()).await
    }

    async fn list_api_keys(&self, filter: &KeyFilter) -> StoreResult<Vec<ApiKey>> {
        self.select_api_keys(filter).await
    }

    async fn insert_access_token(&self, token: NewAccessToken) -> StoreResult<()> {
        self.insert_token(token).await
    }

    async fn find_access_token(&self, token_hash: &SecretHash) -> StoreResult<Option<AccessToken>> {
        self.select_token(token_hash).await
    }

    async fn purge_expired_tokens(&self, before: OffsetDateTime) -> StoreResult<u64> {
        self.delete_tokens_expired_before(before).await
    }

    async fn import_orders(&self, customer_id: &str, orders: &[Order]) -> StoreResult<ImportSummary> {
        self.upsert_orders(customer_id, orders).await
    }

    async fn list_orders(&self, customer_id: &str, query: &OrderQuery) -> StoreResult<OrderPage> {
        self.select_orders(customer_id, query).await
    }

    async fn get_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>> {
        self.select_order(customer_id, order_id).await
    }

    async fn count_orders(&self, customer_id: &str) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM orders WHERE customer_id = $1").bind(customer_id).fetch_one(&self.pool).await?;
        Ok(count as u64)
    }
}
