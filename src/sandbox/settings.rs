//! The sandbox clock's settings: `serve`'s `--sandbox-speed`, `--sandbox-start` and `--seed`.

use clap::Args;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

#[derive(Debug, Clone, Args)]
pub struct SandboxClockArgs {
    /// With --sandbox: simulated seconds per real second (60: a simulated day in 24 minutes; 0: the
    /// clock moves only when told, by POST /sandbox/v1/clock).
    #[arg(long, env = "ORDER_TRACKING_SANDBOX_SPEED", default_value_t = 60, requires = "sandbox")]
    pub sandbox_speed: u32,
    /// With --sandbox: where the simulated time starts, a date (YYYY-MM-DD) or an RFC 3339
    /// date-time [default: today, 00:00 UTC].
    #[arg(long, env = "ORDER_TRACKING_SANDBOX_START", value_parser = parse_start, requires = "sandbox")]
    pub sandbox_start: Option<OffsetDateTime>,
    /// With --sandbox: the seed of the simulation, and of the demo orders it starts from on an
    /// empty database (2026: those of --demo); the same seed and the same clock moves give the same
    /// orders and the same changes.
    #[arg(long, env = "ORDER_TRACKING_SEED", default_value_t = crate::demo::DEMO_SEED, requires = "sandbox")]
    pub seed: u64,
}

/// Validated: where and how fast the simulated time runs.
#[derive(Debug, Clone, Copy)]
pub struct SandboxClock {
    pub speed: u32,
    pub start: OffsetDateTime,
    pub seed: u64,
}

impl SandboxClockArgs {
    pub fn settings(&self) -> SandboxClock {
        SandboxClock { speed: self.sandbox_speed, start: self.sandbox_start.unwrap_or_else(today), seed: self.seed }
    }
}

impl Default for SandboxClock {
    /// For servers built in code (tests): a clock that moves only when told.
    fn default() -> Self {
        SandboxClock { speed: 0, start: today(), seed: 1 }
    }
}

fn today() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_time(Time::MIDNIGHT)
}

fn parse_start(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    crate::domain::calendar_date::parse(text)
        .map(|date: Date| date.midnight().assume_utc())
        .ok_or_else(|| format!("{text:?} is neither a date (2026-12-01) nor an RFC 3339 date-time (2026-12-01T08:00:00Z)"))
}
