//! Group commit: many callers' small writes handed to one task that writes whatever has queued
//! up in one statement. Under load a batch forms by itself (the queue fills while the previous
//! batch is written); alone, a write goes out at once. Each caller still waits until its own
//! write is stored, so nothing is acknowledged before it is durable, and gets its own outcome:
//! the write answers one `R` per item, or one error for the whole batch.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot};

use crate::store::{StoreError, StoreResult};

type Job<T, R> = (T, oneshot::Sender<StoreResult<R>>);

pub struct Batcher<T, R = ()> {
    queue: mpsc::UnboundedSender<Job<T, R>>,
}

impl<T: Send + 'static, R: Send + 'static> Batcher<T, R> {
    /// Starts the task that calls `write` with at most `max_batch` items at a time; `write`
    /// answers one outcome per item, in their order. The task ends when the batcher is dropped.
    pub fn spawn<W, F>(max_batch: usize, write: W) -> Self
    where
        W: Fn(Vec<T>) -> F + Send + 'static,
        F: Future<Output = StoreResult<Vec<R>>> + Send,
    {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job<T, R>>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max_batch);
            while jobs.recv_many(&mut batch, max_batch).await > 0 {
                let (items, waiters): (Vec<T>, Vec<_>) = batch.drain(..).unzip();
                // A write that panics fails its own batch, not every later one: the task lives
                // on, where a panic used to end it and leave every token request at 503.
                let written = AssertUnwindSafe(write(items)).catch_unwind().await.unwrap_or_else(|panic| Err(panicked(panic.as_ref())));
                let written = written.and_then(|outcomes| {
                    let answered = outcomes.len();
                    (answered == waiters.len())
                        .then_some(outcomes)
                        .ok_or_else(|| StoreError::Backend(format!("a batch of {} answered {answered} outcomes", waiters.len()).into()))
                });
                // A caller that went away (its request timed out) needs no answer.
                match written {
                    Ok(outcomes) => {
                        for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                            let _ = waiter.send(Ok(outcome));
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, batch = waiters.len(), "a batched write failed");
                        for waiter in waiters {
                            let _ = waiter.send(Err(shared_error(&error)));
                        }
                    }
                }
            }
        });
        Batcher { queue }
    }

    /// Queues `item` and waits until the batch that holds it is written: its outcome.
    pub async fn write(&self, item: T) -> StoreResult<R> {
        let (done, written) = oneshot::channel();
        let gone = || StoreError::Unavailable("the batch writer has stopped".into());
        self.queue.send((item, done)).map_err(|_| gone())?;
        written.await.map_err(|_| gone())?
    }
}

/// A batch whose write panicked: a bug, reported as a backend error (500) with the panic's text.
fn panicked(panic: &(dyn std::any::Any + Send)) -> StoreError {
    let message = panic.downcast_ref::<&str>().map(|text| text.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
    StoreError::Backend(format!("the batched write panicked: {}", message.as_deref().unwrap_or("no message")).into())
}

/// The error of a batch, for each of its callers: same kind, the cause as text.
fn shared_error(error: &StoreError) -> StoreError {
    let cause = error.to_string() + &std::error::Error::source(error).map(|source| format!(": {source}")).unwrap_or_default();
    match error {
        StoreError::NotFound(what) => StoreError::NotFound(what.clone()),
        StoreError::Conflict(what) => StoreError::Conflict(what.clone()),
        StoreError::PreconditionFailed => StoreError::PreconditionFailed,
        StoreError::Unavailable(_) => StoreError::Unavailable(cause.into()),
        StoreError::Backend(_) => StoreError::Backend(cause.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Every caller's item is written exactly once, in batches no larger than the limit, and
    /// calls made together share batches.
    #[tokio::test]
    async fn concurrent_writes_share_batches() {
        let batches: Arc<Mutex<Vec<Vec<u32>>>> = Arc::default();
        let seen = batches.clone();
        let batcher = Arc::new(Batcher::spawn(8, move |items: Vec<u32>| {
            let seen = seen.clone();
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                let answers = items.iter().map(|item| item * 2).collect();
                seen.lock().unwrap().push(items);
                Ok(answers)
            }
        }));
        let calls: Vec<_> = (0..100)
            .map(|n| {
                tokio::spawn({
                    let batcher = batcher.clone();
                    async move { batcher.write(n).await }
                })
            })
            .collect();
        for (n, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap().unwrap(), n as u32 * 2, "each caller gets its own item's outcome");
        }
        let batches = batches.lock().unwrap();
        let mut written: Vec<u32> = batches.iter().flatten().copied().collect();
        written.sort_unstable();
        assert_eq!(written, (0..100).collect::<Vec<_>>());
        assert!(batches.iter().all(|batch| batch.len() <= 8));
        assert!(batches.len() < 50, "100 concurrent writes in {} batches", batches.len());
    }

    /// A panicking write fails its batch's callers with a backend error, and the next batch
    /// is written: the writer does not die with it.
    #[tokio::test]
    async fn a_panicking_write_fails_its_batch_and_the_next_one_is_written() {
        let written: Arc<Mutex<Vec<u32>>> = Arc::default();
        let seen = written.clone();
        let batcher = Batcher::spawn(1, move |items: Vec<u32>| {
            let seen = seen.clone();
            async move {
                assert!(!items.contains(&13), "unlucky item");
                let answers = vec![(); items.len()];
                seen.lock().unwrap().extend(items);
                Ok(answers)
            }
        });
        let failed = batcher.write(13).await;
        assert!(matches!(&failed, Err(StoreError::Backend(cause)) if cause.to_string().contains("unlucky item")), "{failed:?}");
        batcher.write(14).await.unwrap();
        assert_eq!(*written.lock().unwrap(), vec![14]);
    }

    #[tokio::test]
    async fn every_caller_of_a_failed_batch_gets_its_error() {
        let batcher =
            Batcher::spawn(4, |_: Vec<u32>| async { StoreResult::<Vec<()>>::Err(StoreError::Unavailable("database down".into())) });
        let failed = batcher.write(1).await;
        assert!(matches!(&failed, Err(StoreError::Unavailable(cause)) if cause.to_string().contains("database down")), "{failed:?}");
    }

    /// A write that answers for fewer items than it was given fails them all, rather than
    /// leaving some callers without an answer.
    #[tokio::test]
    async fn a_write_that_answers_too_few_outcomes_fails_its_batch() {
        let batcher = Batcher::spawn(4, |_: Vec<u32>| async { Ok(Vec::<()>::new()) });
        let failed = batcher.write(1).await;
        assert!(matches!(&failed, Err(StoreError::Backend(cause)) if cause.to_string().contains("answered 0 outcomes")), "{failed:?}");
    }
}
