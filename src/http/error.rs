//! The API's errors, each with Orange's HTTP status and code (contract §7), rendered in one
//! place as `{"code", "message", "description"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::rate_limit::{Decision, retry_after_seconds};
// The French words live with the English ones of the portal, in `i18n`, and speak of these errors.
use crate::i18n::api_errors; // import loop: one catalogue of both languages
use crate::query::QueryError;
use crate::store::StoreError;

/// What the problems of invalid orders all are: lines that are not JSON, required fields left
/// out, or anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderProblems {
    NotJson,
    MissingFields,
    InvalidFields,
}

/// The JSON of an error answer with its description in French (`middleware::in_language`).
#[derive(Debug, Clone)]
pub struct FrenchBody(pub axum::body::Bytes);

/// Orange's code of an error answer (or the OAuth `error`), left on the response for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

/// Everything an API call can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no bearer token")]
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>` (often the prefix is missing).
    #[error("authorization is not a bearer token")]
    MalformedAuthorization,
    #[error("unknown or revoked token")]
    InvalidToken,
    /// The admin API was called without a bearer token.
    #[error("no admin token")]
    MissingAdminToken,
    /// The bearer token is no admin token, or one unknown or revoked.
    #[error("unknown or revoked admin token")]
    InvalidAdminToken,
    /// Orders that do not pass validation: every problem, with where it is, and what kind they all are.
    #[error("invalid orders")]
    InvalidOrders { problems: Vec<String>, kind: OrderProblems },
    #[error("expired token")]
    ExpiredToken,
    #[error("no API key")]
    MissingApiKey,
    #[error("unknown or revoked API key")]
    InvalidApiKey,
    #[error("expired API key")]
    ExpiredApiKey { expired_at: OffsetDateTime },
    #[error("API key of another customer")]
    ForeignApiKey,
    #[error(transparent)]
    InvalidQuery(#[from] QueryError),
    /// A request that must have a body came without one.
    #[error("missing body")]
    MissingBody,
    /// A body that is not what the operation reads (not JSON, not an object); says why.
    #[error("invalid body: {0}")]
    InvalidBody(String),
    /// A required member of the body is absent.
    #[error("missing body field {0}")]
    MissingBodyField(&'static str),
    /// A member of the body has a value the operation refuses; says why and what to do.
    #[error("invalid body field {field}")]
    InvalidBodyField { field: &'static str, problem: String },
    /// A request header whose value the operation cannot read; says why.
    #[error("invalid header {header}")]
    InvalidHeader { header: &'static str, problem: &'static str },
    /// A path segment the framework could not decode.
    #[error("invalid URL parameter")]
    InvalidUrlParameter,
    /// The description says what was not found and what to do.
    #[error("not found: {0}")]
    NotFound(String),
    /// A path the API does not have.
    #[error("no such path")]
    NoSuchPath,
    /// An order id that is not among the caller's (another customer's included).
    #[error("no such order")]
    NoSuchOrder(String),
    /// A subscription id that is not among the caller's.
    #[error("no such subscription")]
    NoSuchSubscription(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    /// `If-Match` named another version of the resource than the stored one.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A body of a `Content-Type` the operation does not read; names the ones it does.
    #[error("unsupported media type")]
    UnsupportedMediaType { accepted: &'static str },
    #[error("not acceptable")]
    NotAcceptable,
    #[error("request timed out")]
    Timeout,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("request URI too long")]
    UriTooLong,
    #[error("request header fields too large")]
    HeadersTooLarge { size: usize, limit: usize },
    /// The client's API calls went over its per-minute limit.
    #[error("too many requests")]
    TooManyRequests(Decision),
    #[error("database unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} was not found.")),
            StoreError::Unavailable(_) => ApiError::Unavailable(error),
            StoreError::PreconditionFailed => ApiError::PreconditionFailed,
            StoreError::Conflict(_) | StoreError::Backend(_) => ApiError::Internal(Box::new(error)),
        }
    }
}

/// Orange's error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Orange's error code, e.g. 41.
    pub code: u16,
    /// A short label of the code, e.g. "Invalid credentials".
    pub message: &'static str,
    /// What happened and what to do.
    pub description: String,
}

const ADMIN_HOW_TO: &str = "send 'Authorization: Bearer adm_...' with a token from `order-tracking admin token create`";
/// Problems an invalid import's answer lists at most.
const PROBLEMS_SHOWN: usize = 100;
const BEARER_HOW_TO: &str = "send 'Authorization: Bearer <access_token>' with a token from POST /oauth/v3/token";

impl ApiError {
    /// The answer to a path the API does not have.
    pub fn not_found_path() -> Self {
        ApiError::NoSuchPath
    }

    /// The answer to an order id that is not among the caller's (another customer's included).
    pub fn no_such_order(order_id: &str) -> Self {
        ApiError::NoSuchOrder(order_id.to_owned())
    }

    /// HTTP status, Orange code and label.
    pub fn status_code_message(&self) -> (StatusCode, u16, &'static str) {
        use ApiError::*;
        match self {
            MissingToken | MalformedAuthorization | MissingApiKey | MissingAdminToken => {
                (StatusCode::UNAUTHORIZED, 40, "Missing credentials")
            }
            InvalidToken | InvalidApiKey | InvalidAdminToken => (StatusCode::UNAUTHORIZED, 41, "Invalid credentials"),
            InvalidOrders { kind: OrderProblems::NotJson, .. } => (StatusCode::BAD_REQUEST, 22, "Invalid body"),
            InvalidOrders { kind: OrderProblems::MissingFields, .. } => (StatusCode::BAD_REQUEST, 23, "Missing body field"),
            InvalidOrders { kind: OrderProblems::InvalidFields, .. } => (StatusCode::BAD_REQUEST, 24, "Invalid body field"),
            ExpiredToken | ExpiredApiKey { .. } => (StatusCode::UNAUTHORIZED, 42, "Expired credentials"),
            ForeignApiKey => (StatusCode::FORBIDDEN, 50, "Access denied"),
            InvalidQuery(_) => (StatusCode::BAD_REQUEST, 28, "Invalid query-string parameter value"),
            InvalidUrlParameter => (StatusCode::BAD_REQUEST, 20, "Invalid URL parameter value"),
            InvalidHeader { .. } => (StatusCode::BAD_REQUEST, 26, "Invalid header value"),
            MissingBody => (StatusCode::BAD_REQUEST, 21, "Missing body"),
            InvalidBody(_) => (StatusCode::BAD_REQUEST, 22, "Invalid body"),
            MissingBodyField(_) => (StatusCode::BAD_REQUEST, 23, "Missing body field"),
            InvalidBodyField { .. } => (StatusCode::BAD_REQUEST, 24, "Invalid body field"),
            NotFound(_) | NoSuchPath | NoSuchOrder(_) | NoSuchSubscription(_) => (StatusCode::NOT_FOUND, 60, "Resource not found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, 61, "Method not allowed"),
            PreconditionFailed => (StatusCode::PRECONDITION_FAILED, 65, "Precondition failed"),
            UnsupportedMediaType { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, 68, "Unsupported media type"),
            NotAcceptable => (StatusCode::NOT_ACCEPTABLE, 62, "Not acceptable"),
            Timeout => (StatusCode::REQUEST_TIMEOUT, 63, "Request time-out"),
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, 66, "Request entity too large"),
            UriTooLong => (StatusCode::URI_TOO_LONG, 67, "Request-URI too long"),
            // Orange's table has no 431: its "invalid header" code, with the HTTP status that says why.
            HeadersTooLarge { .. } => (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, 26, "Invalid header value"),
            TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, 53, "Too many requests"),
            Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, 5, "The service is temporarily unavailable"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, 1, "Internal error"),
        }
    }

    /// What happened and what to do, in the language: French with `Accept-Language: fr`
    /// (`crate::i18n::api_errors`), English otherwise.
    pub fn description_in(&self, language: crate::i18n::Language) -> String {
        match language {
            crate::i18n::Language::En => self.description(),
            crate::i18n::Language::Fr => api_errors::french(self),
        }
    }

    fn description(&self) -> String {
        use ApiError::*;
        match self {
            MissingToken => format!("The service needs credentials, but none were provided: {BEARER_HOW_TO}."),
            MalformedAuthorization => format!(
                "The service needs credentials, but the Authorization header holds no bearer token (is the 'Bearer ' prefix missing?): {BEARER_HOW_TO}."
            ),
            InvalidToken => format!("The service needs credentials, but the access token provided is invalid or revoked: {BEARER_HOW_TO}."),
            MissingAdminToken => format!("The admin API needs credentials, but none were provided: {ADMIN_HOW_TO}."),
            InvalidAdminToken => format!("The admin API needs credentials, but the bearer token is no admin token, or one unknown or revoked: {ADMIN_HOW_TO}."),
            InvalidOrders { problems, .. } => {
                let shown: Vec<&str> = problems.iter().take(PROBLEMS_SHOWN).map(String::as_str).collect();
                let more = problems.len().saturating_sub(PROBLEMS_SHOWN);
                let more = if more > 0 { format!("; and {more} more") } else { String::new() };
                format!("Nothing was written: fix every problem and send the orders again: {}{more}.", shown.join("; "))
            }
            ExpiredToken => "The service needs credentials, and the access token provided is out of date: request a new one from POST /oauth/v3/token.".into(),
            MissingApiKey => "The service needs credentials, but no API key was provided: send it in the X-Api-Key header.".into(),
            InvalidApiKey => "The service needs credentials, but the API key provided in X-Api-Key is invalid or revoked: check it, or ask support for a new one.".into(),
            ExpiredApiKey { expired_at } => format!(
                "The service needs credentials, and the API key provided expired on {}: ask support to renew it (the key itself does not change).",
                expired_at.format(&Rfc3339).unwrap_or_default()
            ),
            ForeignApiKey => "The API key and the access token belong to different customers: use the API key issued with your OAuth client.".into(),
            InvalidQuery(error) => format!("Invalid query parameter '{}': {}.", error.parameter, error.problem.trim_end_matches('.')),
            InvalidUrlParameter => "A part of the URL path could not be decoded: percent-encode it as UTF-8.".into(),
            InvalidHeader { header, problem } => format!("Invalid header '{header}': {problem}."),
            MissingBody => "This operation needs a JSON body, and the request had none: send one with Content-Type: application/json.".into(),
            InvalidBody(problem) => format!("The request body is not what this operation reads: {problem}."),
            MissingBodyField(field) => format!("The request body has no '{field}': it is required."),
            InvalidBodyField { field, problem } => format!("Invalid body field '{field}': {}.", problem.trim_end_matches('.')),
            NotFound(description) => description.clone(),
            NoSuchPath => "No resource exists at this path: /order-tracking/b2b/v1/openapi.json lists the API's paths.".into(),
            NoSuchOrder(id) => format!("No order {id:?} was found among your orders: check the id (the list of your orders gives them)."),
            NoSuchSubscription(id) => format!("No subscription {id} exists among yours: GET {} lists them.", super::paths::HUB_PATH),
            MethodNotAllowed => "This method is not allowed on this resource: see the Allow header.".into(),
            PreconditionFailed => "The order changed since the ETag given in If-Match: read it again (GET gives its ETag), then retry with that one.".into(),
            UnsupportedMediaType { accepted } => format!("This operation reads a body of Content-Type {accepted}: send one of those."),
            NotAcceptable => "This API answers application/json only: accept application/json (or */*).".into(),
            Timeout => "The request took too long to process: retry later, or narrow the query.".into(),
            PayloadTooLarge => "The request body is too large.".into(),
            UriTooLong => "The request URI is too long: use fewer or shorter query parameters.".into(),
            HeadersTooLarge { size, limit } => {
                format!("The request's header fields take {size} bytes, more than the {limit} allowed: send fewer or shorter headers.")
            }
            TooManyRequests(decision) => match decision {
                Decision::Refused { limit, retry_after } => format!(
                    "Too many requests from this client: at most {limit} a minute. Retry after {} s (see Retry-After).",
                    retry_after_seconds(*retry_after)
                ),
                Decision::Allowed { .. } => "Too many requests from this client: retry later.".into(),
            },
            Unavailable(_) => "The database is temporarily unreachable: retry in a few seconds.".into(),
            Internal(_) => "An unexpected error occurred: retry later, and quote the X-OAPI-Request-Id header to support if it persists.".into(),
        }
    }

    /// `WWW-Authenticate` for 401 answers (RFC 6750 §3): `error="invalid_token"` when the
    /// token itself was at fault.
    fn challenge(&self) -> Option<&'static str> {
        use ApiError::*;
        match self {
            MissingToken | MalformedAuthorization | MissingApiKey | InvalidApiKey | ExpiredApiKey { .. } => {
                Some(r#"Bearer realm="order-tracking""#)
            }
            MissingAdminToken => Some(r#"Bearer realm="order-tracking-admin""#),
            InvalidAdminToken => Some(r#"Bearer realm="order-tracking-admin", error="invalid_token""#),
            InvalidToken => Some(r#"Bearer realm="order-tracking", error="invalid_token", error_description="unknown or revoked token""#),
            ExpiredToken => Some(r#"Bearer realm="order-tracking", error="invalid_token", error_description="the token expired""#),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.status_code_message();
        match &self {
            ApiError::Internal(source) => tracing::error!(error = %error_chain(source.as_ref()), "internal error"),
            ApiError::Unavailable(source) => tracing::warn!(error = %error_chain(source), "database unavailable"),
            _ => {}
        }
        // Also in French, for the middleware to answer a caller that asks for it.
        let french = ErrorBody { code, message, description: self.description_in(crate::i18n::Language::Fr) };
        let french = FrenchBody(serde_json::to_vec(&french).expect("an error body serializes").into());
        let body = ErrorBody { code, message, description: self.description() };
        let mut response = (status, axum::Json(body)).into_response();
        response.extensions_mut().insert(french);
        response.extensions_mut().insert(ErrorCode(code_label(code)));
        if let Some(challenge) = self.challenge() {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        if matches!(self, ApiError::Unavailable(_)) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if let ApiError::TooManyRequests(decision) = &self {
            response.headers_mut().extend(decision.headers());
        }
        response
    }
}

/// The code as a metrics label (labels are static strings: no allocation per error).
fn code_label(code: u16) -> &'static str {
    match code {
        1 => "1",
        5 => "5",
        20 => "20",
        21 => "21",
        22 => "22",
        23 => "23",
        24 => "24",
        26 => "26",
        28 => "28",
        40 => "40",
        41 => "41",
        42 => "42",
        50 => "50",
        53 => "53",
        60 => "60",
        61 => "61",
        62 => "62",
        63 => "63",
        66 => "66",
        67 => "67",
        _ => "other",
    }
}

/// An error and all its causes on one line, for the log; a cause already told is not repeated.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let told = cause.to_string();
        if !text.ends_with(&told) {
            text.push_str(": ");
            text.push_str(&told);
        }
        source = cause.source();
    }
    text
}
