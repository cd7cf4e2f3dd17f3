//! What differs between the SQL backends, as constants and small functions each backend's
//! folder supplies (`sqlite/mod.rs`, `postgres/mod.rs`); the rest of `sql/` is written once.

use sqlx::Database;

use super::multi_row::Placeholder;
use super::query::{NullsSort, PagePlan};
use crate::query::OrderQuery;

/// What differs between SQL backends.
pub trait Dialect: Database {
    /// Starts a transaction that writes.
    const BEGIN_WRITE: &'static str;
    /// Starts a read-only transaction that sees one snapshot (a page and its total agree).
    const BEGIN_SNAPSHOT: &'static str;
    /// Run first in an import's transaction, `$1` the customer: serializes imports of one
    /// customer where the write transaction alone does not.
    const LOCK_CUSTOMER: Option<&'static str>;
    /// Run first in an import's transaction: settings for the import.
    const IMPORT_SETTINGS: &'static [&'static str];
    /// Whether those settings outlive the transaction, so that the import's connection is closed
    /// afterwards rather than pooled with them.
    const IMPORT_SETTINGS_OUTLIVE_IT: bool;
    /// Run on one connection after an import changed orders: keeps the planner's statistics
    /// up to date where the database does not do it by itself.
    const AFTER_IMPORT: &'static [&'static str];
    /// Run on the import's own connection once it committed, beside [`Self::AFTER_IMPORT`] on
    /// another: what the backend would otherwise do in the commit, one thing after the other
    /// (SQLite's checkpoint; docs/performance.md, step 28).
    const CHECKPOINT_AFTER_IMPORT: &'static [&'static str];
    /// Run on the import's connection after both, where it may fail (another process reading):
    /// leaves no log for the next process to read back.
    const EMPTY_LOG_AFTER_IMPORT: &'static [&'static str];
    /// Run on another pooled connection after a batch of tokens or a group of single-order
    /// writes, at most once per [`super::checkpoint_ahead::CHECKPOINT_AHEAD_EVERY`]: moves what the log holds into the database
    /// beside the writes, where the backend would otherwise do it in a writer's commit
    /// (SQLite's automatic checkpoint; docs/performance.md, step 38).
    const CHECKPOINT_AHEAD: Option<&'static str>;
    /// Lists the secondary indexes of `orders` (`name`, `CREATE INDEX` statement) where a large
    /// import drops them and builds them again after its rows (see `imports.rs`); `None` where
    /// dropping an index would block the readers until the import commits (PostgreSQL).
    const ORDERS_INDEXES: Option<&'static str>;
    /// Ends the subquery that picks the webhook deliveries to claim (alias `d`): where several
    /// processes claim at once, each skips the rows another is claiming.
    const SKIP_LOCKED: &'static str;
    /// After `webhook_deliveries d` and `webhook_deliveries p` in that subquery: the indexes to
    /// read them by (due time; earlier events of the same order), where the planner must be told.
    const DELIVERY_INDEXES: [&'static str; 2];
    /// Whether the database takes one write transaction at a time (SQLite).
    const ONE_WRITER: bool;
    /// Run once on the connection kept for single-order writes, where [`Self::ONE_WRITER`].
    const KEPT_WRITER_SETTINGS: &'static [&'static str];
    /// Gathers the statistics of the deliveries after a large fan-out, where the planner needs
    /// them to claim by the due index.
    const DELIVERY_STATISTICS: Option<&'static str>;
    /// Run in an import's transaction once it recorded events, `$1` the customer: tells the
    /// other connections listening, when it commits (PostgreSQL's `NOTIFY`).
    const NOTIFY_EVENTS: Option<&'static str>;
    /// Starts waking `wake` whenever another connection commits events ([`Self::NOTIFY_EVENTS`]);
    /// false where the backend cannot tell, and the deliverer polls.
    fn listen_for_events(_pool: &sqlx::Pool<Self>, _wake: std::sync::Arc<tokio::sync::Notify>) -> bool {
        false
    }
    /// Where the backend sorts NULL.
    const NULLS: NullsSort;
    /// Whether the page's plan depends on how many orders match, so that they are counted
    /// before the page is read: where the backend's planner cannot see how many orders a bound
    /// value matches, the store chooses how a filtered page is found (`sqlite/page_plan.rs`).
    fn plan_depends_on_matches(_query: &OrderQuery) -> bool {
        false
    }
    /// How the page is found when `matches` of the customer's `orders` match its filters.
    fn page_plan(_query: &OrderQuery, _matches: u64, _orders: u64) -> PagePlan {
        PagePlan::Planner
    }
    /// How statements built with many values name them.
    const PLACEHOLDER: Placeholder;

    fn rows_affected(result: &Self::QueryResult) -> u64;
}
