//! The field catalogue: which paths of an order exist, and which can be filtered, compared,
//! sorted and selected (contract §6). It is the closed set the query language is checked
//! against, and the only source of names that reach SQL.

/// How a field's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Compared by Unicode code point.
    Text,
    /// RFC 3339 date-time, compared chronologically.
    DateTime,
    /// `YYYY-MM-DD`, compared chronologically as the start of the day, UTC.
    Date,
}

/// Where a field lives: on the order itself, or on each element of one of its arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Order,
    Appointments,
    Milestones,
}

/// One scalar leaf of the order.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The dotted path clients use, e.g. `site.address.city`.
    pub path: &'static str,
    pub kind: FieldKind,
    pub container: Container,
    /// A stable snake_case name for the field, which storage backends use as column name.
    pub column: &'static str,
}

impl Field {
    /// Sorting is defined on leaves outside arrays only.
    pub fn sortable(&self) -> bool {
        self.container == Container::Order
    }

    /// Whether every order has this field (contract §5's required fields).
    pub fn always_present(&self) -> bool {
        matches!(self.path, "id" | "status" | "orderDate" | "request.id")
    }
}

const fn field(path: &'static str, kind: FieldKind, container: Container, column: &'static str) -> Field {
    Field { path, kind, container, column }
}

use Container::{Appointments, Milestones, Order};
use FieldKind::{Date, DateTime, Text};

/// Every scalar leaf of contract §5, in schema order.
pub static FIELDS: &[Field] = &[
    field("id", Text, Order, "id"),
    field("status", Text, Order, "status"),
    field("orderDate", DateTime, Order, "order_date"),
    field("lastUpdateDate", DateTime, Order, "last_update_date"),
    field("expectedCompletionDate", Date, Order, "expected_completion_date"),
    field("completionDate", DateTime, Order, "completion_date"),
    field("action", Text, Order, "action"),
    field("product.code", Text, Order, "product_code"),
    field("product.name", Text, Order, "product_name"),
    field("site.id", Text, Order, "site_id"),
    field("site.name", Text, Order, "site_name"),
    field("site.address.street", Text, Order, "site_street"),
    field("site.address.postalCode", Text, Order, "site_postal_code"),
    field("site.address.city", Text, Order, "site_city"),
    field("site.address.country", Text, Order, "site_country"),
    field("request.id", Text, Order, "request_id"),
    field("request.customerReference", Text, Order, "request_customer_reference"),
    field("request.status", Text, Order, "request_status"),
    field("request.orangeContact.name", Text, Order, "request_contact_name"),
    field("request.orangeContact.email", Text, Order, "request_contact_email"),
    field("request.orangeContact.phone", Text, Order, "request_contact_phone"),
    field("appointments.id", Text, Appointments, "id"),
    field("appointments.type", Text, Appointments, "type"),
    field("appointments.status", Text, Appointments, "status"),
    field("appointments.start", DateTime, Appointments, "start_at"),
    field("appointments.end", DateTime, Appointments, "end_at"),
    field("appointments.comment", Text, Appointments, "comment"),
    field("milestones.name", Text, Milestones, "name"),
    field("milestones.status", Text, Milestones, "status"),
    field("milestones.date", DateTime, Milestones, "date_at"),
];

/// The top-level members of an order, the names `fields=` selects from.
pub static TOP_LEVEL_FIELDS: &[&str] = &[
    "id",
    "status",
    "orderDate",
    "lastUpdateDate",
    "expectedCompletionDate",
    "completionDate",
    "action",
    "product",
    "site",
    "request",
    "appointments",
    "milestones",
];

/// The catalogue entry for a dotted path.
pub fn find(path: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|field| field.path == path)
}

/// The catalogue entry of the order id, the final sort key of every list.
pub fn id_field() -> &'static Field {
    &FIELDS[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_columns_are_unique_per_container() {
        for (i, a) in FIELDS.iter().enumerate() {
            for b in &FIELDS[i + 1..] {
                assert_ne!(a.path, b.path);
                if a.container == b.container {
                    assert_ne!(a.column, b.column, "{} and {}", a.path, b.path);
                }
            }
        }
    }

    #[test]
    fn every_field_path_starts_with_a_top_level_field() {
        for field in FIELDS {
            let head = field.path.split('.').next().unwrap();
            assert!(TOP_LEVEL_FIELDS.contains(&head), "{}", field.path);
        }
        assert_eq!(id_field().path, "id");
    }
}
