//! Cross-origin calls from web pages (CORS), by tower-http's layer.
//!
//! Off for the API unless origins are configured: a page that calls the API must hold a client
//! secret, which anyone who loads the page can read. The OpenAPI document is public, so any
//! page may load it (viewers, editors).

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The layer of the API and token routes: exactly `origins` (validated by `Config`), or none.
pub fn api_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let origins = origins.iter().map(|origin| HeaderValue::from_str(origin).expect("a validated origin is a header value"));
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, HeaderName::from_static("x-api-key"), header::IF_NONE_MATCH])
            .expose_headers(EXPOSED.map(HeaderName::from_static))
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

/// What a page may read of an answer besides the CORS-safelisted headers: the list's counts and
/// links, the tag to send back, the request id to quote, and when to retry or renew.
const EXPOSED: [&str; 9] = [
    "x-result-count",
    "x-total-count",
    "link",
    "etag",
    "x-oapi-request-id",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "x-api-key-expires",
];

/// The layer of the OpenAPI document: any origin.
pub fn document_layer() -> CorsLayer {
    CorsLayer::new().allow_origin(Any).allow_methods([Method::GET]).allow_headers(Any).max_age(PREFLIGHT_MAX_AGE)
}
