//! The API description, the probes and the metrics: `/order-tracking/b2b/v1/openapi.json`,
//! `/healthz`, `/readyz`, `/metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::http::error::ApiError;
use crate::http::metrics;
use crate::http::state::AppState;

pub const OPENAPI_PATH: &str = "/order-tracking/b2b/v1/openapi.json";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(OPENAPI_PATH, get(openapi_doc))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(metrics::METRICS_PATH, get(metrics::metrics_text))
}

/// This document: the OpenAPI 3.1 description of the API.
#[utoipa::path(get, path = "/order-tracking/b2b/v1/openapi.json", tag = "probes", responses(
    (status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object),
))]
pub async fn openapi_doc(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi.clone())
}

/// A probe's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProbeStatus {
    /// "ok" or "ready".
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "probes", responses((status = 200, description = "The server is alive", body = ProbeStatus)))]
pub async fn healthz() -> Json<ProbeStatus> {
    Json(ProbeStatus { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "probes", responses(
    (status = 200, description = "The server can serve requests", body = ProbeStatus),
    (status = 503, description = "The database is unreachable", body = crate::http::error::ErrorBody),
))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<ProbeStatus>, ApiError> {
    state.store.ping().await.map_err(ApiError::Unavailable)?;
    Ok(Json(ProbeStatus { status: "ready" }))
}
