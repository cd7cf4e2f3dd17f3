//! The admin API (issue #32): what an operator's pipeline calls to feed orders in, on a listener
//! of its own (`serve --admin-listen`), with admin tokens as its only credentials.
//!
//! - `settings.rs`: its flags; `caller.rs`: the admin token of every call;
//! - `orders.rs`: one order created, replaced, patched (RFC 7396), deleted, read, listed;
//! - `preconditions.rs`: `If-Match`; `merge_patch.rs`: RFC 7396; `imports.rs`: the bulk import;
//! - `credentials.rs`: customers, their clients and API keys (`credential_bodies.rs`: what they
//!   take and answer); `body.rs`: the checks every body goes through;
//! - `openapi.rs`: this API's OpenAPI document, generated from the handlers and their types.

pub mod body;
pub mod caller;
pub mod credential_bodies;
pub mod credentials;
pub mod imports;
pub mod merge_patch;
pub mod openapi;
pub mod orders;
pub mod preconditions;
pub mod settings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::http::error::ApiError;
use crate::http::middleware;
use crate::http::state::AppState;

/// The admin API, with the layers of the customer API around it (request id, errors in Orange's
/// shape, metrics, the log line), its own body limits, and no CORS: no browser has business here.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let router = Router::new()
        .merge(orders::router())
        .merge(credentials::router())
        .merge(imports::router(config.admin.import_max_bytes))
        .merge(openapi::router(config.limits))
        .fallback(|| async { ApiError::NotFound("No resource exists at this path of the admin API: see docs/admin-api.md.".into()) })
        .layer(CatchPanicLayer::custom(middleware::panic_to_internal_error))
        .layer(DefaultBodyLimit::max(config.admin.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.admin.request_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around_every_request))
        .with_state(state);
    if config.sandbox { crate::sandbox::marked(router) } else { router }
}
