//! A server process of the binary under test, on a fresh SQLite database with one tenant and
//! generated orders, killed when dropped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail, ensure};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Tenant {
    pub client_id: String,
    pub client_secret: String,
    pub api_key: String,
    pub order_ids: Vec<String>,
}

pub struct RunningServer {
    child: Child,
    pub base: String,
    pub tenant: Tenant,
    _dir: tempfile::TempDir,
}

impl RunningServer {
    /// Creates the database, a tenant and `orders` generated orders, then serves with rate
    /// limits off (a load run is one client far over any quota).
    pub fn start(binary: &Path, orders: usize) -> anyhow::Result<RunningServer> {
        let dir = tempfile::tempdir()?;
        let database = format!("sqlite://{}", dir.path().join("bench.db").display());
        let admin = |args: &[&str]| -> anyhow::Result<Value> {
            let output = Command::new(binary)
                .args(args)
                .args(["--database", &database, "--json"])
                .output()
                .with_context(|| format!("cannot run {}", binary.display()))?;
            ensure!(output.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
            Ok(serde_json::from_slice(&output.stdout)?)
        };
        let field = |value: &Value, name: &str| value[name].as_str().map(str::to_owned).with_context(|| format!("no {name} in {value}"));
        let customer = field(&admin(&["admin", "customer", "create", "--name", "Bench"])?, "customerId")?;
        let client = admin(&["admin", "client", "create", "--customer", &customer])?;
        let key = admin(&["admin", "key", "issue", "--customer", &customer])?;

        let generated: Vec<_> = order_tracking::demo::generate::order_stream(orders, 7).collect();
        let file = dir.path().join("orders.ndjson");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        for order in &generated {
            serde_json::to_writer(&mut out, order)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        drop(out);
        admin(&["admin", "import", "--customer", &customer, &file.display().to_string()])?;

        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &database])
            .args(["--requests-per-minute", "0", "--token-requests-per-minute", "0"])
            .env("ORDER_TRACKING_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut first)?;
        let Some(base) = first.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            bail!("the server printed {first:?} instead of `listening on ...`");
        };
        let tenant = Tenant {
            client_id: field(&client, "clientId")?,
            client_secret: field(&client, "clientSecret")?,
            api_key: field(&key, "apiKey")?,
            order_ids: generated.iter().map(|order| order.id.clone()).collect(),
        };
        Ok(RunningServer { base: base.to_owned(), child, tenant, _dir: dir })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory, from /proc (Linux).
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let kilobytes =
            status.lines().find_map(|line| line.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse::<u64>().ok()?;
        Some(kilobytes * 1024)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/release/order-tracking` of this workspace.
pub fn default_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/order-tracking")
}
