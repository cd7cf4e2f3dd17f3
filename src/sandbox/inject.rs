//! The sandbox's layer around every route: a call whose client has a fault waiting, or that asks
//! for one with `Prefer: code=`, answers it; each error is the genuine error path's own rendering
//! (`ApiError`, `OAuthError`), not a copy. Inside the request timeout, so that `timeout` meets
//! the genuine 408.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::book::FaultBook;
use super::fault::Fault;
use crate::auth::header::{basic_credentials, bearer_token};
use crate::auth::secret;
use crate::domain::credentials::TokenKey;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::oauth_error::OAuthError;
use crate::http::paths::{HEALTHZ_PATH, METRICS_PATH, OPENAPI_PATH, READYZ_PATH, TOKEN_PATH};
use crate::http::rate_limit::Decision;
use crate::http::state::AppState;
use crate::store::StoreError;

/// The paths of the control routes, which no fault catches (else none could be cleared).
pub const SANDBOX_PREFIX: &str = "/sandbox/";

/// What the layer and the control routes share.
#[derive(Clone)]
pub struct Sandbox {
    pub app: AppState,
    pub book: Arc<FaultBook>,
    pub simulator: Arc<super::simulator::Simulator>,
}

pub async fn inject(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if [HEALTHZ_PATH, READYZ_PATH, METRICS_PATH, OPENAPI_PATH].contains(&path.as_str()) {
        return next.run(request).await;
    }
    let is_token = path == TOKEN_PATH;
    if !is_token && token_expired_on_demand(&sandbox.book, request.headers()) {
        return ApiError::ExpiredToken.into_response();
    }
    if path.starts_with(SANDBOX_PREFIX) {
        return next.run(request).await;
    }
    match preferred_fault(request.headers()) {
        Ok(Some(fault)) => return answer(fault, is_token, &sandbox.app, request, next).await,
        Ok(None) => {}
        Err(refused) => return refused.into_response(),
    }
    let (client_id, request) = match is_token {
        true => match token_client(&sandbox.app, request).await {
            Ok(found) => found,
            Err(refused) => return refused,
        },
        false => api_client(&sandbox.app, request).await,
    };
    let route = request.extensions().get::<MatchedPath>().map(|route| route.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    match client_id.and_then(|client_id| sandbox.book.take(&client_id, &method, &path, route.as_deref())) {
        Some(fault) => {
            tracing::info!(fault = fault.name(), "sandbox fault answered");
            answer(fault, is_token, &sandbox.app, request, next).await
        }
        None => next.run(request).await,
    }
}

/// Whether the call's bearer token was expired by `POST /sandbox/v1/credentials/expire`.
fn token_expired_on_demand(book: &FaultBook, headers: &HeaderMap) -> bool {
    bearer_token_key(headers).is_some_and(|key| book.token_expired(key.hash))
}

/// What finds the call's access token, when it carries a well-formed one.
pub fn bearer_token_key(headers: &HeaderMap) -> Option<TokenKey> {
    let token = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).and_then(bearer_token);
    token.and_then(secret::access_token_key)
}

/// `Prefer: code=N` (Prism's convention): 401, 429, 500 or 503 for this one call.
fn preferred_fault(headers: &HeaderMap) -> Result<Option<Fault>, ApiError> {
    let preferences = headers.get_all("prefer").iter().filter_map(|value| value.to_str().ok());
    // RFC 7240: preferences are separated by commas, their parameters by semicolons.
    let code = preferences.flat_map(|value| value.split(',')).find_map(|preference| {
        let (name, value) = preference.split(';').next()?.split_once('=')?;
        name.trim().eq_ignore_ascii_case("code").then(|| value.trim().trim_matches('"').to_owned())
    });
    match code.as_deref() {
        None => Ok(None),
        Some("401") => Ok(Some(Fault::ExpiredToken)),
        Some("429") => Ok(Some(Fault::RateLimited { retry_after_seconds: 1 })),
        Some("500") => Ok(Some(Fault::Internal)),
        Some("503") => Ok(Some(Fault::Unavailable)),
        Some(_) => Err(ApiError::InvalidHeader {
            header: "Prefer",
            problem: "the sandbox answers code=401, code=429, code=500 or code=503; leave it out for the genuine answer",
        }),
    }
}

/// The client of an API call, once its credentials are checked; the `Caller` goes on with the
/// request, so that the handler neither checks them again nor counts the call twice.
async fn api_client(app: &AppState, request: Request) -> (Option<String>, Request) {
    let (mut parts, body) = request.into_parts();
    // On an error, the handler answers the genuine one.
    let client_id = Caller::from_request_parts(&mut parts, app).await.ok().map(|caller| {
        let client_id = caller.client_id.clone();
        parts.extensions.insert(caller);
        client_id
    });
    (client_id, Request::from_parts(parts, body))
}

/// The client id a token request names (HTTP Basic or the form), unchecked: it only picks the
/// faults; the handler still authenticates it.
async fn token_client(app: &AppState, request: Request) -> Result<(Option<String>, Request), Response> {
    let basic = request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).and_then(basic_credentials);
    if let Some((client_id, _)) = basic {
        return Ok((Some(client_id), request));
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, app.config.max_body_bytes).await else {
        return Err(OAuthError::PayloadTooLarge.into_response());
    };
    let client_id = form_urlencoded::parse(&bytes).find(|(name, _)| name == "client_id").map(|(_, value)| value.into_owned());
    Ok((client_id, Request::from_parts(parts, Body::from(bytes))))
}

/// What the fault answers, at the API or at the token endpoint.
async fn answer(fault: Fault, is_token: bool, app: &AppState, request: Request, next: Next) -> Response {
    let outage = || StoreError::Unavailable("sandbox fault: unavailable".into());
    let internal = || StoreError::Backend("sandbox fault: internal".into());
    match fault {
        Fault::Slow { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(request).await
        }
        Fault::Timeout => {
            // The request timeout around this layer answers first, with its genuine 408.
            tokio::time::sleep(app.config.request_timeout + Duration::from_secs(1)).await;
            next.run(request).await
        }
        Fault::Reset => reset(),
        Fault::ExpiredToken | Fault::InvalidToken if is_token => OAuthError::InvalidClient.into_response(),
        Fault::RateLimited { retry_after_seconds } if is_token => {
            let limit = app.config.token_requests_per_minute;
            OAuthError::TooManyRequests(Decision::Refused { limit, retry_after: Duration::from_secs(retry_after_seconds) }).into_response()
        }
        Fault::Unavailable if is_token => OAuthError::Unavailable(outage()).into_response(),
        Fault::Internal if is_token => OAuthError::Internal(internal()).into_response(),
        Fault::ExpiredToken => ApiError::ExpiredToken.into_response(),
        Fault::InvalidToken => ApiError::InvalidToken.into_response(),
        Fault::RateLimited { retry_after_seconds } => {
            let limit = app.config.requests_per_minute;
            ApiError::TooManyRequests(Decision::Refused { limit, retry_after: Duration::from_secs(retry_after_seconds) }).into_response()
        }
        Fault::Unavailable => ApiError::Unavailable(outage()).into_response(),
        Fault::Internal => ApiError::Internal(Box::new(internal())).into_response(),
    }
}

/// An answer whose body fails before its first byte: the server closes the connection, and the
/// client sees it drop with no answer.
fn reset() -> Response {
    let failed = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox fault: reset"))
    });
    Response::new(Body::from_stream(failed))
}
