//! The web portal for the customers' staff (issue #34): their orders, one order's timeline, in
//! English and French, behind a login. Served under /portal on the main listener with
//! `serve --portal`.
//!
//! - `users.rs`: what operators do (`admin user ...`); `passwords.rs`: Argon2id and the policy.
//! - `session.rs`: who is visiting (cookies, sessions, anti-forgery tokens); `lockout.rs`.
//! - The two languages, their words, dates and numbers: `crate::i18n`.
//! - `pages/`: the pages; `paths.rs`, their paths; `settings.rs`, `serve`'s flags.

pub mod lockout;
pub mod pages;
pub mod passwords;
pub mod paths;
pub mod session;
pub mod settings;
pub mod users;

use axum::Router;

use crate::http::state::AppState;

/// The portal's routes, to merge into the main router when `--portal` is on.
/// Any other path under /portal is a page of its own that does not exist, not an API error.
pub fn router() -> Router<AppState> {
    pages::router().route("/portal/{*rest}", axum::routing::any(pages::no_such_page))
}
