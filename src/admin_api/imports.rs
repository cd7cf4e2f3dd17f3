//! `POST /admin/v1/customers/{customerId}/imports`: many orders at once, NDJSON or a JSON array,
//! all or nothing, every problem named with its line (or index) and field, as `admin import` does.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::routing::post;

use super::body::{ORDER_LINES, require_media_type};
use super::caller::Admin;
use crate::domain::order::Order;
use crate::http::error::{ApiError, OrderProblems};
use crate::http::paths::ADMIN_IMPORTS_PATH;
use crate::http::state::AppState;
use crate::import::{ImportProblem, parse_orders};
use crate::store::ImportSummary;

/// The route, with a body limit of its own (`--admin-import-max-bytes`).
pub fn router(body_limit: usize) -> Router<AppState> {
    Router::new().route(ADMIN_IMPORTS_PATH, post(import_orders).layer(DefaultBodyLimit::max(body_limit)))
}

/// Imports the orders all or nothing: created or replaced, or, if any is invalid, none.
#[utoipa::path(post, path = ADMIN_IMPORTS_PATH, tag = "orders",
    params(("customerId" = String, Path, description = "The customer id, e.g. cus_…")),
    request_body(description = "The orders, each validated as `admin import` validates it", content(
        (Vec<Order> = "application/json"),
        (String = "application/x-ndjson"))),
    responses((status = 200, description = "Imported", body = ImportSummary)))]
pub async fn import_orders(
    State(state): State<AppState>,
    admin: Admin,
    Path(customer_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImportSummary>, ApiError> {
    require_media_type(&headers, &body, ORDER_LINES)?;
    // Parsed from the body as it came, on the blocking threads: the raw text is held once.
    let parsed = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&body).map_err(|error| ApiError::InvalidBody(format!("it is not UTF-8 text: {error}")))?;
        parse_orders(text).map_err(invalid_orders)
    })
    .await
    .map_err(|error| ApiError::Internal(Box::new(error)))??;
    let count = parsed.len();
    let summary = state.store.import_orders(&customer_id, parsed).await?;
    tracing::info!(admin = %admin.name, customer_id, orders = count, created = summary.created, updated = summary.updated, "orders imported");
    Ok(Json(summary))
}

fn invalid_orders(problems: Vec<ImportProblem>) -> ApiError {
    let all = |test: fn(&ImportProblem) -> bool| problems.iter().all(test);
    let kind = if all(|problem| {
        problem.path.is_empty() && (problem.message.starts_with("not a valid JSON") || problem.message.starts_with("not valid JSON"))
    }) {
        OrderProblems::NotJson
    } else if all(|problem| problem.message == "is required") {
        OrderProblems::MissingFields
    } else {
        OrderProblems::InvalidFields
    };
    ApiError::InvalidOrders { problems: problems.iter().map(ToString::to_string).collect(), kind }
}
