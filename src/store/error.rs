//! What a store operation can fail with, in terms a caller can act on.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The thing named does not exist (for this customer).
    #[error("{0} not found")]
    NotFound(String),
    /// The write contradicts what is stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The stored order is not what the write required (`If-Match`): nothing was written.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The database cannot be reached or is busy beyond the timeout; retrying later may work.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else the database reported.
    #[error("database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;
