//! The performance suite (issue #4): order-tracking under wrk, scenario by scenario, beside a
//! ceiling (a minimal server answering from memory) and a peer (json-server), all measured in
//! the same run on the same machine. Writes a Markdown table to `bench/results/`.
//!
//! ```sh
//! cargo build --release && cargo run --release -p order-tracking-bench --bin perf
//! cargo run --release -p order-tracking-bench --bin perf -- --smoke      # seconds, for CI
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, ensure};
use clap::{Parser, ValueEnum};
use order_tracking_bench::ceiling::Ceiling;
use order_tracking_bench::peer::{JSON_SERVER_VERSION, JsonServer};
use order_tracking_bench::scenarios::{self, Auth, Scenario};
use order_tracking_bench::server::{Backend, Dataset, RunningServer, default_binary, process_memory, tenant_orders};
use order_tracking_bench::wrk::{self, Load, Measured, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendName {
    Sqlite,
    Postgres,
}

#[derive(Debug, Parser)]
struct Args {
    /// The server binary [default: target/release/order-tracking of this workspace].
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Backends to measure, in turn.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sqlite,postgres")]
    backend: Vec<BackendName>,
    /// The PostgreSQL server on which a fresh database is created (and dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Orders of the large customer, whose credentials the load uses.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Small customers beside it, and the orders of each.
    #[arg(long, default_value_t = 50)]
    other_customers: usize,
    #[arg(long, default_value_t = 1_000)]
    other_orders: usize,
    /// Scenarios to run (a to h).
    #[arg(long, value_delimiter = ',', default_value = "a,b,c,d,e,f,g,h")]
    scenarios: Vec<String>,
    /// Scenarios measured again on a second server of the same database with its answer cache
    /// off (`--answer-cache-mb=0`), so that every request is answered afresh (none, to skip).
    #[arg(long, value_delimiter = ',', default_value = "b,c,e,g")]
    uncached: Vec<String>,
    /// Different requests in the varied scenarios.
    #[arg(long, default_value_t = 1_000)]
    varied: usize,
    /// wrk threads and connections.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds of each measured run, and of the warm-up before a scenario's runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Measured runs of each scenario.
    #[arg(long, default_value_t = 2)]
    runs: usize,
    /// More arguments for `serve` (e.g. `--serve-arg=--answer-cache-mb=0`), to measure a setting.
    #[arg(long = "serve-arg", allow_hyphen_values = true)]
    serve_args: Vec<String>,
    /// Only the ceiling and the peer: no order-tracking server.
    #[arg(long)]
    peer_only: bool,
    /// Skip json-server (which needs Node.js and npm).
    #[arg(long)]
    no_peer: bool,
    /// Where json-server is installed.
    #[arg(long, default_value = "target/bench-tools")]
    tools: PathBuf,
    /// A few seconds of everything on little data, SQLite only, no peer: checks that the suite
    /// still runs (CI).
    #[arg(long)]
    smoke: bool,
    /// The report [default: bench/results/DATE-ORDERS.md; none in smoke mode].
    #[arg(long)]
    output: Option<PathBuf>,
}

/// One scenario's runs against one server.
struct Outcome {
    runs: Vec<Measured>,
    /// The ceiling's runs, each just before one of `runs` (order-tracking's scenarios only).
    ceiling: Vec<Measured>,
    /// The server's resident memory after the runs.
    rss: Option<u64>,
}

impl Outcome {
    fn requests_per_second(&self) -> f64 {
        mean_requests_per_second(&self.runs)
    }
    /// The ceiling's requests/s beside this scenario's runs. The VM's speed drifts by a third
    /// within minutes, so a scenario is compared with the ceiling measured next to it.
    fn ceiling_requests_per_second(&self) -> Option<f64> {
        (!self.ceiling.is_empty()).then(|| mean_requests_per_second(&self.ceiling))
    }
    fn p50(&self) -> f64 {
        median(self.runs.iter().map(|run| run.p50_us as f64 / 1000.0))
    }
    fn p99(&self) -> f64 {
        self.runs.iter().map(|run| run.p99_us as f64 / 1000.0).fold(0.0, f64::max)
    }
    fn errors(&self) -> u64 {
        self.runs.iter().map(|run| run.errors).sum()
    }
}

fn mean_requests_per_second(runs: &[Measured]) -> f64 {
    runs.iter().map(Measured::requests_per_second).sum::<f64>() / runs.len().max(1) as f64
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// One backend's results.
struct BackendReport {
    name: &'static str,
    import: Duration,
    rows: Vec<(String, Outcome)>,
    /// The uncached totals: each probe of [`scenarios::count_probes`], and what it measured.
    count_probes: Vec<(&'static str, Outcome)>,
    peak_rss: Option<u64>,
    /// The peak RSS of the server with no answer cache, where one ran.
    uncached_peak_rss: Option<u64>,
}

/// The row key of a scenario measured with the answer cache off.
fn uncached_key(key: &str) -> String {
    format!("{key} uncached")
}

fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.smoke {
        (args.orders, args.other_customers, args.other_orders, args.varied) = (400, 2, 50, 20);
        (args.seconds, args.warmup, args.runs, args.no_peer) = (1, 0, 1, true);
        args.backend = vec![BackendName::Sqlite];
    }
    let binary = args.binary.clone().unwrap_or_else(default_binary);
    let binary = binary
        .canonicalize()
        .with_context(|| format!("{} does not exist: run `cargo build --release` first, or give --binary", binary.display()))?;
    wrk::ensure_installed()?;
    let work = tempfile::tempdir()?;
    let load = |seconds: u64| Load {
        threads: args.threads,
        connections: args.connections,
        duration: Duration::from_secs(seconds),
        timeout: Duration::from_secs(30),
    };
    // `settle` runs after each wrk run, before the next one starts; `ceiling`, when given, is
    // measured just before each run.
    let measure = |base: &str,
                   requests: &[Request],
                   headers: &[(&str, &str)],
                   pid: Option<u32>,
                   ceiling: Option<&str>,
                   settle: &dyn Fn() -> anyhow::Result<()>|
     -> anyhow::Result<Outcome> {
        if args.warmup > 0 {
            wrk::run(work.path(), base, requests, headers, &load(args.warmup))?;
            settle()?;
        }
        let (mut runs, mut ceiling_runs) = (Vec::new(), Vec::new());
        for _ in 0..args.runs {
            if let Some(ceiling) = ceiling {
                ceiling_runs.push(wrk::run(work.path(), ceiling, &[Request::get(scenarios::ORDERS)], &[], &load(args.seconds))?);
            }
            runs.push(wrk::run(work.path(), base, requests, headers, &load(args.seconds))?);
            settle()?;
        }
        Ok(Outcome { runs, ceiling: ceiling_runs, rss: pid.and_then(|pid| process_memory(pid, "VmRSS:")) })
    };
    let nothing = || Ok(());

    eprintln!("generating {} orders...", args.orders);
    let orders = tenant_orders(args.orders);
    let as_json: Vec<serde_json::Value> = orders.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
    let scenarios: Vec<Scenario> = scenarios::all(&as_json, args.varied, 2026)
        .into_iter()
        .filter(|scenario| args.scenarios.iter().any(|key| key == scenario.key))
        .collect();

    let ceiling = Ceiling::start(&orders[..20.min(orders.len())])?;
    let ceiling_run = |label: &str| -> anyhow::Result<Outcome> {
        eprintln!("ceiling ({label})...");
        measure(&ceiling.base, &[Request::get(scenarios::ORDERS)], &[], None, None, &nothing)
    };
    let ceiling_before = ceiling_run("before")?;

    let mut reports = Vec::new();
    let backends = if args.peer_only { &[][..] } else { &args.backend[..] };
    for backend in backends {
        let backend = match backend {
            BackendName::Sqlite => Backend::Sqlite,
            BackendName::Postgres => Backend::Postgres { server: args.postgres.clone() },
        };
        let dataset = Dataset { orders: args.orders, other_customers: args.other_customers, other_orders: args.other_orders };
        eprintln!("{}: loading {} + {} × {} orders...", backend.name(), args.orders, args.other_customers, args.other_orders);
        let server = RunningServer::start_with(&binary, &backend, &dataset, &orders, &args.serve_args)?;
        let token = access_token(&server)?;
        let bearer = format!("Bearer {token}");
        let basic = format!("Basic {}", basic_credentials(&server.tenant.client_id, &server.tenant.client_secret));
        let api_headers = [("Authorization", bearer.as_str()), ("X-Api-Key", server.tenant.api_key.as_str())];
        let token_headers = [("Authorization", basic.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];

        let mut rows = Vec::new();
        for scenario in &scenarios {
            eprintln!("{} ({}) {}...", backend.name(), scenario.key, scenario.title);
            let headers = headers_of(scenario, &api_headers, &token_headers);
            answers_as_asked(&server.base, scenario, &headers)?;
            let outcome = measure(&server.base, &scenario.ours, &headers, Some(server.pid()), Some(&ceiling.base), &nothing)?;
            rows.push((scenario.key.to_owned(), outcome));
        }
        let mut uncached_peak_rss = None;
        let uncached: Vec<&Scenario> = scenarios.iter().filter(|scenario| args.uncached.iter().any(|key| key == scenario.key)).collect();
        if !uncached.is_empty() {
            let serve_args: Vec<String> = args.serve_args.iter().cloned().chain(["--answer-cache-mb=0".to_owned()]).collect();
            let instance = server.another(&binary, &serve_args)?;
            for scenario in uncached {
                eprintln!("{} ({}) {}, answer cache off...", backend.name(), scenario.key, scenario.title);
                let headers = headers_of(scenario, &api_headers, &token_headers);
                let outcome = measure(&instance.base, &scenario.ours, &headers, Some(instance.pid()), Some(&ceiling.base), &nothing)?;
                rows.push((uncached_key(scenario.key), outcome));
            }
            uncached_peak_rss = instance.peak_rss_bytes();
        }
        let one = Load { threads: 1, connections: 1, ..load(args.seconds.min(5)) };
        let mut count_probes = Vec::new();
        for (filter, requests) in scenarios::count_probes(100_000) {
            let run = wrk::run(work.path(), &server.base, &requests, &api_headers, &one)?;
            count_probes.push((filter, Outcome { runs: vec![run], ceiling: Vec::new(), rss: None }));
        }
        reports.push(BackendReport {
            name: backend.name(),
            import: server.import_time,
            rows,
            count_probes,
            peak_rss: server.peak_rss_bytes(),
            uncached_peak_rss,
        });
    }

    let peer = if args.no_peer {
        None
    } else {
        eprintln!("json-server {JSON_SERVER_VERSION}: loading {} orders...", args.orders);
        let tools = if args.tools.is_absolute() { args.tools.clone() } else { workspace().join(&args.tools) };
        let server = JsonServer::start(&tools, &orders)?;
        let mut rows = Vec::new();
        for scenario in &scenarios {
            if let Some(requests) = &scenario.peer {
                eprintln!("json-server ({}) {}...", scenario.key, scenario.title);
                rows.push((
                    scenario.key.to_owned(),
                    measure(&server.base, requests, &[], Some(server.pid()), None, &|| server.wait_idle())?,
                ));
            }
        }
        Some(rows)
    };
    let ceiling_after = ceiling_run("after")?;

    let report = report(&args, &binary, &scenarios, [&ceiling_before, &ceiling_after], &reports, peer.as_deref());
    println!("{report}");
    let errors: u64 = reports.iter().flat_map(|report| &report.rows).map(|(_, outcome)| outcome.errors()).sum();
    let empty = reports.iter().flat_map(|report| &report.rows).any(|(_, outcome)| outcome.runs.iter().any(|run| run.requests == 0));
    if !args.smoke {
        let path = args.output.clone().unwrap_or_else(|| {
            let date = time::OffsetDateTime::now_utc().date();
            workspace().join(format!("bench/results/{date}-{}-orders.md", args.orders))
        });
        if let Some(directory) = path.parent() {
            std::fs::create_dir_all(directory)?;
        }
        std::fs::write(&path, &report).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("written to {}", path.display());
    }
    ensure!(errors == 0, "order-tracking answered {errors} requests with an error");
    ensure!(!empty, "a run completed no request");
    Ok(())
}

/// The workspace's root directory.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn basic_credentials(id: &str, secret: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

/// The credentials a scenario's requests carry, and its own headers.
fn headers_of<'a>(scenario: &'a Scenario, api: &[(&'a str, &'a str)], token: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let credentials = if scenario.auth == Auth::ApiCall { api } else { token };
    credentials.iter().chain(scenario.headers).copied().collect()
}

/// Fails unless the scenario's first request is answered with the encoding it asks for, if it
/// asks for one: wrk checks statuses only, and a plain answer would measure the wrong thing.
fn answers_as_asked(base: &str, scenario: &Scenario, headers: &[(&str, &str)]) -> anyhow::Result<()> {
    let Some((_, asked)) = scenario.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("accept-encoding")) else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let encoding = runtime.block_on(async {
        let mut request = reqwest::Client::new().get(format!("{base}{}", scenario.ours[0].path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let answer = request.send().await?.error_for_status()?;
        anyhow::Ok(answer.headers().get("content-encoding").and_then(|value| value.to_str().ok()).map(str::to_owned))
    })?;
    ensure!(encoding.as_deref() == Some(*asked), "scenario {} asked for {asked} and got {encoding:?}", scenario.key);
    Ok(())
}

/// A token for the tenant's client, by the client-credentials grant.
fn access_token(server: &RunningServer) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}{}", server.base, scenarios::TOKEN))
            .basic_auth(&server.tenant.client_id, Some(&server.tenant.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        answer["access_token"].as_str().map(str::to_owned).context("no access_token in the token answer")
    })
}

fn megabytes(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "–".into(), |bytes| format!("{:.0}", bytes as f64 / 1_048_576.0))
}

/// Each probe's filter and median, for the report's line on uncached totals.
fn probe_figures(probes: &[(&str, Outcome)]) -> String {
    probes.iter().map(|(filter, outcome)| format!("{filter} {:.2} ms", outcome.p50())).collect::<Vec<_>>().join(", ")
}

fn report(
    args: &Args,
    binary: &Path,
    scenarios: &[Scenario],
    ceiling: [&Outcome; 2],
    reports: &[BackendReport],
    peer: Option<&[(String, Outcome)]>,
) -> String {
    let now = time::OffsetDateTime::now_utc();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| line.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let ceiling_rps = (ceiling[0].requests_per_second() + ceiling[1].requests_per_second()) / 2.0;
    let mut text = format!(
        "# Performance run, {} orders\n\n\
         {}, {cores} cores ({cpu}), server, load generator and peers on the same machine. Binary `{}`{}.\n\
         Data: one customer with {} generated orders (the load's), {} others with {} each. \
         wrk {} threads, {} connections, {} warm-up s, {} × {} s runs per scenario; requests/s is the mean of the runs, p50 the median, p99 the worst.\n\n\
         **Ceiling** (a minimal axum server answering 20 orders from memory): {:.0} requests/s before the run, {:.0} after. It is also measured just before each run of a scenario, and the scenario's ratio is to those runs: this VM's speed drifts by a third within minutes.\n",
        args.orders,
        now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        binary.display(),
        if args.serve_args.is_empty() { String::new() } else { format!(", served with `{}`", args.serve_args.join(" ")) },
        args.orders,
        args.other_customers,
        args.other_orders,
        args.threads,
        args.connections,
        args.warmup,
        args.runs,
        args.seconds,
        ceiling[0].requests_per_second(),
        ceiling[1].requests_per_second(),
    );
    let peer_rps = |key: &str| peer.and_then(|rows| rows.iter().find(|(k, _)| k == key)).map(|(_, outcome)| outcome.requests_per_second());
    for backend in reports {
        let uncached_rss = backend
            .uncached_peak_rss
            .map(|bytes| format!(" (the server without answer cache, for the rows marked uncached: {} MB)", megabytes(Some(bytes))))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n## {}\n\nImport of the {} orders (`admin import`): {:.1} s. Server RSS at most {} MB{uncached_rss}. \
             Exact `X-Total-Count`, uncached (each request a distinct bound before every order, `limit=1`, one connection), p50: {}.\n\n\
             | | scenario | requests/s | p50 ms | p99 ms | errors | RSS MB | ceiling beside it, requests/s | × ceiling | json-server requests/s | × json-server |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            backend.name,
            args.orders,
            backend.import.as_secs_f64(),
            megabytes(backend.peak_rss),
            probe_figures(&backend.count_probes),
        ));
        for (key, outcome) in &backend.rows {
            let scenario = scenarios.iter().find(|scenario| scenario.key == key || uncached_key(scenario.key) == *key);
            let title = match scenario {
                Some(scenario) if scenario.key != key => format!("{}, answer cache off", scenario.title),
                Some(scenario) => scenario.title.to_owned(),
                None => String::new(),
            };
            let rps = outcome.requests_per_second();
            let (peer_column, ratio_column) = match scenario.and_then(|scenario| peer_rps(scenario.key)) {
                Some(peer) if peer > 0.0 => (format!("{peer:.1}"), format!("{:.0}", rps / peer)),
                Some(_) => ("0".into(), "–".into()),
                None => ("–".into(), "–".into()),
            };
            let beside = outcome.ceiling_requests_per_second().unwrap_or(ceiling_rps);
            text.push_str(&format!(
                "| {key} | {title} | {rps:.0} | {:.2} | {:.2} | {} | {} | {beside:.0} | {:.2} | {peer_column} | {ratio_column} |\n",
                outcome.p50(),
                outcome.p99(),
                outcome.errors(),
                megabytes(outcome.rss),
                rps / beside.max(f64::EPSILON),
            ));
        }
    }
    if let Some(rows) = peer {
        text.push_str(&format!("\n## json-server {JSON_SERVER_VERSION} (the peer)\n\n| | requests/s | p50 ms | p99 ms | errors (incl. timeouts) | RSS MB |\n|---|---:|---:|---:|---:|---:|\n"));
        for (key, outcome) in rows {
            text.push_str(&format!(
                "| {key} | {:.1} | {:.1} | {:.1} | {} | {} |\n",
                outcome.requests_per_second(),
                outcome.p50(),
                outcome.p99(),
                outcome.errors(),
                megabytes(outcome.rss)
            ));
        }
    }
    text
}
