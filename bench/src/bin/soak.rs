//! Soak: serves generated orders, measures the capacity of a token/list/detail mix, then holds
//! a fraction of it (80% by default) for a long time (10 minutes by default), sampling the
//! server's resident memory and the errors. RSS should stay flat; errors must be zero.
//!
//! ```sh
//! cargo build --release && cargo run --release -p order-tracking-bench --bin soak -- --output docs/soak.md
//! cargo run --release -p order-tracking-bench --bin soak -- --smoke     # seconds, for CI
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use order_tracking_bench::mix::{LIST_PERCENT, Mix, Outcome, TOKEN_PERCENT};
use order_tracking_bench::server::{RunningServer, default_binary};
use order_tracking_bench::stats::{Summary, summarise};
use tokio::sync::{Semaphore, mpsc};

#[derive(Debug, Parser)]
struct Args {
    /// The server binary [default: target/release/order-tracking of this workspace].
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Orders of the one tenant.
    #[arg(long, default_value_t = 20_000)]
    orders: usize,
    /// Seconds of the capacity measurement (closed loop, `--connections` at once).
    #[arg(long, default_value_t = 20)]
    capacity_seconds: u64,
    /// Concurrent calls of the capacity measurement.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Share of the measured capacity the soak holds.
    #[arg(long, default_value_t = 0.8)]
    load: f64,
    /// Seconds of the soak.
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// Seconds between two samples of memory and latency.
    #[arg(long, default_value_t = 30)]
    sample_seconds: u64,
    /// A few seconds of everything, on little data: checks that the soak still runs.
    #[arg(long)]
    smoke: bool,
    /// Also write the report (Markdown) to this file.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// One sample of the soak.
struct Sample {
    at: Duration,
    summary: Summary,
    not_sent: u64,
    rss: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.smoke {
        (args.orders, args.capacity_seconds, args.seconds, args.sample_seconds) = (300, 2, 4, 1);
    }
    let binary = args.binary.clone().unwrap_or_else(default_binary);
    let binary = binary
        .canonicalize()
        .with_context(|| format!("{} does not exist: run `cargo build --release` first, or give --binary", binary.display()))?;

    eprintln!("preparing {} orders...", args.orders);
    let server = RunningServer::start(&binary, args.orders)?;
    let mix = Arc::new(Mix::new(&server.base, server.tenant.clone()).await?);

    closed_loop(&mix, args.connections, Duration::from_secs(2)).await; // warm-up
    let measured = closed_loop(&mix, args.connections, Duration::from_secs(args.capacity_seconds)).await;
    let capacity = measured.calls as f64 / args.capacity_seconds as f64;
    ensure!(measured.errors == 0, "{} errors while measuring the capacity", measured.errors);
    let rate = capacity * args.load;
    eprintln!("capacity {capacity:.0} calls/s (p99 {:?}); soaking at {rate:.0} calls/s for {} s", measured.p99, args.seconds);

    let samples = soak(&mix, &server, rate, Duration::from_secs(args.seconds), Duration::from_secs(args.sample_seconds)).await;
    let report = report(&args, &binary, capacity, &measured, rate, &samples);
    println!("{report}");
    if let Some(path) = &args.output {
        std::fs::write(path, &report).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let errors: usize = samples.iter().map(|sample| sample.summary.errors).sum();
    ensure!(errors == 0, "{errors} calls failed during the soak");
    Ok(())
}

/// `connections` callers, each calling again as soon as answered, for `duration`.
async fn closed_loop(mix: &Arc<Mix>, connections: usize, duration: Duration) -> Summary {
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let mix = mix.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while Instant::now() < deadline {
                    outcomes.push(mix.call().await);
                }
                outcomes
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.expect("a worker ends"));
    }
    summarise(&outcomes)
}

/// Calls at `rate` a second, whatever the answers take (open loop), sampling every `every`.
async fn soak(mix: &Arc<Mix>, server: &RunningServer, rate: f64, duration: Duration, every: Duration) -> Vec<Sample> {
    // Calls in flight at most: beyond, the server is behind and calls are counted as not sent.
    let in_flight = Arc::new(Semaphore::new(1024));
    let not_sent = Arc::new(AtomicU64::new(0));
    let (sender, mut outcomes) = mpsc::unbounded_channel::<Outcome>();
    let started = Instant::now();
    let pacer = {
        let (mix, in_flight, not_sent) = (mix.clone(), in_flight.clone(), not_sent.clone());
        tokio::spawn(async move {
            // Timers tick every millisecond at best: send the calls due at each 5 ms tick.
            let mut tick = tokio::time::interval(Duration::from_millis(5));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut sent = 0u64;
            while started.elapsed() < duration {
                tick.tick().await;
                let due = (started.elapsed().as_secs_f64() * rate) as u64;
                while sent < due {
                    sent += 1;
                    let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                        not_sent.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let (mix, sender) = (mix.clone(), sender.clone());
                    tokio::spawn(async move {
                        let _ = sender.send(mix.call().await);
                        drop(permit);
                    });
                }
            }
        })
    };

    let mut samples =
        vec![Sample { at: Duration::ZERO, summary: Summary::default(), not_sent: 0, rss: server.rss_bytes().unwrap_or_default() }];
    let mut window = Vec::new();
    let mut next_sample = started + every;
    loop {
        let done = pacer.is_finished() && in_flight.available_permits() == 1024;
        tokio::select! {
            Some(outcome) = outcomes.recv() => window.push(outcome),
            () = tokio::time::sleep_until(next_sample.into()) => {
                let sample = Sample { at: started.elapsed(), summary: summarise(&window), not_sent: not_sent.swap(0, Ordering::Relaxed), rss: server.rss_bytes().unwrap_or_default() };
                eprintln!("{:>5.0} s  {:>6} calls  p50 {:>8.2?}  p99 {:>8.2?}  errors {}  RSS {:.1} MB", sample.at.as_secs_f64(), sample.summary.calls, sample.summary.p50, sample.summary.p99, sample.summary.errors, megabytes(sample.rss));
                samples.push(sample);
                window.clear();
                next_sample += every;
                if done {
                    break;
                }
            }
        }
    }
    samples
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn report(args: &Args, binary: &std::path::Path, capacity: f64, measured: &Summary, rate: f64, samples: &[Sample]) -> String {
    let date = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mut text = format!(
        "# Soak run\n\n{date}, {cores} cores (server and load generator on the same machine), binary `{}`, SQLite, one tenant with {} generated orders.\n\
         Mix: {TOKEN_PERCENT}% token requests, {LIST_PERCENT}% lists (8 filter/sort/page shapes), {}% details by random id.\n\n\
         Capacity (closed loop, {} concurrent calls, {} s): **{capacity:.0} calls/s**, p50 {:.2?}, p99 {:.2?}.\n\
         Soak: **{rate:.0} calls/s** ({:.0}% of capacity, open loop) for {} s.\n\n\
         | time (s) | calls | calls/s | p50 | p99 | errors | not sent (server behind) | server RSS (MB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        binary.display(),
        args.orders,
        100 - TOKEN_PERCENT - LIST_PERCENT,
        args.connections,
        args.capacity_seconds,
        measured.p50,
        measured.p99,
        args.load * 100.0,
        args.seconds,
    );
    let mut previous = Duration::ZERO;
    for sample in samples {
        let span = (sample.at - previous).as_secs_f64().max(f64::EPSILON);
        text.push_str(&format!(
            "| {:.0} | {} | {:.0} | {:.2?} | {:.2?} | {} | {} | {:.1} |\n",
            sample.at.as_secs_f64(),
            sample.summary.calls,
            sample.summary.calls as f64 / span,
            sample.summary.p50,
            sample.summary.p99,
            sample.summary.errors,
            sample.not_sent,
            megabytes(sample.rss)
        ));
        previous = sample.at;
    }
    let calls: usize = samples.iter().map(|sample| sample.summary.calls).sum();
    let errors: usize = samples.iter().map(|sample| sample.summary.errors).sum();
    let after_first = samples.iter().skip(2).map(|sample| sample.rss);
    let (low, high) = after_first.clone().fold((u64::MAX, 0), |(low, high), rss| (low.min(rss), high.max(rss)));
    text.push_str(&format!(
        "\nTotal: {calls} calls, **{errors} errors**. Server RSS after the first sample: {:.1} MB to {:.1} MB (start {:.1} MB, end {:.1} MB).\n",
        megabytes(if low == u64::MAX { 0 } else { low }),
        megabytes(high),
        megabytes(samples.first().map_or(0, |sample| sample.rss)),
        megabytes(samples.last().map_or(0, |sample| sample.rss)),
    ));
    text
}
