//! The embedded SQLite backend: WAL, a busy timeout, foreign keys, writes in `BEGIN IMMEDIATE`
//! transactions so that concurrent writers queue instead of failing.

use std::str::FromStr;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::sql::migration_error;
use super::sql::{Dialect, SqlStore};
use super::sql_query::NullsSort;
use super::{StoreError, StoreOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

impl Dialect for Sqlite {
    // Takes the write lock at once, waiting up to the busy timeout for another writer, rather
    // than failing when a read would have to upgrade. It also serializes imports.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    // In WAL mode every read transaction sees one snapshot.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    const LOCK_CUSTOMER: Option<&'static str> = None;
    const IMPORT_SETTINGS: &'static [&'static str] = &[];
    // Without statistics SQLite may walk the wrong index (docs/query-plans.md: a customer
    // reference looked up through the date index, 350 ms instead of 0.03). `optimize` analyzes
    // only tables never analyzed or grown (or shrunk) manyfold since: a cost in proportion to
    // the import that caused it (about a second per million orders).
    const AFTER_IMPORT: &'static [&'static str] = &["PRAGMA optimize = 0x10002"];

    const NULLS: NullsSort = NullsSort::Low;

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

pub async fn open(options: &StoreOptions) -> Result<SqlStore<Sqlite>, StoreError> {
    let connect = SqliteConnectOptions::from_str(&options.url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL loses nothing when the process is killed; only an OS crash
        // or power loss can roll back the last transactions.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(options.timeout);
    let pool = SqlitePoolOptions::new()
        // A connection to a local file does not go stale; pinging it before every query would
        // cost a round trip to its worker thread (a quarter of a cached answer's time).
        .test_before_acquire(false)
        .max_connections(options.max_connections)
        .acquire_timeout(options.connect_timeout)
        .idle_timeout(options.idle_timeout)
        .connect_with(connect)
        .await?;
    MIGRATOR.run(&pool).await.map_err(migration_error)?;
    Ok(SqlStore::new(pool))
}
