//! What a page answers when it cannot show what was asked: a page of its own, in the visit's
//! language, with the status an API call would get.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout;
use crate::i18n::Language;
use crate::i18n::texts::Text;
use crate::portal::paths::LOGIN_PATH;
use crate::store::StoreError;

#[derive(Debug)]
pub enum PageFailure {
    /// Not signed in (or the session ended): to the login page.
    SignIn,
    /// No such order of this customer, or no such page.
    NotFound(Language, Text, Text),
    /// A form without its anti-forgery token, or with another one.
    Forged(Language),
    /// The query string is not one the API would take.
    BadQuery(Language, String),
    /// The database is unavailable or failed.
    Store(Language, StatusCode),
}

impl PageFailure {
    pub fn store(error: StoreError, language: Language) -> PageFailure {
        match error {
            StoreError::Unavailable(_) => tracing::warn!(error = %error, "portal: database unavailable"),
            _ => tracing::error!(error = ?error, "portal: database error"),
        }
        let status = match error {
            StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        PageFailure::Store(language, status)
    }
}

impl IntoResponse for crate::portal::session::VisitFailure {
    fn into_response(self) -> Response {
        PageFailure::store(self.error, self.language).into_response()
    }
}

impl IntoResponse for PageFailure {
    fn into_response(self) -> Response {
        let (language, status, title, text) = match self {
            PageFailure::SignIn => return Redirect::to(LOGIN_PATH).into_response(),
            PageFailure::NotFound(language, title, text) => (language, StatusCode::NOT_FOUND, title, text.in_(language).to_owned()),
            PageFailure::Forged(language) => {
                (language, StatusCode::FORBIDDEN, Text::FormExpired, Text::FormExpired.in_(language).to_owned())
            }
            PageFailure::BadQuery(language, problem) => (language, StatusCode::BAD_REQUEST, Text::BadFilter, problem),
            PageFailure::Store(language, status) => (language, status, Text::Unavailable, Text::Unavailable.in_(language).to_owned()),
        };
        let body = html! {
            h1 { (title.in_(language)) }
            p role="alert" { (text) }
            p { a href=(crate::portal::paths::ORDERS_START) { (Text::BackToOrders.in_(language)) } }
        };
        let mut response = layout::bare(language, title.in_(language), body).into_response();
        *response.status_mut() = status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
        }
        response
    }
}
