//! The ceiling: a minimal axum server answering every GET with one precomputed page of 20 orders
//! from memory, with the headers a list answer carries. No server that does real work can beat
//! it on this machine, so every figure is also given as a ratio to it.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::get;
use order_tracking::domain::order::Order;

/// A running ceiling server; it stops when dropped.
pub struct Ceiling {
    pub base: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Ceiling {
    /// Serves `page` on a runtime of its own (two worker threads, as the server under test).
    pub fn start(page: &[Order]) -> anyhow::Result<Ceiling> {
        let body = Bytes::from(serde_json::to_vec(page)?);
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
        headers.insert("x-result-count", HeaderValue::from(page.len()));
        headers.insert("x-total-count", HeaderValue::from(100_000));
        headers.insert(header::ETAG, HeaderValue::from_static("\"0123456789abcdef0123456789abcdef\""));
        headers.insert(
            header::LINK,
            HeaderValue::from_static("</order-tracking/b2b/v1/orders?offset=20&limit=20>; rel=\"next\", </order-tracking/b2b/v1/orders?offset=99980&limit=20>; rel=\"last\""),
        );
        let app = Router::new().fallback(get(move || {
            let (headers, body) = (headers.clone(), body.clone());
            async move { (headers, body) }
        }));

        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))?;
        let base = format!("http://{}", listener.local_addr()?);
        runtime.spawn(async move { axum::serve(listener, app).await });
        Ok(Ceiling { base, runtime: Some(runtime) })
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
