//! The API description, the probes and the metrics (their paths in `paths.rs`).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::http::cors;
use crate::http::error::ApiError;
use crate::http::openapi::served::{server_url, with_server};
use crate::http::paths::{HEALTHZ_PATH, METRICS_PATH, OPENAPI_PATH, READYZ_PATH};
use crate::http::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(OPENAPI_PATH, get(openapi_doc).layer(cors::document_layer()))
        .route(HEALTHZ_PATH, get(healthz))
        .route(READYZ_PATH, get(readyz))
        .route(METRICS_PATH, get(metrics_text))
}

/// This document: the OpenAPI 3.1 description of the API.
#[utoipa::path(get, path = OPENAPI_PATH, tag = "probes", responses(
    (status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object),
))]
pub async fn openapi_doc(State(state): State<AppState>, uri: Uri, request_headers: HeaderMap) -> impl IntoResponse {
    let server = server_url(&state.config, &uri, &request_headers);
    ([(header::CONTENT_TYPE, "application/json")], with_server(&state.openapi, &server))
}

/// A probe's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProbeStatus {
    /// "ok" or "ready".
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = HEALTHZ_PATH, tag = "probes", responses((status = 200, description = "The server is alive", body = ProbeStatus)))]
pub async fn healthz() -> Json<ProbeStatus> {
    Json(ProbeStatus { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = READYZ_PATH, tag = "probes", responses(
    (status = 200, description = "The server can serve requests", body = ProbeStatus),
    (status = 503, description = "The database is unreachable", body = crate::http::error::ErrorBody),
))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<ProbeStatus>, ApiError> {
    state.store.ping().await.map_err(ApiError::Unavailable)?;
    Ok(Json(ProbeStatus { status: "ready" }))
}

/// Prometheus metrics of this instance, in the OpenMetrics text format.
#[utoipa::path(get, path = METRICS_PATH, tag = "probes", responses(
    (status = 200, description = "The metrics", content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
))]
pub async fn metrics_text(State(state): State<AppState>) -> Response {
    let store = &state.store;
    // Read from the database: the backlog and the events are every instance's. Left as it was if it cannot be read.
    if let Ok((pending, oldest_due)) = store.pending_deliveries().await {
        state.metrics.webhook_backlog(pending, oldest_due);
    }
    if let Ok(counts) = store.recorded_events().await {
        state.metrics.events_recorded(&counts);
    }
    let text = state.metrics.render(store.pool_usage(), state.answers.weight(), store.list_index_usage(), store.document_cache_usage());
    let content_type = HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}
