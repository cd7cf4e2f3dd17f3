//! Rate limits per client (contract §3, §7): token requests and API calls, each a per-minute
//! quota with the whole minute's allowance available as a burst (GCRA, from `governor`), and a
//! lock-out of client ids whose authentication keeps failing. Limits hold per instance: each
//! server keeps its own counts in memory.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

pub static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");

type KeyedLimiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// A per-minute quota per key.
pub struct PerMinute {
    per_minute: u32,
    limiter: KeyedLimiter,
}

/// What a limit says of one more request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed { limit: u32, remaining: u32 },
    Refused { limit: u32, retry_after: Duration },
}

impl Decision {
    /// `RateLimit-Limit` and `RateLimit-Remaining`, and `Retry-After` (whole seconds, at least 1)
    /// on a refusal.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let (limit, remaining) = match *self {
            Decision::Allowed { limit, remaining } => (limit, remaining),
            Decision::Refused { limit, retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds(retry_after)));
                (limit, 0)
            }
        };
        headers.insert(RATELIMIT_LIMIT.clone(), HeaderValue::from(limit));
        headers.insert(RATELIMIT_REMAINING.clone(), HeaderValue::from(remaining));
        headers
    }
}

pub fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl PerMinute {
    /// `None` for 0: no limit.
    pub fn new(per_minute: u32) -> Option<PerMinute> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(PerMinute { per_minute, limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>() })
    }

    /// Counts one request of `key`, if the quota allows it.
    pub fn check(&self, key: &str) -> Decision {
        match self.limiter.check_key(&key.to_owned()) {
            Ok(state) => Decision::Allowed { limit: self.per_minute, remaining: state.remaining_burst_capacity() },
            Err(not_until) => {
                Decision::Refused { limit: self.per_minute, retry_after: not_until.wait_time_from(self.limiter.clock().now()) }
            }
        }
    }

    /// Forgets keys whose quota is whole again, so that memory follows the active clients.
    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Failed client authentications in a row, per client id, before the id is locked out.
pub const MAX_FAILED_AUTHENTICATIONS: u32 = 10;
/// Failures further apart than this do not add up.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a locked-out client id is refused, even with the right secret.
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// Client ids tracked at most, and the longest tracked (issued ids are about 20 bytes; longer
/// ones exist nowhere): about 10 MB at most.
const MAX_TRACKED_IDS: usize = 100_000;
const MAX_ID_BYTES: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Slows down secret guessing: after `MAX_FAILED_AUTHENTICATIONS` failures within
/// `FAILURE_WINDOW`, a client id is refused for `LOCKOUT`. A success clears its record. Ids
/// that do not exist are tracked alike, so that the answers tell nothing about which exist.
#[derive(Default)]
pub struct Lockout {
    failures: Mutex<HashMap<String, Failures>>,
}

impl Lockout {
    /// How long `client_id` stays locked out, if it is.
    pub fn locked_for(&self, client_id: &str, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().expect("the lock-out table is never poisoned");
        let until = failures.get(client_id)?.locked_until?;
        (until > now).then(|| until - now)
    }

    /// Records a failure; returns the lock-out it starts, if this failure reaches the limit.
    pub fn failed(&self, client_id: &str, now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().expect("the lock-out table is never poisoned");
        // A full table (someone trying very many ids) tracks no new id until the periodic
        // clean-up frees room: memory and the work per failure stay bounded.
        if (failures.len() >= MAX_TRACKED_IDS && !failures.contains_key(client_id)) || client_id.len() > MAX_ID_BYTES {
            return None;
        }
        let record = failures.entry(client_id.to_owned()).or_insert(Failures { count: 0, last: now, locked_until: None });
        if now.duration_since(record.last) >= FAILURE_WINDOW || record.locked_until.is_some_and(|until| until <= now) {
            *record = Failures { count: 0, last: now, locked_until: None };
        }
        record.count += 1;
        record.last = now;
        if record.count >= MAX_FAILED_AUTHENTICATIONS {
            record.locked_until = Some(now + LOCKOUT);
            return Some(LOCKOUT);
        }
        None
    }

    pub fn succeeded(&self, client_id: &str) {
        self.failures.lock().expect("the lock-out table is never poisoned").remove(client_id);
    }

    fn forget_old(&self, now: Instant) {
        let mut failures = self.failures.lock().expect("the lock-out table is never poisoned");
        failures
            .retain(|_, record| now.duration_since(record.last) < FAILURE_WINDOW || record.locked_until.is_some_and(|until| until > now));
        failures.shrink_to_fit();
    }
}

/// Every limit of a server.
pub struct RateLimits {
    pub token_requests: Option<PerMinute>,
    pub api_calls: Option<PerMinute>,
    pub lockout: Lockout,
}

impl RateLimits {
    pub fn new(token_requests_per_minute: u32, api_calls_per_minute: u32) -> Self {
        RateLimits {
            token_requests: PerMinute::new(token_requests_per_minute),
            api_calls: PerMinute::new(api_calls_per_minute),
            lockout: Lockout::default(),
        }
    }

    /// Drops the state of clients that are idle again; run every minute or so.
    pub fn forget_idle(&self) {
        self.token_requests.iter().chain(&self.api_calls).for_each(PerMinute::forget_idle);
        self.lockout.forget_old(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_allows_its_burst_then_refuses_with_a_wait() {
        let limit = PerMinute::new(3).expect("a limit");
        for remaining in [2, 1, 0] {
            assert_eq!(limit.check("a"), Decision::Allowed { limit: 3, remaining });
        }
        let Decision::Refused { limit: 3, retry_after } = limit.check("a") else { panic!("the fourth call is refused") };
        // One request comes back every 20 s.
        assert!(retry_after > Duration::from_secs(18) && retry_after <= Duration::from_secs(20), "{retry_after:?}");
        assert_eq!(limit.check("b"), Decision::Allowed { limit: 3, remaining: 2 }, "keys are independent");
        assert!(PerMinute::new(0).is_none(), "0 means no limit");
    }

    #[test]
    fn refusals_carry_retry_after_and_zero_remaining() {
        let headers = Decision::Refused { limit: 50, retry_after: Duration::from_millis(1200) }.headers();
        assert_eq!(headers[header::RETRY_AFTER], "2");
        assert_eq!(headers[&RATELIMIT_LIMIT], "50");
        assert_eq!(headers[&RATELIMIT_REMAINING], "0");
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(3)), 3);
    }

    #[test]
    fn failures_in_a_row_lock_the_id_out_for_a_while() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for attempt in 1..MAX_FAILED_AUTHENTICATIONS {
            assert_eq!(lockout.failed("cli_a", start), None, "attempt {attempt}");
        }
        assert_eq!(lockout.locked_for("cli_a", start), None);
        assert_eq!(lockout.failed("cli_a", start), Some(LOCKOUT));
        assert_eq!(lockout.locked_for("cli_a", start + Duration::from_secs(60)), Some(LOCKOUT - Duration::from_secs(60)));
        assert_eq!(lockout.locked_for("cli_b", start), None, "other ids are not affected");
        assert_eq!(lockout.locked_for("cli_a", start + LOCKOUT), None, "the lock-out ends");
        // After it, counting starts again.
        assert_eq!(lockout.failed("cli_a", start + LOCKOUT), None);
    }

    #[test]
    fn a_success_or_a_long_pause_clears_the_failures() {
        let lockout = Lockout::default();
        let start = Instant::now();
        for _ in 1..MAX_FAILED_AUTHENTICATIONS {
            lockout.failed("cli_a", start);
        }
        lockout.succeeded("cli_a");
        assert_eq!(lockout.failed("cli_a", start), None);
        for _ in 2..MAX_FAILED_AUTHENTICATIONS {
            lockout.failed("cli_a", start);
        }
        assert_eq!(lockout.failed("cli_a", start + FAILURE_WINDOW), None, "failures far apart do not add up");
    }
}
