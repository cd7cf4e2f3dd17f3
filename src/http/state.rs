//! What every handler can reach.

use std::sync::Arc;

use axum::body::Bytes;

use super::metrics::Metrics;
use super::rate_limit::RateLimits;
use crate::config::Config;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub limits: Arc<RateLimits>,
    pub metrics: Arc<Metrics>,
    /// The OpenAPI document, serialized once: it depends on the configured paging limits.
    pub openapi: Bytes,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        let limits = Arc::new(RateLimits::new(config.token_requests_per_minute, config.requests_per_minute));
        let openapi = super::openapi::document_json(config.limits).into();
        AppState { store, config: Arc::new(config), limits, metrics: Arc::new(Metrics::default()), openapi }
    }
}
