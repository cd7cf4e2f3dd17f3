//! The deliverer: a background task of every `serve` that turns new events into deliveries for
//! the subscriptions whose query they match (the fan-out), claims the deliveries due, attempts
//! them, and records each outcome. At least once: a delivery is recorded as delivered only after
//! its receiver answered 2xx, and a claim whose deliverer died (SIGKILL) is claimed again when its
//! lease runs out, here or by another instance.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};

use super::event_filter::EventFilter;
use super::schedule::next_wait;
use super::sender::{Attempt, Sender};
use super::settings::WebhookSettings;
use crate::http::metrics::Metrics;
use crate::query::Limits;
use crate::store::{ClaimedDelivery, DeliveryOutcome, DeliveryResult, NewDelivery, Store, StoreError, Subscription};

/// Attempts in flight at once, every host together.
const IN_FLIGHT_AT_MOST: usize = 256;
/// Events read at a time by the fan-out.
const FAN_OUT_CHUNK: u32 = 1000;
/// Deliveries one fan-out pass writes, at least, for the statistics to be refreshed after it,
/// at most once in `STATISTICS_EVERY`.
const STATISTICS_AFTER: usize = 1000;
const STATISTICS_EVERY: Duration = Duration::from_secs(10);
/// Outcomes recorded by one transaction at most.
const RECORD_BATCH: usize = 512;

pub struct Deliverer {
    store: Arc<dyn Store>,
    sender: Arc<Sender>,
    settings: Arc<WebhookSettings>,
    limits: Limits,
    metrics: Arc<Metrics>,
    /// Woken by new events (PostgreSQL's NOTIFY) and by recorded outcomes.
    wake: Arc<Notify>,
    /// When the deliveries' statistics were last refreshed.
    statistics_at: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Deliverer {
    pub fn new(
        store: Arc<dyn Store>,
        sender: Arc<Sender>,
        settings: Arc<WebhookSettings>,
        limits: Limits,
        metrics: Arc<Metrics>,
    ) -> Deliverer {
        Deliverer { store, sender, settings, limits, metrics, wake: Arc::new(Notify::new()), statistics_at: Default::default() }
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        let listening = self.store.notify_on_events(self.wake.clone()).await.unwrap_or(false);
        // Without notifications, a short poll: the two statements it runs read a few rows.
        // With them, the poll is only for retries coming due.
        let poll = if listening { self.settings.poll_every * 4 } else { self.settings.poll_every };
        let in_flight = Arc::new(Semaphore::new(IN_FLIGHT_AT_MOST));
        let (outcomes, recorded) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(record(self.store.clone(), recorded, self.settings.clone(), self.wake.clone()));
        let _stop_recorder = AbortOnDrop(recorder);
        loop {
            if let Err(error) = self.fan_out().await {
                warn("could not look for new events to deliver", &error);
            }
            let claimed = match self.claim(&in_flight).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    warn("could not claim webhook deliveries", &error);
                    Vec::new()
                }
            };
            let busy = !claimed.is_empty();
            for (delivery, permit) in claimed {
                let shared = (self.sender.clone(), self.settings.clone(), self.metrics.clone());
                tokio::spawn(attempt(shared, delivery, permit, outcomes.clone()));
            }
            if !busy {
                let _ = tokio::time::timeout(poll, self.wake.notified()).await;
            }
        }
    }

    /// Writes the deliveries of the events each subscription has not yet looked at.
    async fn fan_out(&self) -> Result<(), StoreError> {
        let mut written = 0;
        for subscription in self.store.subscriptions_behind().await? {
            // None: a stored query that no longer reads (a field left the catalogue) matches nothing.
            let wanted = match query_of(&subscription, self.limits) {
                Ok(wanted) => Some(wanted),
                Err(problem) => {
                    tracing::warn!(subscription = %subscription.id, problem, "a subscription's stored query no longer reads; it matches nothing");
                    None
                }
            };
            let mut seen = subscription.events_seen;
            loop {
                let events = self.store.list_events(&subscription.customer_id, seen, FAN_OUT_CHUNK, &[]).await?;
                let Some(last) = events.last() else { break };
                let last_read = last.sequence;
                let mut deliveries = Vec::new();
                for event in &events {
                    let order: serde_json::Value =
                        serde_json::from_str(event.order.as_str()).map_err(|error| StoreError::Backend(Box::new(error)))?;
                    if wanted.as_ref().is_some_and(|wanted| wanted.matches(event, &order)) {
                        let order_id = order.get("id").and_then(|id| id.as_str()).unwrap_or_default().to_owned();
                        deliveries.push(NewDelivery { sequence: event.sequence, order_id });
                    }
                }
                written += deliveries.len();
                self.store.record_fan_out(&subscription.id, deliveries, last_read).await?;
                seen = last_read;
                if events.len() < FAN_OUT_CHUNK as usize {
                    break;
                }
            }
        }
        if written >= STATISTICS_AFTER && self.statistics_due() {
            self.store.refresh_delivery_statistics().await?;
        }
        Ok(())
    }

    /// Whether the statistics were last refreshed long enough ago, noting that they are now.
    fn statistics_due(&self) -> bool {
        let mut last = self.statistics_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.is_none_or(|at| at.elapsed() >= STATISTICS_EVERY);
        if due {
            *last = Some(std::time::Instant::now());
        }
        due
    }

    /// The deliveries due now, as many as there is room in flight for, each with its permit.
    async fn claim(&self, in_flight: &Arc<Semaphore>) -> Result<Vec<(ClaimedDelivery, OwnedSemaphorePermit)>, StoreError> {
        let room = in_flight.available_permits();
        if room == 0 {
            return Ok(Vec::new());
        }
        let now = OffsetDateTime::now_utc();
        let claimed = self.store.claim_deliveries(now, now + self.settings.lease, u32::try_from(room).unwrap_or(u32::MAX)).await?;
        Ok(claimed
            .into_iter()
            .map(|delivery| (delivery, in_flight.clone().try_acquire_owned().expect("no more claimed than there were permits")))
            .collect())
    }
}

/// The subscription's event query, as stored.
pub fn query_of(subscription: &Subscription, limits: Limits) -> Result<EventFilter, String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(subscription.query.as_bytes()).into_owned().collect();
    EventFilter::parse(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())), limits, &[])
        .map_err(|error| format!("{}: {}", error.parameter, error.problem))
}

/// One attempt, its outcome sent to the recorder with the permit it held.
async fn attempt(
    (sender, settings, metrics): (Arc<Sender>, Arc<WebhookSettings>, Arc<Metrics>),
    delivery: ClaimedDelivery,
    permit: OwnedSemaphorePermit,
    outcomes: mpsc::UnboundedSender<(DeliveryOutcome, OwnedSemaphorePermit)>,
) {
    let started = std::time::Instant::now();
    let attempt = sender.send(&delivery.callback, &delivery.webhook_id, &delivery.secrets, delivery.body).await;
    let attempted_at = OffsetDateTime::now_utc();
    let failed = delivery.attempts + 1;
    let (status, error, result) = match attempt {
        Attempt::Delivered(status) => (Some(status), None, DeliveryResult::Delivered),
        Attempt::Gone => (Some(410), Some("answered 410 Gone: the subscription is disabled".to_owned()), DeliveryResult::Gone),
        Attempt::Failed { status, error, retry_after } => {
            let result = match next_wait(&settings.retry_schedule, failed, retry_after) {
                Some(wait) => DeliveryResult::RetryAt(attempted_at + wait),
                None => DeliveryResult::Failed,
            };
            (status, Some(error), result)
        }
    };
    let result_name = match result {
        DeliveryResult::Delivered => "delivered",
        DeliveryResult::RetryAt(_) => "retried",
        DeliveryResult::Failed => "failed",
        DeliveryResult::Gone => "gone",
    };
    metrics.webhook_attempt(result_name, started.elapsed().as_secs_f64());
    if let Some(error) = &error {
        tracing::info!(subscription = %delivery.subscription_id, webhook_id = %delivery.webhook_id, attempt = failed, error, "webhook delivery failed");
    }
    let outcome =
        DeliveryOutcome { subscription_id: delivery.subscription_id, sequence: delivery.sequence, attempted_at, status, error, result };
    // The recorder stops only with the deliverer: then the lease brings the delivery back.
    let _ = outcomes.send((outcome, permit));
}

/// Records outcomes in batches; each batch's permits are given back once it is committed, and the
/// deliverer woken, since an order's next event may now be claimed.
async fn record(
    store: Arc<dyn Store>,
    mut recorded: mpsc::UnboundedReceiver<(DeliveryOutcome, OwnedSemaphorePermit)>,
    settings: Arc<WebhookSettings>,
    wake: Arc<Notify>,
) {
    let mut batch = Vec::new();
    while recorded.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        let (outcomes, permits): (Vec<DeliveryOutcome>, Vec<OwnedSemaphorePermit>) = batch.drain(..).unzip();
        let disable_before = OffsetDateTime::now_utc() - settings.disable_after;
        // A database that is briefly away must not lose what receivers acknowledged: the leases
        // would bring the deliveries back, but delivered twice.
        while let Err(error) = store.record_deliveries(outcomes.clone(), disable_before).await {
            warn("could not record webhook outcomes; trying again", &error);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        drop(permits);
        wake.notify_one();
    }
}

fn warn(what: &str, error: &StoreError) {
    tracing::warn!(error = %crate::http::error::error_chain(error), "{what}");
}

/// Stops a spawned task with its owner.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
