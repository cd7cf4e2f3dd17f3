//! The order as the API serves it (contract §5), typed, and tolerant of what it does not know:
//! every field but `id` is optional (a `fields=` selection leaves them out), an enumerated value
//! outside the known ones is kept as `Other`, and unknown fields are kept in `other`, so an order
//! written back out is the order that was read.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Date, OffsetDateTime};

time::serde::format_description!(calendar_date, Date, "[year]-[month]-[day]");

/// One telecom order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Orange order id, e.g. "123456".
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub order_date: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub last_update_date: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "calendar_date::option")]
    pub expected_completion_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub completion_date: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<OrderAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Product>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<OrderRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointments: Option<Vec<Appointment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<Milestone>>,
    /// Fields this library does not know (a newer API version), kept as they came.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A string-valued enumeration: the known values as variants, anything else kept as `Other`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)+
            /// A value this library does not know.
            #[serde(untagged)]
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

open_enum!(
    /// "Current" while being delivered, "Closed" once finished, cancelled or rejected.
    OrderStatus { Current = "Current", Closed = "Closed" }
);
open_enum!(OrderAction { Add = "Add", Modify = "Modify", Move = "Move", Cease = "Cease" });
open_enum!(
    /// The detailed progress of the ordering request.
    RequestStatus {
        Acknowledged = "Acknowledged",
        InProgress = "In progress",
        PendingCustomer = "Pending customer",
        Held = "Held",
        Completed = "Completed",
        Cancelled = "Cancelled",
        Rejected = "Rejected",
    }
);
open_enum!(AppointmentType { Survey = "Survey", Installation = "Installation", Delivery = "Delivery", Test = "Test" });
open_enum!(AppointmentStatus { Planned = "Planned", Done = "Done", Cancelled = "Cancelled", Rescheduled = "Rescheduled" });
open_enum!(MilestoneStatus { Pending = "Pending", Done = "Done" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. "FR".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The ordering request that the order fulfils.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRequest {
    /// e.g. "3-0000000".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orange_contact: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AppointmentType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AppointmentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub start: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub end: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MilestoneStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub date: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_full_order_reads_and_writes_back_unchanged() {
        let text = json!({
            "id": "123456", "status": "Current", "orderDate": "2026-03-01T10:00:00Z",
            "lastUpdateDate": "2026-03-02T08:30:15.5Z", "expectedCompletionDate": "2026-04-15",
            "action": "Move", "product": {"code": "FIBRE-1G", "name": "Fibre"},
            "site": {"id": "S1", "name": "HQ", "address": {"street": "1 rue", "postalCode": "75001", "city": "Paris", "country": "FR"}},
            "request": {"id": "3-1", "customerReference": "PO-1", "status": "Pending customer",
                        "orangeContact": {"name": "A", "email": "a@b.fr", "phone": "+33 1"}},
            "appointments": [{"id": "A1", "type": "Survey", "status": "Planned", "start": "2026-03-05T09:00:00Z", "end": "2026-03-05T12:00:00Z", "comment": "gate"}],
            "milestones": [{"name": "Order received", "status": "Done", "date": "2026-03-01T10:00:00Z"}]
        });
        let order: Order = serde_json::from_value(text.clone()).unwrap();
        assert_eq!(order.request.as_ref().unwrap().status, Some(RequestStatus::PendingCustomer));
        assert_eq!(serde_json::to_value(&order).unwrap(), text);
    }

    #[test]
    fn unknown_values_and_fields_are_kept() {
        let text = json!({"id": "1", "status": "Suspended", "action": "Add", "futureField": {"x": 1}});
        let order: Order = serde_json::from_value(text.clone()).unwrap();
        assert_eq!(order.status, Some(OrderStatus::Other("Suspended".into())));
        assert_eq!(order.status.as_ref().unwrap().as_str(), "Suspended");
        assert_eq!(order.other["futureField"], json!({"x": 1}));
        assert_eq!(serde_json::to_value(&order).unwrap(), text);
    }

    #[test]
    fn an_order_reduced_to_its_id_reads() {
        let order: Order = serde_json::from_value(json!({"id": "9"})).unwrap();
        assert_eq!(order.id, "9");
        assert!(order.status.is_none() && order.request.is_none());
    }
}
