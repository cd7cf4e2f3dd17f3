//! Errors of the token endpoint, in the OAuth 2.0 shape of RFC 6749 §5.2.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::{ErrorCode, error_chain};
use super::rate_limit::{Decision, retry_after_seconds};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Undecodable, missing or wrong client credentials, or a revoked client.
    #[error("invalid_client")]
    InvalidClient,
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    #[error("request body too large")]
    PayloadTooLarge,
    /// The client asked for more tokens than its per-minute limit.
    #[error("too many token requests")]
    TooManyRequests(Decision),
    /// Too many failed authentications in a row for this client id.
    #[error("client id locked out")]
    LockedOut { retry_after: std::time::Duration },
    #[error("database unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] StoreError),
}

impl From<StoreError> for OAuthError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => OAuthError::Unavailable(error),
            _ => OAuthError::Internal(error),
        }
    }
}

/// RFC 6749 §5.2 error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// invalid_request, invalid_client, unsupported_grant_type, too_many_requests,
    /// temporarily_unavailable or server_error.
    pub error: &'static str,
    pub error_description: String,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let (status, error, description) = match &self {
            OAuthError::InvalidClient => (
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed: send HTTP Basic credentials (client_id:client_secret) of an active client.".to_owned(),
            ),
            OAuthError::InvalidRequest(what) => (StatusCode::BAD_REQUEST, "invalid_request", (*what).to_owned()),
            OAuthError::UnsupportedGrantType => {
                (StatusCode::BAD_REQUEST, "unsupported_grant_type", "Only grant_type=client_credentials is supported.".to_owned())
            }
            OAuthError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "The request body is too large.".to_owned()),
            OAuthError::TooManyRequests(decision) => {
                let (limit, wait) = match decision {
                    Decision::Refused { limit, retry_after } => (*limit, retry_after_seconds(*retry_after)),
                    Decision::Allowed { limit, .. } => (*limit, 1),
                };
                let description = format!(
                    "Too many token requests for this client: at most {limit} a minute. Retry after {wait} s, and reuse each token until it expires."
                );
                (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", description)
            }
            OAuthError::LockedOut { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "Too many failed authentications for this client id: it is locked for {} s. Check the client secret before retrying.",
                    retry_after_seconds(*retry_after)
                ),
            ),
            OAuthError::Unavailable(source) => {
                tracing::warn!(error = %error_chain(source), "database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "The database is temporarily unreachable: retry in a few seconds.".to_owned(),
                )
            }
            OAuthError::Internal(source) => {
                tracing::error!(error = %error_chain(source), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "An unexpected error occurred: retry later, and quote the X-OAPI-Request-Id header to support if it persists."
                        .to_owned(),
                )
            }
        };
        let mut response = (status, axum::Json(OAuthErrorBody { error, error_description: description })).into_response();
        response.extensions_mut().insert(ErrorCode(error));
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if matches!(self, OAuthError::InvalidClient) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="Authorization Required""#));
        }
        match &self {
            OAuthError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            OAuthError::TooManyRequests(decision) => headers.extend(decision.headers()),
            OAuthError::LockedOut { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds(*retry_after)));
            }
            _ => {}
        }
        response
    }
}
