//! Whether one order document satisfies a query's filters, in Rust: for what is checked order by
//! order rather than found by SQL or the list indexes (events of the feed and the hub, #31).
//! Contract §6: text compares by code point, dates and date-times as instants; on an array path
//! some element must satisfy the filter; a missing field (or `null`) satisfies none, `ne` included.

use serde_json::Value as Json;

use super::order_query::{Filter, Op, Value};
use crate::domain::catalogue::{Container, FieldKind};
use crate::domain::instant::parse_instant;

/// Whether `order` (a document as stored or served) satisfies every filter.
pub fn matches_all(filters: &[Filter], order: &Json) -> bool {
    filters.iter().all(|filter| matches(filter, order))
}

fn matches(filter: &Filter, order: &Json) -> bool {
    let path = filter.field.path;
    match filter.field.container {
        Container::Order => leaf(order, path).is_some_and(|text| holds(filter, text)),
        Container::Appointments | Container::Milestones => {
            let (array, member) = path.split_once('.').expect("an array field's path names its array first");
            let elements = order.get(array).and_then(Json::as_array).map(Vec::as_slice).unwrap_or_default();
            elements.iter().any(|element| leaf(element, member).is_some_and(|text| holds(filter, text)))
        }
    }
}

/// The text at a dotted path; `None` when absent, `null` or not text.
fn leaf<'a>(object: &'a Json, path: &str) -> Option<&'a str> {
    path.split('.').try_fold(object, |value, key| value.get(key))?.as_str()
}

/// Whether one value of the field satisfies the filter, read as the field's kind reads it.
fn holds(filter: &Filter, text: &str) -> bool {
    let value = match filter.field.kind {
        FieldKind::Text => Value::Text(text.to_owned()),
        FieldKind::DateTime | FieldKind::Date => match parse_instant(text) {
            Some(instant) => Value::Instant(instant),
            None => return false,
        },
    };
    let first = || &filter.values[0];
    match filter.op {
        Op::Eq => filter.values.contains(&value),
        Op::Ne => !filter.values.contains(&value),
        Op::Gt => compare(&value, first()).is_some_and(|order| order.is_gt()),
        Op::Gte => compare(&value, first()).is_some_and(|order| order.is_ge()),
        Op::Lt => compare(&value, first()).is_some_and(|order| order.is_lt()),
        Op::Lte => compare(&value, first()).is_some_and(|order| order.is_le()),
    }
}

/// Text by code point (the byte order of UTF-8), instants as numbers; never across kinds.
fn compare(value: &Value, probe: &Value) -> Option<std::cmp::Ordering> {
    match (value, probe) {
        (Value::Text(value), Value::Text(probe)) => Some(value.as_str().cmp(probe.as_str())),
        (Value::Instant(value), Value::Instant(probe)) => Some(value.cmp(probe)),
        _ => None,
    }
}
