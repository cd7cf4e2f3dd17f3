//! `GET /order-tracking/b2b/v1/orders` and `/orders/{orderId}` (contract §6).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use xxhash_rust::xxh3::Xxh3;

use super::field_selection::select_fields;
use crate::domain::order::OrderDocument;
use crate::http::answer_cache::{Answer, AnswerKey, ListHeaders, Request};
use crate::http::caller::Caller;
use crate::http::compression::{self, COMPRESS_ABOVE_BYTES, Encoding};
use crate::http::error::ApiError;
use crate::http::paths::{ORDER_PATH, ORDERS_PATH};
use crate::http::state::AppState;
use crate::query::{OrderQuery, parse_query};

pub fn router() -> Router<AppState> {
    Router::new().route(ORDERS_PATH, get(list_orders)).route(ORDER_PATH, get(get_order))
}

const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json; charset=UTF-8");

/// The caller's orders, filtered, sorted and paged.
#[utoipa::path(
    get,
    path = ORDERS_PATH,
    tag = "orders",
    security(("oauth2" = [], "apiKey" = [])),
    // openapi::document() widens the items to the `fields` selection (OrderSelection).
    responses(
        (status = 200, description = "One page of the orders matching the filters, sorted", body = Vec<crate::domain::order::Order>,
            headers(
                ("X-Result-Count" = u64, description = "Number of orders in this answer"),
                ("X-Total-Count" = u64, description = "Number of orders matching the filters"),
                ("Link" = String, description = "RFC 8288 links: first, prev, next, last"),
                ("ETag" = String, description = "Entity tag of this answer"),
            )),
        (status = 304, description = "Not modified: the If-None-Match entity tag still matches",
            headers(("ETag" = String, description = "Entity tag of the unchanged answer"))),
    )
)]
pub async fn list_orders(State(state): State<AppState>, caller: Caller, RawQuery(raw): RawQuery, request_headers: HeaderMap) -> Response {
    let answer = list(&state, &caller, &raw.unwrap_or_default(), &request_headers).await;
    with_caller_headers(&caller, answer)
}

async fn list(state: &AppState, caller: &Caller, raw: &str, request_headers: &HeaderMap) -> Result<Response, ApiError> {
    let key = caller.answer_key(Request::List(raw.to_owned()));
    if let Some(answer) = cached(state, &key) {
        return Ok(respond(state, &key, &answer, request_headers).await);
    }
    let query = parse_query(raw, state.config.limits)?;
    let page = state.store.list_orders(&caller.customer_id, &query, Some(caller.orders_version)).await?;
    let body = render_list(&page.orders, query.fields.as_deref())?;

    let list = ListHeaders {
        result_count: page.orders.len(),
        total: page.total,
        link: HeaderValue::from_str(&link_header(raw, &query, page.total)).ok(),
    };
    let answer = Arc::new(answer(body, &format!("{}:", page.total), Some(list)));
    state.answers.insert(key.clone(), answer.clone());
    Ok(respond(state, &key, &answer, request_headers).await)
}

/// One order of the caller's.
#[utoipa::path(
    get,
    path = ORDER_PATH,
    tag = "orders",
    security(("oauth2" = [], "apiKey" = [])),
    params(("orderId" = String, Path, description = "The order id, e.g. 123456")),
    responses(
        (status = 200, description = "The order", body = crate::domain::order::Order,
            headers(("ETag" = String, description = "Entity tag of the order"))),
        (status = 304, description = "Not modified: the If-None-Match entity tag still matches",
            headers(("ETag" = String, description = "Entity tag of the unchanged answer"))),
    )
)]
pub async fn get_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(order_id): Path<String>,
    request_headers: HeaderMap,
) -> Response {
    let answer = detail(&state, &caller, &order_id, &request_headers).await;
    with_caller_headers(&caller, answer)
}

async fn detail(state: &AppState, caller: &Caller, order_id: &str, request_headers: &HeaderMap) -> Result<Response, ApiError> {
    let key = caller.answer_key(Request::Order(order_id.to_owned()));
    if let Some(answer) = cached(state, &key) {
        return Ok(respond(state, &key, &answer, request_headers).await);
    }
    // Another customer's order and a missing one answer alike; an id with NUL exists nowhere.
    let stored = if order_id.contains('\0') { None } else { state.store.get_order(&caller.customer_id, order_id).await? };
    let document = stored.ok_or_else(|| ApiError::no_such_order(order_id))?;
    let answer = Arc::new(answer(document.as_str().to_owned(), "", None));
    state.answers.insert(key.clone(), answer.clone());
    Ok(respond(state, &key, &answer, request_headers).await)
}

/// The answer cached under `key`, if any, counted as a hit or a miss.
fn cached(state: &AppState, key: &AnswerKey) -> Option<Arc<Answer>> {
    let answer = state.answers.get(key);
    state.metrics.answer_cache_lookup(answer.is_some());
    answer
}

/// Every answer to an authenticated caller, error or not, warns of a key about to expire.
pub(super) fn with_caller_headers(caller: &Caller, answer: Result<Response, ApiError>) -> Response {
    let mut response = answer.into_response();
    response.headers_mut().extend(caller.response_headers());
    response
}

/// A JSON answer and its `ETag`, from the body (and a salt for what the body does not show).
/// The tag is XXH3's 128 bits: it only tells one answer from another, which needs no
/// cryptographic hash, and SHA-256 over a 20 kB page was 3-7% of a fresh list's time
/// (docs/performance.md, step 35). Every instance and version computes the same tag.
fn answer(body: String, etag_salt: &str, list: Option<ListHeaders>) -> Answer {
    let etag = etag_of(etag_salt, &body);
    Answer::new(body.into(), HeaderValue::from_str(&etag).expect("hex is a valid header value"), list)
}

fn etag_of(salt: &str, body: &str) -> String {
    let mut hasher = Xxh3::new();
    hasher.update(salt.as_bytes());
    hasher.update(body.as_bytes());
    format!("\"{:032x}\"", hasher.digest128())
}

/// The `ETag` of one order's answer: the admin API's `If-Match` compares against it.
pub fn order_etag(document: &str) -> String {
    etag_of("", document)
}

/// The answer, compressed when the client accepts an encoding, or 304 when `If-None-Match`
/// already holds its `ETag`. A compressed answer's tag is weak (`W/`): its bytes differ from the
/// plain answer's, its content does not, and `If-None-Match` compares weakly either way.
async fn respond(state: &AppState, key: &AnswerKey, answer: &Arc<Answer>, request_headers: &HeaderMap) -> Response {
    let encoding = Encoding::negotiate(request_headers).filter(|_| answer.body.len() > usize::from(COMPRESS_ABOVE_BYTES));
    let mut headers = answer.headers();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if encoding.is_some() {
        let weak = [b"W/", answer.etag.as_bytes()].concat();
        headers.insert(header::ETAG, HeaderValue::from_bytes(&weak).expect("a tag stays a valid header value"));
    }
    if answer.etag.to_str().is_ok_and(|etag| if_none_match(request_headers, etag)) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, JSON_UTF8);
    let Some(encoding) = encoding else {
        return (headers, answer.body.clone()).into_response();
    };
    match compressed(state, key, answer, encoding).await {
        Ok(body) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.name()));
            (headers, body).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, encoding = encoding.name(), "could not compress an answer; sending it uncompressed");
            headers.insert(header::ETAG, answer.etag.clone());
            (headers, answer.body.clone()).into_response()
        }
    }
}

/// The answer's body in `encoding`: compressed the first time it is asked for, then kept in a
/// copy of the answer that replaces it in the cache. Requests that miss it at the same moment
/// each compress; the last copy kept wins, and a form it lacks is made again next time.
async fn compressed(state: &AppState, key: &AnswerKey, answer: &Answer, encoding: Encoding) -> Result<Bytes, axum::Error> {
    if let Some(body) = &answer.compressed[encoding.index()] {
        return Ok(body.clone());
    }
    let body = compression::compress(answer.body.clone(), encoding).await?;
    state.answers.insert(key.clone(), Arc::new(answer.with_compressed(encoding.index(), body.clone())));
    Ok(body)
}

/// Weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag equal once `W/` is dropped.
pub(super) fn if_none_match(request_headers: &HeaderMap, etag: &str) -> bool {
    request_headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|value| value.to_str().ok()).flat_map(|value| value.split(',')).any(
        |candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate.trim_start_matches("W/") == etag
        },
    )
}

/// Joins stored documents into a JSON array, keeping only the selected top-level members.
pub fn render_list(orders: &[OrderDocument], fields: Option<&[&str]>) -> Result<String, ApiError> {
    let mut body = String::with_capacity(orders.iter().map(|order| order.as_str().len() + 1).sum::<usize>() + 2);
    body.push('[');
    for (index, order) in orders.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        match fields {
            None => body.push_str(order.as_str()),
            Some(fields) => {
                select_fields(order.as_str(), fields, &mut body).map_err(|error| ApiError::Internal(Box::new(error)))?;
            }
        }
    }
    body.push(']');
    Ok(body)
}

/// RFC 8288 `Link` with `first`, `prev`, `next` and `last`, where they exist, keeping the
/// request's other parameters.
pub fn link_header(raw: &str, query: &OrderQuery, total: u64) -> String {
    let kept: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .filter(|(name, _)| name != "offset" && name != "limit")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let url = |offset: u64| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        serializer.extend_pairs(&kept);
        serializer.append_pair("offset", &offset.to_string());
        serializer.append_pair("limit", &query.limit.to_string());
        format!("<{ORDERS_PATH}?{}>", serializer.finish())
    };
    let limit = query.limit;
    let last = total.saturating_sub(1) / limit * limit;
    let mut links = vec![format!("{}; rel=\"first\"", url(0))];
    if query.offset > 0 {
        links.push(format!("{}; rel=\"prev\"", url(query.offset.saturating_sub(limit).min(last))));
    }
    if query.offset.saturating_add(limit) < total {
        links.push(format!("{}; rel=\"next\"", url(query.offset + limit)));
    }
    links.push(format!("{}; rel=\"last\"", url(last)));
    links.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tag depends on the body and on the salt (a list's total, which the body does not
    /// show), and on nothing else: two instances serving the same answer give the same tag.
    #[test]
    fn an_etag_is_the_same_for_the_same_answer_and_differs_otherwise() {
        let tag = |body: &str, salt: &str| answer(body.to_owned(), salt, None).etag.to_str().unwrap().to_owned();
        let first = tag("[{\"id\":\"1\"}]", "12:");
        assert_eq!(first, tag("[{\"id\":\"1\"}]", "12:"));
        assert_ne!(first, tag("[{\"id\":\"2\"}]", "12:"));
        assert_ne!(first, tag("[{\"id\":\"1\"}]", "13:"));
        assert_eq!(first.len(), 34, "{first}");
        assert!(first.starts_with('"') && first.ends_with('"') && first[1..33].chars().all(|c| c.is_ascii_hexdigit()), "{first}");
    }
}
