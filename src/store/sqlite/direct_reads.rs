//! Direct reads of the SQLite file on the calling thread, for the two lookups every API call and
//! every token request makes. sqlx runs each SQLite statement on a worker thread of its
//! connection, and the two thread switches of that hop cost more than the statement itself
//! (docs/performance.md, step 5). A read here takes microseconds and never waits: when the
//! database is busy, or anything else goes wrong, it answers `None` and the caller takes the
//! sqlx path, which waits up to the busy timeout and reports errors the usual way.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::store::DirectReadCounts;

/// Each connection's page cache, in KiB (SQLite's default: 2,000), pooled or direct. The
/// operating system's file cache holds the file's pages too, so beyond the B-trees' upper levels
/// a connection's own copy bought nothing: at 1,000,000 orders under varied lists the 2 MB
/// caches held some 20 MB for the same requests/s (docs/performance.md, step 31).
pub const PAGE_CACHE_KIB: u32 = 512;

/// Read-only connections to one SQLite file, opened when first needed and kept for reuse.
pub struct DirectReads {
    path: PathBuf,
    /// Connections not in use, with when each was last given back.
    idle: Mutex<Vec<(Connection, Instant)>>,
    /// Reads that answered, and reads left to the pool.
    answered: AtomicU64,
    deferred: AtomicU64,
}

/// Connections kept idle: one per thread that may read at once is plenty.
const IDLE_KEPT: usize = 16;

impl DirectReads {
    /// Readers of the file at `path`; those idle for `idle_timeout` are closed, as the pool's are,
    /// so that an idle server holds no lock another process might need (a backup, say).
    pub fn new(path: PathBuf, idle_timeout: Duration) -> Arc<Self> {
        let reads = Arc::new(DirectReads { path, idle: Mutex::new(Vec::new()), answered: AtomicU64::new(0), deferred: AtomicU64::new(0) });
        let weak = Arc::downgrade(&reads);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(idle_timeout.max(Duration::from_millis(10)) / 2);
            loop {
                ticks.tick().await;
                let Some(reads) = weak.upgrade() else { break };
                reads.close_idle(idle_timeout);
            }
        });
        reads
    }

    fn close_idle(&self, idle_timeout: Duration) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.retain(|(_, since)| since.elapsed() < idle_timeout);
        }
    }

    /// What `read` reads on a connection of the file; `None` when it could not read without waiting.
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let found = self.try_read(read);
        let counter = if found.is_some() { &self.answered } else { &self.deferred };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// How many reads answered, and how many were left to the pool (for the metrics).
    pub fn counts(&self) -> DirectReadCounts {
        DirectReadCounts { answered: self.answered.load(Ordering::Relaxed), deferred: self.deferred.load(Ordering::Relaxed) }
    }

    fn try_read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let connection = self.take()?;
        match read(&connection) {
            Ok(value) => {
                self.give_back(connection);
                Some(value)
            }
            Err(error) => {
                tracing::debug!(%error, "direct SQLite read failed; taking the pooled connection");
                // A busy database leaves the connection usable; anything else, start afresh.
                if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
                    self.give_back(connection);
                }
                None
            }
        }
    }

    fn take(&self) -> Option<Connection> {
        if let Some((connection, _)) = self.idle.lock().ok()?.pop() {
            return Some(connection);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let opened = Connection::open_with_flags(&self.path, flags).and_then(|connection| {
            // Never wait on the request thread: a busy database is the sqlx path's to wait for.
            connection.busy_timeout(Duration::ZERO)?;
            // With STAT4 samples (which the ANALYZE after imports writes for every table), a new
            // value bound to an indexed comparison makes SQLite parse and plan the statement
            // again on its next step: more than half of a cached answer's time (docs/performance.md,
            // step 15). These lookups are by unique keys, so one plan fits every value.
            connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
            connection.pragma_update(None, "cache_size", -i64::from(PAGE_CACHE_KIB))?;
            Ok(connection)
        });
        match opened {
            Ok(connection) => Some(connection),
            Err(error) => {
                tracing::debug!(%error, path = %self.path.display(), "cannot open a direct SQLite reader");
                None
            }
        }
    }

    fn give_back(&self, connection: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_KEPT
        {
            idle.push((connection, Instant::now()));
        }
    }
}
