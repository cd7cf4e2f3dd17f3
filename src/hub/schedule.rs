//! The retry schedule: the wait before each attempt after the first, as `5s,5m,30m,2h,5h,10h,10h`
//! (Svix's, the default) says; `ms`, `s`, `m`, `h` and `d` are the units.

use std::time::Duration;

pub const DEFAULT_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";

/// The waits of a schedule, or what is wrong with it.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(|step| {
            let step = step.trim();
            let digits = step.find(|c: char| !c.is_ascii_digit()).unwrap_or(step.len());
            let (number, unit) = step.split_at(digits);
            let number: u64 = number.parse().map_err(|_| format!("{step:?} is not a number followed by ms, s, m, h or d"))?;
            let unit_millis = match unit {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(format!("{step:?} has no unit: use ms, s, m, h or d")),
            };
            number
                .checked_mul(unit_millis)
                .filter(|millis| *millis <= 30 * 86_400_000)
                .map(Duration::from_millis)
                .ok_or_else(|| format!("{step:?} is longer than 30 days"))
        })
        .collect()
}

/// The wait before the next attempt, after `failed` attempts failed; none when none is left.
/// A receiver's `Retry-After` is honoured up to the schedule's step.
pub fn next_wait(schedule: &[Duration], failed: u32, retry_after: Option<Duration>) -> Option<Duration> {
    let step = *schedule.get(usize::try_from(failed).ok()?.checked_sub(1)?)?;
    Some(retry_after.map_or(step, |asked| asked.min(step)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_is_svixs_and_bad_steps_are_named() {
        let default = parse_schedule(DEFAULT_SCHEDULE).unwrap();
        assert_eq!(default.iter().map(Duration::as_secs).collect::<Vec<_>>(), [5, 300, 1800, 7200, 18000, 36000, 36000]);
        for bad in ["", "5", "5x", "s", "-5s", "5s,,5m", "31d"] {
            assert!(parse_schedule(bad).is_err(), "{bad:?}");
        }
        assert_eq!(next_wait(&default, 1, None), Some(Duration::from_secs(5)));
        assert_eq!(next_wait(&default, 2, Some(Duration::from_secs(60))), Some(Duration::from_secs(60)));
        assert_eq!(next_wait(&default, 2, Some(Duration::from_secs(3600))), Some(Duration::from_secs(300)));
        assert_eq!(next_wait(&default, 8, None), None, "seven retries after the first attempt");
    }

    proptest! {
        #[test]
        fn a_written_schedule_reads_back(steps in proptest::collection::vec((0u64..100_000, 0usize..5), 1..10)) {
            let units = ["ms", "s", "m", "h", "d"];
            let millis = [1, 1_000, 60_000, 3_600_000, 86_400_000];
            let steps: Vec<(u64, usize)> = steps.into_iter().filter(|(n, unit)| n * millis[*unit] <= 30 * 86_400_000).collect();
            prop_assume!(!steps.is_empty());
            let text: Vec<String> = steps.iter().map(|(n, unit)| format!("{n}{}", units[*unit])).collect();
            let parsed = parse_schedule(&text.join(",")).unwrap();
            let expected: Vec<Duration> = steps.iter().map(|(n, unit)| Duration::from_millis(n * millis[*unit])).collect();
            prop_assert_eq!(parsed, expected);
        }
    }
}
