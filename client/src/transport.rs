//! The HTTP side shared by the token source and the API calls.

use reqwest::header::HeaderMap;

use crate::retry::RetryPolicy;

pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
}

/// The `X-OAPI-Request-Id` of an answer.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-oapi-request-id").and_then(|value| value.to_str().ok()).map(str::to_owned)
}

/// A number header such as `X-Total-Count`.
pub(crate) fn count(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}
