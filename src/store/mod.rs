//! Storage: the store's traits, spoken in domain types, and its backends. SQL lives only here.
//!
//! - `credential_store.rs`, `admin_token_store.rs`, `order_store.rs`, `event_store.rs`, `hub_store.rs`, `portal_store.rs`, `health.rs`: what the rest of the
//!   service asks of a store, one trait per concern; [`Store`] is all of them.
//! - `sql/`: the one implementation, for every SQL backend.
//! - `sqlite/`, `postgres/`: what only that backend does (opening, settings, its own reads).
//! - `memory/`: what is kept in memory to answer lists.

mod admin_token_store;
mod credential_store;
mod error;
mod event_store;
mod health;
mod hub_store;
mod memory;
mod options;
mod order_store;
mod portal_store;
mod postgres;
mod sql;
mod sqlite;

use std::sync::Arc;

use anyhow::Context;

pub use admin_token_store::AdminTokenStore;
pub use credential_store::{CredentialStore, KeyFilter, NewAccessToken, NewApiKey, NewClient};
pub use error::{StoreError, StoreResult};
pub use event_store::EventStore;
pub use health::{DirectReadCounts, PoolUsage, StoreHealth};
pub use hub_store::{
    ClaimedDelivery, DeliveryOutcome, DeliveryRecord, DeliveryResult, DeliveryStore, NewDelivery, NewSubscription, Replay, Subscription,
    SubscriptionStatus, SubscriptionStore, signing_secrets,
};
pub use memory::{DocumentCacheUsage, IndexUsage};
pub use options::StoreOptions;
pub use order_store::{ImportSummary, OrderPage, OrderStore, Precondition};
pub use portal_store::{NewPortalUser, PortalStore};
pub use sql::packed_documents;

/// Everything the service keeps, one object for every concern.
///
/// The concerns share one database: an import writes orders and records their changes in one
/// transaction, and the same pool and caches serve credentials and lists. So one store
/// implements them all, and the service holds it as one `Arc<dyn Store>`; code that needs one
/// concern only takes that trait (`&dyn OrderStore`), to which a `&dyn Store` converts.
pub trait Store:
    CredentialStore + AdminTokenStore + PortalStore + OrderStore + EventStore + SubscriptionStore + DeliveryStore + StoreHealth
{
}

impl<T: CredentialStore + AdminTokenStore + PortalStore + OrderStore + EventStore + SubscriptionStore + DeliveryStore + StoreHealth> Store
    for T
{
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
