//! The customers' order events: what imports recorded, read in sequence order (issue #31).

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::StoreResult;
use crate::domain::events::{EventType, OrderEvent};

/// Every method that reads takes the customer, so no caller can forget the tenant.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// The customer's events whose sequence is above `after`, in sequence order, at most
    /// `limit`, of the given types (every type when empty).
    async fn list_events(&self, customer_id: &str, after: i64, limit: u32, types: &[EventType]) -> StoreResult<Vec<OrderEvent>>;
    /// Deletes every customer's events recorded before `before`, and the webhook deliveries that
    /// ended before it or lost their event; returns how many events went.
    async fn purge_events(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// The sequence of the customer's latest event; 0 when it has none. A reader that starts
    /// after it sees only what comes next.
    async fn latest_event_sequence(&self, customer_id: &str) -> StoreResult<i64>;
    /// How many events of each type were ever recorded, every customer's (purged ones too).
    async fn recorded_events(&self) -> StoreResult<Vec<(EventType, u64)>>;
}
