//! The control routes under `/sandbox/v1`, with the caller's usual token and API key, acting on
//! the caller's own client and credentials only: faults on demand, credentials expired now.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::book::MAX_PENDING_PER_CLIENT;
use super::clock::parse_duration;
use super::fault::PendingFault;
use super::inject::{Sandbox, bearer_token_key};
use super::life;
use crate::admin_api::body::{JSON, json_body, object_members};
use crate::auth::secret;
use crate::domain::instant::rfc3339;
use crate::domain::order::Order;
use crate::http::caller::{Caller, X_API_KEY};
use crate::http::error::ApiError;
use crate::store::{Precondition, StoreError};

pub const FAULTS_PATH: &str = "/sandbox/v1/faults";
pub const EXPIRE_PATH: &str = "/sandbox/v1/credentials/expire";
pub const ADVANCE_PATH: &str = "/sandbox/v1/orders/{orderId}/advance";
pub const CLOCK_PATH: &str = "/sandbox/v1/clock";

pub fn router() -> Router<Sandbox> {
    Router::new()
        .route(FAULTS_PATH, get(list_faults).post(add_fault).delete(clear_faults))
        .route(EXPIRE_PATH, post(expire))
        .route(ADVANCE_PATH, post(advance))
        .route(CLOCK_PATH, get(read_clock).post(move_clock))
}

/// The caller, as the API checks it.
struct Client(Caller);

impl FromRequestParts<Sandbox> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sandbox: &Sandbox) -> Result<Self, ApiError> {
        Caller::from_request_parts(parts, &sandbox.app).await.map(Client)
    }
}

async fn add_fault(
    State(sandbox): State<Sandbox>,
    Client(caller): Client,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let example = r#"{"method": "GET", "path": "/order-tracking/b2b/v1/orders", "fault": "unavailable", "count": 2}"#;
    let allowed = ["method", "path", "fault", "count", "retryAfter", "delayMs"];
    let members = object_members(json_body(&headers, &body, JSON)?, &allowed, example)?;
    let fault = PendingFault::read(&members).map_err(|(field, problem)| ApiError::InvalidBodyField { field, problem })?;
    let listing = fault.listing();
    if !sandbox.book.add(&caller.client_id, fault) {
        return Err(ApiError::InvalidBodyField {
            field: "fault",
            problem: format!("this client already has {MAX_PENDING_PER_CLIENT} faults waiting: DELETE {FAULTS_PATH} clears them"),
        });
    }
    tracing::info!(client_id = %caller.client_id, fault = listing.fault, "sandbox fault set");
    Ok((StatusCode::CREATED, Json(json!(listing))))
}

async fn list_faults(State(sandbox): State<Sandbox>, Client(caller): Client) -> Json<Value> {
    let faults: Vec<_> = sandbox.book.list(&caller.client_id).iter().map(PendingFault::listing).collect();
    Json(json!({ "faults": faults }))
}

async fn clear_faults(State(sandbox): State<Sandbox>, Client(caller): Client) -> StatusCode {
    sandbox.book.clear(&caller.client_id);
    StatusCode::NO_CONTENT
}

/// `{"token": true}` expires the caller's access token now; `{"key": true}` its API key;
/// `{"keyExpiresInDays": N}` moves the key's expiry to N days from now.
async fn expire(State(sandbox): State<Sandbox>, Client(caller): Client, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, ApiError> {
    let example = r#"{"token": true}, {"key": true} or {"keyExpiresInDays": 5}"#;
    let members = object_members(json_body(&headers, &body, JSON)?, &["token", "key", "keyExpiresInDays"], example)?;
    let flag = |name: &'static str| match members.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(_) => Err(ApiError::InvalidBodyField { field: name, problem: "it must be true or false".into() }),
    };
    let (token, key) = (flag("token")?, flag("key")?);
    let days = match members.get("keyExpiresInDays") {
        None | Some(Value::Null) => None,
        Some(days) => Some(days.as_i64().filter(|days| (1..=3650).contains(days)).ok_or_else(|| ApiError::InvalidBodyField {
            field: "keyExpiresInDays",
            problem: "it must be a whole number of days from 1 to 3650".into(),
        })?),
    };
    if key && days.is_some() {
        return Err(ApiError::InvalidBodyField { field: "key", problem: "give key or keyExpiresInDays, not both".into() });
    }
    if !token && !key && days.is_none() {
        return Err(ApiError::InvalidBody(format!("it names nothing to expire: send {example}")));
    }
    let mut answer = json!({});
    let key_expiry =
        if key { Some(OffsetDateTime::now_utc()) } else { days.map(|days| OffsetDateTime::now_utc() + time::Duration::days(days)) };
    if let Some(at) = key_expiry {
        let key_id = caller_key_id(&sandbox, &headers).await?;
        let renewed = sandbox.app.store.renew_api_key(&key_id, at).await?;
        answer["keyExpiresAt"] = rfc3339(renewed.expires_at).into();
    }
    if token {
        sandbox.book.expire_token(bearer_token_key(&headers).ok_or(ApiError::InvalidToken)?.hash);
        answer["tokenExpired"] = true.into();
    }
    tracing::info!(client_id = %caller.client_id, %answer, "sandbox credentials expired");
    Ok(Json(answer))
}

/// Moves one of the caller's orders one step of its life (`life::step`, drawn as the simulator
/// would draw it), or with `{"to": "Closed"}` through every step to its end, each step written as
/// any write is (events, ETag, caches follow); an order that changed meanwhile is read again.
async fn advance(
    State(sandbox): State<Sandbox>,
    Client(caller): Client,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let to_the_end = match body.is_empty() {
        true => false,
        false => {
            let members = object_members(json_body(&headers, &body, JSON)?, &["to"], r#"{"to": "Closed"}"#)?;
            match members.get("to") {
                None | Some(Value::Null) => false,
                Some(Value::String(to)) if to == "Closed" => true,
                Some(_) => {
                    return Err(ApiError::InvalidBodyField {
                        field: "to",
                        problem: "the sandbox moves an order one step, or to \"Closed\", its end".into(),
                    });
                }
            }
        }
    };
    let store = &sandbox.app.store;
    let mut steps = 0;
    let document = loop {
        let stored = store.get_order(&caller.customer_id, &order_id).await?.ok_or_else(|| ApiError::no_such_order(&order_id))?;
        let order: Order = serde_json::from_str(stored.as_str()).map_err(|error| ApiError::Internal(Box::new(error)))?;
        // Dated by the simulated clock, as the simulator dates its steps.
        let Some(next) = life::step(&order, sandbox.simulator.clock.now(), sandbox.simulator.draw(&order)) else {
            if steps > 0 {
                break stored;
            }
            let problem =
                format!("order {order_id:?} is Closed, the end of its life, and a Closed order never reopens: pick a Current one");
            return Err(ApiError::InvalidBodyField { field: "orderId", problem });
        };
        let read = stored.as_str().to_owned();
        let unchanged: Precondition = Box::new(move |now: Option<&str>| now == Some(read.as_str()));
        // What the store keeps of it, and so what a GET answers: serialized here, not read back.
        let written = next.to_document();
        match store.put_order(&caller.customer_id, next, Some(unchanged)).await {
            Ok(_) => steps += 1,
            Err(StoreError::PreconditionFailed) => continue,
            Err(error) => return Err(error.into()),
        }
        if !to_the_end {
            break written;
        }
    };
    tracing::info!(client_id = %caller.client_id, order_id, steps, "sandbox order advanced");
    Ok(([(header::CONTENT_TYPE, "application/json")], document.as_str().to_owned()).into_response())
}

/// The id of the API key the call came with (already checked by the `Caller`).
async fn caller_key_id(sandbox: &Sandbox, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = bearer_token_key(headers).ok_or(ApiError::InvalidToken)?;
    let key = headers.get(&X_API_KEY).and_then(|value| value.to_str().ok()).map(|key| secret::hash(key.trim()));
    let (_, key) = sandbox.app.store.find_call_credentials(&token, key.as_ref()).await?;
    key.map(|key| key.key_id).ok_or(ApiError::InvalidApiKey)
}

/// The simulated clock, as `GET` and `POST /sandbox/v1/clock` answer it.
fn clock_answer(sandbox: &Sandbox, changes: Option<u64>) -> Json<Value> {
    let clock = &sandbox.simulator.clock;
    let mut answer = json!({"now": rfc3339(clock.now()), "paused": clock.paused(), "speed": clock.speed()});
    if let Some(changes) = changes {
        answer["changes"] = changes.into();
    }
    Json(answer)
}

async fn read_clock(State(sandbox): State<Sandbox>, Client(_caller): Client) -> Json<Value> {
    clock_answer(&sandbox, None)
}

/// `{"advance": "P3D"}` jumps the simulated time, applying every change that falls inside, in
/// order; `{"pause": true|false}` stops or resumes it. `changes`: the order writes applied.
async fn move_clock(
    State(sandbox): State<Sandbox>,
    Client(caller): Client,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let example = r#"{"advance": "P3D"} or {"pause": true}"#;
    let members = object_members(json_body(&headers, &body, JSON)?, &["advance", "pause"], example)?;
    let advance = match members.get("advance") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            Some(parse_duration(text).map_err(|problem| ApiError::InvalidBodyField { field: "advance", problem })?)
        }
        Some(_) => {
            return Err(ApiError::InvalidBodyField { field: "advance", problem: "it must be an ISO 8601 duration such as P3D".into() });
        }
    };
    let pause = match members.get("pause") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(pause)) => Some(*pause),
        Some(_) => return Err(ApiError::InvalidBodyField { field: "pause", problem: "it must be true or false".into() }),
    };
    if advance.is_none() && pause.is_none() {
        return Err(ApiError::InvalidBody(format!("it names nothing to do: send {example}")));
    }
    let clock = &sandbox.simulator.clock;
    if let Some(pause) = pause {
        clock.set_paused(pause);
    }
    if let Some(by) = advance {
        clock.advance(by);
    }
    // On a task of its own: a request that times out leaves the changes going, not half done.
    let simulator = sandbox.simulator.clone();
    let changes = tokio::spawn(async move { simulator.catch_up().await }).await.map_err(|error| ApiError::Internal(Box::new(error)))??;
    tracing::info!(client_id = %caller.client_id, now = %rfc3339(clock.now()), changes, "sandbox clock moved");
    Ok(clock_answer(&sandbox, Some(changes)))
}
