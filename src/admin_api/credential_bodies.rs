//! What the customer and credential operations take and answer: the types the handlers read
//! and write are the ones the admin OpenAPI document describes.

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::body::{JSON, json_body, object_members};
use crate::domain::credentials::{ApiKey, Customer, MAX_KEY_DAYS};
use crate::http::error::ApiError;

pub const MAX_DAYS: i64 = MAX_KEY_DAYS as i64;

/// `POST /admin/v1/customers`: the new customer's name.
// The bodies take no other member: admin_api::openapi says so (`additionalProperties: false`).
#[derive(Debug, utoipa::ToSchema)]
pub struct NewCustomer {
    /// Its name, not blank (spaces around it are dropped).
    #[schema(pattern = r"^[^\x00]*\S[^\x00]*$")]
    pub name: String,
}

impl NewCustomer {
    pub fn read(headers: &HeaderMap, body: &Bytes) -> Result<Self, ApiError> {
        let members = object_members(json_body(headers, body, JSON)?, &["name"], r#"{"name": "Example SAS"}"#)?;
        match text_member(&members, "name")? {
            None => Err(ApiError::MissingBodyField("name")),
            Some(name) if name.trim().is_empty() => {
                Err(ApiError::InvalidBodyField { field: "name", problem: "it must not be blank".into() })
            }
            Some(name) => Ok(NewCustomer { name: name.trim().to_owned() }),
        }
    }
}

/// `POST …/{customerId}/clients`: optional; a name for the client, if the operator gives one.
#[derive(Debug, Default, utoipa::ToSchema)]
pub struct NewClient {
    #[schema(pattern = r"^[^\x00]*$")]
    pub name: Option<String>,
}

impl NewClient {
    pub fn read(headers: &HeaderMap, body: &Bytes) -> Result<Self, ApiError> {
        let Some(value) = optional_body(headers, body)? else { return Ok(NewClient::default()) };
        let members = object_members(value, &["name"], r#"{"name": "ERP"}"#)?;
        Ok(NewClient { name: text_member(&members, "name")? })
    }
}

/// `POST …/{customerId}/keys` and `POST /admin/v1/keys/{keyId}/renew`: optional; a number of
/// days from now or an instant, one or neither (the default validity).
// admin_api::openapi makes its schema say "one member or none".
#[derive(Debug, Default, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct KeyValidity {
    /// Days from now, from 1 to 36,500. Not with `expiresAt`.
    #[schema(value_type = i64, required = false, minimum = 1, maximum = 36_500)]
    pub valid_days: Option<i64>,
    /// An RFC 3339 date-time. Not with `validDays`.
    #[schema(value_type = String, required = false, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

impl KeyValidity {
    /// The instant asked for, or `None` for the default (no body, or neither member).
    pub fn expiry(&self) -> Option<OffsetDateTime> {
        self.expires_at.or(self.valid_days.map(|days| OffsetDateTime::now_utc() + Duration::days(days)))
    }

    pub fn read(headers: &HeaderMap, body: &Bytes) -> Result<Self, ApiError> {
        let Some(value) = optional_body(headers, body)? else { return Ok(KeyValidity::default()) };
        let example = r#"{"validDays": 730} or {"expiresAt": "2028-01-31T00:00:00Z"}"#;
        let members = object_members(value, &["validDays", "expiresAt"], example)?;
        // Unlike a client's name, neither member takes `null`: leave it out for the default.
        let days = match members.get("validDays") {
            None => None,
            Some(days) => {
                Some(whole_number(days).filter(|days| (1..=MAX_DAYS).contains(days)).ok_or_else(|| ApiError::InvalidBodyField {
                    field: "validDays",
                    problem: format!("it must be a whole number of days from 1 to {MAX_DAYS}"),
                })?)
            }
        };
        let at = match members.get("expiresAt") {
            None => None,
            Some(Value::String(at)) => Some(at.as_str()),
            Some(_) => return Err(invalid_instant()),
        };
        match (days, at) {
            (Some(_), Some(_)) => {
                Err(ApiError::InvalidBodyField { field: "validDays", problem: "give validDays or expiresAt, not both".into() })
            }
            (Some(days), None) => Ok(KeyValidity { valid_days: Some(days), expires_at: None }),
            (None, Some(at)) => {
                let at = OffsetDateTime::parse(at, &Rfc3339).map_err(|_| invalid_instant())?;
                Ok(KeyValidity { valid_days: None, expires_at: Some(at) })
            }
            (None, None) => Ok(KeyValidity::default()),
        }
    }
}

/// A JSON number without a fraction, as JSON Schema's `integer` is: `730` or `730.0`.
fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().filter(|days| days.fract() == 0.0 && days.abs() <= MAX_DAYS as f64).map(|days| days as i64))
}

fn invalid_instant() -> ApiError {
    ApiError::InvalidBodyField { field: "expiresAt", problem: "it must be an RFC 3339 date-time such as 2028-01-31T00:00:00Z".into() }
}

/// An optional body: none, or JSON `null`, is `None`.
fn optional_body(headers: &HeaderMap, body: &Bytes) -> Result<Option<Value>, ApiError> {
    if body.is_empty() {
        return Ok(None);
    }
    Ok(Some(json_body(headers, body, JSON)?).filter(|value| !value.is_null()))
}

/// A string member, absent or `null` being `None`; without NUL, which PostgreSQL's text refuses.
fn text_member(members: &Map<String, Value>, name: &'static str) -> Result<Option<String>, ApiError> {
    match members.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.contains('\0') => {
            Err(ApiError::InvalidBodyField { field: name, problem: "it must not contain the NUL character (U+0000)".into() })
        }
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::InvalidBodyField { field: name, problem: "it must be a string".into() }),
    }
}

/// `GET /admin/v1/keys`'s query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KeyListing {
    /// Only the keys that expire within this many days from now (0 to 36,500), expired ones included.
    #[param(minimum = 0, maximum = 36_500)]
    pub expiring_within_days: Option<i64>,
    /// Only this customer's keys.
    pub customer_id: Option<String>,
}

/// A customer just created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedCustomer {
    pub customer_id: String,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerList {
    pub customers: Vec<Customer>,
}

/// A client just created, with its secret: shown here and never again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedClient {
    pub client_id: String,
    pub client_secret: String,
    pub customer_id: String,
}

/// An API key just issued, with its text: shown here and never again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedApiKey {
    pub key_id: String,
    pub api_key: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub customer_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub keys: Vec<ApiKey>,
}
