//! Live updates: a page with orders on it listens to `/portal/events` (Server-Sent Events of the
//! customer's change log, from the last event the page was rendered after) and, when one of its
//! orders changes, puts the order's fresh row or article in place and marks it "updated"
//! (`assets/live.js`, the portal's only script). Without the script the page works the same,
//! only not live.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::http::routes::event_stream::event_stream;
use crate::http::state::AppState;
use crate::hub::event_filter::EventFilter;
use crate::i18n::Language;
use crate::i18n::texts::Text;
use crate::portal::paths::{EVENTS_PATH, SCRIPT_PATH};
use crate::portal::session::Visit;

/// Where a page's stream starts, the word it marks changes with, and the script; a live region
/// tells screen readers what changed.
pub fn marker(language: Language, after: i64) -> Markup {
    html! {
        div #live data-live-after=(after) data-live-events=(EVENTS_PATH) data-updated=(Text::Updated.in_(language)) {
            p #live-status.visually-hidden role="status" aria-live="polite" {}
        }
        script src=(SCRIPT_PATH) defer {}
    }
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    #[serde(default)]
    after: i64,
}

/// The stream of the visit's customer's events after `after` (or `Last-Event-ID` when the
/// browser reconnects). It ends when the session would end unused, so that an open page does
/// not keep a session alive by itself: the browser reconnects, and the session is checked again.
pub async fn events(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<EventsQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let (Some(user), Some(ends)) = (&visit.user, visit.ends_at) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let resumed = headers.get("last-event-id").and_then(|value| value.to_str().ok()).and_then(|value| value.parse::<i64>().ok());
    let after = resumed.unwrap_or(query.after).max(0);
    let until = ends.min(OffsetDateTime::now_utc() + state.config.portal.idle_timeout);
    event_stream(state.store.clone(), user.customer_id.clone(), after, EventFilter::default(), until, state.stopping.clone())
        .into_response()
}

pub async fn script() -> Response {
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, include_str!("../assets/live.js")).into_response()
}
