//! The embedded SQLite backend: WAL, a busy timeout, foreign keys, writes in `BEGIN IMMEDIATE`
//! transactions so that concurrent writers queue instead of failing. Beside the pool, reads
//! straight from the file (`direct_reads.rs`), and page plans chosen by the store (`page_plan.rs`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::sql::query::{NullsSort, PagePlan};
use super::sql::{Dialect, Placeholder, SqlStore, migration_error};
use super::{StoreError, StoreOptions};
use crate::query::OrderQuery;
use direct_reads::{DirectReads, PAGE_CACHE_KIB};

pub mod direct_reads;
mod page_plan;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

impl Dialect for Sqlite {
    // Takes the write lock at once, waiting up to the busy timeout for another writer, rather
    // than failing when a read would have to upgrade. It also serializes imports.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    // In WAL mode every read transaction sees one snapshot.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    const LOCK_CUSTOMER: Option<&'static str> = None;
    // An import rewrites indexes all over the file: with the default 2 MB page cache, pages
    // went to the WAL and were read back many times over (100,000 orders: 24 s instead of 16).
    // Up to 512 MB while the import runs; the connection is closed afterwards. Its commit does
    // not checkpoint: CHECKPOINT_AFTER_IMPORT does, beside AFTER_IMPORT.
    const IMPORT_SETTINGS: &'static [&'static str] = &["PRAGMA cache_size = -524288", "PRAGMA wal_autocheckpoint = 0"];
    const IMPORT_SETTINGS_OUTLIVE_IT: bool = true;
    // Without statistics SQLite may walk the wrong index (docs/query-plans.md: a customer
    // reference looked up through the date index, 350 ms instead of 0.03). `optimize` analyzes
    // only tables never analyzed or grown (or shrunk) manyfold since: a cost in proportion to
    // the import that caused it (about a second per million orders).
    const AFTER_IMPORT: &'static [&'static str] = &["PRAGMA optimize = 0x10002"];
    // What the commit's automatic checkpoint did (1,000,000 orders: 1.6 GB copied from the WAL
    // into the file), beside `optimize`. PASSIVE, as the automatic one: readers and writers go on.
    const CHECKPOINT_AFTER_IMPORT: &'static [&'static str] = &["PRAGMA wal_checkpoint(PASSIVE)"];
    // Then the WAL emptied, without waiting (it fails where another process reads): left whole, the
    // next process to open the file alone would read it back and checkpoint it all again (a
    // server's first token request after an import of 1,000,000 orders took 1.3 s). The last
    // connection to close removes the WAL too, but the process may end before sqlx's threads
    // close theirs.
    const EMPTY_LOG_AFTER_IMPORT: &'static [&'static str] = &["PRAGMA busy_timeout = 0", "PRAGMA wal_checkpoint(TRUNCATE)"];
    // A commit that takes the WAL past 1,000 pages checkpoints it, and writers queue behind it
    // while it syncs the WAL and the file (10-13 ms a time on a VM whose disk syncs slowly:
    // token requests' p99 12-200 ms). Checkpointed beside the writes, the WAL holds little that
    // is not in the file already when that commit comes, and its syncs are short. PASSIVE: it
    // never waits for readers or writers.
    const CHECKPOINT_AHEAD: Option<&'static str> = Some("PRAGMA wal_checkpoint(PASSIVE)");

    // Readers keep their snapshot, the indexes included, while the import rebuilds them.
    const ORDERS_INDEXES: Option<&'static str> =
        Some("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'orders' AND sql IS NOT NULL ORDER BY name");
    const NULLS: NullsSort = NullsSort::Low;
    // One writer at a time: no claim can overlap another.
    const SKIP_LOCKED: &'static str = "";
    // Without statistics (the table is young, or filled since the last ANALYZE) SQLite read the
    // earlier events of an order through the primary key, every earlier delivery of the
    // subscription: 100,000 pending deliveries took 500 s to claim 256. By these, 0.4 ms.
    const DELIVERY_INDEXES: [&'static str; 2] = [" INDEXED BY webhook_deliveries_due", " INDEXED BY webhook_deliveries_by_order"];
    const DELIVERY_STATISTICS: Option<&'static str> = None;
    // Writers that meet at BEGIN IMMEDIATE wait in SQLite's busy handler, which sleeps longer
    // each time: 32 concurrent single-order writes had a p99 of 92 ms.
    const ONE_WRITER: bool = true;
    // Its commits never checkpoint: a commit that took the log past 1,000 pages copied it into
    // the file and synced it while every PUT of the next group waited (p99 19 ms against 16.5
    // at 4,200 PUTs/s). The group writer asks for a checkpoint on another connection after each
    // group instead (`grouped_puts.rs`), as the token writer does. A larger page cache did not
    // help: 64 MB ran at 1,715 PUTs/s against 1,612 before updates in place, and the updates in
    // place ran faster without it (4,225 against 3,724), SQLite walking the larger cache at
    // every commit.
    const KEPT_WRITER_SETTINGS: &'static [&'static str] = &["PRAGMA wal_autocheckpoint = 0"];
    const NOTIFY_EVENTS: Option<&'static str> = None;
    // Its per-value statistics (STAT4) are a few dozen sampled keys per index: they did not
    // lead the planner to different plans for common and rare values (docs/performance.md, step 10).
    const PLACEHOLDER: Placeholder = Placeholder::Anonymous;

    fn plan_depends_on_matches(query: &OrderQuery) -> bool {
        page_plan::worth_choosing(query)
    }

    fn page_plan(query: &OrderQuery, matches: u64, orders: u64) -> PagePlan {
        page_plan::choose(query, matches, orders)
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

/// How long a pooled connection serves before it is replaced (see `open`).
const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);

/// Rows a statement's thread may hand over before its caller takes them: an import batch's, or
/// a page of the default largest size.
const ROWS_IN_FLIGHT: usize = 1_000;

pub async fn open(options: &StoreOptions) -> Result<SqlStore<Sqlite>, StoreError> {
    let connect = SqliteConnectOptions::from_str(&options.url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL loses nothing when the process is killed; only an OS crash
        // or power loss can roll back the last transactions.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(options.timeout)
        // Statement journals (an import's multi-row INSERTs write one) and sorts that spill stay
        // in memory instead of temporary files: 17% of an import's time went to writing them.
        .pragma("temp_store", "memory")
        .pragma("cache_size", format!("-{PAGE_CACHE_KIB}"))
        // Mapped, a page is read without a system call or a copy into the page cache: the
        // 1,000 uncached lists of the suite's (b) took 3.1 s instead of 5.2 (docs/performance.md,
        // step 13). Off by default: the mapped pages count in the server's RSS.
        .pragma("mmap_size", options.sqlite_mmap_bytes.to_string())
        // Rows pass from a connection's thread to the caller through a bounded channel: sqlx's
        // 50 made a statement returning 1,000 rows (an import batch's change numbers, a page of
        // 1,000 orders) hand its thread over twenty times (docs/performance.md, step 21).
        .row_buffer_size(ROWS_IN_FLIGHT);
    let pool = SqlitePoolOptions::new()
        // A connection to a local file does not go stale; pinging it before every query would
        // cost a round trip to its worker thread (a quarter of a cached answer's time).
        .test_before_acquire(false)
        .max_connections(options.max_connections)
        .acquire_timeout(options.connect_timeout)
        .idle_timeout(options.idle_timeout)
        // A connection reads the planner's statistics once, with the schema, and an `ANALYZE` by
        // another process (`admin import`) does not make it read them again: until it is replaced,
        // it plans with the statistics of the database before the import (those of an empty
        // table, on a new database). Replaced every minute, a connection costs a millisecond to
        // open again.
        .max_lifetime(CONNECTION_LIFETIME)
        .connect_with(connect.clone())
        .await?;
    MIGRATOR.run(&pool).await.map_err(migration_error)?;
    let store = SqlStore::new(pool)
        .with_list_indexes(usize::try_from(options.list_index_bytes).unwrap_or(usize::MAX))
        .with_document_cache(options.document_cache_bytes);
    let file = connect.get_filename();
    let in_memory = options.url.contains(":memory:") || options.url.contains("mode=memory");
    Ok(if in_memory || file.as_os_str().is_empty() {
        // An in-memory database is not in the file its name would open.
        store
    } else {
        store.with_direct_reads(DirectReads::new(file.to_path_buf(), options.idle_timeout))
    })
}

#[cfg(test)]
mod tests;
