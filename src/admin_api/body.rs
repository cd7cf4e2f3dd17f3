//! The admin API's request bodies: there, of an accepted media type, JSON, and (for objects)
//! holding only the members the operation takes.

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::http::error::ApiError;

pub const JSON: &[&str] = &["application/json"];
pub const MERGE_PATCH: &[&str] = &["application/merge-patch+json"];
pub const ORDER_LINES: &[&str] = &["application/x-ndjson", "application/json"];

/// The body as JSON, once it is there and of one of the `accepted` media types.
pub fn json_body(headers: &HeaderMap, body: &Bytes, accepted: &'static [&'static str]) -> Result<Value, ApiError> {
    require_media_type(headers, body, accepted)?;
    serde_json::from_slice(body).map_err(|error| ApiError::InvalidBody(format!("it is not JSON: {error}")))
}

/// The members of a JSON object body, when it names none but the `allowed` ones: a misspelt
/// member would otherwise be ignored, and the operator would get a default unseen.
pub fn object_members(value: Value, allowed: &[&str], example: &str) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(members) = value else {
        return Err(ApiError::InvalidBody(format!("it must be a JSON object such as {example}")));
    };
    if let Some(unknown) = members.keys().find(|name| !allowed.contains(&name.as_str())) {
        return Err(ApiError::InvalidBody(format!(
            "it has the member {unknown:?}, which this operation does not take (only {})",
            allowed.join(", ")
        )));
    }
    Ok(members)
}

/// 21 for no body, 415 for a `Content-Type` (or none) other than the `accepted` ones.
pub fn require_media_type(headers: &HeaderMap, body: &Bytes, accepted: &'static [&'static str]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MissingBody);
    }
    let media = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).and_then(|value| value.split(';').next());
    match media.map(|media| media.trim().to_ascii_lowercase()) {
        Some(media) if accepted.contains(&media.as_str()) => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType { accepted: accepted_names(accepted) }),
    }
}

fn accepted_names(accepted: &'static [&'static str]) -> &'static str {
    match accepted {
        JSON => "application/json",
        MERGE_PATCH => "application/merge-patch+json (RFC 7396)",
        _ => "application/x-ndjson (one order a line) or application/json (an array of orders)",
    }
}
