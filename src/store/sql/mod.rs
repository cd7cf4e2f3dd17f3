//! The one SQL implementation of the store, for every backend: generic over the sqlx database,
//! with a [`Dialect`] for what differs (transactions, locks, settings, how a page is found).
//! `sqlite/` and `postgres/` beside this folder open the pools and supply their dialects.
//!
//! - `store.rs`: the [`SqlStore`] and what it keeps beside its pool; `store_traits.rs`, the
//!   store's traits on it.
//! - `credentials.rs`, `imports.rs`, `orders.rs`, `indexed_lists.rs` (with `index_loads.rs`),
//!   `events.rs` (the event log an import writes): the work of each concern.
//! - `query/`: lists and their totals as SQL; `bind.rs`, the values bound to it.
//! - `columns.rs`, `value_sets.rs`, `time_columns.rs`, `packed_documents.rs`: how an order and its
//!   document are stored; `kept_counts.rs`, the counts an import keeps; `prepared.rs`,
//!   `multi_row.rs`, `batcher.rs`: how writes are grouped; `order_writes.rs` and `grouped_puts.rs`,
//!   what single-order writes add (their preconditions, their turn, their group commit).

mod admin_tokens;
mod batcher;
pub(super) mod bind;
mod checkpoint_ahead;
pub(super) mod columns;
pub(super) mod credentials;
mod deliveries;
mod dialect;
mod errors;
mod events;
mod grouped_puts;
mod imports;
mod in_place;
mod index_loads;
mod indexed_lists;
mod kept_counts;
mod multi_row;
mod order_writes;
mod orders;
pub mod packed_documents;
mod portal;
mod prepared;
pub(super) mod query;
mod store;
mod store_traits;
mod subscriptions;
pub(super) mod time_columns;
mod value_sets;

pub use dialect::Dialect;
pub use errors::migration_error;
pub use multi_row::Placeholder;
pub use store::SqlStore;
