//! A list query once parsed: typed filters, sort keys, paging and the fields to return.

use crate::domain::catalogue::Field;

/// A comparison operator of a filter: the client library's, so that both ends of the API name
/// the same operators.
pub use order_tracking_client::Op;

/// A value to compare a field with: text for text fields, an instant (nanoseconds since the
/// epoch) for dates and date-times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Instant(i64),
}

/// `field op value(s)`. With several values, `eq` holds when the field equals any of them and
/// `ne` when it equals none. On an array field, the filter holds when some element satisfies it.
/// A missing field satisfies no filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub field: &'static Field,
    pub op: Op,
    pub values: Vec<Value>,
}

impl Filter {
    /// The values as texts; `None` when one is an instant (a filter on a date field).
    pub fn texts(&self) -> Option<Vec<&str>> {
        self.values
            .iter()
            .map(|value| match value {
                Value::Text(text) => Some(text.as_str()),
                Value::Instant(_) => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: &'static Field,
    pub descending: bool,
}

/// A validated list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQuery {
    /// All must hold.
    pub filters: Vec<Filter>,
    /// The requested keys; the store always adds `id` ascending as the final tie-break.
    pub sort: Vec<SortKey>,
    pub offset: u64,
    pub limit: u64,
    /// Top-level members to return (always including `id`), or `None` for whole orders.
    pub fields: Option<Vec<&'static str>>,
}
