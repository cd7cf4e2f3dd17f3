//! The PostgreSQL backend, for several instances sharing one database. Migrations run under
//! sqlx's advisory lock, so instances starting together apply them once.

use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::Notify;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use sqlx::{ConnectOptions, Connection};

use super::sql::query::NullsSort;
use super::sql::{Dialect, Placeholder, SqlStore, migration_error};
use super::{StoreError, StoreOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Dialect for Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    // Two instances importing orders of one customer at once take turns.
    const LOCK_CUSTOMER: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");
    // The foreign-key checks of children (appointments, milestones, documents) are planned
    // once and cached; planned while `orders` is still small, the plan may walk any index that
    // starts with customer_id instead of the primary key, and an import of n orders then costs
    // n² (100,000 orders: over 5 minutes instead of seconds). Planned anew each time, with the
    // table's current size, they use the primary key.
    const IMPORT_SETTINGS: &'static [&'static str] = &["SET LOCAL plan_cache_mode = force_custom_plan"];
    // `SET LOCAL` ends with the transaction.
    const IMPORT_SETTINGS_OUTLIVE_IT: bool = false;
    // Autovacuum gets there too, a minute or more later: until then the planner knows nothing of
    // the new rows, and index-only scans visit the heap for each (the uncached total over 100,000
    // fresh orders: 213 ms; a date range sorted by status: 545 ms). VACUUM skips pages it has
    // already marked all-visible, so its cost follows the pages the import changed.
    const AFTER_IMPORT: &'static [&'static str] = &["SET statement_timeout = 0", "VACUUM (ANALYZE) orders", "RESET statement_timeout"];
    // Its checkpoints run in a process of their own.
    const CHECKPOINT_AFTER_IMPORT: &'static [&'static str] = &[];
    const EMPTY_LOG_AFTER_IMPORT: &'static [&'static str] = &[];

    // The WAL is PostgreSQL's own to checkpoint, beside the writes.
    const CHECKPOINT_AHEAD: Option<&'static str> = None;
    // `DROP INDEX` locks the table against every reader until the import commits.
    const ORDERS_INDEXES: Option<&'static str> = None;
    const NULLS: NullsSort = NullsSort::High;
    const SKIP_LOCKED: &'static str = " FOR UPDATE OF d SKIP LOCKED";
    const DELIVERY_INDEXES: [&'static str; 2] = ["", ""];
    // Before autovacuum analyzes a table that just took 100,000 pending deliveries, the planner
    // sorted them all for each claim of 256 (200 ms); with statistics it reads the due index (1 ms).
    const DELIVERY_STATISTICS: Option<&'static str> = Some("ANALYZE webhook_deliveries");
    const ONE_WRITER: bool = false;
    const KEPT_WRITER_SETTINGS: &'static [&'static str] = &[];
    const NOTIFY_EVENTS: Option<&'static str> = Some("SELECT pg_notify('order_events', $1)");
    const PLACEHOLDER: Placeholder = Placeholder::Numbered;

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }

    fn listen_for_events(pool: &sqlx::Pool<Self>, wake: Arc<Notify>) -> bool {
        tokio::spawn(listen_for_events(pool.clone(), wake));
        true
    }
}

/// Wakes `wake` at each `NOTIFY order_events`, for as long as the process runs; after a lost
/// connection, connects again and wakes once, for what it may have missed meanwhile.
async fn listen_for_events(pool: sqlx::PgPool, wake: Arc<Notify>) {
    loop {
        let listening = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen("order_events").await?;
            wake.notify_one();
            loop {
                listener.recv().await?;
                wake.notify_one();
            }
        };
        let ended: Result<(), sqlx::Error> = listening.await;
        if let Err(error) = ended {
            tracing::warn!(%error, "not listening for new order events; trying again in a second");
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

pub async fn open(options: &StoreOptions) -> Result<SqlStore<Postgres>, StoreError> {
    let statement_timeout = options.timeout.as_millis().to_string();
    let connect = PgConnectOptions::from_str(&options.url)?
        // A query that runs longer than the timeout is cancelled and answered "unavailable".
        .options([("statement_timeout", statement_timeout.as_str())]);
    // One connection first: an unreachable server fails now, with its own reason, rather than
    // as a pool timeout.
    connect.connect().await?.close().await?;
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.connect_timeout)
        .idle_timeout(options.idle_timeout)
        .connect_with(connect)
        .await?;
    MIGRATOR.run(&pool).await.map_err(migration_error)?;
    Ok(SqlStore::new(pool)
        .with_list_indexes(usize::try_from(options.list_index_bytes).unwrap_or(usize::MAX))
        .with_document_cache(options.document_cache_bytes))
}
