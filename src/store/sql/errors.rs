//! The databases' errors as [`StoreError`]s: unavailable (retry later) or anything else.

use crate::store::StoreError;

/// A failed migration: the database's own error where there is one, so an unreachable
/// database still reads as unavailable.
pub fn migration_error(error: sqlx::migrate::MigrateError) -> StoreError {
    match error {
        sqlx::migrate::MigrateError::Execute(error) => error.into(),
        other => StoreError::Backend(Box::new(other)),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let unavailable = match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => {
                if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    // Connection exceptions, insufficient resources, operator intervention
                    // (shutdown, statement timeout).
                    matches!(&pg.code()[..2], "08" | "53" | "57")
                } else {
                    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN and their extended codes.
                    let code: Option<i64> = db.code().and_then(|code| code.parse().ok());
                    matches!(code.map(|code| code & 0xff), Some(5 | 6 | 14))
                }
            }
            _ => false,
        };
        if unavailable { StoreError::Unavailable(Box::new(error)) } else { StoreError::Backend(Box::new(error)) }
    }
}
