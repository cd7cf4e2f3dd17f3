//! The peer: json-server 0.17 (npm), the usual quick fake REST API, serving the same orders.
//! It keeps the whole array in memory and filters and sorts it on every request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use order_tracking::domain::order::Order;

pub const JSON_SERVER_VERSION: &str = "0.17.4";

/// A running json-server; killed when dropped.
pub struct JsonServer {
    child: Child,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl JsonServer {
    /// Installs json-server under `tools` (npm) when missing, and serves `orders` as `/orders`.
    pub fn start(tools: &Path, orders: &[Order]) -> anyhow::Result<JsonServer> {
        let program = install(tools)?;
        let dir = tempfile::tempdir()?;
        let database = dir.path().join("db.json");
        std::fs::write(&database, serde_json::to_vec(&serde_json::json!({ "orders": orders }))?)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("node")
            .arg(&program)
            .args(["--port", &port.to_string(), "--host", "127.0.0.1", "--quiet"])
            .arg(&database)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start json-server with node")?;
        let server = JsonServer { child, base: format!("http://127.0.0.1:{port}"), _dir: dir };
        // Loading a large file takes seconds.
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            ensure!(Instant::now() < deadline, "json-server did not listen within 120 s");
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until json-server has answered every request still queued. Node answers one request
    /// at a time, and a list of 100,000 orders takes it about a second: when wrk stops, 32 of them
    /// are still in the queue, and would eat the next run's time.
    pub fn wait_idle(&self) -> anyhow::Result<()> {
        let address = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(300)))?;
        stream.write_all(format!("GET /__idle HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).context("json-server did not answer within 300 s")?;
        Ok(())
    }
}

impl Drop for JsonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tools/node_modules/json-server/lib/cli/bin.js`, installed with npm if missing.
fn install(tools: &Path) -> anyhow::Result<PathBuf> {
    let program = tools.join("node_modules/json-server/lib/cli/bin.js");
    if program.exists() {
        return Ok(program);
    }
    std::fs::create_dir_all(tools)?;
    eprintln!("installing json-server {JSON_SERVER_VERSION} (npm) in {}...", tools.display());
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(tools)
        .arg(format!("json-server@{JSON_SERVER_VERSION}"))
        .status()
        .context("cannot run npm, which the json-server peer needs (or pass --no-peer)")?;
    if !status.success() || !program.exists() {
        bail!("npm could not install json-server {JSON_SERVER_VERSION} (or pass --no-peer)");
    }
    Ok(program)
}
