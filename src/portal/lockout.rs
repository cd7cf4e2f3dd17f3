//! The lockout of an email after repeated failed logins: 10 failures within a window of 15
//! minutes (from the first of them) refuse that email's logins for the next 15 minutes, whether
//! the email is a user's or not. A refused login answers as a wrong password does.

use time::{Duration, OffsetDateTime};

use crate::domain::portal_user::LoginFailures;

pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::minutes(15);
pub const LOCK: Duration = Duration::minutes(15);

pub fn is_locked(failures: Option<LoginFailures>, now: OffsetDateTime) -> bool {
    failures.and_then(|failures| failures.locked_until).is_some_and(|until| now < until)
}

/// What is kept after one more failure at `now`.
pub fn after_failure(failures: Option<LoginFailures>, now: OffsetDateTime) -> LoginFailures {
    let counted = match failures {
        Some(failures) if now - failures.window_start < WINDOW => LoginFailures { failures: failures.failures + 1, ..failures },
        _ => LoginFailures { window_start: now, failures: 1, locked_until: None },
    };
    match counted.failures >= MAX_FAILURES {
        // The lock begins a window of its own, empty: the next failure after it counts from one.
        true => LoginFailures { window_start: now, failures: 0, locked_until: Some(now + LOCK) },
        false => counted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ten_failures_in_the_window_lock_for_fifteen_minutes() {
        let start = datetime!(2026-03-12 09:00 UTC);
        let mut kept = None;
        for minute in 0..9 {
            kept = Some(after_failure(kept, start + Duration::minutes(minute)));
            assert!(!is_locked(kept, start + Duration::minutes(minute)), "{minute}");
        }
        let tenth = start + Duration::minutes(14);
        kept = Some(after_failure(kept, tenth));
        assert!(is_locked(kept, tenth) && is_locked(kept, tenth + Duration::minutes(14)));
        assert!(!is_locked(kept, tenth + LOCK));
    }

    #[test]
    fn failures_spread_beyond_the_window_never_lock() {
        let start = datetime!(2026-03-12 09:00 UTC);
        let mut kept = None;
        for step in 0..30 {
            let now = start + Duration::minutes(step * 2);
            kept = Some(after_failure(kept, now));
            assert!(!is_locked(kept, now), "{step}");
        }
    }
}
