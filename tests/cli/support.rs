//! Helpers of the CLI tests: running the binary, servers killed on drop, tenants.

pub(crate) use std::io::{BufRead, BufReader, Read, Write};
pub(crate) use std::path::{Path, PathBuf};
pub(crate) use std::process::{Child, Command, ExitStatus, Stdio};
pub(crate) use std::sync::mpsc::{self, Receiver};
pub(crate) use std::thread;
pub(crate) use std::time::{Duration as StdDuration, Instant};

pub(crate) use serde_json::{Value, json};
pub(crate) use tempfile::TempDir;
pub(crate) use time::format_description::well_known::Rfc3339;
pub(crate) use time::{Duration, OffsetDateTime};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_order-tracking");
pub(crate) const ORDERS: &str = "/order-tracking/b2b/v1/orders";
/// How long any one command, server start or HTTP call may take before the test gives up.
pub(crate) const DEADLINE: StdDuration = StdDuration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// Kills the child when dropped, so that no process outlives its test.
pub(crate) struct ChildGuard(pub(crate) Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a finished command did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) what: String,
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }

    #[track_caller]
    pub(crate) fn assert_success(self) -> Self {
        assert!(self.success(), "{} failed ({}):\nstdout: {}\nstderr: {}", self.what, self.status, self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub(crate) fn assert_failure(self) -> Self {
        assert!(!self.success(), "{} succeeded but should have failed:\nstdout: {}\nstderr: {}", self.what, self.stdout, self.stderr);
        self
    }

    /// The one JSON object printed on stdout.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        let value: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("{}: stdout is not one JSON value ({error}): {:?}", self.what, self.stdout));
        assert!(value.is_object(), "{}: stdout is not a JSON object: {value}", self.what);
        value
    }

    /// Failed, and said why in a single `error: ...` line on stderr.
    #[track_caller]
    pub(crate) fn assert_one_line_error(self) -> Self {
        let run = self.assert_failure();
        let lines: Vec<&str> = run.stderr.lines().filter(|line| !line.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{}: stderr should be one line, got {:?}", run.what, run.stderr);
        assert!(lines[0].starts_with("error: "), "{}: the reason should start with `error: `, got {:?}", run.what, lines[0]);
        assert!(lines[0].len() > "error: ".len() + 10, "{}: the reason says too little: {:?}", run.what, lines[0]);
        run
    }

    /// Text output: a readable line or a few, and not JSON.
    #[track_caller]
    pub(crate) fn assert_text(&self, max_lines: usize) {
        let lines = self.stdout.lines().filter(|line| !line.trim().is_empty()).count();
        assert!((1..=max_lines).contains(&lines), "{}: expected 1 to {max_lines} lines of text, got {:?}", self.what, self.stdout);
        assert!(serde_json::from_str::<Value>(&self.stdout).is_err(), "{}: text output should not be JSON: {:?}", self.what, self.stdout);
    }
}

/// The binary, in `dir`, with no `ORDER_TRACKING_*` variable inherited from the test's environment.
pub(crate) fn bare_command(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ORDER_TRACKING_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs a command to its end (at most `DEADLINE`), feeding it `stdin`.
pub(crate) fn run_command(mut command: Command, stdin: Option<&str>) -> Run {
    let what = format!("{command:?}");
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = ChildGuard(command.spawn().unwrap_or_else(|error| panic!("cannot start {what}: {error}")));
    let writer = child.0.stdin.take().map(|mut pipe| {
        let input = stdin.unwrap_or_default().to_owned();
        thread::spawn(move || {
            let _ = pipe.write_all(input.as_bytes());
        })
    });
    let stdout = read_all_in_thread(child.0.stdout.take().expect("piped stdout"));
    let stderr = read_all_in_thread(child.0.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("the child can be waited for") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            drop(child);
            panic!("{what} did not finish within {DEADLINE:?}; stderr: {}", stderr.join().unwrap_or_default());
        }
        thread::sleep(StdDuration::from_millis(10));
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Run { what, status, stdout: stdout.join().expect("stdout reader"), stderr: stderr.join().expect("stderr reader") }
}

pub(crate) fn read_all_in_thread(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// A temporary directory holding a database, and the commands that use it.
pub(crate) struct Env {
    pub(crate) dir: TempDir,
    pub(crate) database: String,
    /// A PostgreSQL database of this test's, dropped with it.
    _postgres: Option<crate::backend::TestDatabase>,
}

impl Env {
    pub(crate) fn new() -> Env {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database = format!("sqlite://{}", dir.path().join("x.db").display());
        Env { dir, database, _postgres: None }
    }

    /// An environment on a fresh PostgreSQL database, or `None` when PostgreSQL tests are
    /// skipped (see `backend.rs`).
    pub(crate) fn postgres() -> Option<Env> {
        if !crate::backend::postgres_available() {
            return None;
        }
        let database = block_on(crate::backend::TestDatabase::create(crate::backend::Backend::Postgres));
        let dir = tempfile::tempdir().expect("a temporary directory");
        Some(Env { dir, database: database.url.clone(), _postgres: Some(database) })
    }

    /// `order-tracking ARGS --database sqlite://<tmp>/x.db`.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = bare_command(self.dir.path());
        command.args(args).arg("--database").arg(&self.database);
        command
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        run_command(self.command(args), None)
    }

    pub(crate) fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        run_command(self.command(args), Some(stdin))
    }

    /// Runs an admin command with `--json`, expects success and returns the object printed.
    #[track_caller]
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        self.run(&args).assert_success().json()
    }

    pub(crate) fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("a file written");
        path.display().to_string()
    }

    /// A customer with a client and an API key, created through the command line.
    pub(crate) fn tenant(&self, name: &str) -> Tenant {
        let customer_id = string(&self.json(&["admin", "customer", "create", "--name", name]), "customerId");
        let client = self.json(&["admin", "client", "create", "--customer", &customer_id]);
        let key = self.json(&["admin", "key", "issue", "--customer", &customer_id]);
        Tenant {
            client_id: string(&client, "clientId"),
            client_secret: string(&client, "clientSecret"),
            api_key: string(&key, "apiKey"),
            customer_id,
        }
    }

    /// `serve --listen 127.0.0.1:0 EXTRA` on this database, once it accepts connections.
    pub(crate) fn serve(&self, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        Server::start(self.command(&args), &self.dir.path().join(format!("serve-{}.log", unique())))
    }
}

/// Runs `admin ARGS --json` until `done` holds of what it prints (20 s at most).
pub(crate) fn until(env: &Env, args: &[&str], done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + StdDuration::from_secs(20);
    loop {
        let printed = env.json(args);
        if done(&printed) {
            return printed;
        }
        assert!(Instant::now() < deadline, "{args:?} still prints {printed}");
        std::thread::sleep(StdDuration::from_millis(50));
    }
}

pub(crate) fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

#[derive(Clone)]
pub(crate) struct Tenant {
    pub(crate) customer_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) api_key: String,
}

#[track_caller]
pub(crate) fn string(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_else(|| panic!("no string {field:?} in {value}")).to_owned()
}

#[track_caller]
pub(crate) fn date_time(value: &Value, field: &str) -> OffsetDateTime {
    let text = string(value, field);
    OffsetDateTime::parse(&text, &Rfc3339).unwrap_or_else(|error| panic!("{field} {text:?} is not RFC 3339: {error}"))
}

#[track_caller]
pub(crate) fn assert_about(actual: OffsetDateTime, expected: OffsetDateTime, what: &str) {
    assert!((actual - expected).abs() < Duration::minutes(10), "{what}: expected about {expected}, got {actual}");
}

/// The one array in a listing object (`{"keys": [...]}`, `{"customers": [...]}`).
#[track_caller]
pub(crate) fn items(listing: &Value) -> Vec<Value> {
    let arrays: Vec<&Vec<Value>> = listing.as_object().expect("an object").values().filter_map(Value::as_array).collect();
    assert_eq!(arrays.len(), 1, "expected one array in {listing}");
    arrays[0].clone()
}

pub(crate) fn ids(listing: &Value, field: &str) -> Vec<String> {
    items(listing).iter().map(|item| string(item, field)).collect()
}

// ---------------------------------------------------------------------------------------------
// A running server
// ---------------------------------------------------------------------------------------------

/// A `serve` process, killed when dropped.
pub(crate) struct Server {
    pub(crate) _child: ChildGuard,
    pub(crate) lines: Receiver<String>,
    /// `http://HOST:PORT` (or `https://`), from the first line printed.
    pub(crate) base: String,
    pub(crate) log: PathBuf,
}

impl Server {
    pub(crate) fn start(mut command: Command, log: &Path) -> Server {
        let what = format!("{command:?}");
        let log_file = std::fs::File::create(log).expect("a log file");
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(log_file);
        let mut child = ChildGuard(command.spawn().unwrap_or_else(|error| panic!("cannot start {what}: {error}")));
        let stdout = child.0.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { _child: child, lines, base: String::new(), log: log.to_owned() };
        let first = server.next_line(Instant::now() + DEADLINE).unwrap_or_else(|| panic!("{what} printed nothing; log: {}", server.log()));
        let base = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the first line should be `listening on http://HOST:PORT`, got {first:?}"))
            .trim()
            .to_owned();
        let port = ["http://127.0.0.1:", "https://127.0.0.1:"]
            .iter()
            .find_map(|prefix| base.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("expected http(s)://127.0.0.1:PORT, got {base:?}"));
        assert!(port.parse::<u16>().is_ok_and(|port| port != 0), "the printed address should name the port picked: {base:?}");
        server.base = base;
        server
    }

    /// The next line printed on stdout, or `None` at the deadline or when stdout closes.
    pub(crate) fn next_line(&self, deadline: Instant) -> Option<String> {
        self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())).ok()
    }

    /// Lines printed after the first, until `done` holds of them all (or the deadline passes).
    pub(crate) fn read_until(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut lines = Vec::new();
        while !done(&lines) {
            match self.next_line(deadline) {
                Some(line) => lines.push(line),
                None => panic!("the server stopped printing before it was done; printed {lines:#?}\nlog: {}", self.log()),
            }
        }
        lines
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A token for the client, from `POST /oauth/v3/token`.
    pub(crate) fn token(&self, client_id: &str, client_secret: &str) -> String {
        token_from(&self.base, client_id, client_secret)
    }

    /// `GET path` with the tenant's credentials.
    pub(crate) fn get(&self, path: &str, token: &str, api_key: &str) -> Answer {
        get_from(&self.base, path, token, api_key)
    }
}

/// A token from the server at `base` (`http://HOST:PORT`): what `Server::token` does, for
/// threads that hold only the address.
pub(crate) fn token_from(base: &str, client_id: &str, client_secret: &str) -> String {
    let url = format!("{base}/oauth/v3/token");
    let (status, body) = block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .basic_auth(client_id, Some(client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("the token endpoint answers");
        (response.status().as_u16(), response.text().await.expect("a body"))
    });
    assert_eq!(status, 200, "token request: {body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON token answer");
    string(&body, "access_token")
}

/// `GET path` on the server at `base` with a token and an API key.
pub(crate) fn get_from(base: &str, path: &str, token: &str, api_key: &str) -> Answer {
    let url = format!("{base}{path}");
    block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .header("authorization", format!("Bearer {token}"))
            .header("x-api-key", api_key)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let total = response.headers().get("x-total-count").map(|value| value.to_str().expect("ASCII").to_owned());
        Answer { status, total, body: response.text().await.expect("a body") }
    })
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) total: Option<String>,
    pub(crate) body: String,
}

impl Answer {
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async { tokio::time::timeout(DEADLINE, future).await.expect("the HTTP call finished in time") })
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

pub(crate) fn order(id: &str, status: &str, reference: &str) -> Value {
    json!({
        "id": id,
        "status": status,
        "orderDate": "2026-03-01T10:00:00Z",
        "action": "Add",
        "product": {"code": "FIBRE-1G", "name": "Business Fibre 1 Gbit/s"},
        "request": {"id": format!("3-{id}"), "customerReference": reference},
    })
}

pub(crate) fn ndjson(orders: &[Value]) -> String {
    orders.iter().map(|order| format!("{order}\n")).collect()
}

#[track_caller]
pub(crate) fn assert_counts(run: &Run, created: u64, updated: u64) {
    assert_eq!(run.json(), json!({"created": created, "updated": updated}), "{}", run.what);
}

/// Turns `fn name(env: Env)` tests into one test per backend: `module::sqlite::name` and
/// `module::postgres::name` (skipped, saying so, where PostgreSQL cannot be reached).
macro_rules! env_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::support::Env::new())
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(env) = $crate::support::Env::postgres() {
                        super::$name(env)
                    }
                }
            )*
        }
    };
}
pub(crate) use env_tests;

// ---------------------------------------------------------------------------------------------
// The client commands
// ---------------------------------------------------------------------------------------------

impl Env {
    /// `order-tracking ARGS` as a client: its home (profiles, token cache) inside the test's
    /// directory, and no database.
    pub(crate) fn client_command(&self, args: &[&str]) -> Command {
        let mut command = bare_command(self.dir.path());
        command.args(args).env("HOME", self.home()).env_remove("XDG_CONFIG_HOME").env_remove("XDG_CACHE_HOME");
        command
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A client command with the tenant's credentials in `ORDER_TRACKING_*` variables.
    pub(crate) fn client_run(&self, server: &Server, tenant: &Tenant, args: &[&str]) -> Run {
        let mut command = self.client_command(args);
        with_credentials(&mut command, server, tenant);
        run_command(command, None)
    }

    /// Imports `count` generated orders for the tenant; returns them as the API serves them.
    pub(crate) fn import_generated(&self, tenant: &Tenant, count: usize) {
        let orders: Vec<Value> = order_tracking::demo::generate::generate_orders(count, 5)
            .iter()
            .map(|order| serde_json::to_value(order).expect("JSON"))
            .collect();
        let file = self.write("generated.ndjson", &ndjson(&orders));
        self.run(&["admin", "import", "--customer", &tenant.customer_id, &file]).assert_success();
    }
}

pub(crate) fn with_credentials(command: &mut Command, server: &Server, tenant: &Tenant) {
    command
        .env("ORDER_TRACKING_URL", &server.base)
        .env("ORDER_TRACKING_CLIENT_ID", &tenant.client_id)
        .env("ORDER_TRACKING_CLIENT_SECRET", &tenant.client_secret)
        .env("ORDER_TRACKING_API_KEY", &tenant.api_key);
}

/// The JSON array the API answers to `GET /orders?QUERY`.
pub(crate) fn api_list(server: &Server, tenant: &Tenant, query: &str) -> Vec<Value> {
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    let value = server.get(&format!("{ORDERS}?{query}"), &token, &tenant.api_key).json();
    value.as_array().unwrap_or_else(|| panic!("a JSON array: {value}")).clone()
}
