//! `/portal/orders/{id}`: one order's facts and its timeline. Another customer's order is
//! "no such order", as in the API.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};

use super::failure::PageFailure;
use super::layout;
use super::orders::status_name;
use super::timeline;
use crate::domain::order::Order;
use crate::http::state::AppState;
use crate::portal::catalogue::{self, Text};
use crate::portal::language::Language;
use crate::portal::paths::ORDERS_START;
use crate::portal::paths::order_link;
use crate::portal::session::Visit;

pub async fn order_page(State(state): State<AppState>, visit: Visit, Path(id): Path<String>) -> Result<Response, PageFailure> {
    let Some(user) = &visit.user else { return Err(PageFailure::SignIn) };
    let language = visit.language;
    let no_such_order = || PageFailure::NotFound(language, Text::NoSuchOrder, Text::NoSuchOrderText);
    let stored = match id.contains('\0') {
        true => None,
        false => state.store.get_order(&user.customer_id, &id).await.map_err(|error| PageFailure::store(error, language))?,
    };
    let order: Order = stored.and_then(|document| serde_json::from_str(document.as_str()).ok()).ok_or_else(no_such_order)?;
    let title = format!("{} {}", Text::Order.in_(language), order.id);
    let body = html! {
        p { a href=(ORDERS_START) { "← " (Text::BackToOrders.in_(language)) } }
        article.order id=(format!("order-{}", order.id)) data-order=(order.id) {
            h1 { (title) }
            (facts(language, &order))
            h2 { (Text::Timeline.in_(language)) }
            (timeline::render(language, &order))
        }
    };
    Ok(layout::page(&state.config.portal, &visit, &title, &order_link(&order.id), body))
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
            (fact(Text::Status, Some(catalogue::value(language, status_name(order)))))
            (fact(Text::RequestStatus, order.request.status.as_deref().map(|status| catalogue::value(language, status))))
            (fact(Text::Request, Some(order.request.id.clone())))
            (fact(Text::YourReference, order.request.customer_reference.clone()))
            (fact(Text::Action, order.action.map(|action| catalogue::value(language, &format!("{action:?}")))))
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
