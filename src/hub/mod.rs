//! The notification hub (issue #31): customers subscribe a callback URL to their order events,
//! and each matching event is delivered to it as a signed webhook (Standard Webhooks), retried on
//! a schedule, at least once.
//!
//! - `event_filter.rs`: which events a query wants (the feed reads it too).
//! - `callback.rs`, `addresses.rs`: which callbacks and addresses may be reached (no SSRF).
//! - `signing.rs`: the signatures; `sender.rs`: one attempt; `schedule.rs`: the retries.
//! - `deliverer.rs`: the background task that fans events out and delivers them.
//! - `settings.rs`: the `--webhook-*` flags.

pub mod addresses;
pub mod callback;
pub mod deliverer;
pub mod event_filter;
pub mod schedule;
pub mod sender;
pub mod settings;
pub mod signing;
