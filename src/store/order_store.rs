//! The customers' orders: imports in, lists and documents out.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::domain::order::{Order, OrderDocument};
use crate::query::OrderQuery;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// Orders that did not exist before.
    pub created: u64,
    /// Orders that existed, replaced.
    pub updated: u64,
}

/// What a write of one order requires of the stored one, given its document (`None`: there is
/// no such order): `If-Match`. Checked inside the write's transaction, so that two writers with
/// the same expectation cannot both pass. Owned: a write may wait for others to join its commit.
pub type Precondition = Box<dyn Fn(Option<&str>) -> bool + Send + Sync>;

/// One page of a list, and how many orders match in all.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub total: u64,
    pub orders: Vec<OrderDocument>,
}

/// Every method takes the customer, so no caller can forget the tenant.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Creates or replaces (by id) every order, all or nothing, and records each change.
    async fn import_orders(&self, customer_id: &str, orders: Vec<Order>) -> StoreResult<ImportSummary>;
    /// Creates or replaces one order, as an import of it would, if `precondition` (when given)
    /// holds of the stored one; else `PreconditionFailed` and nothing written. Meant for a
    /// stream of small writes: none of an import's upkeep follows it, and concurrent ones may
    /// share a transaction (each checked and answered as if written alone, in turn).
    async fn put_order(&self, customer_id: &str, order: Order, precondition: Option<Precondition>) -> StoreResult<ImportSummary>;
    /// Deletes one order and records its `OrderDeleteEvent`, if `precondition` holds; `false`
    /// when the customer has no such order.
    async fn delete_order(&self, customer_id: &str, order_id: &str, precondition: Option<Precondition>) -> StoreResult<bool>;
    /// A page of the customer's orders and their total. `known_version` is the customer's orders
    /// version as the caller read it (with its credentials), if it did: the page may then be
    /// found as at that version without reading it again, as if listed a moment earlier.
    async fn list_orders(&self, customer_id: &str, query: &OrderQuery, known_version: Option<i64>) -> StoreResult<OrderPage>;
    async fn get_order(&self, customer_id: &str, order_id: &str) -> StoreResult<Option<OrderDocument>>;
    async fn count_orders(&self, customer_id: &str) -> StoreResult<u64>;
}
