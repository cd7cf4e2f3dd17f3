//! The notification hub, TM Forum style (issue #31): `POST /hub` subscribes a callback URL to
//! the caller's order events, `GET /hub` and `GET /hub/{id}` show subscriptions (never their
//! secret), `DELETE /hub/{id}` ends one, `POST /hub/{id}/secret` rotates its secret and
//! `POST /hub/{id}/ping` sends it a `PingEvent` at once.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::orders::with_caller_headers;
use crate::domain::instant::rfc3339;
use crate::http::caller::Caller;
use crate::http::error::ApiError;
use crate::http::paths::{HUB_PATH, SUBSCRIPTION_PATH, SUBSCRIPTION_PING_PATH, SUBSCRIPTION_SECRET_PATH};
use crate::http::state::AppState;
use crate::hub::callback::check_callback;
use crate::hub::event_filter::EventFilter;
use crate::hub::sender::Attempt;
use crate::hub::signing::new_secret;
use crate::store::{NewSubscription, Subscription, signing_secrets};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(HUB_PATH, post(subscribe).get(list_subscriptions))
        .route(SUBSCRIPTION_PATH, get(get_subscription).delete(unsubscribe))
        .route(SUBSCRIPTION_SECRET_PATH, post(rotate_secret))
        .route(SUBSCRIPTION_PING_PATH, post(ping))
}

/// How long a rotated secret keeps signing beside the new one.
const PREVIOUS_SECRET_SIGNS_FOR: time::Duration = time::Duration::hours(24);

/// A subscription as the hub shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionBody {
    /// e.g. "sub_4f9k2m8q1z7x3b6n".
    id: String,
    /// Where the events are posted.
    callback: String,
    /// Which events: `eventType=` and the list's filters, as given ("" for every event).
    query: String,
    /// `active` or `disabled` (after a 410 Gone, five days of failures, or an operator).
    status: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// Events delivered.
    delivered: i64,
    /// Events given up after the last retry.
    failed: i64,
    /// When the last attempt ended.
    #[schema(format = DateTime)]
    last_delivery_at: Option<String>,
    /// How it ended: `delivered`, or what failed.
    last_delivery_outcome: Option<String>,
    /// The signing secret (`whsec_…`): only in the answers that create or rotate it.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl SubscriptionBody {
    fn of(subscription: Subscription, show_secret: bool) -> Self {
        let (last_at, last_outcome) = subscription.last_delivery.map(|(at, outcome)| (rfc3339(at), outcome)).unzip();
        SubscriptionBody {
            id: subscription.id,
            callback: subscription.callback,
            query: subscription.query,
            status: subscription.status.name().to_owned(),
            created_at: rfc3339(subscription.created_at),
            delivered: subscription.delivered,
            failed: subscription.failed,
            last_delivery_at: last_at,
            last_delivery_outcome: last_outcome,
            secret: show_secret.then_some(subscription.secret),
        }
    }
}

/// What `POST /hub` takes.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // read as JSON by hand, to name each problem; described here
pub struct SubscribeBody {
    /// An absolute https URL whose host resolves only to public addresses.
    callback: String,
    /// e.g. "eventType=OrderStateChangeEvent&status=Closed"; none: every event.
    query: Option<String>,
}

/// What a ping did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PingBody {
    /// Whether the callback answered 2xx.
    delivered: bool,
    /// The callback's HTTP status, if it answered.
    status: Option<u16>,
    /// What went wrong, if anything did.
    error: Option<String>,
}

/// Subscribes a callback to the caller's order events.
#[utoipa::path(post, path = HUB_PATH, tag = "hub", security(("oauth2" = [], "apiKey" = [])), request_body = SubscribeBody,
    responses((status = 201, description = "Subscribed; the secret is shown only here", body = SubscriptionBody,
        headers(("Location" = String, description = "The subscription's URL")))))]
pub async fn subscribe(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    with_caller_headers(&caller, create(&state, &caller, &body).await)
}

async fn create(state: &AppState, caller: &Caller, body: &[u8]) -> Result<Response, ApiError> {
    let (callback, query) = read_subscribe_body(state, body).await?;
    let new = NewSubscription { customer_id: caller.customer_id.clone(), callback, query, secret: new_secret() };
    let at_most = state.config.webhooks.subscriptions_per_customer;
    let Some(created) = state.store.create_subscription(new, at_most).await? else {
        return Err(ApiError::InvalidBodyField {
            field: "callback",
            problem: format!(
                "this customer already holds {at_most} subscriptions, the most it may: delete one first (DELETE {HUB_PATH}/{{id}})"
            ),
        });
    };
    let location = HeaderValue::from_str(&format!("{HUB_PATH}/{}", created.id)).expect("ids are URL-safe");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(SubscriptionBody::of(created, true))).into_response())
}

/// The callback and the query of a `POST /hub` body, each checked.
async fn read_subscribe_body(state: &AppState, body: &[u8]) -> Result<(String, String), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MissingBody);
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| ApiError::InvalidBody(format!("it is not JSON ({error})")))?;
    let Value::Object(members) = value else {
        return Err(ApiError::InvalidBody("it must be a JSON object such as {\"callback\": \"https://example.com/hook\"}".into()));
    };
    if let Some(unknown) = members.keys().find(|name| !["callback", "query"].contains(&name.as_str())) {
        return Err(ApiError::InvalidBody(format!("it has the member {unknown:?}, which a subscription does not take (callback, query)")));
    }
    let callback = text_member(&members, "callback")?.ok_or(ApiError::MissingBodyField("callback"))?;
    let allow_private = state.config.webhooks.allow_private;
    check_callback(&callback, allow_private).await.map_err(|problem| ApiError::InvalidBodyField { field: "callback", problem })?;
    let query = text_member(&members, "query")?.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect();
    EventFilter::parse(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())), state.config.limits, &[])
        .map_err(|error| ApiError::InvalidBodyField { field: "query", problem: format!("{}: {}", error.parameter, error.problem) })?;
    Ok((callback, query.trim_start_matches('?').to_owned()))
}

fn text_member(members: &Map<String, Value>, name: &'static str) -> Result<Option<String>, ApiError> {
    match members.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::InvalidBodyField { field: name, problem: "must be a string".into() }),
    }
}

/// The caller's subscriptions, oldest first.
#[utoipa::path(get, path = HUB_PATH, tag = "hub", security(("oauth2" = [], "apiKey" = [])),
    responses((status = 200, description = "Your subscriptions, without their secrets", body = Vec<SubscriptionBody>)))]
pub async fn list_subscriptions(State(state): State<AppState>, caller: Caller) -> Response {
    let listed = async {
        let subscriptions = state.store.list_subscriptions(Some(&caller.customer_id)).await?;
        let bodies: Vec<SubscriptionBody> =
            subscriptions.into_iter().map(|subscription| SubscriptionBody::of(subscription, false)).collect();
        Ok(axum::Json(bodies).into_response())
    };
    with_caller_headers(&caller, listed.await)
}

fn no_such_subscription(id: &str) -> ApiError {
    ApiError::NoSuchSubscription(id.to_string())
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> Result<Subscription, ApiError> {
    state.store.find_subscription(Some(&caller.customer_id), id).await?.ok_or_else(|| no_such_subscription(id))
}

/// One subscription of the caller's, with what its deliveries did.
#[utoipa::path(get, path = SUBSCRIPTION_PATH, tag = "hub", security(("oauth2" = [], "apiKey" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses((status = 200, description = "The subscription, without its secret", body = SubscriptionBody)))]
pub async fn get_subscription(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let found = async { Ok(axum::Json(SubscriptionBody::of(find(&state, &caller, &id).await?, false)).into_response()) };
    with_caller_headers(&caller, found.await)
}

/// Ends a subscription; its pending deliveries go with it.
#[utoipa::path(delete, path = SUBSCRIPTION_PATH, tag = "hub", security(("oauth2" = [], "apiKey" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses((status = 204, description = "Deleted")))]
pub async fn unsubscribe(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let deleted = async {
        match state.store.delete_subscription(&caller.customer_id, &id).await? {
            true => Ok(StatusCode::NO_CONTENT.into_response()),
            false => Err(no_such_subscription(&id)),
        }
    };
    with_caller_headers(&caller, deleted.await)
}

/// Gives a subscription a new secret; the old one keeps signing beside it for 24 hours.
#[utoipa::path(post, path = SUBSCRIPTION_SECRET_PATH, tag = "hub", security(("oauth2" = [], "apiKey" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses((status = 200, description = "The subscription with its new secret, shown only here", body = SubscriptionBody)))]
pub async fn rotate_secret(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let rotated = async {
        let until = OffsetDateTime::now_utc() + PREVIOUS_SECRET_SIGNS_FOR;
        let rotated = state.store.rotate_subscription_secret(&caller.customer_id, &id, &new_secret(), until).await?;
        Ok(axum::Json(SubscriptionBody::of(rotated.ok_or_else(|| no_such_subscription(&id))?, true)).into_response())
    };
    with_caller_headers(&caller, rotated.await)
}

/// Sends the subscription's callback a signed `PingEvent` now, and says how it went.
#[utoipa::path(post, path = SUBSCRIPTION_PING_PATH, tag = "hub", security(("oauth2" = [], "apiKey" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses((status = 200, description = "What the callback answered", body = PingBody)))]
pub async fn ping(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Response {
    let pinged = async {
        let subscription = find(&state, &caller, &id).await?;
        let body = serde_json::json!({
            "eventId": crate::auth::secret::new_id("evt_"),
            "eventTime": rfc3339(OffsetDateTime::now_utc()),
            "eventType": "PingEvent",
            "event": {"subscription": {"id": subscription.id}},
        });
        let secrets = signing_secrets(subscription.secret, subscription.previous_secret, OffsetDateTime::now_utc());
        let webhook_id = crate::auth::secret::new_id("msg_");
        let answer = match state.webhooks.send(&subscription.callback, &webhook_id, &secrets, body.to_string()).await {
            Attempt::Delivered(status) => PingBody { delivered: true, status: Some(status), error: None },
            Attempt::Gone => PingBody { delivered: false, status: Some(410), error: Some("answered 410 Gone".into()) },
            Attempt::Failed { status, error, .. } => PingBody { delivered: false, status, error: Some(error) },
        };
        Ok(axum::Json(answer).into_response())
    };
    with_caller_headers(&caller, pinged.await)
}
