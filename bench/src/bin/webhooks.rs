//! Webhooks (issue #31): one tenant's orders changed by `admin import` while one subscription
//! sends every event to a receiver in this process. Measures the deliveries per second of a whole
//! import's events, the time from an event's commit to its receipt at 100 events/s, and the
//! import's time with and without the subscription.
//!
//! ```sh
//! cargo build --release && cargo run --release -p order-tracking-bench --bin webhooks -- --output bench/results/DATE-webhooks.md
//! cargo run --release -p order-tracking-bench --bin webhooks -- --postgres postgres://postgres@127.0.0.1:5432
//! cargo run --release -p order-tracking-bench --bin webhooks -- --smoke     # seconds, for CI
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use axum::body::Bytes;
use axum::http::StatusCode;
use clap::Parser;
use order_tracking::domain::order::Order;
use order_tracking::store::{Store, StoreOptions};
use order_tracking_bench::server::{Backend, Dataset, RunningServer, binary_to_run, tenant_orders, write_ndjson};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Args {
    /// The server binary [default: target/release/order-tracking of this workspace].
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Orders of the tenant, all changed by each import.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Run on a fresh database of this PostgreSQL server (`postgres://USER@HOST:PORT`) instead
    /// of a SQLite file.
    #[arg(long)]
    postgres: Option<String>,
    /// Events per second of the latency run.
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Seconds of the latency run.
    #[arg(long, default_value_t = 30)]
    latency_seconds: u64,
    /// Write the report (Markdown) here as well as to stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Little data and a few seconds, so that CI keeps the benchmark working.
    #[arg(long)]
    smoke: bool,
}

/// What the receiver got: each event's order reference, and when it arrived.
#[derive(Default)]
struct Receipts {
    arrived: Mutex<HashMap<String, Instant>>,
}

impl Receipts {
    fn count_with(&self, prefix: &str) -> usize {
        self.arrived.lock().unwrap().keys().filter(|reference| reference.starts_with(prefix)).count()
    }

    /// The arrivals of the references that start with `prefix`.
    fn times_with(&self, prefix: &str) -> Vec<(String, Instant)> {
        let arrived = self.arrived.lock().unwrap();
        arrived.iter().filter(|(reference, _)| reference.starts_with(prefix)).map(|(reference, at)| (reference.clone(), *at)).collect()
    }
}

/// A webhook receiver on loopback that answers 204 and notes each event's `customerReference`.
async fn receiver() -> anyhow::Result<(String, Arc<Receipts>)> {
    let receipts = Arc::new(Receipts::default());
    let kept = receipts.clone();
    let handler = move |body: Bytes| {
        let kept = kept.clone();
        async move {
            let at = Instant::now();
            let Ok(event) = serde_json::from_slice::<Value>(&body) else { return StatusCode::BAD_REQUEST };
            if let Some(reference) = event["event"]["order"]["request"]["customerReference"].as_str() {
                kept.arrived.lock().unwrap().insert(reference.to_owned(), at);
            }
            StatusCode::NO_CONTENT
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().route("/hook", axum::routing::post(handler))).await });
    Ok((callback, receipts))
}

/// The tenant's orders, each with a `customerReference` of this round's.
fn changed(orders: &[Order], round: &str) -> impl Iterator<Item = Order> {
    orders.iter().map(move |order| {
        let mut order = order.clone();
        order.request.customer_reference = Some(format!("{round}-{}", order.id));
        order
    })
}

struct Bench {
    binary: PathBuf,
    server: RunningServer,
    orders: Vec<Order>,
    http: reqwest::Client,
    token: String,
    dir: tempfile::TempDir,
}

impl Bench {
    /// `admin import` of every order changed for `round`, timed from the command's start to its exit.
    fn import(&self, round: &str) -> anyhow::Result<Duration> {
        let file = self.dir.path().join("changed.ndjson");
        write_ndjson(&file, &mut changed(&self.orders, round))?;
        let started = Instant::now();
        let output = Command::new(&self.binary)
            .args(["admin", "import", "--customer", &self.server.tenant.customer_id])
            .arg(&file)
            .args(["--database", self.server.database(), "--json"])
            .output()?;
        let took = started.elapsed();
        ensure!(output.status.success(), "admin import: {}", String::from_utf8_lossy(&output.stderr));
        Ok(took)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.server.base))
            .bearer_auth(&self.token)
            .header("x-api-key", &self.server.tenant.api_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        ensure!(status.is_success(), "{path}: {status} {text}");
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }
}

/// How one import with the subscription went.
struct Delivered {
    import: Duration,
    /// From the import's end (its commit) to the last event's receipt.
    to_last: Duration,
    /// From the first event's receipt to the last's.
    spread: Duration,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.smoke {
        (args.orders, args.latency_seconds) = (500, 2);
    }
    let binary = binary_to_run(args.binary.as_deref())?;
    let backend = Backend::chosen(args.postgres.as_deref());
    eprintln!("preparing {} orders on {}...", args.orders, backend.name());
    let orders = tenant_orders(args.orders);
    let server = RunningServer::start_with(&binary, &backend, &Dataset::single(args.orders), &orders, &["--webhook-allow-private".into()])?;
    let http = reqwest::Client::new();
    let token = token(&http, &server).await?;
    let bench = Bench { binary, server, orders, http, token, dir: tempfile::tempdir()? };
    let (callback, receipts) = receiver().await?;

    // Imports without and with the subscription, alternated, so that the machine's drift falls
    // on both alike. Each with the subscription waits until all its events arrived.
    let mut without = Vec::new();
    let mut with = Vec::new();
    for pair in 0..2 {
        let round = format!("W{pair}");
        without.push(bench.import(&round)?);
        eprintln!("import without a subscription: {:.2?}", without.last().unwrap());
        let made = bench.call(reqwest::Method::POST, "/order-tracking/b2b/v1/hub", Some(json!({"callback": callback}))).await?;
        let id = made["id"].as_str().context("a subscription id")?.to_owned();
        let round = format!("S{pair}");
        let import = bench.import(&round)?;
        let committed = Instant::now();
        let deadline = committed + Duration::from_secs(600);
        while receipts.count_with(&round) < args.orders {
            ensure!(Instant::now() < deadline, "{} of {} events arrived in 10 minutes", receipts.count_with(&round), args.orders);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let times: Vec<Instant> = receipts.times_with(&round).into_iter().map(|(_, at)| at).collect();
        let (first, last) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
        with.push(Delivered { import, to_last: last - committed, spread: last - first });
        eprintln!("import with the subscription: {import:.2?}; its events delivered in {:.2?}", last - committed);
        bench.call(reqwest::Method::DELETE, &format!("/order-tracking/b2b/v1/hub/{id}"), None).await?;
    }

    bench.call(reqwest::Method::POST, "/order-tracking/b2b/v1/hub", Some(json!({"callback": callback}))).await?;
    let latencies = latency_run(&bench, &receipts, &args).await?;
    let report = report(&args, &bench, &backend, &without, &with, &latencies);
    println!("{report}");
    if let Some(path) = &args.output {
        std::fs::write(path, &report).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

async fn token(http: &reqwest::Client, server: &RunningServer) -> anyhow::Result<String> {
    let response = http
        .post(format!("{}/oauth/v3/token", server.base))
        .basic_auth(&server.tenant.client_id, Some(&server.tenant.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await?;
    let body: Value = response.json().await?;
    body["access_token"].as_str().map(str::to_owned).with_context(|| format!("no token in {body}"))
}

/// Changes one order at a time at `rate` a second, each written as the admin API writes one
/// (`OrderStore::put_order`, from this process), and measures from each commit to the event's
/// receipt.
async fn latency_run(bench: &Bench, receipts: &Receipts, args: &Args) -> anyhow::Result<Vec<Duration>> {
    let store = open_store(bench.server.database()).await?;
    let customer = &bench.server.tenant.customer_id;
    let count = (u64::from(args.rate) * args.latency_seconds) as usize;
    let mut committed = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / args.rate);
    for n in 0..count {
        tick.tick().await;
        let mut order = bench.orders[n % bench.orders.len()].clone();
        let reference = format!("L{n}-{}", order.id);
        order.request.customer_reference = Some(reference.clone());
        store.put_order(customer, order, None).await?;
        committed.insert(reference, Instant::now());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while receipts.count_with("L") < count {
        if Instant::now() > deadline {
            bail!("{} of the {count} events of the latency run arrived", receipts.count_with("L"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut latencies: Vec<Duration> =
        receipts.times_with("L").into_iter().map(|(reference, at)| at.saturating_duration_since(committed[&reference])).collect();
    latencies.sort_unstable();
    Ok(latencies)
}

async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    order_tracking::store::open(&StoreOptions {
        url: url.to_owned(),
        max_connections: 2,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(60),
        sqlite_mmap_bytes: 0,
        list_index_bytes: 0,
        document_cache_bytes: 0,
    })
    .await
}

fn report(args: &Args, bench: &Bench, backend: &Backend, without: &[Duration], with: &[Delivered], latencies: &[Duration]) -> String {
    let date = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let at = |fraction: f64| latencies[((latencies.len() as f64 * fraction) as usize).min(latencies.len() - 1)];
    let mean = |times: &mut dyn Iterator<Item = Duration>| {
        let times: Vec<Duration> = times.collect();
        times.iter().sum::<Duration>() / times.len() as u32
    };
    let import_without = mean(&mut without.iter().copied());
    let import_with = mean(&mut with.iter().map(|run| run.import));
    let slower = (import_with.as_secs_f64() / import_without.as_secs_f64() - 1.0) * 100.0;
    let mut text = format!(
        "# Webhooks run, {} orders, {}\n\n{date}, {cores} cores, server, importer and receiver on the same machine. Binary `{}`, \
         default webhook settings (8 attempts in flight to one host).\n\n\
         Each import changes every order's `request.customerReference` (one `OrderAttributeValueChangeEvent` each); \
         imports without and with one subscription that matches everything alternate.\n\n\
         | import | time | events delivered, commit to last receipt | deliveries/s (commit to last) | deliveries/s (first to last receipt) |\n\
         |---|---:|---:|---:|---:|\n",
        args.orders,
        backend.name(),
        bench.binary.display(),
    );
    for (without, with) in without.iter().zip(with) {
        text.push_str(&format!("| without a subscription | {without:.2?} | – | – | – |\n"));
        text.push_str(&format!(
            "| with one | {:.2?} | {:.2?} | {:.0} | {:.0} |\n",
            with.import,
            with.to_last,
            args.orders as f64 / with.to_last.as_secs_f64(),
            args.orders as f64 / with.spread.as_secs_f64().max(f64::EPSILON),
        ));
    }
    text.push_str(&format!(
        "\nImport with the subscription {slower:+.1}% against without (means {import_with:.2?} and {import_without:.2?}).\n\n\
         Commit to receipt, one order changed per import at {} events/s for {} s ({} events): \
         **p50 {:.1?}, p99 {:.1?}**, max {:.1?}.\n",
        args.rate,
        args.latency_seconds,
        latencies.len(),
        at(0.50),
        at(0.99),
        latencies[latencies.len() - 1],
    ));
    text
}
