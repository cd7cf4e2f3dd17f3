//! Checkpoints beside a stream of writes (SQLite's [`Dialect::CHECKPOINT_AHEAD`]): the log is
//! copied into the database file on a connection of its own, so that the writers' commits find
//! little to copy, or (single-order writes) never copy at all.

use std::time::Duration;

use tokio::sync::mpsc;

use super::dialect::Dialect;

/// How often, at most, the log is checkpointed beside the writes. At about 20,000 tokens/s
/// (docs/performance.md, step 38): every 100 ms left token requests' p99 at 7-11 ms, every
/// 25 ms at 4-7 ms; every 10 ms was no better.
pub(super) const CHECKPOINT_AHEAD_EVERY: Duration = Duration::from_millis(25);

/// Starts the task that runs [`Dialect::CHECKPOINT_AHEAD`] when asked through the sender
/// returned, at most once per [`CHECKPOINT_AHEAD_EVERY`] and once more after the last ask; it
/// ends with the sender. `None` where the backend needs no such checkpoint.
pub(super) fn checkpointer<DB>(pool: sqlx::Pool<DB>) -> Option<mpsc::Sender<()>>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
{
    let statement = DB::CHECKPOINT_AHEAD?;
    let (ask, mut asked) = mpsc::channel(1);
    tokio::spawn(async move {
        while asked.recv().await.is_some() {
            // Busy (another checkpoint under way, an import's say) or failed: the next one, or
            // the commits' automatic checkpoint on the other connections, does it.
            if let Err(error) = sqlx::query(statement).execute(&pool).await {
                tracing::debug!(%error, "a checkpoint beside the writes failed");
            }
            tokio::time::sleep(CHECKPOINT_AHEAD_EVERY).await;
        }
    });
    Some(ask)
}

/// Asks for a checkpoint. Full: one is asked for already.
pub(super) fn ask_for_checkpoint(checkpointer: Option<&mpsc::Sender<()>>) {
    if let Some(checkpointer) = checkpointer {
        let _ = checkpointer.try_send(());
    }
}
