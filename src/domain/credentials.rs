//! Customers (tenants) and the credentials they hold: OAuth clients, API keys and access
//! tokens (contract §1, §3, §4). Secrets never appear here, only their hashes.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// SHA-256 of a secret. Secrets carry at least 128 bits of entropy, so a fast hash is enough:
/// no dictionary exists to try against it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretHash(pub [u8; 32]);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

/// What finds an access token: the expiry it carries, which leads the stored tokens' key, and
/// the hash of the whole token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenKey {
    pub expires_at: OffsetDateTime,
    pub hash: SecretHash,
}

/// A tenant: a business that has orders.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// An OAuth application of a customer.
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub customer_id: String,
    pub name: Option<String>,
    pub secret_hash: SecretHash,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// An API key, as listed to operators.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub key_id: String,
    pub customer_id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// When it was revoked; `null` while it is not.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
}

/// How long a key stays valid unless issued with another validity (contract §4).
pub const DEFAULT_KEY_VALIDITY: Duration = Duration::days(730);

/// A hundred years: the furthest a key's validity or a look-ahead at expiries may reach.
pub const MAX_KEY_DAYS: u32 = 36_500;

/// Keys expiring within this window are announced with `X-Api-Key-Expires`.
pub const KEY_EXPIRY_WARNING: Duration = Duration::days(30);

/// An access token as the store knows it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub client_id: String,
    pub customer_id: String,
    pub expires_at: OffsetDateTime,
    /// Revoking a client revokes every token issued to it.
    pub client_revoked: bool,
    /// The customer's orders version, read with the token: it changes with every import that
    /// changes an order, so an answer cached under it is still exact.
    pub orders_version: i64,
}

/// Rounds a time to whole microseconds, the precision every backend keeps.
pub fn to_micros(value: OffsetDateTime) -> OffsetDateTime {
    value.replace_nanosecond(value.nanosecond() / 1000 * 1000).expect("nanoseconds stay in range")
}

/// A credential of the admin API, known by the name the operator gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminToken {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}
