//! The pull feed of order events (issue #31): `GET /order-tracking/b2b/v1/events`, the
//! customer's events after a sequence number, for integrators whose firewalls refuse webhooks.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::event_stream::event_stream;
use super::orders::{if_none_match, with_caller_headers};
use crate::domain::events::OrderEvent;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::middleware::{EVENT_STREAM, accept_list, accepts};
use crate::http::paths::EVENTS_PATH;
use crate::http::state::AppState;
use crate::hub::event_filter::EventFilter;
use crate::query::{Limits, QueryError};

pub fn router() -> Router<AppState> {
    Router::new().route(EVENTS_PATH, get(list_events))
}

/// Events read from the store, at most, to fill one answer when filters leave most out; the
/// `next` link then continues after the last one read.
const SCAN_AT_MOST: usize = 10_000;

/// The caller's order events after `after`, in sequence order.
#[utoipa::path(
    get,
    path = EVENTS_PATH,
    tag = "events",
    security(("oauth2" = [], "apiKey" = [])),
    responses(
        (status = 200, description = "The next events, in sequence order (none: nothing new yet). With Accept: text/event-stream, a live stream of them as Server-Sent Events instead (docs/api.md, The live stream)", body = Vec<EventBody>,
            headers(
                ("X-Result-Count" = u64, description = "Number of events in this answer"),
                ("Link" = String, description = "RFC 8288 link rel=next: the events after the last one read"),
                ("ETag" = String, description = "Entity tag of this answer"),
            )),
        (status = 304, description = "Not modified: the If-None-Match entity tag still matches",
            headers(("ETag" = String, description = "Entity tag of the unchanged answer"))),
    )
)]
pub async fn list_events(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery, request_headers: HeaderMap) -> Response {
    let raw = raw.unwrap_or_default();
    let answer = match wants_stream(&request_headers) {
        true => stream(&state, &caller, &raw, &request_headers),
        false => feed(&state, &caller, &raw, &request_headers).await,
    };
    with_caller_headers(&caller, answer)
}

/// Whether the request asks for Server-Sent Events rather than JSON.
fn wants_stream(request_headers: &HeaderMap) -> bool {
    let accept = accept_list(request_headers);
    accept.to_ascii_lowercase().contains(EVENT_STREAM) && accepts(&accept, EVENT_STREAM)
}

/// The live stream: from `Last-Event-ID` when the client reconnects, else from `after`.
fn stream(state: &AppState, caller: &Caller, raw: &str, request_headers: &HeaderMap) -> Result<Response, ApiError> {
    let query = FeedQuery::parse(raw, state.config.limits)?;
    let resume = request_headers.get("last-event-id").map(|value| {
        value.to_str().ok().and_then(|id| id.trim().parse::<i64>().ok()).filter(|id| *id >= 0).ok_or(ApiError::InvalidHeader {
            header: "Last-Event-ID",
            problem: "must be the id of the last event received, a sequence number",
        })
    });
    let after = resume.transpose()?.unwrap_or(query.after);
    let events =
        event_stream(state.store.clone(), caller.customer_id.clone(), after, query.wanted, caller.token_expires_at, state.stopping.clone());
    Ok(events.into_response())
}

async fn feed(state: &AppState, caller: &Caller, raw: &str, request_headers: &HeaderMap) -> Result<Response, ApiError> {
    let query = FeedQuery::parse(raw, state.config.limits)?;
    let (events, last_read) = read(state, caller, &query).await?;
    let mut body = String::from("[");
    for (index, event) in events.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(&event.to_json());
    }
    body.push(']');
    let mut headers = HeaderMap::new();
    if let Ok(link) = HeaderValue::from_str(&next_link(raw, last_read, query.limit)) {
        headers.insert(header::LINK, link);
    }
    // The same tag for the same events: a poller at the end of the feed gets 304s.
    let etag = format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(body.as_bytes()));
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    if if_none_match(request_headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
    headers.insert("x-result-count", HeaderValue::from(events.len()));
    Ok((headers, body).into_response())
}

/// The events to answer, and the sequence of the last one read (`after` when none was).
async fn read(state: &AppState, caller: &Caller, query: &FeedQuery) -> Result<(Vec<OrderEvent>, i64), ApiError> {
    let (mut found, mut last_read, mut scanned) = (Vec::new(), query.after, 0);
    let chunk = query.limit.min(1000);
    loop {
        let events = state.store.list_events(&caller.customer_id, last_read, chunk, &query.wanted.types).await?;
        let exhausted = events.len() < chunk as usize;
        for event in events {
            last_read = event.sequence;
            scanned += 1;
            if query.wanted.keeps(&event).map_err(|error| ApiError::Internal(Box::new(error)))? {
                found.push(event);
                if found.len() == query.limit as usize {
                    return Ok((found, last_read));
                }
            }
        }
        if exhausted || scanned >= SCAN_AT_MOST {
            return Ok((found, last_read));
        }
    }
}

/// `<EVENTS_PATH?...&after=N&limit=M>; rel="next"`, keeping the request's other parameters.
fn next_link(raw: &str, last_read: i64, limit: u32) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    serializer.extend_pairs(form_urlencoded::parse(raw.as_bytes()).filter(|(name, _)| name != "after" && name != "limit"));
    serializer.append_pair("after", &last_read.to_string());
    serializer.append_pair("limit", &limit.to_string());
    format!("<{EVENTS_PATH}?{}>; rel=\"next\"", serializer.finish())
}

/// A feed request: `after`, `limit`, and which events (`eventType`, the list's filters).
#[derive(Debug)]
struct FeedQuery {
    after: i64,
    limit: u32,
    wanted: EventFilter,
}

impl FeedQuery {
    fn parse(raw: &str, limits: Limits) -> Result<FeedQuery, QueryError> {
        let problem = |parameter: &str, problem: String| QueryError { parameter: parameter.to_owned(), problem };
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
        let (mut after, mut limit) = (None, None);
        for (name, value) in &pairs {
            match name.as_str() {
                "after" if after.is_some() => return Err(problem("after", "given more than once; give it once".into())),
                "after" => {
                    after = Some(value.parse::<i64>().ok().filter(|_| value.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| {
                        problem(
                            "after",
                            format!("must be the sequence of the last event read, an integer from 0 to {}, not {value:?}", i64::MAX),
                        )
                    })?)
                }
                "limit" if limit.is_some() => return Err(problem("limit", "given more than once; give it once".into())),
                "limit" => {
                    let max = limits.max_limit.min(u64::from(u32::MAX));
                    limit = Some(
                        value
                            .parse::<u64>()
                            .ok()
                            .filter(|limit| (1..=max).contains(limit) && value.bytes().all(|b| b.is_ascii_digit()))
                            .ok_or_else(|| problem("limit", format!("must be an integer from 1 to {max}, not {value:?}")))?,
                    )
                }
                _ => {}
            }
        }
        let wanted = EventFilter::parse(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())), limits, &["after", "limit"])?;
        let limit = u32::try_from(limit.unwrap_or(limits.default_limit)).unwrap_or(u32::MAX);
        Ok(FeedQuery { after: after.unwrap_or(0), limit, wanted })
    }
}

/// The documented shape of one event, as the feed and the webhooks send it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderEvent)]
pub struct EventBody {
    /// Unique per event, e.g. "evt_4f9k2m8q1z7x3b6n".
    event_id: String,
    /// When the change was committed, RFC 3339, UTC.
    #[schema(format = DateTime)]
    event_time: String,
    event_type: EventTypeName,
    /// Grows by one with each event of the customer, in commit order, from 1.
    sequence: i64,
    /// The dotted paths that changed (none for a creation).
    changed_fields: Vec<String>,
    event: EventPayload,
}

/// What the event is about.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventPayload {
    /// The whole order after the change.
    order: crate::domain::order::Order,
}

/// The kinds of event.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(clippy::enum_variant_names)] // the names are TM Forum's
pub enum EventTypeName {
    OrderCreateEvent,
    OrderStateChangeEvent,
    OrderAttributeValueChangeEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { default_limit: 100, max_limit: 1000 };

    #[test]
    fn the_feed_takes_after_limit_types_and_filters() {
        let query = FeedQuery::parse("after=7&limit=20&eventType=OrderCreateEvent,OrderStateChangeEvent&status=Closed", LIMITS).unwrap();
        assert_eq!((query.after, query.limit, query.wanted.types.len(), query.wanted.filters.len()), (7, 20, 2, 1));
        let defaults = FeedQuery::parse("", LIMITS).unwrap();
        assert_eq!((defaults.after, defaults.limit), (0, 100));
        for (raw, parameter) in [
            ("after=-1", "after"),
            ("after=1&after=2", "after"),
            ("after=9223372036854775808", "after"),
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("eventType=OrderDeleted", "eventType"),
            ("offset=3", "offset"),
            ("sort=id", "sort"),
            ("colour=red", "colour"),
        ] {
            assert_eq!(FeedQuery::parse(raw, LIMITS).unwrap_err().parameter, parameter, "{raw}");
        }
    }

    #[test]
    fn the_next_link_continues_after_the_last_event_read() {
        assert_eq!(
            next_link("status=Closed&after=3&limit=5", 42, 5),
            "</order-tracking/b2b/v1/events?status=Closed&after=42&limit=5>; rel=\"next\""
        );
    }
}
