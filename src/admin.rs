//! Operations on tenants and credentials, shared by the admin commands, the demo and tests.
//! Secrets are generated here, returned once, and only their hashes are stored.

use time::OffsetDateTime;

use crate::auth::secret::{self, SecretKind};
use crate::domain::credentials::{ApiKey, Client, Customer};
use crate::store::{CredentialStore, NewAccessToken, NewApiKey, NewClient, StoreResult};

/// A client and its secret, which cannot be read back later.
pub struct IssuedClient {
    pub client: Client,
    pub client_secret: String,
}

/// An API key and its secret text, which cannot be read back later.
pub struct IssuedKey {
    pub key: ApiKey,
    pub api_key: String,
}

pub async fn create_customer(store: &dyn CredentialStore, name: &str) -> StoreResult<Customer> {
    store.create_customer(&secret::new_id("cus_"), name).await
}

pub async fn create_client(store: &dyn CredentialStore, customer_id: &str, name: Option<&str>) -> StoreResult<IssuedClient> {
    let generated = secret::generate(SecretKind::ClientSecret);
    let client = store
        .create_client(NewClient {
            client_id: secret::new_id("cli_"),
            customer_id: customer_id.to_owned(),
            name: name.map(str::to_owned),
            secret_hash: generated.hash,
        })
        .await?;
    Ok(IssuedClient { client, client_secret: generated.text })
}

pub async fn issue_key(store: &dyn CredentialStore, customer_id: &str, expires_at: OffsetDateTime) -> StoreResult<IssuedKey> {
    let generated = secret::generate(SecretKind::ApiKey);
    let key = store
        .create_api_key(NewApiKey {
            key_id: secret::new_id("key_"),
            customer_id: customer_id.to_owned(),
            key_hash: generated.hash,
            expires_at,
        })
        .await?;
    Ok(IssuedKey { key, api_key: generated.text })
}

/// An access token for a client, as the token endpoint would issue it (the demo prints one).
pub async fn issue_token(store: &dyn CredentialStore, client: &Client, ttl: time::Duration) -> StoreResult<String> {
    let (generated, key) = secret::generate_access_token(OffsetDateTime::now_utc() + ttl);
    store.insert_access_token(NewAccessToken { key, client_id: client.client_id.clone(), customer_id: client.customer_id.clone() }).await?;
    Ok(generated.text)
}
