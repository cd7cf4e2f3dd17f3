//! Load from wrk (Debian package `wrk`, installed when missing): fixed threads and connections,
//! requests drawn in turn from a list, results read back as JSON from the script's `done`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use serde::Deserialize;

/// One request of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    /// Path and query, percent-encoded.
    pub path: String,
    pub body: Option<String>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Request {
        Request { method: "GET", path: path.into(), body: None }
    }
}

/// The load one wrk run puts on a server.
#[derive(Debug, Clone)]
pub struct Load {
    pub threads: usize,
    pub connections: usize,
    pub duration: Duration,
    /// How long a request may take before wrk counts it as a timeout.
    pub timeout: Duration,
}

/// What wrk measured.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Measured {
    pub requests: u64,
    pub duration_us: u64,
    /// Connect, read, write and timeout errors, and answers with a status of 400 or more.
    pub errors: u64,
    pub p50_us: u64,
    pub p99_us: u64,
}

impl Measured {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us.max(1) as f64 / 1e6)
    }
}

/// Each thread starts at its own place in the list and takes the requests in turn; `done`
/// prints one JSON line.
const SCRIPT: &str = r#"
local requests = {}
local next_index = 1
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
    local b = nil
    if body ~= "" then b = body end
    requests[#requests + 1] = wrk.format(method, path, nil, b)
  end
  next_index = ((thread_number or 1) * 7919) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// Installs wrk with apt-get when it is missing.
pub fn ensure_installed() -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("installing wrk (Debian package)...");
    let mut apt = Command::new("apt-get");
    apt.args(["install", "-y", "-q", "wrk"]).env("DEBIAN_FRONTEND", "noninteractive");
    let installed = apt.status().is_ok_and(|status| status.success())
        || (Command::new("apt-get").args(["update", "-q"]).status().is_ok_and(|status| status.success())
            && apt.status().is_ok_and(|status| status.success()));
    ensure!(installed, "wrk is missing and `apt-get install wrk` failed: install the Debian package wrk");
    Ok(())
}

/// Runs wrk against `base` with `requests` (taken in turn) and `headers`, in `dir`.
pub fn run(dir: &Path, base: &str, requests: &[Request], headers: &[(&str, &str)], load: &Load) -> anyhow::Result<Measured> {
    ensure!(!requests.is_empty(), "no request to send");
    let script = dir.join("scenario.lua");
    std::fs::write(&script, SCRIPT)?;
    let list = dir.join("requests.txt");
    let mut lines = String::new();
    for request in requests {
        ensure!(!request.path.contains(char::is_whitespace), "a request path with a space: {}", request.path);
        lines.push_str(&format!("{} {} {}\n", request.method, request.path, request.body.as_deref().unwrap_or("")));
    }
    std::fs::write(&list, lines)?;

    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        // wrk takes whole seconds here (its units are s, m and h).
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg(format!("--timeout={}s", load.timeout.as_secs().max(1)))
        .arg("-s")
        .arg(&script);
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    command.arg(base).arg("--").arg(&list);
    let output = command.output().context("cannot run wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    }
    let line = stdout.lines().rev().find(|line| line.starts_with('{')).with_context(|| format!("no result from wrk: {stdout}"))?;
    serde_json::from_str(line).with_context(|| format!("unreadable result from wrk: {line}"))
}
