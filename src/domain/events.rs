//! Order changes as events (issue #31): what kind of change a new document makes to a stored one,
//! and which of its fields changed. Nothing here knows about storage or delivery.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::order::OrderDocument;

/// The kind of an event, as TM Forum names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// An order id the customer did not have.
    OrderCreate,
    /// `status` or `request.status` changed.
    OrderStateChange,
    /// Anything else changed.
    OrderAttributeValueChange,
    /// The order was deleted; the event holds it as it was.
    OrderDelete,
}

impl EventType {
    pub const ALL: [EventType; 4] =
        [EventType::OrderCreate, EventType::OrderStateChange, EventType::OrderAttributeValueChange, EventType::OrderDelete];

    /// Its name in an event's `eventType` and in `eventType=` filters.
    pub fn name(self) -> &'static str {
        match self {
            EventType::OrderCreate => "OrderCreateEvent",
            EventType::OrderStateChange => "OrderStateChangeEvent",
            EventType::OrderAttributeValueChange => "OrderAttributeValueChangeEvent",
            EventType::OrderDelete => "OrderDeleteEvent",
        }
    }

    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The kind of a change to a stored order whose `changed` fields differ.
    pub fn of_change(changed: &[String]) -> EventType {
        match changed.iter().any(|path| path == "status" || path == "request.status") {
            true => EventType::OrderStateChange,
            false => EventType::OrderAttributeValueChange,
        }
    }
}

/// One recorded change of one order, as the feed and the webhooks send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub event_id: String,
    pub event_time: OffsetDateTime,
    pub event_type: EventType,
    /// Grows by one with each event of the same customer, in commit order.
    pub sequence: i64,
    pub changed_fields: Vec<String>,
    /// The whole order after the change.
    pub order: OrderDocument,
}

impl OrderEvent {
    /// The TM Forum-style body: `{"eventId", "eventTime", "eventType", "sequence",
    /// "changedFields", "event": {"order": …}}`, the order embedded as it is stored.
    pub fn to_json(&self) -> String {
        let time = self.event_time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let head = serde_json::json!({
            "eventId": self.event_id,
            "eventTime": time,
            "eventType": self.event_type.name(),
            "sequence": self.sequence,
            "changedFields": self.changed_fields,
        })
        .to_string();
        // The order is already JSON: spliced in rather than parsed and written again.
        format!("{},\"event\":{{\"order\":{}}}}}", &head[..head.len() - 1], self.order.as_str())
    }
}

/// The dotted paths at which two order documents differ, sorted: objects are compared member by
/// member down to their leaves, an array (`appointments`, `milestones`) as a whole, and `null`
/// counts as absent, as it does everywhere else (contract §5), so does an object of nulls.
pub fn changed_fields(stored: &Value, new: &Value) -> Vec<String> {
    let mut changed = Vec::new();
    differences("", stored, new, &mut changed);
    changed.sort();
    changed
}

fn differences(path: &str, stored: &Value, new: &Value, changed: &mut Vec<String>) {
    let empty = Map::new();
    if is_absent(stored) && is_absent(new) {
        return;
    }
    match (as_object(stored, &empty), as_object(new, &empty)) {
        (Some(stored), Some(new)) => {
            for key in stored.keys().chain(new.keys().filter(|key| !stored.contains_key(*key))) {
                let member = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                differences(&member, stored.get(key).unwrap_or(&Value::Null), new.get(key).unwrap_or(&Value::Null), changed);
            }
        }
        _ if stored == new => {}
        _ => changed.push(path.to_owned()),
    }
}

/// An object as it is, or an absent value as an empty object; `None` for anything else.
fn as_object<'a>(value: &'a Value, empty: &'a Map<String, Value>) -> Option<&'a Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        _ if is_absent(value) => Some(empty),
        _ => None,
    }
}

fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.values().all(is_absent),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn members_are_compared_by_path_and_arrays_whole() {
        let stored = json!({"id": "1", "status": "Current", "site": {"address": {"city": "Lyon", "street": "a"}},
                            "appointments": [{"id": "A", "status": "Planned"}], "action": null});
        let new = json!({"id": "1", "status": "Closed", "site": {"address": {"city": "Paris", "street": "a"}},
                         "appointments": [{"id": "A", "status": "Done"}], "product": {"code": "X"}});
        assert_eq!(changed_fields(&stored, &new), ["appointments", "product.code", "site.address.city", "status"]);
        assert_eq!(changed_fields(&stored, &stored), Vec::<String>::new());
        assert_eq!(changed_fields(&json!({"action": null}), &json!({})), Vec::<String>::new(), "null is absent");
        assert_eq!(changed_fields(&json!({"site": {"name": "a"}}), &json!({"site": null})), ["site.name"], "down to the leaves");
        assert_eq!(changed_fields(&json!({"site": {"name": null}}), &json!({})), Vec::<String>::new(), "an object of nulls is absent");
    }

    #[test]
    fn a_status_change_is_a_state_change_and_anything_else_an_attribute_change() {
        assert_eq!(EventType::of_change(&["request.status".into(), "site.name".into()]), EventType::OrderStateChange);
        assert_eq!(EventType::of_change(&["status".into()]), EventType::OrderStateChange);
        assert_eq!(EventType::of_change(&["request.id".into()]), EventType::OrderAttributeValueChange);
        for kind in EventType::ALL {
            assert_eq!(EventType::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn the_body_embeds_the_order() {
        let event = OrderEvent {
            event_id: "evt_1".into(),
            event_time: time::macros::datetime!(2026-03-01 09:30 UTC),
            event_type: EventType::OrderStateChange,
            sequence: 7,
            changed_fields: vec!["status".into()],
            order: OrderDocument(r#"{"id":"1","status":"Closed"}"#.into()),
        };
        let body: Value = serde_json::from_str(&event.to_json()).unwrap();
        assert_eq!(
            body,
            json!({"eventId": "evt_1", "eventTime": "2026-03-01T09:30:00Z", "eventType": "OrderStateChangeEvent",
                   "sequence": 7, "changedFields": ["status"], "event": {"order": {"id": "1", "status": "Closed"}}})
        );
    }

    /// Leaves of a document, by dotted path (arrays as leaves, nulls dropped): the oracle.
    fn leaves(value: &Value, path: &str, out: &mut std::collections::BTreeMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (key, member) in map {
                    let member_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    leaves(member, &member_path, out);
                }
            }
            Value::Null => {}
            other => {
                out.insert(path.to_owned(), other.clone());
            }
        }
    }

    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![Just(Value::Null), "[ab]{0,2}".prop_map(Value::from), Just(json!([1])), Just(json!([]))];
        // Objects three deep, as an order's `site.address.city` is.
        let member = leaf.prop_recursive(3, 24, 3, |inner| {
            prop::collection::btree_map("[xy]", inner, 0..3).prop_map(|map| Value::Object(map.into_iter().collect()))
        });
        prop::collection::btree_map("[abc]", member, 0..4).prop_map(|map| Value::Object(map.into_iter().collect()))
    }

    proptest! {
        /// Every leaf path whose value differs is reported, or its parent where a leaf and an
        /// object meet at one path; nothing else.
        #[test]
        fn changed_fields_match_a_diff_of_leaves(stored in document(), new in document()) {
            let changed = changed_fields(&stored, &new);
            let (mut before, mut after) = (Default::default(), Default::default());
            leaves(&stored, "", &mut before);
            leaves(&new, "", &mut after);
            let differing: std::collections::BTreeSet<&String> =
                before.keys().chain(after.keys()).filter(|path| before.get(*path) != after.get(*path)).collect();
            for path in &differing {
                prop_assert!(changed.iter().any(|field| *path == field || path.starts_with(&format!("{field}."))), "{path} not reported in {changed:?}");
            }
            for field in &changed {
                // A path above the leaves only where a leaf on one side meets an object on the other.
                let leaf_on_one_side = before.contains_key(field) || after.contains_key(field);
                prop_assert!(
                    differing.contains(field) || (leaf_on_one_side && differing.iter().any(|path| path.starts_with(&format!("{field}.")))),
                    "{field} reported, not a differing leaf"
                );
            }
            prop_assert_eq!(changed.is_empty(), before == after);
        }
    }
}
