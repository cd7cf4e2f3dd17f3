//! What every handler can reach.

use std::sync::Arc;

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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        let limits = Arc::new(RateLimits::new(config.token_requests_per_minute, config.requests_per_minute));
        AppState { store, config: Arc::new(config), limits, metrics: Arc::new(Metrics::default()) }
    }
}
