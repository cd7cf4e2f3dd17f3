//! The HTTP layer: routes, the layers every request passes through, and error rendering.

pub mod answer_cache;
pub mod caller;
pub mod compression;
pub mod cors;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod oauth_error;
pub mod openapi;
pub mod paths;
pub mod rate_limit;
pub mod routes;
pub mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use self::error::ApiError;
use self::state::AppState;

/// The whole API. Layers run outermost first: request id, guards, error rewriting, metrics and
/// log line (one layer: `middleware::around_every_request`), compression, timeout, body limit,
/// and a panic in a handler turned into 500 code 1; CORS, when configured, on the API and token
/// routes only. With `--portal`, the portal's pages beside the API (`crate::portal`). With
/// `--sandbox`, the sandbox's layer inside them all (`crate::sandbox`).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let api = Router::new()
        .merge(routes::oauth::router())
        .merge(routes::orders::router())
        .merge(routes::events::router())
        .merge(routes::hub::router());
    let api = match cors::api_layer(&config.cors_allow_origins) {
        Some(cors) => api.route_layer(cors),
        None => api,
    };
    let routes = Router::new().merge(api).merge(routes::meta::router()).fallback(|| async { ApiError::not_found_path() });
    let routes = if config.portal.enabled { routes.merge(crate::portal::router()) } else { routes };
    let routes = if config.sandbox { crate::sandbox::around(routes, state.clone()) } else { routes };
    let router = routes
        .layer(CatchPanicLayer::custom(middleware::panic_to_internal_error))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(compression::layer())
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around_every_request))
        .with_state(state);
    if config.sandbox { crate::sandbox::marked(router) } else { router }
}
