//! Checks a JSON value against the order schema of contract §5 and reports every problem
//! with its field path, so that an import can name all of them at once.

use serde_json::{Map, Value};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::calendar_date;
use super::instant::{MAX_YEAR, MIN_YEAR, year_in_range};
use super::order::Order;

/// One thing wrong with one order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Dotted path of the offending field, with array indexes (`appointments[2].start`);
    /// empty for the order as a whole.
    pub path: String,
    pub message: String,
}

/// The longest order id accepted.
pub const MAX_ID_CHARS: usize = 100;

enum Shape {
    Text,
    Id,
    DateTime,
    Date,
    Country,
    OneOf(&'static [&'static str]),
    Object(&'static [Member]),
    Array(&'static Shape),
}

struct Member {
    name: &'static str,
    shape: Shape,
    required: bool,
}

const fn optional(name: &'static str, shape: Shape) -> Member {
    Member { name, shape, required: false }
}

const fn required(name: &'static str, shape: Shape) -> Member {
    Member { name, shape, required: true }
}

static CONTACT: &[Member] = &[optional("name", Shape::Text), optional("email", Shape::Text), optional("phone", Shape::Text)];
static ADDRESS: &[Member] = &[
    optional("street", Shape::Text),
    optional("postalCode", Shape::Text),
    optional("city", Shape::Text),
    optional("country", Shape::Country),
];
static APPOINTMENT: Shape = Shape::Object(&[
    optional("id", Shape::Text),
    optional("type", Shape::OneOf(&["Survey", "Installation", "Delivery", "Test"])),
    optional("status", Shape::OneOf(&["Planned", "Done", "Cancelled", "Rescheduled"])),
    optional("start", Shape::DateTime),
    optional("end", Shape::DateTime),
    optional("comment", Shape::Text),
]);
static MILESTONE: Shape = Shape::Object(&[
    optional("name", Shape::Text),
    optional("status", Shape::OneOf(&["Pending", "Done"])),
    optional("date", Shape::DateTime),
]);
static ORDER: &[Member] = &[
    required("id", Shape::Id),
    required("status", Shape::OneOf(&["Current", "Closed"])),
    required("orderDate", Shape::DateTime),
    optional("lastUpdateDate", Shape::DateTime),
    optional("expectedCompletionDate", Shape::Date),
    optional("completionDate", Shape::DateTime),
    optional("action", Shape::OneOf(&["Add", "Modify", "Move", "Cease"])),
    optional("product", Shape::Object(&[optional("code", Shape::Text), optional("name", Shape::Text)])),
    optional(
        "site",
        Shape::Object(&[optional("id", Shape::Text), optional("name", Shape::Text), optional("address", Shape::Object(ADDRESS))]),
    ),
    required(
        "request",
        Shape::Object(&[
            required("id", Shape::Text),
            optional("customerReference", Shape::Text),
            optional("status", Shape::Text),
            optional("orangeContact", Shape::Object(CONTACT)),
        ]),
    ),
    optional("appointments", Shape::Array(&APPOINTMENT)),
    optional("milestones", Shape::Array(&MILESTONE)),
];

/// Reads one order from JSON, reporting every problem found rather than the first.
/// Date-times are normalized to UTC.
pub fn parse_order(value: Value) -> Result<Order, Vec<Problem>> {
    let mut problems = Vec::new();
    match &value {
        Value::Object(members) => check_object(members, ORDER, "", &mut problems),
        other => problems.push(problem("", format!("an order must be a JSON object, not {}", kind_of(other)))),
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value::<Order>(value).map(Order::normalized).map_err(|error| vec![problem("", format!("not a valid order: {error}"))])
}

fn check_object(members: &Map<String, Value>, schema: &[Member], path: &str, problems: &mut Vec<Problem>) {
    for name in members.keys() {
        if !schema.iter().any(|member| member.name == name) {
            let allowed: Vec<&str> = schema.iter().map(|member| member.name).collect();
            problems
                .push(problem(&join(path, name), format!("unknown field; an order holds only these fields here: {}", allowed.join(", "))));
        }
    }
    for member in schema {
        let member_path = join(path, member.name);
        match members.get(member.name) {
            None | Some(Value::Null) if member.required => {
                problems.push(problem(&member_path, "is required".to_owned()));
            }
            None | Some(Value::Null) => {}
            Some(value) => check_value(value, &member.shape, &member_path, problems),
        }
    }
}

fn check_value(value: &Value, shape: &Shape, path: &str, problems: &mut Vec<Problem>) {
    match (shape, value) {
        (Shape::Object(schema), Value::Object(members)) => check_object(members, schema, path, problems),
        (Shape::Object(_), other) => problems.push(problem(path, format!("must be an object, not {}", kind_of(other)))),
        (Shape::Array(element), Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                check_value(item, element, &format!("{path}[{index}]"), problems);
            }
        }
        (Shape::Array(_), other) => problems.push(problem(path, format!("must be an array, not {}", kind_of(other)))),
        (_, Value::String(text)) => {
            if let Some(message) = check_text(text, shape) {
                problems.push(problem(path, message));
            }
        }
        (_, other) => problems.push(problem(path, format!("must be a string, not {}", kind_of(other)))),
    }
}

fn check_text(text: &str, shape: &Shape) -> Option<String> {
    if text.contains('\0') {
        // PostgreSQL text cannot hold it, and no order needs it.
        return Some("must not contain the NUL character (U+0000)".to_owned());
    }
    match shape {
        Shape::Text => None,
        Shape::Id if text.is_empty() => Some("must not be empty".to_owned()),
        Shape::Id if text.chars().count() > MAX_ID_CHARS => Some(format!("must be at most {MAX_ID_CHARS} characters")),
        Shape::Id if text.chars().any(char::is_control) => Some("must not contain control characters".to_owned()),
        Shape::Id => None,
        Shape::DateTime => match OffsetDateTime::parse(text, &Rfc3339) {
            Ok(value) if year_in_range(value.year()) => None,
            Ok(_) => Some(format!("{text:?} lies outside the years {MIN_YEAR} to {MAX_YEAR}")),
            Err(_) => Some(format!("{text:?} is not an RFC 3339 date-time such as 2026-03-01T09:30:00Z")),
        },
        Shape::Date => match calendar_date::parse(text) {
            Some(date) if year_in_range(date.year()) => None,
            Some(_) => Some(format!("{text:?} lies outside the years {MIN_YEAR} to {MAX_YEAR}")),
            None => Some(format!("{text:?} is not a date written YYYY-MM-DD")),
        },
        Shape::Country if text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()) => None,
        Shape::Country => Some(format!("{text:?} is not an ISO 3166-1 alpha-2 country code such as FR")),
        Shape::OneOf(allowed) if allowed.contains(&text) => None,
        Shape::OneOf(allowed) => Some(format!("{text:?} is not one of {}", allowed.join(", "))),
        Shape::Object(_) | Shape::Array(_) => unreachable!("containers are checked by check_value"),
    }
}

fn problem(path: &str, message: String) -> Problem {
    Problem { path: path.to_owned(), message }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({"id": "1", "status": "Current", "orderDate": "2026-03-01T10:00:00+02:00", "request": {"id": "3-1"}})
    }

    #[test]
    fn a_minimal_order_parses_and_moves_to_utc() {
        let order = parse_order(minimal()).unwrap();
        assert_eq!(
            order.to_document().as_str(),
            r#"{"id":"1","status":"Current","orderDate":"2026-03-01T08:00:00Z","request":{"id":"3-1"}}"#
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let value = json!({
            "status": "Open",
            "orderDate": "yesterday",
            "colour": "red",
            "site": {"address": {"country": "France"}},
            "request": {},
            "appointments": [{"type": "Survey"}, {"start": 5}],
        });
        let problems = parse_order(value).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(
            parse_order(json!({"id": "1", "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "request": {"id": "3\u{0}"}})).is_err()
        );
        assert_eq!(paths, ["colour", "id", "status", "orderDate", "site.address.country", "request.id", "appointments[1].start"]);
    }

    #[test]
    fn a_full_order_round_trips() {
        let value = json!({
            "id": "123456", "status": "Closed", "orderDate": "2026-01-02T03:04:05.5Z",
            "lastUpdateDate": "2026-02-02T03:04:05Z", "expectedCompletionDate": "2026-03-01",
            "completionDate": "2026-02-28T12:00:00Z", "action": "Add",
            "product": {"code": "BVPN", "name": "Business VPN"},
            "site": {"id": "S1", "name": "Siège", "address": {"street": "1 rue X", "postalCode": "75001", "city": "Paris", "country": "FR"}},
            "request": {"id": "3-0000001", "customerReference": "PO-1", "status": "Completed",
                        "orangeContact": {"name": "A", "email": "a@b.fr", "phone": "+33 1 00 00 00 00"}},
            "appointments": [{"id": "A1", "type": "Survey", "status": "Done", "start": "2026-01-10T08:00:00Z", "end": "2026-01-10T10:00:00Z", "comment": "ok"}],
            "milestones": [{"name": "Ordered", "status": "Done", "date": "2026-01-02T03:04:05Z"}]
        });
        let order = parse_order(value.clone()).unwrap();
        let back: Value = serde_json::from_str(order.to_document().as_str()).unwrap();
        assert_eq!(back, value);
    }
}
