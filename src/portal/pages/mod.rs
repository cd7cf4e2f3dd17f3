//! The portal's pages, rendered on the server with maud: they work without JavaScript.
//!
//! - `layout.rs`: the frame and headers of every page; `failure.rs`, the pages of what failed.
//! - `login.rs` (sign in and out, the language switch), `password.rs` (the one-time link).
//! - `orders.rs` (the list, with `list_query.rs`), `order.rs` (one order, with `timeline.rs`).
//! - `live.rs`: the live updates of both, over Server-Sent Events; `csv_export.rs`, the CSV.

mod csv_export;
pub mod failure;
mod layout;
mod list_query;
mod live;
mod login;
mod order;
mod orders;
mod password;
mod timeline;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use self::failure::PageFailure;
use super::paths::{
    CSV_PATH, EVENTS_PATH, LANGUAGE_PATH, LOGIN_PATH, LOGOUT_PATH, ORDER_PATH, ORDERS_PATH, ORDERS_START, PASSWORD_PATH, PORTAL_PATH,
    SCRIPT_PATH, STYLE_PATH,
};
use crate::http::state::AppState;
use crate::i18n::Language;
use crate::i18n::texts::Text;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PORTAL_PATH, get(|| async { Redirect::to(ORDERS_START) }))
        .route(LOGIN_PATH, get(login::login_page).post(login::login))
        .route(LOGOUT_PATH, post(login::logout))
        .route(LANGUAGE_PATH, post(login::choose_language))
        .route(PASSWORD_PATH, get(password::password_page).post(password::set_password))
        .route(ORDERS_PATH, get(orders::orders_page))
        .route(ORDER_PATH, get(order::order_page))
        .route(CSV_PATH, get(csv_export::export))
        .route(STYLE_PATH, get(style))
        .route(SCRIPT_PATH, get(live::script))
        .route(EVENTS_PATH, get(live::events))
}

/// An unknown path under /portal.
pub async fn no_such_page(headers: axum::http::HeaderMap) -> Response {
    PageFailure::NotFound(Language::from_accept_language(&headers), Text::NoSuchPage, Text::NoSuchPage).into_response()
}

async fn style() -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    (headers, include_str!("../assets/portal.css")).into_response()
}
