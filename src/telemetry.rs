//! Logging: `tracing` to stderr, text or JSON, filtered by `ORDER_TRACKING_LOG` (or `RUST_LOG`),
//! `info` by default. Stdout stays free for what commands print.
//!
//! Lines are written by a thread of their own: one `write` per line on the request's thread was
//! 7% of a cached answer's time (docs/performance.md, step 5). When that thread falls behind,
//! callers wait rather than lose lines.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Keep it until the end: dropping it writes out the lines still queued.
#[must_use = "the log lines still queued are lost when this is dropped"]
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
}

pub fn init(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_env("ORDER_TRACKING_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(std::io::stderr());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(std::io::stderr().is_terminal()).with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
    };
    LogGuard { _worker: guard }
}
