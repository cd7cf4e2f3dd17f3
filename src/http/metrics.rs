//! Prometheus metrics (`GET /metrics`, OpenMetrics text): requests by route and status, latency
//! histograms, tokens issued, authentication failures by code, rate-limit refusals and the
//! database pool. Everything is read off the responses in the middleware, so handlers only mark
//! what the status alone cannot tell (which error code) in a response extension.

use axum::http::StatusCode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::error::ErrorCode;
use super::paths::TOKEN_PATH;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventTypeLabels {
    r#type: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LookupLabels {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// Latency buckets, in seconds: from half a millisecond to the request timeout's order.
const LATENCY_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    tokens_issued: Counter,
    authentication_failures: Family<CodeLabels, Counter>,
    rate_limited: Family<RouteLabels, Counter>,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max_connections: Gauge,
    answer_cache_lookups: Family<LookupLabels, Counter>,
    answer_cache_bytes: Gauge,
    list_index_lists: Family<LookupLabels, Counter>,
    list_index_bytes: Gauge,
    document_cache_lookups: Family<LookupLabels, Counter>,
    document_cache_bytes: Gauge,
    sqlite_direct_reads: Family<LookupLabels, Counter>,
    webhook_deliveries: Family<LookupLabels, Counter>,
    events_recorded: Family<EventTypeLabels, Counter>,
    webhook_delivery_duration: Histogram,
    webhook_pending: Gauge,
    webhook_oldest_pending: Gauge,
    portal_logins: Family<LookupLabels, Counter>,
    portal_sessions_ended: Family<LookupLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("order_tracking");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by method, matched route and status", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register("http_request_duration_seconds", "Time to answer a request, by method and matched route", latency.clone());
        let tokens_issued = Counter::default();
        registry.register("tokens_issued", "Access tokens issued", tokens_issued.clone());
        let authentication_failures = Family::<CodeLabels, Counter>::default();
        registry.register(
            "authentication_failures",
            "Refused credentials, by Orange code (40, 41, 42, 50) or OAuth error (invalid_client)",
            authentication_failures.clone(),
        );
        let rate_limited = Family::<RouteLabels, Counter>::default();
        registry.register("rate_limited", "Requests refused with 429, by method and route", rate_limited.clone());
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        registry.register("db_pool_connections", "Database connections open, by state (idle, in_use)", pool_connections.clone());
        let pool_max_connections = Gauge::default();
        registry.register("db_pool_max_connections", "Size limit of the database connection pool", pool_max_connections.clone());
        let answer_cache_lookups = Family::<LookupLabels, Counter>::default();
        registry.register(
            "answer_cache_lookups",
            "Order answers looked up in the answer cache, by result (hit, miss)",
            answer_cache_lookups.clone(),
        );
        let answer_cache_bytes = Gauge::default();
        registry.register("answer_cache_bytes", "Bytes the answer cache holds", answer_cache_bytes.clone());
        let list_index_lists = Family::<LookupLabels, Counter>::default();
        registry.register(
            "list_index_lists",
            "Lists an in-memory index could serve, by result (answered, or left_to_sql while one was loading or over the budget)",
            list_index_lists.clone(),
        );
        let list_index_bytes = Gauge::default();
        registry.register("list_index_bytes", "Bytes the in-memory list indexes hold", list_index_bytes.clone());
        let document_cache_lookups = Family::<LookupLabels, Counter>::default();
        registry.register(
            "document_cache_lookups",
            "Documents of list pages looked up in the document cache, by result (hit, miss)",
            document_cache_lookups.clone(),
        );
        let document_cache_bytes = Gauge::default();
        registry.register("document_cache_bytes", "Bytes the document cache holds", document_cache_bytes.clone());
        let sqlite_direct_reads = Family::<LookupLabels, Counter>::default();
        registry.register(
            "sqlite_direct_reads",
            "SQLite only: reads of credentials and list pages made on the request's thread, by result (answered, or left_to_pool when the database was busy or the read failed)",
            sqlite_direct_reads.clone(),
        );
        let webhook_deliveries = Family::<LookupLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook attempts, by result (delivered, retried, failed after the last retry, gone: 410)",
            webhook_deliveries.clone(),
        );
        let webhook_delivery_duration = Histogram::new(LATENCY_BUCKETS);
        registry.register(
            "webhook_delivery_duration_seconds",
            "Time of a webhook attempt, to its answer",
            webhook_delivery_duration.clone(),
        );
        let webhook_pending = Gauge::default();
        registry.register(
            "webhook_pending_events",
            "Webhook deliveries of active subscriptions not yet made or still being retried, every instance's",
            webhook_pending.clone(),
        );
        let webhook_oldest_pending = Gauge::default();
        registry.register(
            "webhook_oldest_pending_seconds",
            "How long the longest-waiting pending webhook delivery has been due (0: none)",
            webhook_oldest_pending.clone(),
        );
        let events_recorded = Family::<EventTypeLabels, Counter>::default();
        registry.register(
            "events_recorded",
            "Order events recorded, every instance's and every importer's, by type (events purged since included)",
            events_recorded.clone(),
        );
        let portal_logins = Family::<LookupLabels, Counter>::default();
        registry.register("portal_logins", "Portal logins, by result (success: a session started; failure)", portal_logins.clone());
        let portal_sessions_ended = Family::<LookupLabels, Counter>::default();
        registry.register("portal_sessions_ended", "Portal sessions ended, by result (logout, expired)", portal_sessions_ended.clone());
        Metrics {
            registry,
            portal_logins,
            portal_sessions_ended,
            events_recorded,
            webhook_deliveries,
            webhook_delivery_duration,
            webhook_pending,
            webhook_oldest_pending,
            requests,
            latency,
            tokens_issued,
            authentication_failures,
            rate_limited,
            pool_connections,
            pool_max_connections,
            answer_cache_lookups,
            answer_cache_bytes,
            list_index_lists,
            list_index_bytes,
            document_cache_lookups,
            document_cache_bytes,
            sqlite_direct_reads,
        }
    }
}

impl Metrics {
    /// One answered request (`middleware::around_every_request`).
    pub fn record(&self, method: &str, route: &str, status: StatusCode, seconds: f64, code: Option<ErrorCode>) {
        let labels = RouteLabels { method: method.to_owned(), route: route.to_owned() };
        self.requests
            .get_or_create(&RequestLabels { method: labels.method.clone(), route: labels.route.clone(), status: status.as_u16() })
            .inc();
        self.latency.get_or_create(&labels).observe(seconds);
        if route == TOKEN_PATH && status == StatusCode::OK {
            self.tokens_issued.inc();
        }
        if let Some(ErrorCode(code @ ("40" | "41" | "42" | "50" | "invalid_client"))) = code {
            self.authentication_failures.get_or_create(&CodeLabels { code: code.to_owned() }).inc();
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.rate_limited.get_or_create(&labels).inc();
        }
    }

    /// An order answer found in the answer cache, or not.
    /// One webhook attempt that ended with `result` after `seconds`.
    pub fn webhook_attempt(&self, result: &'static str, seconds: f64) {
        self.webhook_deliveries.get_or_create(&LookupLabels { result }).inc();
        self.webhook_delivery_duration.observe(seconds);
    }

    /// The pending deliveries as the store counts them, and when the earliest was due.
    pub fn webhook_backlog(&self, pending: u64, oldest_due: Option<time::OffsetDateTime>) {
        self.webhook_pending.set(i64::try_from(pending).unwrap_or(i64::MAX));
        let waited = oldest_due.map_or(0, |due| (time::OffsetDateTime::now_utc() - due).whole_seconds().max(0));
        self.webhook_oldest_pending.set(waited);
    }

    /// The events recorded so far as the store counts them, by type.
    pub fn events_recorded(&self, counts: &[(crate::domain::events::EventType, u64)]) {
        for (event_type, count) in counts {
            self.events_recorded
                .get_or_create(&EventTypeLabels { r#type: event_type.name() })
                .inner()
                .store(*count, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A portal login that started a session, or failed.
    pub fn portal_login(&self, success: bool) {
        self.portal_logins.get_or_create(&LookupLabels { result: if success { "success" } else { "failure" } }).inc();
    }

    /// A portal session ended by its user (`logout`) or found ended (`expired`).
    pub fn portal_session_ended(&self, result: &'static str) {
        self.portal_sessions_ended.get_or_create(&LookupLabels { result }).inc();
    }

    pub fn answer_cache_lookup(&self, hit: bool) {
        self.answer_cache_lookups.get_or_create(&LookupLabels { result: if hit { "hit" } else { "miss" } }).inc();
    }

    /// The OpenMetrics text of every metric, the pool, the answer cache's size, the list
    /// indexes and the document cache read now.
    pub fn render(
        &self,
        pool: crate::store::PoolUsage,
        answer_cache_bytes: u64,
        indexes: crate::store::IndexUsage,
        documents: crate::store::DocumentCacheUsage,
    ) -> String {
        self.answer_cache_bytes.set(i64::try_from(answer_cache_bytes).unwrap_or(i64::MAX));
        self.list_index_bytes.set(i64::try_from(indexes.bytes).unwrap_or(i64::MAX));
        show_counts(&self.list_index_lists, [("answered", indexes.answered), ("left_to_sql", indexes.deferred)]);
        self.document_cache_bytes.set(i64::try_from(documents.bytes).unwrap_or(i64::MAX));
        show_counts(&self.document_cache_lookups, [("hit", documents.hits), ("miss", documents.misses)]);
        show_counts(&self.sqlite_direct_reads, [("answered", pool.direct_reads.answered), ("left_to_pool", pool.direct_reads.deferred)]);
        self.pool_connections.get_or_create(&PoolLabels { state: "idle" }).set(i64::from(pool.idle));
        self.pool_connections.get_or_create(&PoolLabels { state: "in_use" }).set(i64::from(pool.open.saturating_sub(pool.idle)));
        self.pool_max_connections.set(i64::from(pool.max));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

/// Counters the store keeps itself, shown as they are by result.
fn show_counts<const N: usize>(family: &Family<LookupLabels, Counter>, counts: [(&'static str, u64); N]) {
    for (result, count) in counts {
        family.get_or_create(&LookupLabels { result }).inner().store(count, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_failures_and_refusals_are_counted() {
        let metrics = Metrics::default();
        metrics.record("POST", TOKEN_PATH, StatusCode::OK, 0.002, None);
        metrics.record("POST", TOKEN_PATH, StatusCode::UNAUTHORIZED, 0.002, Some(ErrorCode("invalid_client")));
        metrics.record("GET", "/order-tracking/b2b/v1/orders", StatusCode::UNAUTHORIZED, 0.001, Some(ErrorCode("41")));
        metrics.record("GET", "/order-tracking/b2b/v1/orders", StatusCode::TOO_MANY_REQUESTS, 0.001, Some(ErrorCode("53")));
        metrics.record("GET", "/order-tracking/b2b/v1/orders", StatusCode::BAD_REQUEST, 0.001, Some(ErrorCode("28")));
        metrics.answer_cache_lookup(true);
        metrics.answer_cache_lookup(false);
        metrics.answer_cache_lookup(true);
        let indexes = crate::store::IndexUsage { bytes: 2048, answered: 5, deferred: 2 };
        let text = metrics.render(
            crate::store::PoolUsage { open: 3, idle: 1, max: 8, direct_reads: crate::store::DirectReadCounts { answered: 7, deferred: 1 } },
            4096,
            indexes,
            crate::store::DocumentCacheUsage { bytes: 1024, hits: 9, misses: 3 },
        );
        for line in [
            r#"order_tracking_http_requests_total{method="POST",route="/oauth/v3/token",status="200"} 1"#,
            "order_tracking_tokens_issued_total 1",
            r#"order_tracking_authentication_failures_total{code="invalid_client"} 1"#,
            r#"order_tracking_authentication_failures_total{code="41"} 1"#,
            r#"order_tracking_rate_limited_total{method="GET",route="/order-tracking/b2b/v1/orders"} 1"#,
            r#"order_tracking_db_pool_connections{state="in_use"} 2"#,
            "order_tracking_db_pool_max_connections 8",
            r#"order_tracking_answer_cache_lookups_total{result="hit"} 2"#,
            r#"order_tracking_answer_cache_lookups_total{result="miss"} 1"#,
            "order_tracking_answer_cache_bytes 4096",
            r#"order_tracking_list_index_lists_total{result="answered"} 5"#,
            r#"order_tracking_list_index_lists_total{result="left_to_sql"} 2"#,
            "order_tracking_list_index_bytes 2048",
            r#"order_tracking_document_cache_lookups_total{result="hit"} 9"#,
            r#"order_tracking_document_cache_lookups_total{result="miss"} 3"#,
            "order_tracking_document_cache_bytes 1024",
            r#"order_tracking_sqlite_direct_reads_total{result="answered"} 7"#,
            r#"order_tracking_sqlite_direct_reads_total{result="left_to_pool"} 1"#,
            r#"order_tracking_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/order-tracking/b2b/v1/orders"} 3"#,
        ] {
            assert!(text.lines().any(|candidate| candidate == line), "{line} missing from:\n{text}");
        }
        assert!(!text.contains(r#"code="28""#), "a bad query is not an authentication failure");
    }
}
