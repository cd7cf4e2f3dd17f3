//! The middleware of every route: the request id and log line, the metrics, the URI, header and
//! `Accept` guards, and the rewriting of framework answers (405, 408, 413...) into Orange's error body.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::error::ApiError;
use super::error::{ErrorCode, FrenchBody};
use super::state::AppState;
use crate::config::Config;

pub static X_OAPI_REQUEST_ID: HeaderName = HeaderName::from_static("x-oapi-request-id");

/// What every request passes through around its route, in one layer: each `from_fn` layer clones
/// the services below it and boxes a future for every request, and four of them cost about 5% of
/// a cached answer (docs/performance.md, step 16). In order: a fresh request id and a span that
/// carries it (and, once known, the customer); the guards; the route; framework errors rewritten
/// in Orange's shape; the metrics; one log line; the id in `X-OAPI-Request-Id`.
pub async fn around_every_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // A version-4 UUID from the thread's generator: `Uuid::new_v4` asks the kernel (a
    // `getrandom` system call) for every request, 2% of a cached answer's time.
    let request_id = uuid::Builder::from_random_bytes(rand::random()).into_uuid().simple().to_string();
    let method = request.method().clone();
    // Unmatched paths share one label, so that scanners cannot grow the metrics' label sets.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    // Looked at only when the header is there: most calls send none.
    let french = request.headers().contains_key(header::ACCEPT_LANGUAGE)
        && crate::i18n::Language::from_accept_language(request.headers()) == crate::i18n::Language::Fr;
    let span = tracing::info_span!("request", request_id = %request_id, method = %method, path = %route, customer_id = tracing::field::Empty, admin = tracing::field::Empty);
    let mut response = async {
        match refusal(&state.config, &request) {
            Some(refused) => refused.into_response(),
            None => in_orange_shape(next.run(request).await),
        }
    }
    .instrument(span.clone())
    .await;
    if french {
        in_french(&mut response);
    }
    let (status, code, took) = (response.status(), response.extensions().get::<ErrorCode>().copied(), started.elapsed());
    state.metrics.record(method.as_str(), route, status, took.as_secs_f64(), code);
    let latency_ms = took.as_micros() as f64 / 1000.0;
    span.in_scope(|| tracing::info!(status = status.as_u16(), latency_ms, "request"));
    response.headers_mut().insert(X_OAPI_REQUEST_ID.clone(), HeaderValue::from_str(&request_id).expect("hex is a valid header value"));
    response
}

/// Why a request is refused before any other work: a URI over the configured length (414),
/// header fields over theirs (431), or an `Accept` header that excludes JSON (406).
fn refusal(config: &Config, request: &Request) -> Option<ApiError> {
    let uri_length = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_length > config.max_uri_bytes {
        return Some(ApiError::UriTooLong);
    }
    // Counted as on the wire: "name: value\r\n" per field.
    let header_bytes: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if header_bytes > config.max_header_bytes {
        return Some(ApiError::HeadersTooLarge { size: header_bytes, limit: config.max_header_bytes });
    }
    let accept = accept_list(request.headers());
    // Metrics speak the Prometheus text format, whatever a scraper accepts; the portal, HTML.
    let speaks_other_media = request.uri().path() == super::paths::METRICS_PATH || request.uri().path().starts_with("/portal");
    // The event feed also streams (Server-Sent Events).
    let accepted = |accept: &str| {
        accepts(accept, "application/json") || (request.uri().path() == super::paths::EVENTS_PATH && accepts(accept, EVENT_STREAM))
    };
    (!speaks_other_media && !accept.is_empty() && !accepted(&accept)).then_some(ApiError::NotAcceptable)
}

/// The request's `Accept` fields as one list (RFC 9110 §5.3); empty ones ask for nothing in
/// particular and are left out.
pub fn accept_list(headers: &axum::http::HeaderMap) -> String {
    let fields: Vec<&str> =
        headers.get_all(header::ACCEPT).iter().filter_map(|value| value.to_str().ok()).filter(|value| !value.trim().is_empty()).collect();
    fields.join(",")
}

/// The media type of Server-Sent Events.
pub const EVENT_STREAM: &str = "text/event-stream";

/// Whether an `Accept` value admits `media` (`type/subtype`). An absent header admits anything.
pub fn accepts(accept: &str, media: &str) -> bool {
    let wildcard = format!("{}/*", media.split('/').next().unwrap_or_default());
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let range = parts.next().unwrap_or_default().to_ascii_lowercase();
        let refused = parts.any(|param| {
            param
                .split_once('=')
                .is_some_and(|(name, value)| name.trim().eq_ignore_ascii_case("q") && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        !refused && (range == "*/*" || range == wildcard || range == media)
    })
}

/// Rewrites error answers that the framework made (without a body, or in plain text: the API
/// itself only answers JSON) into Orange's shape, keeping their headers (`Allow` on a 405).
fn in_orange_shape(response: Response) -> Response {
    let is_error = response.status().is_client_error() || response.status().is_server_error();
    let is_ours = response.headers().get(header::CONTENT_TYPE).is_some_and(|value| !value.as_bytes().starts_with(b"text/plain"));
    if !is_error || is_ours {
        return response;
    }
    let error = match response.status() {
        StatusCode::BAD_REQUEST => ApiError::InvalidUrlParameter,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::REQUEST_TIMEOUT => ApiError::Timeout,
        StatusCode::URI_TOO_LONG => ApiError::UriTooLong,
        StatusCode::NOT_FOUND => ApiError::not_found_path(),
        _ => return response,
    };
    let (parts, _) = response.into_parts();
    let mut rewritten = error.into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            rewritten.headers_mut().entry(name).or_insert(value.clone());
        }
    }
    rewritten
}

/// An error answer with its description in French (`ApiError` left it beside the English one).
fn in_french(response: &mut Response) {
    if let Some(FrenchBody(body)) = response.extensions_mut().remove::<FrenchBody>() {
        // Uncompressed: the English body may have been compressed below.
        response.headers_mut().remove(header::CONTENT_LENGTH);
        response.headers_mut().remove(header::CONTENT_ENCODING);
        response.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("fr"));
        *response.body_mut() = axum::body::Body::from(body);
    }
}

/// A handler that panicked answers 500 code 1; the panic goes to the log, not to the client.
pub fn panic_to_internal_error(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
        .unwrap_or_else(|| "a handler panicked".to_owned());
    ApiError::Internal(format!("panic: {message}").into()).into_response()
}

#[cfg(test)]
mod tests {
    use super::accepts;

    fn accepts_json(accept: &str) -> bool {
        accepts(accept, "application/json")
    }

    #[test]
    fn accept_headers() {
        for yes in ["application/json", "*/*", "text/html, application/json;q=0.5", "application/*", "APPLICATION/JSON; charset=utf-8"] {
            assert!(accepts_json(yes), "{yes}");
        }
        for no in ["text/html", "application/xml", "application/json;q=0", "text/*"] {
            assert!(!accepts_json(no), "{no}");
        }
        assert!(accepts("text/event-stream", super::EVENT_STREAM) && accepts("text/*", super::EVENT_STREAM));
        assert!(!accepts("application/json", super::EVENT_STREAM) && !accepts("text/event-stream;q=0", super::EVENT_STREAM));
    }
}
