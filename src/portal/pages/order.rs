//! `/portal/orders/{id}`: one order's facts and its timeline. Another customer's order is
//! "no such order", as in the API.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::failure::PageFailure;
use super::layout;
use super::live;
use super::orders::{row, status_name};
use super::timeline;
use crate::domain::order::Order;
use crate::http::state::AppState;
use crate::i18n::Language;
use crate::i18n::texts::{self, Text};
use crate::portal::paths::ORDERS_START;
use crate::portal::paths::order_link;
use crate::portal::session::Visit;

/// `?part=row` or `?part=order`: only the order's row of the list, or its article, for the live
/// updates to put in place (`live.rs`).
#[derive(Debug, Deserialize)]
pub struct PartQuery {
    #[serde(default)]
    part: Option<String>,
}

pub async fn order_page(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Query(query): Query<PartQuery>,
) -> Result<Response, PageFailure> {
    let Some(user) = &visit.user else { return Err(PageFailure::SignIn) };
    let language = visit.language;
    let no_such_order = || PageFailure::NotFound(language, Text::NoSuchOrder, Text::NoSuchOrderText);
    // Read before the order: a change made meanwhile comes again as an event, never goes unseen.
    // A part (what the live updates fetch) needs no stream of its own.
    let after = match query.part {
        None => Some(state.store.latest_event_sequence(&user.customer_id).await.map_err(|error| PageFailure::store(error, language))?),
        Some(_) => None,
    };
    let stored = match id.contains('\0') {
        true => None,
        false => state.store.get_order(&user.customer_id, &id).await.map_err(|error| PageFailure::store(error, language))?,
    };
    let order: Order = stored.and_then(|document| serde_json::from_str(document.as_str()).ok()).ok_or_else(no_such_order)?;
    match query.part.as_deref() {
        Some("row") => return Ok(fragment(row(language, &order))),
        Some("order") => return Ok(fragment(article(language, &order))),
        Some(other) => return Err(PageFailure::BadQuery(language, format!("part={other:?}: use part=row or part=order, or none"))),
        None => {}
    }
    let title = format!("{} {}", Text::Order.in_(language), order.id);
    let body = html! {
        p { a href=(ORDERS_START) { "← " (Text::BackToOrders.in_(language)) } }
        (article(language, &order))
        @if let Some(after) = after { (live::marker(language, after)) }
    };
    Ok(layout::page(&state.config.portal, &visit, &title, &order_link(&order.id), body))
}

fn article(language: Language, order: &Order) -> Markup {
    html! {
        article.order id=(format!("order-{}", order.id)) data-order=(order.id) {
            h1 { (Text::Order.in_(language)) " " (order.id) }
            (facts(language, order))
            h2 { (Text::Timeline.in_(language)) }
            (timeline::render(language, order))
        }
    }
}

/// A part of a page, with the headers of pages.
fn fragment(markup: Markup) -> Response {
    (layout::with_page_headers(), axum::response::Html(markup.into_string())).into_response()
}

fn facts(language: Language, order: &Order) -> Markup {
    let product = order.product.as_ref();
    let site = order.site.as_ref();
    let address = site.and_then(|site| site.address.as_ref());
    let address_text = address.map(|address| {
        [address.street.as_deref(), address.postal_code.as_deref(), address.city.as_deref(), address.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    let contact = order.request.orange_contact.as_ref();
    let contact_text = contact.map(|contact| {
        [contact.name.as_deref(), contact.email.as_deref(), contact.phone.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · ")
    });
    let fact = |label: Text, value: Option<String>| {
        html! { @if let Some(value) = value.filter(|value| !value.is_empty()) { dt { (label.in_(language)) } dd { (value) } } }
    };
    html! {
        dl.facts {
            (fact(Text::Status, Some(texts::value(language, status_name(order)))))
            (fact(Text::RequestStatus, order.request.status.as_deref().map(|status| texts::value(language, status))))
            (fact(Text::Request, Some(order.request.id.clone())))
            (fact(Text::YourReference, order.request.customer_reference.clone()))
            (fact(Text::Action, order.action.map(|action| texts::value(language, &format!("{action:?}")))))
            (fact(Text::Product, product.map(|product| [product.name.as_deref(), product.code.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" · "))))
            (fact(Text::Site, site.and_then(|site| site.name.clone())))
            (fact(Text::Address, address_text))
            (fact(Text::OrderDate, Some(language.date_time(order.order_date))))
            (fact(Text::ExpectedCompletion, order.expected_completion_date.map(|date| language.date(date))))
            (fact(Text::Completion, order.completion_date.map(|at| language.date_time(at))))
            (fact(Text::LastUpdate, order.last_update_date.map(|at| language.date_time(at))))
            (fact(Text::OrangeContact, contact_text))
        }
    }
}
