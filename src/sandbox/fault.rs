//! The faults a sandbox client can ask for, as `POST /sandbox/v1/faults` takes them and `GET`
//! lists them: which calls they catch, what those calls answer instead, and how many times.

use serde::Serialize;
use serde_json::{Map, Value};

/// What a caught call answers. Every error is rendered by the genuine error path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 401 code 42, as an access token past its expiry.
    ExpiredToken,
    /// 401 code 41, as an unknown or revoked token.
    InvalidToken,
    /// 429 code 53 (or the token endpoint's `too_many_requests`) with `Retry-After`.
    RateLimited { retry_after_seconds: u64 },
    /// 503 code 5 (or `temporarily_unavailable`) with `Retry-After`, as a database outage.
    Unavailable,
    /// 500 code 1 (or `server_error`).
    Internal,
    /// No answer until the request timeout, then its 408 code 63.
    Timeout,
    /// The genuine answer, after a delay.
    Slow { delay_ms: u64 },
    /// The connection closed with no answer.
    Reset,
}

/// The longest delay or `Retry-After` a fault may ask for: a sandbox call should not hang for long.
pub const MAX_WAIT_SECONDS: u64 = 600;
/// The most calls one fault may catch.
pub const MAX_COUNT: u32 = 1_000;

pub const FAULT_NAMES: &str = "expired-token, invalid-token, rate-limited, unavailable, internal, timeout, slow, reset";

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::ExpiredToken => "expired-token",
            Fault::InvalidToken => "invalid-token",
            Fault::RateLimited { .. } => "rate-limited",
            Fault::Unavailable => "unavailable",
            Fault::Internal => "internal",
            Fault::Timeout => "timeout",
            Fault::Slow { .. } => "slow",
            Fault::Reset => "reset",
        }
    }
}

/// One fault waiting for the calls it catches: `method` and `path` (the request's path or its
/// route, such as `/order-tracking/b2b/v1/orders/{orderId}`), each `None` for any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFault {
    pub method: Option<String>,
    pub path: Option<String>,
    pub fault: Fault,
    /// Calls it will still catch.
    pub remaining: u32,
}

impl PendingFault {
    /// Reads a `POST /sandbox/v1/faults` body; the error names the member and what it takes.
    pub fn read(members: &Map<String, Value>) -> Result<Self, (&'static str, String)> {
        let text = |name: &'static str| match members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
            Some(_) => Err((name, "it must be a non-empty string".to_owned())),
        };
        let number = |name: &'static str, range: std::ops::RangeInclusive<u64>| match members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .filter(|number| range.contains(number))
                .map(Some)
                .ok_or((name, format!("it must be a whole number from {} to {}", range.start(), range.end()))),
        };
        let method = text("method")?.map(|method| method.to_ascii_uppercase());
        let path = text("path")?;
        if path.as_ref().is_some_and(|path| !path.starts_with('/')) {
            return Err(("path", "it must be a path such as /order-tracking/b2b/v1/orders".to_owned()));
        }
        let fault = match text("fault")?.as_deref() {
            None => return Err(("fault", format!("it is required: one of {FAULT_NAMES}"))),
            Some("expired-token") => Fault::ExpiredToken,
            Some("invalid-token") => Fault::InvalidToken,
            Some("rate-limited") => Fault::RateLimited { retry_after_seconds: number("retryAfter", 1..=MAX_WAIT_SECONDS)?.unwrap_or(1) },
            Some("unavailable") => Fault::Unavailable,
            Some("internal") => Fault::Internal,
            Some("timeout") => Fault::Timeout,
            Some("slow") => Fault::Slow { delay_ms: number("delayMs", 0..=MAX_WAIT_SECONDS * 1000)?.unwrap_or(2_000) },
            Some("reset") => Fault::Reset,
            Some(other) => return Err(("fault", format!("{other:?} is not one of {FAULT_NAMES}"))),
        };
        let count = number("count", 1..=u64::from(MAX_COUNT))?.unwrap_or(1);
        Ok(PendingFault { method, path, fault, remaining: count as u32 })
    }

    /// Whether it catches a call of `method` on `path` (matched by the route `route`).
    pub fn catches(&self, method: &str, path: &str, route: Option<&str>) -> bool {
        self.method.as_deref().is_none_or(|wanted| wanted == method)
            && self.path.as_deref().is_none_or(|wanted| wanted == path || Some(wanted) == route)
    }

    /// As `GET /sandbox/v1/faults` lists it.
    pub fn listing(&self) -> FaultListing {
        let (retry_after, delay_ms) = match self.fault {
            Fault::RateLimited { retry_after_seconds } => (Some(retry_after_seconds), None),
            Fault::Slow { delay_ms } => (None, Some(delay_ms)),
            _ => (None, None),
        };
        FaultListing {
            method: self.method.clone(),
            path: self.path.clone(),
            fault: self.fault.name(),
            remaining: self.remaining,
            retry_after,
            delay_ms,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultListing {
    pub method: Option<String>,
    pub path: Option<String>,
    pub fault: &'static str,
    pub remaining: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> Result<PendingFault, (&'static str, String)> {
        PendingFault::read(value.as_object().unwrap())
    }

    #[test]
    fn a_fault_reads_with_its_defaults_and_catches_what_it_names() {
        let fault = read(json!({"method": "get", "path": "/order-tracking/b2b/v1/orders/{orderId}", "fault": "reset"})).unwrap();
        assert_eq!((fault.fault, fault.remaining, fault.method.as_deref()), (Fault::Reset, 1, Some("GET")));
        assert!(fault.catches("GET", "/order-tracking/b2b/v1/orders/1", Some("/order-tracking/b2b/v1/orders/{orderId}")));
        assert!(!fault.catches("POST", "/order-tracking/b2b/v1/orders/1", Some("/order-tracking/b2b/v1/orders/{orderId}")));
        assert!(!fault.catches("GET", "/order-tracking/b2b/v1/orders", Some("/order-tracking/b2b/v1/orders")));
        let any = read(json!({"fault": "rate-limited", "retryAfter": 7, "count": 3})).unwrap();
        assert_eq!((any.fault, any.remaining), (Fault::RateLimited { retry_after_seconds: 7 }, 3));
        assert!(any.catches("DELETE", "/anything", None));
    }

    #[test]
    fn a_bad_fault_names_its_member() {
        for (body, member) in [
            (json!({}), "fault"),
            (json!({"fault": "explode"}), "fault"),
            (json!({"fault": "slow", "delayMs": -1}), "delayMs"),
            (json!({"fault": "rate-limited", "retryAfter": 0}), "retryAfter"),
            (json!({"fault": "internal", "count": 0}), "count"),
            (json!({"fault": "internal", "count": 1001}), "count"),
            (json!({"fault": "internal", "path": "orders"}), "path"),
            (json!({"fault": "internal", "method": 5}), "method"),
        ] {
            assert_eq!(read(body.clone()).unwrap_err().0, member, "{body}");
        }
    }
}
