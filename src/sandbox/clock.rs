//! The sandbox's simulated time: `speed` simulated seconds per real second from its start (0: it
//! moves only when told), paused and resumed, or jumped ahead by an ISO 8601 duration.

use std::sync::Mutex;
use std::time::Instant;

use time::{Duration, OffsetDateTime};

pub struct SimClock {
    speed: u32,
    state: Mutex<State>,
}

struct State {
    /// The simulated instant at `since`.
    base: OffsetDateTime,
    since: Instant,
    paused: bool,
}

impl SimClock {
    pub fn new(start: OffsetDateTime, speed: u32) -> Self {
        SimClock { speed, state: Mutex::new(State { base: start, since: Instant::now(), paused: false }) }
    }

    pub fn speed(&self) -> u32 {
        self.speed
    }

    pub fn now(&self) -> OffsetDateTime {
        self.settled().base
    }

    pub fn paused(&self) -> bool {
        self.settled().paused
    }

    /// Jumps `by` ahead; the new simulated now.
    pub fn advance(&self, by: Duration) -> OffsetDateTime {
        let mut state = self.settled();
        state.base += by;
        state.base
    }

    pub fn set_paused(&self, paused: bool) {
        self.settled().paused = paused;
    }

    /// The state with the real time elapsed since it was last read folded into `base`.
    fn settled(&self) -> std::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().expect("the clock is never poisoned");
        let real = std::mem::replace(&mut state.since, Instant::now()).elapsed();
        if !state.paused && self.speed > 0 {
            state.base += Duration::try_from(real * self.speed).unwrap_or(Duration::ZERO);
        }
        state
    }
}

/// The longest jump one call may ask for: ten simulated years.
pub const MAX_ADVANCE_DAYS: i64 = 3650;

/// An ISO 8601 duration of weeks, days, hours, minutes and seconds (`P3D`, `PT90M`, `P1DT12H`,
/// `P2W`): years and months have no fixed length, so they are refused with a hint.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let problem = || format!("{text:?} is not an ISO 8601 duration such as P3D, PT12H or P1DT30M");
    let rest = text.strip_prefix('P').ok_or_else(problem)?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return Err(problem()),
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return Err(problem());
    }
    let mut total = Duration::ZERO;
    let parts = [(date, &[('W', 7 * 86_400), ('D', 86_400)][..]), (time.unwrap_or(""), &[('H', 3_600), ('M', 60), ('S', 1)][..])];
    for (index, (part, units)) in parts.into_iter().enumerate() {
        let mut digits = String::new();
        let mut next_unit = 0;
        for character in part.chars() {
            if character.is_ascii_digit() {
                digits.push(character);
                continue;
            }
            // Before `T`, M means months.
            if index == 0 && matches!(character, 'Y' | 'M') {
                return Err(format!("{text:?}: years and months have no fixed length here; give days, such as P30D"));
            }
            let position = units[next_unit..].iter().position(|(unit, _)| *unit == character).ok_or_else(problem)?;
            let seconds: i64 = digits.parse().map_err(|_| problem())?;
            total += Duration::seconds(seconds.checked_mul(units[next_unit + position].1).ok_or_else(problem)?);
            next_unit += position + 1;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(problem());
        }
    }
    if total > Duration::days(MAX_ADVANCE_DAYS) {
        return Err(format!("{text:?} is more than {MAX_ADVANCE_DAYS} days: advance in several steps"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations_read_as_iso_8601_says() {
        for (text, seconds) in
            [("P3D", 3 * 86_400), ("PT12H", 43_200), ("PT90M", 5_400), ("P1DT30M", 88_200), ("P2W", 1_209_600), ("PT0S", 0)]
        {
            assert_eq!(parse_duration(text), Ok(Duration::seconds(seconds)), "{text}");
        }
        for text in ["", "P", "PT", "3D", "P3", "PD", "P1H", "PT1D", "P1D2W", "PT1S2M", "P-1D", "P1.5D", "p3d"] {
            assert!(parse_duration(text).is_err(), "{text} is refused");
        }
        assert!(parse_duration("P1M").unwrap_err().contains("P30D"), "months get a hint");
        assert!(parse_duration("P3651D").is_err(), "too far");
    }

    proptest! {
        /// Any duration written in the canonical units reads back to itself.
        #[test]
        fn a_written_duration_reads_back(days in 0i64..3650, hours in 0i64..24, minutes in 0i64..60, seconds in 0i64..60) {
            let text = format!("P{days}DT{hours}H{minutes}M{seconds}S");
            let expected = Duration::seconds(((days * 24 + hours) * 60 + minutes) * 60 + seconds);
            prop_assert_eq!(parse_duration(&text), Ok(expected));
        }

        /// Nothing panics, whatever the text.
        #[test]
        fn any_text_is_read_or_refused(text in "\\PC{0,12}") {
            let _ = parse_duration(&text);
        }
    }

    #[test]
    fn a_clock_at_speed_zero_moves_only_when_told() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let clock = SimClock::new(start, 0);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.advance(Duration::days(3)), start + Duration::days(3));
        clock.set_paused(true);
        assert_eq!(clock.advance(Duration::hours(1)), start + Duration::days(3) + Duration::hours(1), "a paused clock still jumps");
        assert!(clock.paused());
    }
}
