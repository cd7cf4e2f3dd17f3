//! Whether the database answers, and what the store holds now: for `/health` and the metrics.

use async_trait::async_trait;

use super::error::StoreResult;
use super::memory::{DocumentCacheUsage, IndexUsage};

#[async_trait]
pub trait StoreHealth: Send + Sync {
    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// The connection pool now, for the metrics.
    fn pool_usage(&self) -> PoolUsage;
    /// The in-memory list indexes now, for the metrics.
    fn list_index_usage(&self) -> IndexUsage;
    /// The documents kept in memory for lists now, for the metrics.
    fn document_cache_usage(&self) -> DocumentCacheUsage;
}

/// Connections of the pool: open (idle or in use), idle, and the most it may open; on SQLite,
/// the reads made straight from the file (`sqlite/direct_reads.rs`) and those left to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
    pub direct_reads: DirectReadCounts,
}

/// Reads of the SQLite file on the request's thread: `answered` there, or `deferred` to the
/// pool (the database busy, or the read failed). Zero on PostgreSQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectReadCounts {
    pub answered: u64,
    pub deferred: u64,
}
