//! What every output format implements, and what they share.

use std::io;

use order_tracking_client::Order;

/// Receives the pages of a list, then its end.
pub trait Sink {
    fn page(&mut self, orders: &[Order]) -> io::Result<()>;
    /// `shown` orders were printed out of `total` matching.
    fn finish(&mut self, shown: u64, total: Option<u64>) -> io::Result<()>;
}

/// Whether a column (a dotted path) belongs to the `--fields` selection; none selects all.
pub fn selected(path: &str, fields: &[String]) -> bool {
    let top = path.split('.').next().unwrap_or(path);
    fields.is_empty() || top == "id" || fields.iter().any(|field| field == top)
}

pub fn to_json(order: &Order) -> serde_json::Value {
    serde_json::to_value(order).expect("an order serializes")
}
