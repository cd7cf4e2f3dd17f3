//! Customers, their OAuth clients and their API keys over the admin API: the same operations and
//! answers as the `admin customer|client|key` commands (`src/admin.rs` does the work of both).
//! Secrets are in the answer that makes them, and never again.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::caller::Admin;
use super::orders::{json_body, no_such_customer};
use crate::admin;
use crate::domain::credentials::{ApiKey, DEFAULT_KEY_VALIDITY, MAX_KEY_DAYS};
use crate::domain::instant::rfc3339;
use crate::http::error::ApiError;
use crate::http::paths::{
    ADMIN_ALL_KEYS_PATH, ADMIN_CLIENT_PATH, ADMIN_CLIENTS_PATH, ADMIN_CUSTOMERS_PATH, ADMIN_KEY_PATH, ADMIN_KEY_RENEW_PATH, ADMIN_KEYS_PATH,
};
use crate::http::state::AppState;
use crate::store::KeyFilter;

const MAX_DAYS: i64 = MAX_KEY_DAYS as i64;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(ADMIN_CUSTOMERS_PATH, post(create_customer).get(list_customers))
        .route(ADMIN_CLIENTS_PATH, post(create_client))
        .route(ADMIN_CLIENT_PATH, delete(revoke_client))
        .route(ADMIN_KEYS_PATH, post(issue_key))
        .route(ADMIN_KEY_RENEW_PATH, post(renew_key))
        .route(ADMIN_KEY_PATH, delete(revoke_key))
        .route(ADMIN_ALL_KEYS_PATH, get(list_keys))
}

const JSON: &[&str] = &["application/json"];

async fn create_customer(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = json_body(&headers, &body, JSON)?;
    let name = match body.get("name") {
        None | Some(Value::Null) => return Err(ApiError::MissingBodyField("name")),
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_owned(),
        Some(_) => return Err(ApiError::InvalidBodyField { field: "name", problem: "it must be a non-empty string".into() }),
    };
    let customer = admin::create_customer(state.store.as_ref(), &name).await?;
    tracing::info!(admin = %admin.name, customer_id = %customer.id, "customer created");
    Ok((StatusCode::CREATED, Json(json!({"customerId": customer.id, "name": customer.name}))))
}

async fn list_customers(State(state): State<AppState>, _admin: Admin) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "customers": state.store.list_customers().await? })))
}

async fn create_client(
    State(state): State<AppState>,
    admin: Admin,
    Path(customer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // The body is optional: a name, if the operator gives one.
    let name = if body.is_empty() {
        None
    } else {
        match json_body(&headers, &body, JSON)?.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name.clone()),
            Some(_) => return Err(ApiError::InvalidBodyField { field: "name", problem: "it must be a string".into() }),
        }
    };
    let issued = admin::create_client(state.store.as_ref(), &customer_id, name.as_deref())
        .await
        .map_err(|error| customer_error(error, &customer_id))?;
    let client = &issued.client;
    tracing::info!(admin = %admin.name, customer_id, client_id = %client.client_id, "client created");
    Ok((
        StatusCode::CREATED,
        Json(json!({"clientId": client.client_id, "clientSecret": issued.client_secret, "customerId": client.customer_id})),
    ))
}

async fn revoke_client(State(state): State<AppState>, admin: Admin, Path(client_id): Path<String>) -> Result<StatusCode, ApiError> {
    if state.store.find_client(&client_id).await?.is_none() {
        return Err(ApiError::NotFound(format!("No client {client_id:?} exists: check the id.")));
    }
    state.store.revoke_client(&client_id).await?;
    tracing::info!(admin = %admin.name, client_id, "client revoked, and its tokens");
    Ok(StatusCode::NO_CONTENT)
}

async fn issue_key(
    State(state): State<AppState>,
    admin: Admin,
    Path(customer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let expires_at = validity(&headers, &body)?.unwrap_or_else(|| OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY);
    let issued =
        admin::issue_key(state.store.as_ref(), &customer_id, expires_at).await.map_err(|error| customer_error(error, &customer_id))?;
    let key = &issued.key;
    tracing::info!(admin = %admin.name, customer_id, key_id = %key.key_id, "API key issued");
    Ok((
        StatusCode::CREATED,
        Json(json!({"keyId": key.key_id, "apiKey": issued.api_key, "expiresAt": rfc3339(key.expires_at), "customerId": key.customer_id})),
    ))
}

/// Moves the key's expiry; without a validity, by the default one from now, never earlier than it was.
async fn renew_key(
    State(state): State<AppState>,
    admin: Admin,
    Path(key_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ApiKey>, ApiError> {
    let current = state.store.list_api_keys(&KeyFilter::default()).await?.into_iter().find(|key| key.key_id == key_id);
    let Some(current) = current else { return Err(no_such_key(&key_id)) };
    let expires_at = match validity(&headers, &body)? {
        Some(at) => at,
        None => (OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY).max(current.expires_at),
    };
    let key = state.store.renew_api_key(&key_id, expires_at).await?;
    tracing::info!(admin = %admin.name, key_id, expires_at = %rfc3339(key.expires_at), "API key renewed");
    Ok(Json(key))
}

async fn revoke_key(State(state): State<AppState>, admin: Admin, Path(key_id): Path<String>) -> Result<StatusCode, ApiError> {
    state.store.revoke_api_key(&key_id).await.map_err(|error| match error {
        crate::store::StoreError::NotFound(_) => no_such_key(&key_id),
        other => other.into(),
    })?;
    tracing::info!(admin = %admin.name, key_id, "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyListing {
    expiring_within_days: Option<i64>,
    customer_id: Option<String>,
}

async fn list_keys(
    State(state): State<AppState>,
    _admin: Admin,
    query: Result<Query<KeyListing>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(listing) = query.map_err(|rejection| {
        ApiError::InvalidQuery(crate::query::QueryError {
            parameter: "expiringWithinDays".into(),
            problem: format!("takes a number of days, and customerId an id ({})", rejection.body_text()),
        })
    })?;
    if listing.expiring_within_days.is_some_and(|days| !(0..=MAX_DAYS).contains(&days)) {
        return Err(ApiError::InvalidQuery(crate::query::QueryError {
            parameter: "expiringWithinDays".into(),
            problem: format!("must be from 0 to {MAX_DAYS}"),
        }));
    }
    let filter = KeyFilter {
        customer_id: listing.customer_id,
        expiring_before: listing.expiring_within_days.map(|days| OffsetDateTime::now_utc() + Duration::days(days)),
    };
    Ok(Json(json!({ "keys": state.store.list_api_keys(&filter).await? })))
}

/// `{"validDays": N}` or `{"expiresAt": "RFC 3339"}`, or nothing (no body, or neither).
fn validity(headers: &HeaderMap, body: &Bytes) -> Result<Option<OffsetDateTime>, ApiError> {
    if body.is_empty() {
        return Ok(None);
    }
    let body = json_body(headers, body, JSON)?;
    let (days, at) = (body.get("validDays").filter(|v| !v.is_null()), body.get("expiresAt").filter(|v| !v.is_null()));
    match (days, at) {
        (Some(_), Some(_)) => {
            Err(ApiError::InvalidBodyField { field: "validDays", problem: "give validDays or expiresAt, not both".into() })
        }
        (Some(days), None) => match days.as_i64() {
            Some(days) if (1..=MAX_DAYS).contains(&days) => Ok(Some(OffsetDateTime::now_utc() + Duration::days(days))),
            _ => Err(ApiError::InvalidBodyField {
                field: "validDays",
                problem: format!("it must be a whole number of days from 1 to {MAX_DAYS}"),
            }),
        },
        (None, Some(at)) => {
            at.as_str().and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok()).map(Some).ok_or_else(|| ApiError::InvalidBodyField {
                field: "expiresAt",
                problem: "it must be an RFC 3339 date-time such as 2028-01-31T00:00:00Z".into(),
            })
        }
        (None, None) => Ok(None),
    }
}

fn customer_error(error: crate::store::StoreError, customer_id: &str) -> ApiError {
    match error {
        crate::store::StoreError::NotFound(_) => no_such_customer(customer_id),
        other => other.into(),
    }
}

fn no_such_key(key_id: &str) -> ApiError {
    ApiError::NotFound(format!("No API key {key_id:?} exists: GET /admin/v1/keys lists them."))
}
