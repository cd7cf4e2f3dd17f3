//! The admin API (issue #32): single-order PUTs per second from 32 connections, and the bulk
//! import of every order over HTTP beside `admin import` of the same file.
//!
//! ```sh
//! cargo build --release && cargo run --release -p order-tracking-bench --bin admin_api -- --output bench/results/DATE-admin-api.md
//! cargo run --release -p order-tracking-bench --bin admin_api -- --postgres postgres://postgres@127.0.0.1:5432
//! cargo run --release -p order-tracking-bench --bin admin_api -- --smoke     # seconds, for CI
//! ```

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use order_tracking::domain::order::Order;
use order_tracking_bench::server::{Backend, Dataset, RunningServer, binary_to_run, tenant_orders, write_ndjson};

#[derive(Debug, Parser)]
struct Args {
    /// The server binary [default: target/release/order-tracking of this workspace].
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Orders of the tenant: PUT at random, and imported whole.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Run on a fresh database of this PostgreSQL server instead of a SQLite file.
    #[arg(long)]
    postgres: Option<String>,
    /// Concurrent PUTs.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds of PUTs.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Write the report (Markdown) here as well as to stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Little data and a few seconds, so that CI keeps the benchmark working.
    #[arg(long)]
    smoke: bool,
}

/// PUTs made, failed, and their latencies sorted.
struct Puts {
    errors: usize,
    latencies: Vec<Duration>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.smoke {
        (args.orders, args.seconds) = (500, 2);
    }
    let binary = binary_to_run(args.binary.as_deref())?;
    let backend = Backend::chosen(args.postgres.as_deref());
    // A free port for the admin listener, which `serve` names on its second line.
    let admin_address = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    eprintln!("preparing {} orders on {}...", args.orders, backend.name());
    let orders = tenant_orders(args.orders);
    let serve_args = ["--admin-listen".to_owned(), admin_address.to_string()];
    let server = RunningServer::start_with(&binary, &backend, &Dataset::single(args.orders), &orders, &serve_args)?;
    let token = admin_token(&binary, server.database())?;
    let base = format!("http://{admin_address}/admin/v1/customers/{}", server.tenant.customer_id);

    let puts = put_load(&base, &token, &orders, &args).await?;
    eprintln!("{} PUTs in {} s, {} errors", puts.latencies.len(), args.seconds, puts.errors);

    // The bulk import over HTTP beside the CLI's, alternated, each of every order changed.
    let dir = tempfile::tempdir()?;
    let mut cli = Vec::new();
    let mut http = Vec::new();
    for round in 0..2 {
        let file = dir.path().join("orders.ndjson");
        write_ndjson(&file, &mut changed(&orders, &format!("C{round}")))?;
        let started = Instant::now();
        let output = Command::new(&binary)
            .args(["admin", "import", "--customer", &server.tenant.customer_id])
            .arg(&file)
            .args(["--database", server.database(), "--json"])
            .output()?;
        ensure!(output.status.success(), "admin import: {}", String::from_utf8_lossy(&output.stderr));
        cli.push(started.elapsed());
        write_ndjson(&file, &mut changed(&orders, &format!("H{round}")))?;
        let body = std::fs::read(&file)?;
        let started = Instant::now();
        let response = reqwest::Client::new()
            .post(format!("{base}/imports"))
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .timeout(Duration::from_secs(900))
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        ensure!(status.is_success(), "the import over HTTP: {status} {text}");
        http.push(started.elapsed());
        eprintln!("import: admin import {:.2?}, over HTTP {:.2?}", cli.last().unwrap(), http.last().unwrap());
    }

    let report = report(&args, &binary, &backend, &puts, &cli, &http);
    println!("{report}");
    if let Some(path) = &args.output {
        std::fs::write(path, &report).with_context(|| format!("cannot write {}", path.display()))?;
    }
    ensure!(puts.errors == 0, "{} PUTs failed", puts.errors);
    Ok(())
}

fn admin_token(binary: &std::path::Path, database: &str) -> anyhow::Result<String> {
    let output = Command::new(binary).args(["admin", "token", "create", "--name", "bench", "--database", database, "--json"]).output()?;
    ensure!(output.status.success(), "admin token create: {}", String::from_utf8_lossy(&output.stderr));
    let made: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    made["adminToken"].as_str().map(str::to_owned).context("no adminToken")
}

/// The orders, each with a `customerReference` of this round's.
fn changed(orders: &[Order], round: &str) -> impl Iterator<Item = Order> {
    orders.iter().map(move |order| {
        let mut order = order.clone();
        order.request.customer_reference = Some(format!("{round}-{}", order.id));
        order
    })
}

/// `connections` callers, each PUTting a changed order at random as soon as answered.
async fn put_load(base: &str, token: &str, orders: &[Order], args: &Args) -> anyhow::Result<Puts> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.connections).build()?;
    let bodies: Arc<Vec<(String, String)>> = Arc::new(
        orders
            .iter()
            .map(|order| {
                let mut order = order.clone();
                order.request.customer_reference = Some(format!("PUT-{}", order.id));
                (format!("{base}/orders/{}", order.id), serde_json::to_string(&order).expect("an order serializes"))
            })
            .collect(),
    );
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let workers: Vec<_> = (0..args.connections)
        .map(|worker| {
            let (http, bodies, token) = (http.clone(), bodies.clone(), token.to_owned());
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0);
                let mut next = worker * 7919;
                while Instant::now() < deadline {
                    next = (next + 104_729) % bodies.len();
                    let (url, body) = &bodies[next];
                    let started = Instant::now();
                    let sent = http.put(url).bearer_auth(&token).header("content-type", "application/json").body(body.clone()).send().await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes().await;
                            latencies.push(started.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut puts = Puts { errors: 0, latencies: Vec::new() };
    for worker in workers {
        let (latencies, errors) = worker.await?;
        puts.latencies.extend(latencies);
        puts.errors += errors;
    }
    puts.latencies.sort_unstable();
    Ok(puts)
}

fn report(args: &Args, binary: &std::path::Path, backend: &Backend, puts: &Puts, cli: &[Duration], http: &[Duration]) -> String {
    let date = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let at =
        |fraction: f64| puts.latencies.get(((puts.latencies.len() as f64 * fraction) as usize).min(puts.latencies.len().saturating_sub(1)));
    let mean = |times: &[Duration]| times.iter().sum::<Duration>() / times.len().max(1) as u32;
    let ratio = mean(http).as_secs_f64() / mean(cli).as_secs_f64().max(f64::EPSILON);
    let mut text = format!(
        "# Admin API run, {} orders, {}\n\n{date}, {cores} cores, server and load on the same machine. Binary `{}`.\n\n\
         **Single-order PUTs** ({} connections, {} s, each a changed order at random): **{:.0} PUTs/s**, p50 {:.2?}, p99 {:.2?}, {} errors.\n\n\
         **Bulk import** of every order changed, NDJSON (alternated):\n\n| round | `admin import` | `POST …/imports` |\n|---|---:|---:|\n",
        args.orders,
        backend.name(),
        binary.display(),
        args.connections,
        args.seconds,
        puts.latencies.len() as f64 / args.seconds as f64,
        at(0.50).copied().unwrap_or_default(),
        at(0.99).copied().unwrap_or_default(),
        puts.errors,
    );
    for (round, (cli, http)) in cli.iter().zip(http).enumerate() {
        text.push_str(&format!("| {round} | {cli:.2?} | {http:.2?} |\n"));
    }
    text.push_str(&format!("\nOver HTTP {ratio:.2} × the command's time (means {:.2?} and {:.2?}).\n", mean(http), mean(cli)));
    text
}
