//! The list's free text (`q=`): orders whose id or `request.customerReference` contains it,
//! without regard to case, among those the rest of the query selects, in its order. The API's
//! query language has no such operator, so `q` is the portal's own parameter: the store lists
//! the query's orders a thousand at a time and the text is looked for in each.

use crate::domain::order::Order;
use crate::query::OrderQuery;
use crate::store::{OrderPage, OrderStore, StoreResult};

/// The portal's own parameter, which the query sent to the store leaves out.
pub const TEXT_PARAMETER: &str = "q";

/// Orders read from the store at a time.
pub const BATCH: u64 = 1000;

/// Whether the order's id or reference contains `text` (already lower-cased).
pub fn matches(order: &Order, text: &str) -> bool {
    order.id.to_lowercase().contains(text)
        || order.request.customer_reference.as_deref().is_some_and(|reference| reference.to_lowercase().contains(text))
}

/// The page `query` asks for among the orders that match `text`, and how many match in all.
pub async fn search(store: &dyn OrderStore, customer_id: &str, query: &OrderQuery, text: &str) -> StoreResult<OrderPage> {
    let text = text.trim().to_lowercase();
    let (mut offset, mut total, mut orders) = (0, 0u64, Vec::new());
    loop {
        let batch = OrderQuery { offset, limit: BATCH, fields: None, ..query.clone() };
        let page = store.list_orders(customer_id, &batch, None).await?;
        for document in &page.orders {
            let Ok(order) = serde_json::from_str::<Order>(document.as_str()) else { continue };
            if matches(&order, &text) {
                if total >= query.offset && (orders.len() as u64) < query.limit {
                    orders.push(document.clone());
                }
                total += 1;
            }
        }
        offset += BATCH;
        if offset >= page.total || page.orders.is_empty() {
            return Ok(OrderPage { total, orders });
        }
    }
}
