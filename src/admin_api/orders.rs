//! One order of a customer's, as a pipeline writes it: `PUT` (create or replace), `PATCH` (RFC
//! 7396 merge patch), `DELETE`, `GET`; and `GET` of the list, with the customer API's query.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::body::{JSON, MERGE_PATCH, json_body};
use super::caller::Admin;
use super::merge_patch::merge;
use super::preconditions::IfMatch;
use crate::domain::order::Order;
use crate::domain::validation::{Problem, parse_order};
use crate::http::error::{ApiError, OrderProblems};
use crate::http::paths::{ADMIN_ORDER_PATH, ADMIN_ORDERS_PATH};
use crate::http::routes::orders::{link_header, order_etag, render_list};
use crate::http::state::AppState;
use crate::query::parse_query;
use crate::store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(ADMIN_ORDERS_PATH, get(list_orders))
        .route(ADMIN_ORDER_PATH, get(read_order).put(put_order).patch(patch_order).delete(delete_order))
}

/// Times a patch is merged again onto an order that changed while it was being merged.
const PATCH_ATTEMPTS: usize = 5;

/// Creates (201) or replaces (200) the order, validated as `admin import` validates it.
#[utoipa::path(put, path = ADMIN_ORDER_PATH, tag = "orders",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…"), ("orderId" = String, Path, description = "The order id, e.g. 123456"), ("If-Match" = Option<String>, Header, description = "The order's ETag as last read: the write is made only if the order is still that one, else 412 (code 65)")),
    request_body(content = Order, description = "The whole order, validated as `admin import` validates it; its `id` must be the path's"),
    responses(
        (status = 201, description = "Created", body = Order, headers(("ETag" = String, description = "The order's entity tag, for If-Match"))),
        (status = 200, description = "Replaced", body = Order, headers(("ETag" = String, description = "The order's entity tag, for If-Match")))))]
pub async fn put_order(
    State(state): State<AppState>,
    admin: Admin,
    Path((customer_id, order_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value = json_body(&headers, &body, JSON)?;
    let order = valid_order(value, &order_id)?;
    let if_match = IfMatch::read(&headers)?;
    // What the store keeps of it, and so what a GET answers: serialized here, not read back.
    let document = order.to_document();
    let summary = state.store.put_order(&customer_id, order, if_match.map(IfMatch::precondition)).await?;
    let created = summary.created == 1;
    tracing::info!(admin = %admin.name, customer_id, order_id, created, "order written");
    Ok(order_answer(document.as_str(), if created { StatusCode::CREATED } else { StatusCode::OK }))
}

/// Merges the patch onto the stored order and writes the result, validated as a whole, if the
/// order did not change meanwhile (else merged again onto the new one, unless `If-Match` said
/// which one it had to be).
#[utoipa::path(patch, path = ADMIN_ORDER_PATH, tag = "orders",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…"), ("orderId" = String, Path, description = "The order id, e.g. 123456"), ("If-Match" = Option<String>, Header, description = "The order's ETag as last read: the write is made only if the order is still that one, else 412 (code 65)")),
    request_body(content = Object, content_type = "application/merge-patch+json",
        description = "An RFC 7396 merge patch: members to set, `null` for members to remove; the merged order is validated as a whole"),
    responses((status = 200, description = "Patched", body = Order, headers(("ETag" = String, description = "The order's entity tag, for If-Match")))))]
pub async fn patch_order(
    State(state): State<AppState>,
    admin: Admin,
    Path((customer_id, order_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let patch = json_body(&headers, &body, MERGE_PATCH)?;
    let if_match = IfMatch::read(&headers)?;
    for _ in 0..PATCH_ATTEMPTS {
        let stored = state.store.get_order(&customer_id, &order_id).await?.ok_or_else(|| no_such_order(&customer_id, &order_id))?;
        if if_match.as_ref().is_some_and(|if_match| !if_match.holds(Some(stored.as_str()))) {
            return Err(ApiError::PreconditionFailed);
        }
        let mut document: Value = serde_json::from_str(stored.as_str()).map_err(|error| ApiError::Internal(Box::new(error)))?;
        merge(&mut document, patch.clone());
        let order = valid_order(document, &order_id)?;
        let read = order_etag(stored.as_str());
        let unchanged = move |now: Option<&str>| now.is_some_and(|now| order_etag(now) == read);
        let document = order.to_document();
        match state.store.put_order(&customer_id, order, Some(Box::new(unchanged))).await {
            Ok(_) => {
                tracing::info!(admin = %admin.name, customer_id, order_id, "order patched");
                return Ok(order_answer(document.as_str(), StatusCode::OK));
            }
            Err(StoreError::PreconditionFailed) if if_match.is_none() => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::PreconditionFailed)
}

#[utoipa::path(delete, path = ADMIN_ORDER_PATH, tag = "orders",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…"), ("orderId" = String, Path, description = "The order id, e.g. 123456"), ("If-Match" = Option<String>, Header, description = "The order's ETag as last read: the write is made only if the order is still that one, else 412 (code 65)")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_order(
    State(state): State<AppState>,
    admin: Admin,
    Path((customer_id, order_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let if_match = IfMatch::read(&headers)?;
    if !state.store.delete_order(&customer_id, &order_id, if_match.map(IfMatch::precondition)).await? {
        return Err(no_such_order(&customer_id, &order_id));
    }
    tracing::info!(admin = %admin.name, customer_id, order_id, "order deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = ADMIN_ORDER_PATH, tag = "orders",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…"), ("orderId" = String, Path, description = "The order id, e.g. 123456")),
    responses((status = 200, description = "The order", body = Order, headers(("ETag" = String, description = "The order's entity tag, for If-Match")))))]
pub async fn read_order(
    State(state): State<AppState>,
    _admin: Admin,
    Path((customer_id, order_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let document = state.store.get_order(&customer_id, &order_id).await?.ok_or_else(|| no_such_order(&customer_id, &order_id))?;
    Ok(order_answer(document.as_str(), StatusCode::OK))
}

/// The customer's orders, with the customer API's filters, sort, paging and fields.
// admin_api::openapi adds the list's query parameters, as for the customer API's list.
#[utoipa::path(get, path = ADMIN_ORDERS_PATH, tag = "orders",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…")),
    responses((status = 200, description = "A page of the customer's orders", body = Vec<Order>, headers(
        ("X-Result-Count" = u64, description = "Orders in this page"),
        ("X-Total-Count" = u64, description = "Orders that match, in all"),
        ("Link" = String, description = "The next, previous, first and last pages (RFC 8288)")))))]
pub async fn list_orders(
    State(state): State<AppState>,
    _admin: Admin,
    Path(customer_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let raw = raw.unwrap_or_default();
    let query = parse_query(&raw, state.config.limits)?;
    let page = state.store.list_orders(&customer_id, &query, None).await?;
    if page.total == 0 && !state.store.list_customers().await?.iter().any(|customer| customer.id == customer_id) {
        return Err(no_such_customer(&customer_id));
    }
    let body = render_list(&page.orders, query.fields.as_deref())?;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-result-count", HeaderValue::from(page.orders.len()));
    headers.insert("x-total-count", HeaderValue::from(page.total));
    if let Ok(link) = HeaderValue::from_str(&link_header(&raw, &query, page.total)) {
        headers.insert(header::LINK, link);
    }
    Ok((headers, body).into_response())
}

/// The order's document with its `ETag` (the customer API's), answered with `status`.
fn order_answer(document: &str, status: StatusCode) -> Response {
    let etag = HeaderValue::from_str(&order_etag(document)).expect("hex is a valid header value");
    let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::ETAG, etag)];
    (status, headers, document.to_owned()).into_response()
}

/// The order the body holds, validated as an import validates it, whose id is the path's.
fn valid_order(value: Value, order_id: &str) -> Result<Order, ApiError> {
    let order = parse_order(value).map_err(invalid_order)?;
    if order.id != order_id {
        return Err(ApiError::InvalidBodyField {
            field: "id",
            problem: format!("the order's id {:?} must be the one in the path, {order_id:?}", order.id),
        });
    }
    Ok(order)
}

fn invalid_order(problems: Vec<Problem>) -> ApiError {
    let kind = if problems.iter().all(|problem| problem.message == "is required") {
        OrderProblems::MissingFields
    } else {
        OrderProblems::InvalidFields
    };
    let problems = problems
        .into_iter()
        .map(|problem| if problem.path.is_empty() { problem.message } else { format!("{}: {}", problem.path, problem.message) })
        .collect();
    ApiError::InvalidOrders { problems, kind }
}

fn no_such_order(customer_id: &str, order_id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "Customer {customer_id:?} has no order {order_id:?}: check both ids (GET the customer's orders lists them)."
    ))
}

pub(super) fn no_such_customer(customer_id: &str) -> ApiError {
    ApiError::NotFound(format!("No customer {customer_id:?} exists: `order-tracking admin customer list` lists them."))
}
