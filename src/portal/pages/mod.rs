//! The portal's pages, rendered on the server with maud: they work without JavaScript.
//!
//! - `layout.rs`: the frame and headers of every page; `failure.rs`, the pages of what failed.
//! - `login.rs` (sign in and out, the language switch), `password.rs` (the one-time link).
//! - `orders.rs` (the list, with `list_query.rs` and `text_search.rs`), `order.rs` (one order, with `timeline.rs`).
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
mod text_search;
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

#[cfg(test)]
mod tests {
    /// WCAG 2's contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |at: usize| {
                let value = f64::from(u8::from_str_radix(&hex[at..at + 2], 16).unwrap()) / 255.0;
                if value <= 0.03928 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// The value of a custom property of the stylesheet's `:root`.
    fn colour(name: &str) -> String {
        let css = include_str!("../assets/portal.css");
        let start = css.find(&format!("--{name}: ")).unwrap_or_else(|| panic!("--{name}")) + name.len() + 4;
        css[start..start + 7].to_owned()
    }

    #[test]
    fn text_colours_meet_wcag_aa_contrast() {
        let paper = colour("paper");
        let link = "#0b5394";
        let updated_row = "#fff4d6";
        for (what, text, background) in [
            ("text", colour("ink"), paper.clone()),
            ("labels", colour("muted"), paper.clone()),
            ("links", link.to_owned(), paper.clone()),
            ("errors", colour("cancel"), paper.clone()),
            ("notices", colour("done"), paper.clone()),
            ("buttons", paper.clone(), colour("ink")),
            ("the updated badge", paper.clone(), colour("accent")),
            ("an updated row", colour("ink"), updated_row.to_owned()),
            ("a link in an updated row", link.to_owned(), updated_row.to_owned()),
        ] {
            let ratio = contrast(&text, &background);
            assert!(ratio >= 4.5, "{what}: {text} on {background} is {ratio:.2}:1, under AA's 4.5:1");
        }
        assert!(include_str!("../assets/portal.css").contains(&format!("tr.updated {{ background: {updated_row}")));
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 0.01, "the formula");
    }
}
