//! How to reach the database, and how much it may keep in memory.

/// Database settings that every backend understands.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    pub max_connections: u32,
    /// How long a statement may wait for a lock (or, on PostgreSQL, run) before "unavailable".
    pub timeout: std::time::Duration,
    /// How long to wait for a pooled connection before "unavailable": an unreachable database
    /// answers within this.
    pub connect_timeout: std::time::Duration,
    /// Idle connections are closed after this long, so they hold nothing open.
    pub idle_timeout: std::time::Duration,
    /// SQLite: how much of the file the pooled connections read through memory mapping (0: none).
    pub sqlite_mmap_bytes: u64,
    /// Memory for in-memory indexes of the customers' orders, which answer lists (0: none).
    pub list_index_bytes: u64,
    /// Memory for the packed documents of the pages lists from those indexes show (0: none).
    pub document_cache_bytes: u64,
}
