//! The people at a customer who use the portal (issue #34): known by email, each seeing only its
//! customer's orders. Passwords and link secrets never appear here, only whether one is set.

use serde::Serialize;
use time::OffsetDateTime;

/// A portal user, as listed to operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalUser {
    pub id: String,
    pub customer_id: String,
    /// Lower-cased: the same address in any case is the same user.
    pub email: String,
    pub name: Option<String>,
    /// `fr` or `en`: the language its pages are shown in, whatever the browser asks for.
    pub language: Option<String>,
    /// Whether a password was set through the one-time link.
    pub has_password: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
}

/// A user with its stored password hash (an Argon2id PHC string), for checking a login.
#[derive(Debug, Clone)]
pub struct PortalLogin {
    pub user: PortalUser,
    pub password_hash: Option<String>,
}

/// A signed-in browser's session, as stored.
#[derive(Debug, Clone)]
pub struct PortalSession {
    pub user: PortalUser,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// Where an email stands against the lockout: failures of the current window, and until when
/// logins of that email are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub window_start: OffsetDateTime,
    pub failures: u32,
    pub locked_until: Option<OffsetDateTime>,
}
