//! `orders show ID`: one order for people (status, dates, site, contacts, then appointments and
//! milestones as one timeline), or as JSON.

use std::fmt::Write as _;
use std::io::Write as _;

use clap::{Args, ValueEnum};
use order_tracking_client::Client;
use order_tracking_client::order::{Appointment, Milestone, Order};
use time::OffsetDateTime;

use super::output::Format;
use crate::cli::failure::{Failure, write_failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// The layout for people.
    Text,
    /// The order as the API answers it.
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The order id.
    pub id: String,
    /// Output format [default: text on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<ShowFormat>,
}

pub async fn run(client: &Client, args: ShowArgs) -> Result<(), Failure> {
    let order = client.order(&args.id).await?;
    let format = args.format.unwrap_or(match Format::or_default(None) {
        Format::Table => ShowFormat::Text,
        _ => ShowFormat::Json,
    });
    let text = match format {
        ShowFormat::Text => layout(&order),
        ShowFormat::Json => format!("{}\n", serde_json::to_string_pretty(&order).expect("an order serializes")),
    };
    std::io::stdout().write_all(text.as_bytes()).or_else(|error| write_failure(error).map_or(Ok(()), Err))
}

/// The human layout of an order.
pub fn layout(order: &Order) -> String {
    let mut text = String::new();
    let status = order.status.as_ref().map_or("-", |status| status.as_str());
    let _ = writeln!(text, "Order {}  {status}", order.id);
    let action = order.action.as_ref().map(ToString::to_string);
    let product = order
        .product
        .as_ref()
        .map(|product| join_present(&[product.name.as_deref(), product.code.as_deref().map(|code| format!("({code})")).as_deref()]));
    line(&mut text, "Action", action.as_deref());
    line(&mut text, "Product", product.as_deref());
    line(&mut text, "Ordered", order.order_date.map(when).as_deref());
    line(&mut text, "Last update", order.last_update_date.map(when).as_deref());
    line(&mut text, "Expected", order.expected_completion_date.map(|date| date.to_string()).as_deref());
    line(&mut text, "Completed", order.completion_date.map(when).as_deref());

    if let Some(request) = &order.request {
        let _ = writeln!(
            text,
            "\nRequest {}  {}",
            request.id.as_deref().unwrap_or("-"),
            request.status.as_ref().map_or("-", |status| status.as_str())
        );
        line(&mut text, "Reference", request.customer_reference.as_deref());
        let contact = request.orange_contact.as_ref().map(|contact| {
            join_present(&[
                contact.name.as_deref(),
                contact.email.as_deref().map(|email| format!("<{email}>")).as_deref(),
                contact.phone.as_deref(),
            ])
        });
        line(&mut text, "Orange contact", contact.as_deref());
    }

    if let Some(site) = &order.site {
        let _ = writeln!(text, "\nSite {}  {}", site.id.as_deref().unwrap_or("-"), site.name.as_deref().unwrap_or(""));
        if let Some(address) = &site.address {
            let city = join_present(&[address.postal_code.as_deref(), address.city.as_deref()]);
            let place =
                join_present(&[address.street.as_deref(), Some(city.as_str()).filter(|city| !city.is_empty()), address.country.as_deref()]);
            line(&mut text, "Address", Some(place.replace("  ", " ").as_str()).filter(|place| !place.is_empty()));
        }
    }

    let events = timeline(order);
    if !events.is_empty() {
        let _ = writeln!(text, "\nTimeline");
        for event in events {
            let _ = writeln!(text, "  {:<20}  {event}", event_date(&event).map(when).unwrap_or_else(|| "(no date)".to_owned()));
        }
    }
    text
}

/// An appointment or a milestone, placed on the timeline by its start or date.
enum Event<'a> {
    Appointment(&'a Appointment),
    Milestone(&'a Milestone),
}

fn event_date(event: &Event<'_>) -> Option<OffsetDateTime> {
    match event {
        Event::Appointment(appointment) => appointment.start,
        Event::Milestone(milestone) => milestone.date,
    }
}

impl std::fmt::Display for Event<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Appointment(appointment) => {
                let kind = appointment.kind.as_ref().map_or("Appointment".to_owned(), |kind| format!("{kind} appointment"));
                let status = appointment.status.as_ref().map_or("-", |status| status.as_str());
                write!(formatter, "{kind:<26} {status:<11}")?;
                if let (Some(start), Some(end)) = (appointment.start, appointment.end) {
                    write!(formatter, " until {}", if start.date() == end.date() { clock(end) } else { when(end) })?;
                }
                if let Some(comment) = appointment.comment.as_deref().filter(|comment| !comment.is_empty()) {
                    write!(formatter, "  \"{comment}\"")?;
                }
                Ok(())
            }
            Event::Milestone(milestone) => {
                write!(
                    formatter,
                    "{:<26} {}",
                    milestone.name.as_deref().unwrap_or("Milestone"),
                    milestone.status.as_ref().map_or("-", |status| status.as_str())
                )
            }
        }
    }
}

/// Appointments and milestones in chronological order; undated ones last.
fn timeline(order: &Order) -> Vec<Event<'_>> {
    let mut events: Vec<Event<'_>> = order
        .appointments
        .iter()
        .flatten()
        .map(Event::Appointment)
        .chain(order.milestones.iter().flatten().map(Event::Milestone))
        .collect();
    events.sort_by_key(|event| (event_date(event).is_none(), event_date(event)));
    events
}

fn line(text: &mut String, label: &str, value: Option<&str>) {
    if let Some(value) = value {
        let _ = writeln!(text, "  {label:<15} {value}");
    }
}

fn join_present(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// A date-time as `2026-03-01 10:00 UTC`.
fn when(instant: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    instant.to_offset(time::UtcOffset::UTC).format(format).unwrap_or_default()
}

fn clock(instant: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[hour]:[minute]");
    instant.to_offset(time::UtcOffset::UTC).format(format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_shows_the_order_then_a_chronological_timeline() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "id": "123", "status": "Current", "orderDate": "2026-03-01T10:00:00Z", "action": "Add",
            "product": {"code": "FIBRE-1G", "name": "Business Fibre"},
            "site": {"id": "S1", "name": "HQ", "address": {"street": "1 rue de la Paix", "postalCode": "75002", "city": "Paris", "country": "FR"}},
            "request": {"id": "3-1", "status": "In progress", "customerReference": "PO-9", "orangeContact": {"name": "Ana", "email": "ana@orange.com"}},
            "appointments": [{"id": "A2", "type": "Installation", "status": "Planned", "start": "2026-03-20T09:00:00Z", "end": "2026-03-20T12:00:00Z"}],
            "milestones": [{"name": "Order received", "status": "Done", "date": "2026-03-01T10:00:00Z"}, {"name": "Service active", "status": "Pending"}]
        }))
        .unwrap();
        let text = layout(&order);
        for expected in [
            "Order 123  Current",
            "Business Fibre (FIBRE-1G)",
            "2026-03-01 10:00 UTC",
            "Request 3-1  In progress",
            "Ana <ana@orange.com>",
            "1 rue de la Paix 75002 Paris FR",
            "Installation appointment",
            "until 12:00",
        ] {
            assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
        }
        let position = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle} missing:\n{text}"));
        assert!(position("Order received") < position("Installation appointment"));
        assert!(position("Installation appointment") < position("Service active"), "undated events come last:\n{text}");
    }
}
