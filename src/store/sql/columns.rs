//! The column values an order is stored under, named by the catalogue: one row of `orders`
//! and one row per appointment and milestone. Shared by every backend.

use super::bind::Bind;
use super::value_sets;
use crate::domain::catalogue::{Container, FIELDS};
use crate::domain::instant::{date_nanos, day_of, nanos};
use crate::domain::order::Order;
use time::OffsetDateTime;

/// Column values of one row, in catalogue order.
pub type Row = Vec<(&'static str, Bind)>;

/// The order-level columns (every catalogue field of the order itself, `id` included).
pub fn order_row(order: &Order) -> Row {
    FIELDS.iter().filter(|field| field.container == Container::Order).map(|field| (field.column, order_value(order, field.path))).collect()
}

/// The fields whose orders imports count per value and status (`order_value_counts`): those
/// with few values, one of which may hold most of a customer's orders.
pub const COUNTED_FIELDS: [&str; 6] =
    ["action", "product.code", "product.name", "site.address.city", "site.address.country", "request.status"];

/// The order's values of the [`COUNTED_FIELDS`], by column; a missing value has none.
pub fn counted_values(order: &Order) -> Vec<(&'static str, String)> {
    FIELDS
        .iter()
        .filter(|field| COUNTED_FIELDS.contains(&field.path))
        .filter_map(|field| match order_value(order, field.path) {
            Bind::Text(Some(value)) => Some((field.column, value)),
            _ => None,
        })
        .collect()
}

/// The few-valued fields of the appointments and milestones whose orders imports count per set
/// of values and status (`order_set_counts`): an order matches a filter on one of them when any
/// of its values does, so the set it has tells whether it matches, whatever the filter.
pub const COUNTED_SETS: [&str; 4] = ["appointments.type", "appointments.status", "milestones.name", "milestones.status"];

/// The key ([`value_sets::encode`]) of the order's values of each of the [`COUNTED_SETS`], by
/// path; an order without any value of one has none.
pub fn counted_sets(order: &Order) -> Vec<(&'static str, String)> {
    let appointments = order.appointments.as_deref().unwrap_or_default();
    let milestones = order.milestones.as_deref().unwrap_or_default();
    let sets: [(&'static str, Vec<String>); 4] = [
        ("appointments.type", appointments.iter().filter_map(|a| a.kind.as_ref().map(enum_name)).collect()),
        ("appointments.status", appointments.iter().filter_map(|a| a.status.as_ref().map(enum_name)).collect()),
        ("milestones.name", milestones.iter().filter_map(|m| m.name.clone()).collect()),
        ("milestones.status", milestones.iter().filter_map(|m| m.status.as_ref().map(enum_name)).collect()),
    ];
    debug_assert!(sets.iter().map(|(path, _)| path).eq(COUNTED_SETS.iter()));
    sets.into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(path, values)| (path, value_sets::encode(values.iter().map(String::as_str))))
        .collect()
}

/// The date fields whose orders imports count per UTC day and status, with the table of their
/// counts: a range on one of them has its total summed over whole days, and counted through the
/// date's index on the one or two days its bounds fall in. `orderDate` comes first: every order
/// has one, so its table also tells the per-status counts.
pub const COUNTED_BY_DAY: [(&str, &str); 4] = [
    ("orderDate", "order_day_counts"),
    ("lastUpdateDate", "order_last_update_day_counts"),
    ("expectedCompletionDate", "order_expected_completion_day_counts"),
    ("completionDate", "order_completion_day_counts"),
];

/// The order's UTC day of each [`COUNTED_BY_DAY`] date it has, by the table that counts it.
pub fn counted_days(order: &Order) -> Vec<(&'static str, i64)> {
    COUNTED_BY_DAY
        .iter()
        .filter_map(|&(path, table)| match order_value(order, path) {
            Bind::Int(Some(nanos)) => Some((table, day_of(nanos))),
            _ => None,
        })
        .collect()
}

/// The order's status as its column holds it.
pub fn status_name(order: &Order) -> String {
    enum_name(&order.status)
}

fn order_value(order: &Order, path: &str) -> Bind {
    let text = |value: Option<&String>| Bind::Text(value.cloned());
    let product = order.product.as_ref();
    let site = order.site.as_ref();
    let address = site.and_then(|site| site.address.as_ref());
    let contact = order.request.orange_contact.as_ref();
    match path {
        "id" => Bind::text(order.id.clone()),
        "status" => Bind::text(status_name(order)),
        "orderDate" => Bind::int(nanos(order.order_date)),
        "lastUpdateDate" => instant(order.last_update_date),
        "expectedCompletionDate" => Bind::Int(order.expected_completion_date.map(date_nanos)),
        "completionDate" => instant(order.completion_date),
        "action" => Bind::Text(order.action.as_ref().map(enum_name)),
        "product.code" => text(product.and_then(|p| p.code.as_ref())),
        "product.name" => text(product.and_then(|p| p.name.as_ref())),
        "site.id" => text(site.and_then(|s| s.id.as_ref())),
        "site.name" => text(site.and_then(|s| s.name.as_ref())),
        "site.address.street" => text(address.and_then(|a| a.street.as_ref())),
        "site.address.postalCode" => text(address.and_then(|a| a.postal_code.as_ref())),
        "site.address.city" => text(address.and_then(|a| a.city.as_ref())),
        "site.address.country" => text(address.and_then(|a| a.country.as_ref())),
        "request.id" => Bind::text(order.request.id.clone()),
        "request.customerReference" => text(order.request.customer_reference.as_ref()),
        "request.status" => text(order.request.status.as_ref()),
        "request.orangeContact.name" => text(contact.and_then(|c| c.name.as_ref())),
        "request.orangeContact.email" => text(contact.and_then(|c| c.email.as_ref())),
        "request.orangeContact.phone" => text(contact.and_then(|c| c.phone.as_ref())),
        other => unreachable!("{other} is not an order-level field of the catalogue"),
    }
}

/// One row per appointment, in array order.
pub fn appointment_rows(order: &Order) -> Vec<Row> {
    let appointments = order.appointments.as_deref().unwrap_or_default();
    appointments
        .iter()
        .map(|a| {
            vec![
                ("id", Bind::Text(a.id.clone())),
                ("type", Bind::Text(a.kind.as_ref().map(enum_name))),
                ("status", Bind::Text(a.status.as_ref().map(enum_name))),
                ("start_at", instant(a.start)),
                ("end_at", instant(a.end)),
                ("comment", Bind::Text(a.comment.clone())),
            ]
        })
        .collect()
}

/// One row per milestone, in array order.
pub fn milestone_rows(order: &Order) -> Vec<Row> {
    let milestones = order.milestones.as_deref().unwrap_or_default();
    milestones
        .iter()
        .map(|m| {
            vec![
                ("name", Bind::Text(m.name.clone())),
                ("status", Bind::Text(m.status.as_ref().map(enum_name))),
                ("date_at", instant(m.date)),
            ]
        })
        .collect()
}

fn instant(value: Option<OffsetDateTime>) -> Bind {
    Bind::Int(value.map(nanos))
}

/// The JSON name of a unit enum variant.
fn enum_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => unreachable!("order enums serialize to strings, not {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::FIELDS;

    #[test]
    fn child_rows_name_exactly_the_catalogue_columns() {
        let order: Order = serde_json::from_str(
            r#"{"id":"1","status":"Current","orderDate":"2026-01-01T00:00:00Z","request":{"id":"r"},
                "appointments":[{"id":"a"}],"milestones":[{"name":"m"}]}"#,
        )
        .unwrap();
        let columns = |container| FIELDS.iter().filter(|f| f.container == container).map(|f| f.column).collect::<Vec<_>>();
        let names = |row: &Row| row.iter().map(|(name, _)| *name).collect::<Vec<_>>();
        assert_eq!(names(&appointment_rows(&order)[0]), columns(Container::Appointments));
        assert_eq!(names(&milestone_rows(&order)[0]), columns(Container::Milestones));
        assert_eq!(order_row(&order).len(), columns(Container::Order).len());
    }
}
