//! The hub's settings: `serve`'s `--webhook-*` flags, checked once at start.

use std::time::Duration;

use anyhow::ensure;
use clap::Args;

use super::schedule::{DEFAULT_SCHEDULE, parse_schedule};

/// The webhook settings of `order-tracking serve`.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// A delivery that gets no 2xx within this many seconds is retried.
    #[arg(long, env = "ORDER_TRACKING_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,
    /// The waits before each retry of a failed delivery (units ms, s, m, h, d); after the last,
    /// the event is marked failed for that subscription.
    #[arg(long, env = "ORDER_TRACKING_WEBHOOK_RETRY_SCHEDULE", default_value = DEFAULT_SCHEDULE)]
    pub webhook_retry_schedule: String,
    /// Allow callbacks over plain http and to loopback, private and link-local addresses: for
    /// local work only (`--demo` turns it on).
    #[arg(long, env = "ORDER_TRACKING_WEBHOOK_ALLOW_PRIVATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_private: bool,
    /// Deliveries in flight to one callback host at most, so that a slow receiver cannot starve
    /// the others.
    #[arg(long, env = "ORDER_TRACKING_WEBHOOK_CONCURRENCY_PER_HOST", default_value_t = 8)]
    pub webhook_concurrency_per_host: usize,
    /// How long an instance holds a delivery it took on; if it dies meanwhile, the delivery is
    /// attempted again once this has passed. Longer than the timeout (default: twice the
    /// timeout and 30 s).
    #[arg(long, env = "ORDER_TRACKING_WEBHOOK_LEASE_SECONDS")]
    pub webhook_lease_seconds: Option<u64>,
}

/// Validated webhook settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub timeout: Duration,
    pub retry_schedule: Vec<Duration>,
    pub allow_private: bool,
    pub concurrency_per_host: usize,
    /// How long a claimed delivery stays with the deliverer that claimed it.
    pub lease: Duration,
    /// A subscription whose deliveries all failed for this long is disabled.
    pub disable_after: Duration,
    /// Subscriptions one customer may hold.
    pub subscriptions_per_customer: u32,
    /// How often the deliverer looks for new events when nothing wakes it.
    pub poll_every: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            timeout: Duration::from_secs(10),
            retry_schedule: parse_schedule(DEFAULT_SCHEDULE).expect("the default schedule reads"),
            allow_private: false,
            concurrency_per_host: 8,
            lease: default_lease(Duration::from_secs(10)),
            disable_after: Duration::from_secs(5 * 86_400),
            subscriptions_per_customer: 20,
            poll_every: Duration::from_millis(50),
        }
    }
}

impl WebhookArgs {
    pub fn settings(&self) -> anyhow::Result<WebhookSettings> {
        ensure!(
            (1..=300).contains(&self.webhook_timeout_seconds),
            "--webhook-timeout-seconds (ORDER_TRACKING_WEBHOOK_TIMEOUT_SECONDS) must be from 1 to 300"
        );
        ensure!(
            (1..=256).contains(&self.webhook_concurrency_per_host),
            "--webhook-concurrency-per-host (ORDER_TRACKING_WEBHOOK_CONCURRENCY_PER_HOST) must be from 1 to 256"
        );
        let retry_schedule = parse_schedule(&self.webhook_retry_schedule).map_err(|problem| {
            anyhow::anyhow!(
                "--webhook-retry-schedule (ORDER_TRACKING_WEBHOOK_RETRY_SCHEDULE) takes waits such as {DEFAULT_SCHEDULE}: {problem}"
            )
        })?;
        let timeout = Duration::from_secs(self.webhook_timeout_seconds);
        let lease = match self.webhook_lease_seconds {
            None => default_lease(timeout),
            Some(seconds) => {
                ensure!(
                    seconds > self.webhook_timeout_seconds && seconds <= 86_400,
                    "--webhook-lease-seconds (ORDER_TRACKING_WEBHOOK_LEASE_SECONDS) must be more than --webhook-timeout-seconds ({}) and at most 86400",
                    self.webhook_timeout_seconds
                );
                Duration::from_secs(seconds)
            }
        };
        Ok(WebhookSettings {
            timeout,
            lease,
            retry_schedule,
            allow_private: self.webhook_allow_private,
            concurrency_per_host: self.webhook_concurrency_per_host,
            ..WebhookSettings::default()
        })
    }
}

/// Long enough for an attempt and the recording of its outcome, with room for a slow database.
fn default_lease(timeout: Duration) -> Duration {
    timeout * 2 + Duration::from_secs(30)
}
