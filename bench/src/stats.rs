//! Latency percentiles of a window of calls.

use std::time::Duration;

use crate::mix::Outcome;

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub calls: usize,
    pub errors: usize,
    pub p50: Duration,
    pub p99: Duration,
}

pub fn summarise(outcomes: &[Outcome]) -> Summary {
    let mut latencies: Vec<Duration> = outcomes.iter().map(|outcome| outcome.latency).collect();
    latencies.sort_unstable();
    let at = |fraction: f64| {
        latencies.get(((latencies.len() as f64 * fraction) as usize).min(latencies.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    Summary { calls: outcomes.len(), errors: outcomes.iter().filter(|outcome| !outcome.ok).count(), p50: at(0.50), p99: at(0.99) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mix::Kind;

    #[test]
    fn percentiles_come_from_the_sorted_latencies() {
        let outcomes: Vec<Outcome> =
            (1..=100).rev().map(|ms| Outcome { kind: Kind::List, ok: ms != 7, latency: Duration::from_millis(ms) }).collect();
        let summary = summarise(&outcomes);
        assert_eq!((summary.calls, summary.errors), (100, 1));
        assert_eq!((summary.p50, summary.p99), (Duration::from_millis(51), Duration::from_millis(100)));
        assert_eq!(summarise(&[]).calls, 0);
    }
}
