//! When to try a call again, and how long to wait first: `Retry-After` when the server says,
//! exponential back-off with full jitter when it does not.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::Error;

/// How many times a refused call is tried again, and how long the waits may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 never retries.
    pub max_retries: u32,
    /// The back-off before the first retry when the server gives no `Retry-After`; doubled each time.
    pub base_delay: Duration,
    /// The longest wait: a longer back-off is cut to this, and a `Retry-After` beyond it fails
    /// the call at once rather than hang.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 4, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(60) }
    }
}

/// What to do after a refused attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Wait(Duration),
    GiveUp,
    /// The server asked for a longer wait than allowed.
    TooLate(Duration),
}

impl RetryPolicy {
    /// After `retries` retries already made, with the server's `Retry-After` if any.
    pub(crate) fn next(&self, retries: u32, retry_after: Option<Duration>) -> Next {
        if retries >= self.max_retries {
            return Next::GiveUp;
        }
        match retry_after {
            Some(wait) if wait > self.max_delay => Next::TooLate(wait),
            Some(wait) => Next::Wait(wait),
            None => {
                let ceiling = self.base_delay.saturating_mul(2u32.saturating_pow(retries)).min(self.max_delay);
                Next::Wait(rand::rng().random_range(Duration::ZERO..=ceiling))
            }
        }
    }
}

impl RetryPolicy {
    /// After a refused attempt (`retries` retries already made): waits before the next attempt,
    /// or gives up with the error, when the answer is not one to retry or the policy says stop.
    pub(crate) async fn before_retry(&self, retries: u32, status: u16, headers: &HeaderMap, error: Error) -> Result<(), Error> {
        if !is_retryable(status, error.code()) {
            return Err(error);
        }
        match self.next(retries, retry_after(headers, SystemTime::now())) {
            Next::Wait(wait) => {
                tokio::time::sleep(wait).await;
                Ok(())
            }
            Next::GiveUp => Err(Error::RetriesExhausted { attempts: retries + 1, last: Box::new(error) }),
            Next::TooLate(wait) => Err(Error::RetryTooLate { wait, allowed: self.max_delay, last: Box::new(error) }),
        }
    }
}

/// Whether an answer asks to come back later: 429, 503, and 403 with code 53 (older Orange
/// gateways answer "too many requests" that way).
pub(crate) fn is_retryable(status: u16, code: Option<i64>) -> bool {
    status == 429 || status == 503 || (status == 403 && code == Some(53))
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Fri, 27 Nov 2026 10:00:00 GMT").unwrap();
        assert_eq!(retry_after(&headers("7"), now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers("Fri, 27 Nov 2026 10:00:30 GMT"), now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&headers("Fri, 27 Nov 2026 09:00:00 GMT"), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn back_off_grows_stays_under_its_ceiling_and_stops() {
        let policy = RetryPolicy { max_retries: 3, base_delay: Duration::from_millis(100), max_delay: Duration::from_millis(250) };
        for _ in 0..200 {
            for (retries, ceiling) in [(0, 100), (1, 200), (2, 250)] {
                match policy.next(retries, None) {
                    Next::Wait(wait) => assert!(wait <= Duration::from_millis(ceiling), "retry {retries}: {wait:?}"),
                    other => panic!("retry {retries}: {other:?}"),
                }
            }
        }
        assert_eq!(policy.next(3, None), Next::GiveUp);
        assert_eq!(policy.next(0, Some(Duration::from_millis(200))), Next::Wait(Duration::from_millis(200)));
        assert_eq!(policy.next(0, Some(Duration::from_secs(1))), Next::TooLate(Duration::from_secs(1)));
    }

    #[test]
    fn only_busy_answers_are_retried() {
        assert!(is_retryable(429, Some(53)) && is_retryable(503, Some(5)) && is_retryable(403, Some(53)));
        assert!(!is_retryable(403, Some(50)) && !is_retryable(401, Some(42)) && !is_retryable(500, Some(1)));
    }
}
