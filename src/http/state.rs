//! What every handler can reach.

use std::ops::Deref;
use std::sync::Arc;

use axum::body::Bytes;

use super::answer_cache::AnswerCache;
use super::metrics::Metrics;
use super::rate_limit::RateLimits;
use crate::config::Config;
use crate::hub::sender::Sender;
use crate::store::Store;

/// The shared state, behind one `Arc`: axum clones it several times per request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub limits: Arc<RateLimits>,
    pub metrics: Arc<Metrics>,
    /// Rendered order answers, under the customer's orders version.
    pub answers: AnswerCache,
    /// The OpenAPI document, serialized once: it depends on the configured paging limits.
    pub openapi: Bytes,
    /// Sends webhooks: the deliverer's attempts and the hub's pings share its connections.
    pub webhooks: Arc<Sender>,
    /// Turns true when the server starts shutting down: live streams end then.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

impl AppState {
    /// `openapi` is the API's description as served (`openapi::document_json`).
    pub fn new(
        store: Arc<dyn Store>,
        config: Config,
        openapi: Bytes,
        webhooks: Arc<Sender>,
        stopping: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let limits = Arc::new(RateLimits::new(config.token_requests_per_minute, config.requests_per_minute));
        let answers = AnswerCache::new(config.answer_cache_bytes);
        AppState(Arc::new(Shared {
            store,
            config: Arc::new(config),
            limits,
            metrics: Arc::new(Metrics::default()),
            answers,
            openapi,
            webhooks,
            stopping,
        }))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
