//! The `Caller` extractor: checks an API call's credentials in contract §4's order and names
//! the customer whose orders the call may see.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::answer_cache::{AnswerKey, Request};
use super::error::ApiError;
use super::rate_limit::Decision;
use super::state::AppState;
use crate::auth::header::bearer_token;
use crate::auth::secret::{self, SecretKind};
use crate::domain::credentials::KEY_EXPIRY_WARNING;

pub static X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
pub static X_API_KEY_EXPIRES: HeaderName = HeaderName::from_static("x-api-key-expires");

/// An authenticated caller: a valid token and a valid API key of the same customer.
#[derive(Debug, Clone)]
pub struct Caller {
    pub customer_id: String,
    pub client_id: String,
    pub key_expires_at: OffsetDateTime,
    /// When the access token expires: a live stream ends then, and the client reconnects.
    pub token_expires_at: OffsetDateTime,
    /// The customer's orders version, read with the token (see [`super::answer_cache`]).
    pub orders_version: i64,
    /// Where the client stands against its per-minute limit, when there is one.
    pub rate: Option<Decision>,
}

impl Caller {
    /// Where an answer to this caller's `request` is cached.
    pub fn answer_key(&self, request: Request) -> AnswerKey {
        AnswerKey { customer_id: self.customer_id.clone(), orders_version: self.orders_version, request }
    }

    /// `X-Api-Key-Expires` when the key expires within 30 days, and the rate-limit headers, for
    /// every answer to this caller.
    pub fn response_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if self.key_expires_at - OffsetDateTime::now_utc() <= KEY_EXPIRY_WARNING
            && let Ok(Ok(value)) = self.key_expires_at.format(&Rfc3339).map(HeaderValue::try_from)
        {
            headers.insert(X_API_KEY_EXPIRES.clone(), value);
        }
        if let Some(rate) = &self.rate {
            headers.extend(rate.headers());
        }
        headers
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The sandbox's layer checked them already (`crate::sandbox::inject`).
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let now = OffsetDateTime::now_utc();

        let authorization = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(ApiError::MissingToken)?;
        let token = authorization.to_str().ok().and_then(bearer_token).ok_or(ApiError::MalformedAuthorization)?;
        let token = secret::access_token_key(token).ok_or(ApiError::InvalidToken)?;
        // The key's own header errors still come after the token's; its lookup rides with the token's.
        let key = match parts.headers.get(&X_API_KEY) {
            None => Err(ApiError::MissingApiKey),
            Some(value) => match value.to_str().map(str::trim) {
                Err(_) => Err(ApiError::InvalidApiKey),
                Ok("") => Err(ApiError::MissingApiKey),
                Ok(key) if !secret::well_formed(SecretKind::ApiKey, key) => Err(ApiError::InvalidApiKey),
                Ok(key) => Ok(secret::hash(key)),
            },
        };
        let (token, stored_key) = state.store.find_call_credentials(&token, key.as_ref().ok()).await?;
        let token = token.ok_or(ApiError::InvalidToken)?;
        if token.client_revoked {
            return Err(ApiError::InvalidToken);
        }
        if token.expires_at <= now {
            return Err(ApiError::ExpiredToken);
        }
        key?;
        let key = stored_key.ok_or(ApiError::InvalidApiKey)?;
        if key.revoked_at.is_some() {
            return Err(ApiError::InvalidApiKey);
        }
        if key.expires_at <= now {
            return Err(ApiError::ExpiredApiKey { expired_at: key.expires_at });
        }
        if key.customer_id != token.customer_id {
            return Err(ApiError::ForeignApiKey);
        }

        tracing::Span::current().record("customer_id", tracing::field::display(&token.customer_id));
        // Counted once the caller is known, so that one client cannot spend another's quota.
        let rate = state.limits.api_calls.as_ref().map(|limit| limit.check(&token.client_id));
        if let Some(refused @ Decision::Refused { .. }) = rate {
            return Err(ApiError::TooManyRequests(refused));
        }
        Ok(Caller {
            customer_id: token.customer_id,
            client_id: token.client_id,
            key_expires_at: key.expires_at,
            token_expires_at: token.expires_at,
            orders_version: token.orders_version,
            rate,
        })
    }
}
