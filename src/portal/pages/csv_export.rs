//! `/portal/orders.csv?QUERY`: every order the list's query matches (all pages, whatever its
//! `offset` and `limit`; its free text too), streamed a thousand at a time, in the columns of the CLI's CSV
//! (`orders list --format csv`), written by the same code.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use super::failure::PageFailure;
use super::list_query::ListQuery;
use super::text_search::{self, BATCH, TEXT_PARAMETER};
use crate::cli::client::output::Sink;
use crate::cli::client::output::csv::Csv;
use crate::http::state::AppState;
use crate::portal::session::Visit;
use crate::query::OrderQuery;
use crate::store::Store;

pub async fn export(State(state): State<AppState>, visit: Visit, RawQuery(raw): RawQuery) -> Result<Response, PageFailure> {
    let Some(user) = &visit.user else { return Err(PageFailure::SignIn) };
    let (query, _) = ListQuery::from_raw(raw.as_deref().unwrap_or_default());
    let query = query.without(&["offset", "limit"]);
    let parsed = query.parse().map_err(|problem| PageFailure::BadQuery(visit.language, problem.to_string()))?;
    let text = query.get(TEXT_PARAMETER).map(|text| text.trim().to_lowercase());
    let start = Batch { store: state.store.clone(), customer_id: user.customer_id.clone(), query: parsed, text, offset: 0, done: false };
    let body = Body::from_stream(stream::unfold(start, |mut batch| async move {
        let bytes = batch.next().await?;
        Some((bytes, batch))
    }));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"orders.csv\"")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, body).into_response())
}

/// Where the export stands.
struct Batch {
    store: Arc<dyn Store>,
    customer_id: String,
    query: OrderQuery,
    /// The free text, lower-cased: only the orders that contain it.
    text: Option<String>,
    offset: u64,
    done: bool,
}

impl Batch {
    /// The CSV of the next thousand orders (with the header row first); none once all are
    /// written. A store error ends the body early: the browser reports a failed download.
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        let query = OrderQuery { offset: self.offset, limit: BATCH, ..self.query.clone() };
        let page = match self.store.list_orders(&self.customer_id, &query, None).await {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Some(Err(std::io::Error::other(error)));
            }
        };
        let wanted = |document: &&crate::domain::order::OrderDocument| match &self.text {
            Some(text) => serde_json::from_str(document.as_str()).is_ok_and(|order| text_search::matches(&order, text)),
            None => true,
        };
        let orders: Vec<order_tracking_client::Order> =
            page.orders.iter().filter(wanted).filter_map(|document| serde_json::from_str(document.as_str()).ok()).collect();
        let first = self.offset == 0;
        self.offset += BATCH;
        self.done = self.offset >= page.total || page.orders.is_empty();
        Some(csv_of(&orders, first))
    }
}

/// One batch as CSV, with the header row when `first` (also when there is no order at all).
fn csv_of(orders: &[order_tracking_client::Order], first: bool) -> Result<Bytes, std::io::Error> {
    let buffer = SharedBuffer::default();
    let csv = Csv::new(Box::new(buffer.clone()), &[]);
    let mut csv = if first { csv } else { csv.rows_only() };
    csv.page(orders)?;
    if orders.is_empty() {
        csv.finish(0, Some(0))?;
    }
    drop(csv);
    Ok(Bytes::from(buffer.take()))
}

/// A writer whose bytes can be taken out once the CSV writer (which owns a `Box<dyn Write>`) is done.
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.lock().expect("no writer panicked"))
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("no writer panicked").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
