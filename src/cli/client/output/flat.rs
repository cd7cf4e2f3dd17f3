//! Orders as flat `path -> text` maps: cells of tables and CSV, and the changes `watch` prints.

use std::collections::BTreeMap;

use serde_json::Value;

/// The value at a dotted path (`site.address.city`), outside arrays.
pub fn at<'a>(order: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(order, |value, segment| value.get(segment)).filter(|value| !value.is_null())
}

/// A value as one cell: strings as they are, anything else as JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Every scalar of the order by path; array elements are named by their `id`, else their
/// `name`, else their position: `appointments[A1].status`, `milestones[Order received].date`.
pub fn leaves(order: &Value) -> BTreeMap<String, String> {
    let mut leaves = BTreeMap::new();
    collect(order, String::new(), &mut leaves);
    leaves
}

fn collect(value: &Value, path: String, leaves: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                let path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                collect(member, path, leaves);
            }
        }
        Value::Array(elements) => {
            for (index, element) in elements.iter().enumerate() {
                let key = ["id", "name"]
                    .iter()
                    .find_map(|name| element.get(name).and_then(Value::as_str))
                    .map_or_else(|| index.to_string(), str::to_owned);
                collect(element, format!("{path}[{key}]"), leaves);
            }
        }
        Value::Null => {}
        scalar => {
            leaves.insert(path, cell(scalar));
        }
    }
}

/// One field that differs between two versions of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What differs from `before` to `after`, by path.
pub fn changes(before: &Value, after: &Value) -> Vec<Change> {
    let before = leaves(before);
    let mut after = leaves(after);
    let mut changes = Vec::new();
    for (path, old) in before {
        match after.remove(&path) {
            Some(new) if new == old => {}
            new => changes.push(Change { path, before: Some(old), after: new }),
        }
    }
    changes.extend(after.into_iter().map(|(path, new)| Change { path, before: None, after: Some(new) }));
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// `1234567` as `1,234,567`.
pub fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn thousands_are_separated() {
        for (number, text) in [(0, "0"), (20, "20"), (999, "999"), (1234, "1,234"), (1_000_000, "1,000,000")] {
            assert_eq!(thousands(number), text);
        }
    }

    #[test]
    fn changes_name_array_elements_by_id_or_name() {
        let before = json!({"id": "1", "status": "Current", "appointments": [{"id": "A1", "status": "Planned"}],
                            "milestones": [{"name": "Survey", "status": "Pending"}], "site": {"name": "HQ"}});
        let after = json!({"id": "1", "status": "Closed", "appointments": [{"id": "A1", "status": "Done"}],
                           "milestones": [{"name": "Survey", "status": "Done", "date": "2026-03-05T10:00:00Z"}]});
        let shown: Vec<String> =
            changes(&before, &after).iter().map(|change| format!("{}: {:?} -> {:?}", change.path, change.before, change.after)).collect();
        assert_eq!(
            shown,
            [
                r#"appointments[A1].status: Some("Planned") -> Some("Done")"#,
                r#"milestones[Survey].date: None -> Some("2026-03-05T10:00:00Z")"#,
                r#"milestones[Survey].status: Some("Pending") -> Some("Done")"#,
                r#"site.name: Some("HQ") -> None"#,
                r#"status: Some("Current") -> Some("Closed")"#,
            ]
        );
        assert!(changes(&before, &before).is_empty());
    }
}
