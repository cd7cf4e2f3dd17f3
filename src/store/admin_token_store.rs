//! The admin API's credentials (issue #32): tokens known by name, only their hashes stored.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::domain::credentials::{AdminToken, SecretHash};

#[async_trait]
pub trait AdminTokenStore: Send + Sync {
    /// `Conflict` when a token (revoked or not) already has this name.
    async fn create_admin_token(&self, name: &str, hash: &SecretHash) -> StoreResult<AdminToken>;
    /// Every admin token, revoked ones too, by name.
    async fn list_admin_tokens(&self) -> StoreResult<Vec<AdminToken>>;
    /// `NotFound` when no token has this name; revoking a revoked token changes nothing.
    async fn revoke_admin_token(&self, name: &str) -> StoreResult<AdminToken>;
    /// The token whose hash this is, revoked or not.
    async fn find_admin_token(&self, hash: &SecretHash) -> StoreResult<Option<AdminToken>>;
}
