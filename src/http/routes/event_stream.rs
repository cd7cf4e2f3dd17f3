//! The live stream of order events (issue #31): `GET /order-tracking/b2b/v1/events` with
//! `Accept: text/event-stream` sends the caller's events as Server-Sent Events, each `id:` its
//! sequence, so that `Last-Event-ID` resumes after a reconnect, with a keep-alive comment every
//! 15 s. A stream ends when the server shuts down or the access token expires: the client
//! reconnects with a fresh token and `Last-Event-ID`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::domain::events::OrderEvent;
use crate::hub::event_filter::EventFilter;
use crate::store::Store;

/// How often a stream with nothing to send looks for new events.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// Events read at a time.
const CHUNK: u32 = 500;
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(15);

/// Where one stream stands.
struct Position {
    store: Arc<dyn Store>,
    customer_id: String,
    after: i64,
    wanted: EventFilter,
    ready: VecDeque<OrderEvent>,
    until: OffsetDateTime,
    stopping: watch::Receiver<bool>,
}

/// The stream of the customer's events after `after` that `wanted` keeps.
pub fn event_stream(
    store: Arc<dyn Store>,
    customer_id: String,
    after: i64,
    wanted: EventFilter,
    until: OffsetDateTime,
    stopping: watch::Receiver<bool>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let start = Position { store, customer_id, after, wanted, ready: VecDeque::new(), until, stopping };
    let events = stream::unfold(start, |mut position| async move {
        let event = position.next().await?;
        let sse = Event::default().id(event.sequence.to_string()).data(event.to_json());
        Some((Ok(sse), position))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE_EVERY).text("keep-alive"))
}

impl Position {
    /// The next event to send; none when the stream ends.
    async fn next(&mut self) -> Option<OrderEvent> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if *self.stopping.borrow() || OffsetDateTime::now_utc() >= self.until {
                return None;
            }
            // A store error ends the stream: the client reconnects where it was.
            let events = self.store.list_events(&self.customer_id, self.after, CHUNK, &self.wanted.types).await.ok()?;
            let read_all = events.len() < CHUNK as usize;
            for event in events {
                self.after = event.sequence;
                if self.wanted.keeps(&event).ok()? {
                    self.ready.push_back(event);
                }
            }
            if self.ready.is_empty() && read_all {
                tokio::select! {
                    () = tokio::time::sleep(POLL_EVERY) => {}
                    changed = self.stopping.changed() => if changed.is_err() { return None },
                }
            }
        }
    }
}
