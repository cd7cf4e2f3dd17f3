//! Customers, their OAuth clients and their API keys over the admin API: the same operations and
//! answers as the `admin customer|client|key` commands (`src/admin.rs` does the work of both).
//! Secrets are in the answer that makes them, and never again.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use time::{Duration, OffsetDateTime};

use super::caller::Admin;
use super::credential_bodies::{
    CreatedClient, CreatedCustomer, CustomerList, IssuedApiKey, KeyList, KeyListing, KeyValidity, MAX_DAYS, NewClient, NewCustomer,
};
use super::orders::no_such_customer;
use crate::admin;
use crate::domain::credentials::{ApiKey, DEFAULT_KEY_VALIDITY};
use crate::domain::instant::rfc3339;
use crate::http::error::ApiError;
use crate::http::paths::{
    ADMIN_ALL_KEYS_PATH, ADMIN_CLIENT_PATH, ADMIN_CLIENTS_PATH, ADMIN_CUSTOMERS_PATH, ADMIN_KEY_PATH, ADMIN_KEY_RENEW_PATH, ADMIN_KEYS_PATH,
};
use crate::http::state::AppState;
use crate::store::KeyFilter;

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

#[utoipa::path(post, path = ADMIN_CUSTOMERS_PATH, tag = "customers", request_body = NewCustomer,
    responses((status = 201, description = "Created", body = CreatedCustomer)))]
pub async fn create_customer(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedCustomer>), ApiError> {
    let new = NewCustomer::read(&headers, &body)?;
    let customer = admin::create_customer(state.store.as_ref(), &new.name).await?;
    tracing::info!(admin = %admin.name, customer_id = %customer.id, "customer created");
    Ok((StatusCode::CREATED, Json(CreatedCustomer { customer_id: customer.id, name: customer.name })))
}

#[utoipa::path(get, path = ADMIN_CUSTOMERS_PATH, tag = "customers",
    responses((status = 200, description = "Every customer", body = CustomerList)))]
pub async fn list_customers(State(state): State<AppState>, _admin: Admin) -> Result<Json<CustomerList>, ApiError> {
    Ok(Json(CustomerList { customers: state.store.list_customers().await? }))
}

#[utoipa::path(post, path = ADMIN_CLIENTS_PATH, tag = "credentials",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…")),
    request_body(content = Option<NewClient>, description = "Optional: a name for the client"),
    responses((status = 201, description = "Created; the secret is shown only here", body = CreatedClient)))]
pub async fn create_client(
    State(state): State<AppState>,
    admin: Admin,
    Path(customer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedClient>), ApiError> {
    let new = NewClient::read(&headers, &body)?;
    let issued = admin::create_client(state.store.as_ref(), &customer_id, new.name.as_deref())
        .await
        .map_err(|error| customer_error(error, &customer_id))?;
    let client = issued.client;
    tracing::info!(admin = %admin.name, customer_id, client_id = %client.client_id, "client created");
    let created = CreatedClient { client_id: client.client_id, client_secret: issued.client_secret, customer_id: client.customer_id };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes the client and every access token it was issued.
#[utoipa::path(delete, path = ADMIN_CLIENT_PATH, tag = "credentials",
    params(("clientId" = String, Path, description = "The client id, e.g. cli_…")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_client(State(state): State<AppState>, admin: Admin, Path(client_id): Path<String>) -> Result<StatusCode, ApiError> {
    if state.store.find_client(&client_id).await?.is_none() {
        return Err(ApiError::NotFound(format!("No client {client_id:?} exists: check the id.")));
    }
    state.store.revoke_client(&client_id).await?;
    tracing::info!(admin = %admin.name, client_id, "client revoked, and its tokens");
    Ok(StatusCode::NO_CONTENT)
}

/// Issues an API key, valid for the default two years unless the body says otherwise.
#[utoipa::path(post, path = ADMIN_KEYS_PATH, tag = "credentials",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…")),
    request_body(content = Option<KeyValidity>, description = "Optional: the key's validity"),
    responses((status = 201, description = "Issued; the key is shown only here", body = IssuedApiKey)))]
pub async fn issue_key(
    State(state): State<AppState>,
    admin: Admin,
    Path(customer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<IssuedApiKey>), ApiError> {
    let expires_at = KeyValidity::read(&headers, &body)?.expiry().unwrap_or_else(|| OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY);
    let issued =
        admin::issue_key(state.store.as_ref(), &customer_id, expires_at).await.map_err(|error| customer_error(error, &customer_id))?;
    let key = issued.key;
    tracing::info!(admin = %admin.name, customer_id, key_id = %key.key_id, "API key issued");
    let answer = IssuedApiKey { key_id: key.key_id, api_key: issued.api_key, expires_at: key.expires_at, customer_id: key.customer_id };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Moves the key's expiry; without a validity, by the default one from now, never earlier than it was.
#[utoipa::path(post, path = ADMIN_KEY_RENEW_PATH, tag = "credentials",
    params(("keyId" = String, Path, description = "The key id, e.g. key_…")),
    request_body(content = Option<KeyValidity>, description = "Optional: the key's new validity"),
    responses((status = 200, description = "Renewed", body = ApiKey)))]
pub async fn renew_key(
    State(state): State<AppState>,
    admin: Admin,
    Path(key_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ApiKey>, ApiError> {
    let validity = KeyValidity::read(&headers, &body)?;
    let current = state.store.list_api_keys(&KeyFilter::default()).await?.into_iter().find(|key| key.key_id == key_id);
    let Some(current) = current else { return Err(no_such_key(&key_id)) };
    let expires_at = match validity.expiry() {
        Some(at) => at,
        None => (OffsetDateTime::now_utc() + DEFAULT_KEY_VALIDITY).max(current.expires_at),
    };
    let key = state.store.renew_api_key(&key_id, expires_at).await?;
    tracing::info!(admin = %admin.name, key_id, expires_at = %rfc3339(key.expires_at), "API key renewed");
    Ok(Json(key))
}

#[utoipa::path(delete, path = ADMIN_KEY_PATH, tag = "credentials",
    params(("keyId" = String, Path, description = "The key id, e.g. key_…")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_key(State(state): State<AppState>, admin: Admin, Path(key_id): Path<String>) -> Result<StatusCode, ApiError> {
    state.store.revoke_api_key(&key_id).await.map_err(|error| match error {
        crate::store::StoreError::NotFound(_) => no_such_key(&key_id),
        other => other.into(),
    })?;
    tracing::info!(admin = %admin.name, key_id, "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Every API key (revoked and expired ones included), or those the query selects.
#[utoipa::path(get, path = ADMIN_ALL_KEYS_PATH, tag = "credentials", params(KeyListing),
    responses((status = 200, description = "The keys, without their secrets", body = KeyList)))]
pub async fn list_keys(
    State(state): State<AppState>,
    _admin: Admin,
    query: Result<Query<KeyListing>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<KeyList>, ApiError> {
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
    Ok(Json(KeyList { keys: state.store.list_api_keys(&filter).await? }))
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
