//! Customers and their credentials: OAuth clients, API keys and access tokens.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::StoreResult;
use crate::domain::credentials::{AccessToken, ApiKey, Client, Customer, SecretHash, TokenKey};

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

/// Which API keys to list.
#[derive(Debug, Clone, Default)]
pub struct KeyFilter {
    pub customer_id: Option<String>,
    /// Only keys not revoked whose expiry falls before this instant.
    pub expiring_before: Option<OffsetDateTime>,
}

/// The tenants and what lets them in. Secrets arrive hashed; none is ever stored in clear.
#[async_trait]
pub trait CredentialStore: Send + Sync {
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
}
