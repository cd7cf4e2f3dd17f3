//! `POST /oauth/v3/token`: OAuth 2.0 client-credentials tokens (contract §3).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use std::time::Instant;

use time::OffsetDateTime;

use crate::auth::header::basic_credentials;
use crate::auth::secret::{self, SecretKind};
use crate::domain::credentials::Client;
use crate::http::oauth_error::OAuthError;
use crate::http::paths::TOKEN_PATH;
use crate::http::rate_limit::Decision;
use crate::http::state::AppState;
use crate::store::NewAccessToken;

pub fn router() -> Router<AppState> {
    Router::new().route(TOKEN_PATH, post(issue_token))
}

/// A successful token answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Always "Bearer".
    pub token_type: &'static str,
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
}

/// The form body of a token request (documentation of what `read_form` accepts). A client that
/// cannot use HTTP Basic sends `client_id` and `client_secret` in this form instead, never both
/// ways (RFC 6749 §2.3.1); other parameters are ignored.
// The two body credentials are left out of the schema: OpenAPI cannot tie them to the absence of
// HTTP Basic, and with it they make a valid-looking request that the server rightly refuses.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TokenRequestForm {
    grant_type: GrantType,
    /// Accepted and ignored.
    #[schema(required = false)]
    scope: String,
}

/// The only grant type served.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    ClientCredentials,
}

/// The form fields of a token request, each at most once.
#[derive(Default)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn read_form(headers: &HeaderMap, body: &[u8]) -> Result<TokenForm, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::InvalidRequest("The body must be a form: send Content-Type: application/x-www-form-urlencoded."));
    }
    let mut form = TokenForm::default();
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "grant_type" => &mut form.grant_type,
            "client_id" => &mut form.client_id,
            "client_secret" => &mut form.client_secret,
            _ => continue, // scope and other extensions are accepted and ignored
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(OAuthError::InvalidRequest("A parameter is given more than once: give each parameter once."));
        }
    }
    Ok(form)
}

/// Client authentication by HTTP Basic or by form fields, never both.
fn client_credentials(headers: &HeaderMap, form: &TokenForm) -> Result<(String, String), OAuthError> {
    let in_body = form.client_id.is_some() || form.client_secret.is_some();
    match headers.get(header::AUTHORIZATION) {
        Some(_) if in_body => Err(OAuthError::InvalidRequest(
            "Client credentials were sent both in the Authorization header and in the body: use one of them.",
        )),
        Some(value) => value.to_str().ok().and_then(basic_credentials).ok_or(OAuthError::InvalidClient),
        None => match (&form.client_id, &form.client_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err(OAuthError::InvalidClient),
        },
    }
}

/// The active client these credentials name. A locked-out id is refused before its secret is
/// checked; every failure counts towards a lock-out and is logged (the secret never is).
async fn authenticate(state: &AppState, client_id: &str, client_secret: &str) -> Result<Client, OAuthError> {
    let lockout = &state.limits.lockout;
    if let Some(retry_after) = lockout.locked_for(client_id, Instant::now()) {
        tracing::warn!(client_id, "token request refused: client id locked out after failed authentications");
        return Err(OAuthError::LockedOut { retry_after });
    }
    // A malformed secret cannot match; past that, an unknown id and a wrong secret take the same path.
    let client = if secret::well_formed(SecretKind::ClientSecret, client_secret) && !client_id.contains('\0') {
        let client = state.store.find_client(client_id).await?;
        let stored_hash = client.as_ref().map_or_else(secret::dummy_hash, |client| client.secret_hash);
        let secret_matches = secret::verify(client_secret, &stored_hash);
        client.filter(|client| secret_matches && client.revoked_at.is_none())
    } else {
        None
    };
    match client {
        Some(client) => {
            lockout.succeeded(client_id);
            Ok(client)
        }
        None => {
            let locked = lockout.failed(client_id, Instant::now());
            tracing::warn!(client_id, locked_out = locked.is_some(), "client authentication failed");
            Err(OAuthError::InvalidClient)
        }
    }
}

/// Issues an access token to a client that authenticates with HTTP Basic (`client_id:client_secret`),
/// or with `client_id` and `client_secret` in the form body instead (never both).
#[utoipa::path(
    post,
    path = TOKEN_PATH,
    tag = "oauth",
    request_body(content = TokenRequestForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("basic" = [])),
    responses(
        (status = 200, description = "A token", body = TokenResponse,
            headers(("Cache-Control" = String, description = "no-store"), ("Pragma" = String, description = "no-cache"))),
        (status = 400, description = "invalid_request or unsupported_grant_type", body = crate::http::oauth_error::OAuthErrorBody),
        (status = 401, description = "invalid_client", body = crate::http::oauth_error::OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "Basic realm=\"Authorization Required\""))),
        (status = 413, description = "Body too large", body = crate::http::oauth_error::OAuthErrorBody),
        (status = 429, description = "too_many_requests: more token requests than the client's per-minute limit, or a client id locked out after failed authentications",
            body = crate::http::oauth_error::OAuthErrorBody,
            headers(("Retry-After" = String, description = "Seconds to wait before retrying"))),
        (status = 500, description = "server_error: unexpected failure (details only in the log)", body = crate::http::oauth_error::OAuthErrorBody),
        (status = 503, description = "temporarily_unavailable: the database is unreachable", body = crate::http::oauth_error::OAuthErrorBody,
            headers(("Retry-After" = String, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn issue_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, OAuthError> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => OAuthError::PayloadTooLarge,
        _ => OAuthError::InvalidRequest("The request body could not be read."),
    })?;
    let form = read_form(&headers, &body)?;
    match form.grant_type.as_deref() {
        None => return Err(OAuthError::InvalidRequest("Missing grant_type in body: send grant_type=client_credentials.")),
        Some("client_credentials") => {}
        Some(_) => return Err(OAuthError::UnsupportedGrantType),
    }
    let (client_id, client_secret) = client_credentials(&headers, &form)?;

    let client = authenticate(&state, &client_id, &client_secret).await?;
    if let Some(refused @ Decision::Refused { .. }) = state.limits.token_requests.as_ref().map(|limit| limit.check(&client.client_id)) {
        tracing::warn!(client_id = %client.client_id, "token request over the client's per-minute limit");
        return Err(OAuthError::TooManyRequests(refused));
    }

    let (token, key) = secret::generate_access_token(OffsetDateTime::now_utc() + state.config.token_ttl);
    state
        .store
        .insert_access_token(NewAccessToken { key, client_id: client.client_id.clone(), customer_id: client.customer_id.clone() })
        .await?;
    tracing::Span::current().record("customer_id", tracing::field::display(&client.customer_id));

    let body = TokenResponse { token_type: "Bearer", access_token: token.text, expires_in: state.config.token_ttl.whole_seconds() };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}
