//! The notification hub's subscriptions and their webhook deliveries (issue #31).

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::StoreResult;

/// A subscription about to be stored; its id and numbers are the store's to give.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub customer_id: String,
    pub callback: String,
    /// The event query as given (`eventType=…&status=…`), already checked.
    pub query: String,
    pub secret: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
    Disabled,
}

impl SubscriptionStatus {
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Disabled => "disabled",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [SubscriptionStatus::Active, SubscriptionStatus::Disabled].into_iter().find(|status| status.name() == name)
    }
}

/// A stored subscription, with what its deliveries did so far.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub customer_id: String,
    pub callback: String,
    pub query: String,
    pub status: SubscriptionStatus,
    pub created_at: OffsetDateTime,
    pub secret: String,
    /// The secret before the last rotation, and until when it still signs.
    pub previous_secret: Option<(String, OffsetDateTime)>,
    /// The last event sequence whose deliveries were decided.
    pub events_seen: i64,
    pub delivered: i64,
    pub failed: i64,
    /// When the last attempt ended, and how (`delivered`, or what failed).
    pub last_delivery: Option<(OffsetDateTime, String)>,
}

/// The secrets that sign a delivery at `now`: the current one, then the previous one while it
/// still signs.
pub fn signing_secrets(secret: String, previous: Option<(String, OffsetDateTime)>, now: OffsetDateTime) -> Vec<String> {
    std::iter::once(secret).chain(previous.filter(|(_, until)| *until > now).map(|(previous, _)| previous)).collect()
}

/// What `admin hub replay` delivers again.
#[derive(Debug, Clone)]
pub enum Replay {
    /// Every event recorded at or after this time that matches the subscription's query.
    Since(OffsetDateTime),
    /// This one event (`evt_…`), whether or not it matches.
    Event(String),
}

/// An event one subscription must deliver.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub sequence: i64,
    pub order_id: String,
}

/// A delivery claimed for one attempt: where it goes, how it is signed, and what it says.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub subscription_id: String,
    pub sequence: i64,
    /// The same for every attempt (`webhook-id`).
    pub webhook_id: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub callback: String,
    /// The secrets that sign it: the current one, then the previous one while it still signs.
    pub secrets: Vec<String>,
    /// The event's JSON body.
    pub body: String,
}

/// What one attempt decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered,
    /// Attempt again at this time.
    RetryAt(OffsetDateTime),
    /// No attempt is left.
    Failed,
    /// The receiver answered 410 Gone: the subscription is disabled.
    Gone,
}

/// The outcome of one attempt, to record.
#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    pub subscription_id: String,
    pub sequence: i64,
    pub attempted_at: OffsetDateTime,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if anything did.
    pub error: Option<String>,
    pub result: DeliveryResult,
}

/// One delivery as the operator's commands list it.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub sequence: i64,
    pub order_id: String,
    pub webhook_id: String,
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub last_attempt_at: Option<OffsetDateTime>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}

/// The customers' subscriptions. Every method that a customer's call reaches takes the customer,
/// so no caller can forget the tenant; the operator's and the deliverer's work across customers.
#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// Stores a subscription that sees the events recorded from now on; `None` when the
    /// customer already holds `at_most`.
    async fn create_subscription(&self, new: NewSubscription, at_most: u32) -> StoreResult<Option<Subscription>>;
    /// The customer's subscriptions (every customer's when `None`), oldest first.
    async fn list_subscriptions(&self, customer_id: Option<&str>) -> StoreResult<Vec<Subscription>>;
    /// One subscription, if it is the customer's (any customer's when `None`).
    async fn find_subscription(&self, customer_id: Option<&str>, id: &str) -> StoreResult<Option<Subscription>>;
    /// Deletes a subscription of the customer, and its deliveries; false if there was none.
    async fn delete_subscription(&self, customer_id: &str, id: &str) -> StoreResult<bool>;
    /// Gives a subscription of the customer a new secret; the old one signs beside it until
    /// `previous_until`.
    async fn rotate_subscription_secret(
        &self,
        customer_id: &str,
        id: &str,
        secret: &str,
        previous_until: OffsetDateTime,
    ) -> StoreResult<Option<Subscription>>;
    /// Enables or disables a subscription; one enabled again sees the events from now on.
    async fn set_subscription_status(&self, id: &str, status: SubscriptionStatus) -> StoreResult<bool>;
    /// The active subscriptions whose customer recorded events after their `events_seen`.
    async fn subscriptions_behind(&self) -> StoreResult<Vec<Subscription>>;
    /// Writes the deliveries a subscription must make of the events up to `events_seen`, and
    /// moves its `events_seen` there, together; a delivery already written is left as it is.
    async fn record_fan_out(&self, subscription_id: &str, deliveries: Vec<NewDelivery>, events_seen: i64) -> StoreResult<()>;
    /// Makes deliveries of a subscription pending again, from their first attempt, with their
    /// `webhook-id`; with [`Replay::Since`], the events of that time that it had not delivered are
    /// fanned out again too. Returns how many deliveries were made pending now.
    async fn replay_deliveries(&self, subscription_id: &str, replay: Replay) -> StoreResult<u64>;
}

/// The webhook deliveries: claimed for an attempt, their outcomes recorded.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Claims up to `limit` deliveries due at `now` until `lease_until`: of each order, for each
    /// subscription, only the earliest that has not yet been attempted, so that an order's events
    /// arrive in sequence order while deliveries succeed.
    async fn claim_deliveries(&self, now: OffsetDateTime, lease_until: OffsetDateTime, limit: u32) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records attempts' outcomes; a subscription whose deliveries have failed since before
    /// `disable_failing_before` is disabled.
    async fn record_deliveries(&self, outcomes: Vec<DeliveryOutcome>, disable_failing_before: OffsetDateTime) -> StoreResult<()>;
    /// A subscription's deliveries, latest first, at most `limit`; only the failed ones if asked.
    async fn list_deliveries(&self, subscription_id: &str, failed_only: bool, limit: u32) -> StoreResult<Vec<DeliveryRecord>>;
    /// Refreshes what the database knows of the deliveries' table after many were written.
    async fn refresh_delivery_statistics(&self) -> StoreResult<()>;
    /// How many deliveries of active subscriptions are pending (a disabled one's wait for it to
    /// be enabled), and the earliest time one was due.
    async fn pending_deliveries(&self) -> StoreResult<(u64, Option<OffsetDateTime>)>;
    /// Wakes `wake` each time another connection or process commits events, where the backend
    /// can say so (PostgreSQL's `LISTEN`); returns false where it cannot, and the caller polls.
    async fn notify_on_events(&self, wake: std::sync::Arc<tokio::sync::Notify>) -> StoreResult<bool>;
}
