//! Customers, clients, API keys and access tokens, on any SQL backend.

use rusqlite::OptionalExtension;
use sqlx::Row;
use time::OffsetDateTime;

use super::batcher::Batcher;
use super::checkpoint_ahead::{ask_for_checkpoint, checkpointer};
use super::dialect::Dialect;
use super::multi_row::placeholders;
use super::store::SqlStore;
use super::time_columns::now;
use super::time_columns::{from_micros, to_micros};
use crate::domain::credentials::{AccessToken, ApiKey, Client, Customer, SecretHash, TokenKey};
use crate::store::{KeyFilter, NewAccessToken, NewApiKey, NewClient, StoreError, StoreResult};

fn hash_from(bytes: Vec<u8>) -> StoreResult<SecretHash> {
    let array: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Backend("stored hash is not 32 bytes".into()))?;
    Ok(SecretHash(array))
}

/// Tokens stored by one statement at most.
const TOKENS_PER_BATCH: usize = 64;

const API_KEY_COLUMNS: &str = "key_id, customer_id, created_at, expires_at, revoked_at";

const SELECT_CLIENT: &str = "SELECT client_id, customer_id, name, secret_hash, created_at, revoked_at FROM clients WHERE client_id = $1";

/// A client's row as stored, as either path reads it (rusqlite and sqlx both build tuples).
type ClientRow = (String, String, Option<String>, Vec<u8>, i64, Option<i64>);

fn client_from((client_id, customer_id, name, secret_hash, created_at, revoked_at): ClientRow) -> StoreResult<Client> {
    Ok(Client {
        client_id,
        customer_id,
        name,
        secret_hash: hash_from(secret_hash)?,
        created_at: from_micros(created_at),
        revoked_at: revoked_at.map(from_micros),
    })
}

/// The token (with its client's revocation and its customer's orders version) and the key of an
/// API call, in one statement: always one row, its columns NULL for what is unknown. The token
/// is found by its key, expiry then hash. No key: `$3` is empty bytes, which match no stored hash.
pub const SELECT_CALL_CREDENTIALS: &str = "SELECT t.client_id, t.customer_id, t.expires_at, c.revoked_at IS NOT NULL, u.orders_version,
        k.key_id, k.customer_id, k.created_at, k.expires_at, k.revoked_at
 FROM (SELECT 1 AS one) AS one
 LEFT JOIN access_tokens t ON t.expires_at = $1 AND t.token_hash = $2
 LEFT JOIN clients c ON c.client_id = t.client_id
 LEFT JOIN customers u ON u.id = t.customer_id
 LEFT JOIN api_keys k ON k.key_hash = $3";

/// The row of [`SELECT_CALL_CREDENTIALS`], as either path reads it: the token's client,
/// customer, expiry, client revocation and orders version, then the key's columns.
type CallCredentialsRow = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<bool>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn call_credentials_from(row: CallCredentialsRow) -> (Option<AccessToken>, Option<ApiKey>) {
    let (
        token_client_id,
        token_customer_id,
        token_expires_at,
        client_revoked,
        orders_version,
        key_id,
        key_customer_id,
        key_created_at,
        key_expires_at,
        key_revoked_at,
    ) = row;
    let token = token_client_id.map(|client_id| AccessToken {
        client_id,
        customer_id: token_customer_id.unwrap_or_default(),
        expires_at: from_micros(token_expires_at.unwrap_or_default()),
        client_revoked: client_revoked.unwrap_or_default(),
        orders_version: orders_version.unwrap_or_default(),
    });
    let key = key_id.map(|key_id| ApiKey {
        key_id,
        customer_id: key_customer_id.unwrap_or_default(),
        created_at: from_micros(key_created_at.unwrap_or_default()),
        expires_at: from_micros(key_expires_at.unwrap_or_default()),
        revoked_at: key_revoked_at.map(from_micros),
    });
    (token, key)
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
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB>,
    for<'q> Vec<u8>: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Decode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    fn customer_from(row: &DB::Row) -> Customer {
        Customer { id: row.get("id"), name: row.get("name"), created_at: from_micros(row.get("created_at")) }
    }

    fn api_key_from(row: &DB::Row) -> ApiKey {
        ApiKey {
            key_id: row.get("key_id"),
            customer_id: row.get("customer_id"),
            created_at: from_micros(row.get("created_at")),
            expires_at: from_micros(row.get("expires_at")),
            revoked_at: row.get::<Option<i64>, _>("revoked_at").map(from_micros),
        }
    }

    pub(super) async fn insert_customer(&self, id: &str, name: &str) -> StoreResult<Customer> {
        let customer = Customer { id: id.to_owned(), name: name.to_owned(), created_at: from_micros(to_micros(now())) };
        sqlx::query("INSERT INTO customers (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&customer.id)
            .bind(&customer.name)
            .bind(to_micros(customer.created_at))
            .execute(&self.pool)
            .await?;
        Ok(customer)
    }

    pub(super) async fn select_customers(&self, name: Option<&str>) -> StoreResult<Vec<Customer>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM customers WHERE $1 IS NULL OR name = $1 ORDER BY created_at, id")
            .bind(name)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Self::customer_from).collect())
    }

    pub(super) async fn ensure_customer(&self, customer_id: &str) -> StoreResult<()> {
        let found = sqlx::query("SELECT 1 FROM customers WHERE id = $1").bind(customer_id).fetch_optional(&self.pool).await?;
        found.map(|_| ()).ok_or_else(|| StoreError::NotFound(format!("customer {customer_id}")))
    }

    pub(super) async fn insert_client(&self, client: NewClient) -> StoreResult<Client> {
        self.ensure_customer(&client.customer_id).await?;
        let created_at = from_micros(to_micros(now()));
        sqlx::query("INSERT INTO clients (customer_id, client_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&client.customer_id)
            .bind(&client.client_id)
            .bind(&client.name)
            .bind(client.secret_hash.0.as_slice())
            .bind(to_micros(created_at))
            .execute(&self.pool)
            .await?;
        Ok(Client {
            client_id: client.client_id,
            customer_id: client.customer_id,
            name: client.name,
            secret_hash: client.secret_hash,
            created_at,
            revoked_at: None,
        })
    }

    pub(super) async fn select_client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        if let Some(direct) = &self.direct
            && let Some(found) = direct.read(|connection| {
                connection.prepare_cached(SELECT_CLIENT)?.query_row([client_id], |row| ClientRow::try_from(row)).optional()
            })
        {
            return found.map(client_from).transpose();
        }
        let row: Option<ClientRow> = sqlx::query_as(SELECT_CLIENT).bind(client_id).fetch_optional(&self.pool).await?;
        row.map(client_from).transpose()
    }

    pub(super) async fn update_client_revoked(&self, client_id: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE clients SET revoked_at = coalesce(revoked_at, $2) WHERE client_id = $1")
            .bind(client_id)
            .bind(to_micros(now()))
            .execute(&self.pool)
            .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound(format!("client {client_id}")));
        }
        Ok(())
    }

    pub(super) async fn insert_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey> {
        self.ensure_customer(&key.customer_id).await?;
        let created_at = to_micros(now());
        let row = sqlx::query(&format!(
            "INSERT INTO api_keys (customer_id, key_id, key_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING {API_KEY_COLUMNS}"
        ))
        .bind(&key.customer_id)
        .bind(&key.key_id)
        .bind(key.key_hash.0.as_slice())
        .bind(created_at)
        .bind(to_micros(key.expires_at))
        .fetch_one(&self.pool)
        .await?;
        Ok(Self::api_key_from(&row))
    }

    /// Sets `expires_at` or `revoked_at` (a fixed column name, never from input).
    pub(super) async fn update_api_key(&self, key_id: &str, column: &'static str, value: OffsetDateTime) -> StoreResult<ApiKey> {
        debug_assert!(matches!(column, "expires_at" | "revoked_at"));
        let row = sqlx::query(&format!("UPDATE api_keys SET {column} = $2 WHERE key_id = $1 RETURNING {API_KEY_COLUMNS}"))
            .bind(key_id)
            .bind(to_micros(value))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::api_key_from).ok_or_else(|| StoreError::NotFound(format!("API key {key_id}")))
    }

    pub(super) async fn select_api_keys(&self, filter: &KeyFilter) -> StoreResult<Vec<ApiKey>> {
        let rows = sqlx::query(&format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys
             WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR (revoked_at IS NULL AND expires_at < $2))
             ORDER BY expires_at, key_id"
        ))
        .bind(filter.customer_id.as_deref())
        .bind(filter.expiring_before.map(to_micros))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Self::api_key_from).collect())
    }

    /// Stores a token once the batch it joins is written (see `batcher.rs`): under load, one
    /// statement stores many tokens, where one each made writers queue for SQLite's lock. The
    /// tokens of a batch expire within microseconds of each other, at the end of the table's key.
    pub(super) async fn insert_token(&self, token: NewAccessToken) -> StoreResult<()> {
        let writer = self.token_writer.get_or_init(|| {
            let pool = self.pool.clone();
            let checkpointer = checkpointer(pool.clone());
            Batcher::spawn(TOKENS_PER_BATCH, move |tokens| {
                let (pool, checkpointer) = (pool.clone(), checkpointer.clone());
                async move {
                    let stored = vec![(); tokens.len()];
                    Self::insert_tokens(&pool, tokens).await?;
                    ask_for_checkpoint(checkpointer.as_ref());
                    Ok(stored)
                }
            })
        });
        writer.write(token).await
    }

    async fn insert_tokens(pool: &sqlx::Pool<DB>, tokens: Vec<NewAccessToken>) -> StoreResult<()> {
        let tuples: Vec<String> = (0..tokens.len()).map(|n| format!("({})", placeholders(DB::PLACEHOLDER, 1 + n * 5, 5))).collect();
        let sql =
            format!("INSERT INTO access_tokens (token_hash, customer_id, client_id, issued_at, expires_at) VALUES {}", tuples.join(", "));
        let issued_at = to_micros(now());
        let mut insert = sqlx::query(&sql);
        for token in &tokens {
            insert = insert
                .bind(token.key.hash.0.as_slice())
                .bind(token.customer_id.as_str())
                .bind(token.client_id.as_str())
                .bind(issued_at)
                .bind(to_micros(token.key.expires_at));
        }
        insert.execute(pool).await?;
        Ok(())
    }

    /// An API call's token and key: one statement, so one lookup, for every call.
    pub(super) async fn select_call_credentials(
        &self,
        token: &TokenKey,
        key_hash: Option<&SecretHash>,
    ) -> StoreResult<(Option<AccessToken>, Option<ApiKey>)> {
        let key_hash = key_hash.map_or(&[][..], |hash| hash.0.as_slice());
        let (expires_at, token_hash) = (to_micros(token.expires_at), token.hash.0.as_slice());
        if let Some(direct) = &self.direct
            && let Some(found) = direct.read(|connection| {
                connection
                    .prepare_cached(SELECT_CALL_CREDENTIALS)?
                    .query_row((expires_at, token_hash, key_hash), |row| CallCredentialsRow::try_from(row))
            })
        {
            return Ok(call_credentials_from(found));
        }
        let row: CallCredentialsRow =
            sqlx::query_as(SELECT_CALL_CREDENTIALS).bind(expires_at).bind(token_hash).bind(key_hash).fetch_one(&self.pool).await?;
        Ok(call_credentials_from(row))
    }

    pub(super) async fn delete_tokens_expired_before(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM access_tokens WHERE expires_at < $1").bind(to_micros(before)).execute(&self.pool).await?;
        Ok(DB::rows_affected(&done))
    }
}
