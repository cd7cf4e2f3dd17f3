//! The portal (issue #34): how long the server takes to answer a signed-in user's pages, one at
//! a time over one connection (the time of a page as a person waits for it, not a throughput),
//! and how large they are. The issue's targets: under 10 ms for a list of 50 rows, pages under
//! 100 KB.
//!
//! ```sh
//! cargo build --release && cargo run --release -p order-tracking-bench --bin portal -- --output bench/results/DATE-portal.md
//! cargo run --release -p order-tracking-bench --bin portal -- --smoke     # seconds, for CI
//! ```

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use order_tracking_bench::server::{Backend, Dataset, RunningServer, binary_to_run, tenant_orders};

#[derive(Debug, Parser)]
struct Args {
    /// The server binary [default: target/release/order-tracking of this workspace].
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Orders of the tenant.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Requests of each page.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    /// Write the report (Markdown) here as well as to stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Little data and a few requests, so that CI keeps the benchmark working.
    #[arg(long)]
    smoke: bool,
}

const PASSWORD: &str = "a long benchmark passphrase";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.smoke {
        (args.orders, args.requests) = (500, 20);
    }
    let binary = binary_to_run(args.binary.as_deref())?;
    let orders = tenant_orders(args.orders);
    let server = RunningServer::start_with(&binary, &Backend::Sqlite, &Dataset::single(args.orders), &orders, &["--portal".to_owned()])?;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let cookie = sign_in(&binary, &server, &http).await?;
    let detail = format!("/portal/orders/{}", server.tenant.order_ids[args.orders / 2]);
    let pages = [
        ("list, 50 rows, newest first", "/portal/orders?sort=-orderDate&limit=50".to_owned()),
        ("list, 50 rows, filtered and sorted", "/portal/orders?status=Current&sort=site.address.city,-orderDate&limit=50".to_owned()),
        ("list, 25 rows, deep page", format!("/portal/orders?sort=id&offset={}", args.orders / 2)),
        ("one order and its timeline", detail),
    ];
    let mut report = format!(
        "# Portal pages, {} orders, SQLite\n\nOne signed-in user, one request at a time over one connection, {} requests a page after 20 to warm up.\n\n| page | median | p99 | max | bytes |\n|---|---|---|---|---|\n",
        args.orders, args.requests
    );
    for (name, path) in &pages {
        let (mut times, mut bytes) = (Vec::new(), 0);
        for round in 0..args.requests + 20 {
            let started = Instant::now();
            let answer = http.get(format!("{}{path}", server.base)).header("cookie", &cookie).send().await?;
            ensure!(answer.status() == 200, "{path}: {}", answer.status());
            bytes = answer.bytes().await?.len();
            if round >= 20 {
                times.push(started.elapsed());
            }
        }
        times.sort();
        let at = |share: f64| times[((times.len() - 1) as f64 * share) as usize];
        let ms = |time: Duration| format!("{:.2} ms", time.as_secs_f64() * 1000.0);
        report.push_str(&format!("| {name} | {} | {} | {} | {bytes} |\n", ms(at(0.5)), ms(at(0.99)), ms(*times.last().unwrap())));
    }
    report.push_str(&login_times(&binary, &server, &http, args.requests.min(9)).await?);
    println!("{report}");
    if let Some(output) = &args.output {
        std::fs::write(output, &report).with_context(|| format!("cannot write {}", output.display()))?;
    }
    Ok(())
}

/// Makes a portal user with `admin user create`, sets its password through the link and signs
/// in, as a person would; returns the cookies to send.
async fn sign_in(binary: &std::path::Path, server: &RunningServer, http: &reqwest::Client) -> anyhow::Result<String> {
    let created = Command::new(binary)
        .args(["admin", "user", "create", "--database", server.database(), "--customer", &server.tenant.customer_id])
        .args(["--email", "bench@example.com", "--public-url", &server.base, "--json"])
        .output()?;
    ensure!(created.status.success(), "admin user create: {}", String::from_utf8_lossy(&created.stderr));
    let created: serde_json::Value = serde_json::from_slice(&created.stdout)?;
    let link = created["link"].as_str().context("a link")?.to_owned();
    let secret = link.split_once("link=").context("a link secret")?.1.to_owned();
    let page = http.get(&link).send().await?;
    let csrf_cookie = cookie_of(&page)?;
    let token = token_of(&page.text().await?)?;
    let form = [("csrf", token.as_str()), ("link", secret.as_str()), ("password", PASSWORD), ("repeat", PASSWORD)];
    let set = http.post(format!("{}/portal/password", server.base)).header("cookie", &csrf_cookie).form(&form).send().await?;
    ensure!(set.status() == 303, "setting the password: {}", set.status());
    let login = [("csrf", token.as_str()), ("email", "bench@example.com"), ("password", PASSWORD)];
    let signed = http.post(format!("{}/portal/login", server.base)).header("cookie", &csrf_cookie).form(&login).send().await?;
    if signed.status() != 303 {
        bail!("signing in: {}", signed.status());
    }
    cookie_of(&signed)
}

/// The email of a failed login's round.
type EmailOf = fn(usize) -> String;

/// Failed logins of each kind, timed: they must answer alike, in the same time (one Argon2id
/// verification each). Fewer than 10 a kind, so that only the "locked" kind is locked.
async fn login_times(binary: &std::path::Path, server: &RunningServer, http: &reqwest::Client, attempts: usize) -> anyhow::Result<String> {
    let disabled =
        Command::new(binary).args(["admin", "user", "disable", "bench@example.com", "--database", server.database()]).output()?;
    ensure!(disabled.status.success(), "admin user disable: {}", String::from_utf8_lossy(&disabled.stderr));
    let created = Command::new(binary)
        .args(["admin", "user", "create", "--database", server.database(), "--customer", &server.tenant.customer_id])
        .args(["--email", "second@example.com", "--json"])
        .output()?;
    ensure!(created.status.success(), "admin user create: {}", String::from_utf8_lossy(&created.stderr));
    let page = http.get(format!("{}/portal/login", server.base)).send().await?;
    let cookie = cookie_of(&page)?;
    let token = token_of(&page.text().await?)?;
    let attempt = |email: String, password: &'static str| {
        let (http, cookie, token, url) = (http.clone(), cookie.clone(), token.clone(), format!("{}/portal/login", server.base));
        async move {
            let form = [("csrf", token.as_str()), ("email", email.as_str()), ("password", password)];
            let started = Instant::now();
            let answer = http.post(url).header("cookie", cookie).form(&form).send().await?;
            let status = answer.status();
            let body = answer.text().await?;
            ensure!(status == 401 && body.contains("Wrong email or password."), "a failed login answered {status}");
            anyhow::Ok(started.elapsed())
        }
    };
    for _ in 0..10 {
        attempt("locked@example.com".to_owned(), "wrong password, again").await?;
    }
    let mut table = String::from(
        "\n## Failed logins\n\nEach answers 401 with the same page; the times should not tell them apart.\n\n| kind | median | min | max |\n|---|---|---|---|\n",
    );
    let kinds: [(&str, EmailOf); 4] = [
        ("unknown email", |round| format!("nobody{round}@example.com")),
        ("wrong password", |_| "second@example.com".to_owned()),
        ("disabled user", |_| "bench@example.com".to_owned()),
        ("email locked out", |_| "locked@example.com".to_owned()),
    ];
    for (kind, email) in kinds {
        let mut times = Vec::new();
        for round in 0..attempts {
            times.push(attempt(email(round), "not the right one at all").await?);
        }
        times.sort();
        let ms = |time: Duration| format!("{:.1} ms", time.as_secs_f64() * 1000.0);
        table.push_str(&format!("| {kind} | {} | {} | {} |\n", ms(times[times.len() / 2]), ms(times[0]), ms(*times.last().unwrap())));
    }
    Ok(table)
}

/// The `name=value` of the answer's cookie.
fn cookie_of(answer: &reqwest::Response) -> anyhow::Result<String> {
    let set = answer.headers().get("set-cookie").context("a cookie")?.to_str()?;
    Ok(set.split(';').next().unwrap_or_default().to_owned())
}

fn token_of(page: &str) -> anyhow::Result<String> {
    let start = page.find(r#"name="csrf" value=""#).context("a form token")? + 19;
    Ok(page[start..].split('"').next().unwrap_or_default().to_owned())
}
