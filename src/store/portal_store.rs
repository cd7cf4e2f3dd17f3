//! The portal's users, their one-time links, sessions and failed logins (issue #34).

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::StoreResult;
use crate::domain::credentials::SecretHash;
use crate::domain::portal_user::{LoginFailures, PortalLogin, PortalSession, PortalUser};

/// A new portal user, its email already lower-cased.
#[derive(Debug, Clone)]
pub struct NewPortalUser {
    pub id: String,
    pub customer_id: String,
    pub email: String,
    pub name: Option<String>,
    pub language: Option<String>,
}

#[async_trait]
pub trait PortalStore: Send + Sync {
    /// `Conflict` when a user has this email already; `NotFound` when the customer does not exist.
    async fn create_portal_user(&self, user: NewPortalUser) -> StoreResult<PortalUser>;
    /// Every user of one customer, or of all, by email.
    async fn list_portal_users(&self, customer_id: Option<&str>) -> StoreResult<Vec<PortalUser>>;
    /// The user with this (lower-cased) email and its password hash.
    async fn find_portal_login(&self, email: &str) -> StoreResult<Option<PortalLogin>>;
    /// Marks the user disabled and ends its sessions; `NotFound` when no user has this email.
    async fn disable_portal_user(&self, email: &str) -> StoreResult<PortalUser>;
    /// Gives the user a new one-time link (replacing any earlier one); `NotFound` when no user
    /// has this email.
    async fn set_portal_link(&self, email: &str, link: &SecretHash, expires_at: OffsetDateTime) -> StoreResult<PortalUser>;
    /// The user whose link this is, while the link is unused and unexpired at `now`.
    async fn find_portal_link(&self, link: &SecretHash, now: OffsetDateTime) -> StoreResult<Option<PortalUser>>;
    /// Sets the password of the link's user, spends the link and ends the user's sessions, in one
    /// transaction; `NotFound` when the link is unknown, used or expired.
    async fn use_portal_link(&self, link: &SecretHash, password_hash: &str, now: OffsetDateTime) -> StoreResult<PortalUser>;
    async fn create_portal_session(&self, session: &SecretHash, user_id: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// The session and its user, whatever their state: the caller decides what has expired.
    async fn find_portal_session(&self, session: &SecretHash) -> StoreResult<Option<PortalSession>>;
    async fn touch_portal_session(&self, session: &SecretHash, now: OffsetDateTime) -> StoreResult<()>;
    async fn delete_portal_session(&self, session: &SecretHash) -> StoreResult<()>;
    /// Where this email stands against the lockout; none when it never failed.
    async fn login_failures(&self, email: &str) -> StoreResult<Option<LoginFailures>>;
    /// Replaces what is kept of this email's failures.
    async fn set_login_failures(&self, email: &str, failures: LoginFailures) -> StoreResult<()>;
    async fn clear_login_failures(&self, email: &str) -> StoreResult<()>;
    /// Deletes sessions last seen before `idle_before` or created before `created_before`, and
    /// failure windows that ended before `idle_before`.
    async fn purge_portal(&self, idle_before: OffsetDateTime, created_before: OffsetDateTime) -> StoreResult<u64>;
}
