//! `/portal/orders`: the customer's orders as a table, with a filter form, sortable column
//! headers and pages, all links in the API's query language (`list_query.rs`).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::failure::PageFailure;
use super::layout;
use super::list_query::ListQuery;
use super::live;
use super::text_search::{self, TEXT_PARAMETER};
use crate::domain::order::Order;
use crate::http::state::AppState;
use crate::i18n::Language;
use crate::i18n::texts::{self, Text};
use crate::portal::paths::order_link;
use crate::portal::session::Visit;

const REQUEST_STATUSES: [&str; 7] = ["Acknowledged", "In progress", "Pending customer", "Held", "Completed", "Cancelled", "Rejected"];

/// The table's columns: their label and the field their header sorts by.
const COLUMNS: [(Text, &str); 8] = [
    (Text::Order, "id"),
    (Text::Status, "status"),
    (Text::RequestStatus, "request.status"),
    (Text::Product, "product.name"),
    (Text::Site, "site.address.city"),
    (Text::OrderDate, "orderDate"),
    (Text::ExpectedCompletion, "expectedCompletionDate"),
    (Text::LastUpdate, "lastUpdateDate"),
];

pub async fn orders_page(State(state): State<AppState>, visit: Visit, RawQuery(raw): RawQuery) -> Result<Response, PageFailure> {
    let Some(user) = &visit.user else { return Err(PageFailure::SignIn) };
    let language = visit.language;
    let (query, had_empty) = ListQuery::from_raw(raw.as_deref().unwrap_or_default());
    if had_empty {
        // The form's unset fields: to the same list without them, so that the address is the query.
        return Ok(Redirect::to(&query.href()).into_response());
    }
    let parsed = query.parse().map_err(|problem| PageFailure::BadQuery(language, problem.to_string()))?;
    // Read before the orders: a change made meanwhile comes again as an event, never goes unseen.
    let after = state.store.latest_event_sequence(&user.customer_id).await.map_err(|error| PageFailure::store(error, language))?;
    let page = match query.get(TEXT_PARAMETER) {
        Some(text) => text_search::search(state.store.as_ref(), &user.customer_id, &parsed, text).await,
        None => state.store.list_orders(&user.customer_id, &parsed, None).await,
    };
    let page = page.map_err(|error| PageFailure::store(error, language))?;
    let orders: Vec<Order> = page.orders.iter().filter_map(|document| serde_json::from_str(document.as_str()).ok()).collect();
    let body = html! {
        h1 { (Text::Orders.in_(language)) }
        (filter_form(language, &query))
        @if orders.is_empty() {
            p.empty role="status" { (Text::NoOrders.in_(language)) }
        } @else {
            p.export { a href=(query.csv_href()) download="orders.csv" { (Text::ExportCsv.in_(language)) } }
            (range(language, parsed.offset, orders.len(), page.total))
            div.scroll {
                table.orders {
                    caption.visually-hidden { (Text::Orders.in_(language)) }
                    thead { tr { @for (label, path) in COLUMNS { (header(language, &query, label, path)) } } }
                    tbody { @for order in &orders { (row(language, order)) } }
                }
            }
            (pager(language, &query, parsed.offset, parsed.limit, orders.len(), page.total))
        }
        (live::marker(language, after))
    };
    Ok(layout::page(&state.config.portal, &visit, Text::Orders.in_(language), &query.href(), body))
}

fn filter_form(language: Language, query: &ListQuery) -> Markup {
    let text_field = |id: &str, name: &str, label: Text| {
        html! {
            p {
                label for=(id) { (label.in_(language)) }
                input #(id) type="text" name=(name) value=(query.get(name).unwrap_or_default());
            }
        }
    };
    let date_field = |id: &str, name: &str, label: Text| {
        html! {
            p {
                label for=(id) { (label.in_(language)) }
                input #(id) type="date" name=(name) value=(query.get(name).unwrap_or_default());
            }
        }
    };
    let choice = |id: &str, name: &str, label: Text, values: &[&str]| {
        let current = query.get(name).unwrap_or_default();
        html! {
            p {
                label for=(id) { (label.in_(language)) }
                select #(id) name=(name) {
                    option value="" { (Text::Any.in_(language)) }
                    @for value in values { option value=(value) selected[*value == current] { (texts::value(language, value)) } }
                }
            }
        }
    };
    html! {
        form.filters method="get" action=(crate::portal::paths::ORDERS_PATH) role="search" {
            fieldset {
                legend { (Text::Filters.in_(language)) }
                (choice("f-status", "status", Text::Status, &["Current", "Closed"]))
                (choice("f-request-status", "request.status", Text::RequestStatus, &REQUEST_STATUSES))
                (text_field("f-product", "product.name", Text::Product))
                (text_field("f-city", "site.address.city", Text::City))
                (date_field("f-from", "orderDate.gte", Text::OrderedFrom))
                (date_field("f-before", "orderDate.lt", Text::OrderedBefore))
                (text_field("f-text", TEXT_PARAMETER, Text::Search))
                @if let Some(sort) = query.get("sort") { input type="hidden" name="sort" value=(sort); }
                @if let Some(limit) = query.get("limit") { input type="hidden" name="limit" value=(limit); }
                p.actions {
                    button type="submit" { (Text::Filter.in_(language)) }
                    " "
                    a href=(crate::portal::paths::ORDERS_START) { (Text::ClearFilters.in_(language)) }
                }
            }
        }
    }
}

fn header(language: Language, query: &ListQuery, label: Text, path: &str) -> Markup {
    let sort = query.get("sort").unwrap_or_default();
    let state = if sort == path {
        Some(("ascending", Text::SortedAscending, "▲"))
    } else if sort.strip_prefix('-') == Some(path) {
        Some(("descending", Text::SortedDescending, "▼"))
    } else {
        None
    };
    html! {
        th scope="col" aria-sort=[state.map(|(aria, _, _)| aria)] {
            a href=(query.sorted_by(path)) {
                (label.in_(language))
                @if let Some((_, said, arrow)) = state { " " span aria-hidden="true" { (arrow) } span.visually-hidden { " (" (said.in_(language)) ")" } }
            }
        }
    }
}

pub fn row(language: Language, order: &Order) -> Markup {
    let site = order.site.as_ref();
    let city = site.and_then(|site| site.address.as_ref()).and_then(|address| address.city.as_deref());
    html! {
        tr id=(format!("order-{}", order.id)) data-order=(order.id) {
            th scope="row" { a href=(order_link(&order.id)) { (order.id) } }
            // `data-label`: the column's name, which the narrow layout shows beside each value.
            td data-label=(COLUMNS[1].0.in_(language)) { (texts::value(language, status_name(order))) }
            td data-label=(COLUMNS[2].0.in_(language)) { (order.request.status.as_deref().map(|status| texts::value(language, status)).unwrap_or_default()) }
            td data-label=(COLUMNS[3].0.in_(language)) { (order.product.as_ref().and_then(|product| product.name.as_deref()).unwrap_or_default()) }
            td data-label=(COLUMNS[4].0.in_(language)) {
                (site.and_then(|site| site.name.as_deref()).unwrap_or_default())
                @if let Some(city) = city { br; span.city { (city) } }
            }
            td data-label=(COLUMNS[5].0.in_(language)) { (language.date_time(order.order_date)) }
            td data-label=(COLUMNS[6].0.in_(language)) { (order.expected_completion_date.map(|date| language.date(date)).unwrap_or_default()) }
            td data-label=(COLUMNS[7].0.in_(language)) { (order.last_update_date.map(|at| language.date_time(at)).unwrap_or_default()) }
        }
    }
}

pub fn status_name(order: &Order) -> &'static str {
    match order.status {
        crate::domain::order::OrderStatus::Current => "Current",
        crate::domain::order::OrderStatus::Closed => "Closed",
    }
}

/// "26–50 of 1,234".
fn range(language: Language, offset: u64, shown: usize, total: u64) -> Markup {
    let first = offset + 1;
    let last = offset + shown as u64;
    html! { p.range role="status" { (language.number(first)) "–" (language.number(last)) " " (Text::Of.in_(language)) " " (language.number(total)) } }
}

fn pager(language: Language, query: &ListQuery, offset: u64, limit: u64, shown: usize, total: u64) -> Markup {
    let previous = (offset > 0).then(|| query.with("offset", Some(offset.saturating_sub(limit).to_string())));
    let next = (offset + (shown as u64) < total).then(|| query.with("offset", Some((offset + limit).to_string())));
    html! {
        nav.pager aria-label=(Text::Pages.in_(language)) {
            @if let Some(previous) = previous { a rel="prev" href=(previous) { "← " (Text::Previous.in_(language)) } }
            @if let Some(next) = next { a rel="next" href=(next) { (Text::Next.in_(language)) " →" } }
        }
    }
}
