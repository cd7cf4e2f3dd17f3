//! `order-tracking orders list|show|watch` against a real server: every output format reads back
//! to the orders the API serves, `--all` equals the full list, and `watch` prints changes.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

/// A server holding `count` generated orders of one tenant.
fn started(count: usize) -> (Env, Tenant, Server) {
    let env = Env::new();
    let tenant = env.tenant("client commands");
    env.import_generated(&tenant, count);
    let server = env.serve(&[]);
    (env, tenant, server)
}

fn json_array(run: &Run) -> Vec<Value> {
    let value: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("{}: not JSON ({error}): {}", run.what, run.stdout));
    value.as_array().unwrap_or_else(|| panic!("{}: not an array", run.what)).clone()
}

fn ndjson_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{}: a line is not JSON ({error}): {line}", run.what)))
        .collect()
}

/// Orders rebuilt from CSV: dotted headers become nested members, array cells are JSON, and
/// an empty cell is an absent field.
fn csv_orders(run: &Run) -> Vec<Value> {
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("a CSV record");
            let mut order = json!({});
            for (path, cell) in headers.iter().zip(record.iter()).filter(|(_, cell)| !cell.is_empty()) {
                let value = if matches!(path, "appointments" | "milestones") {
                    serde_json::from_str(cell).expect("a JSON cell")
                } else {
                    json!(cell)
                };
                let (parents, leaf) = path.rsplit_once('.').map_or((None, path), |(parents, leaf)| (Some(parents), leaf));
                let mut target = &mut order;
                for segment in parents.into_iter().flat_map(|parents| parents.split('.')) {
                    target = target.as_object_mut().expect("an object").entry(segment).or_insert_with(|| json!({}));
                }
                target[leaf] = value;
            }
            order
        })
        .collect()
}

#[test]
fn every_output_format_reads_back_to_the_orders_the_api_serves() {
    let (env, tenant, server) = started(120);
    let expected = api_list(&server, &tenant, "sort=-orderDate&limit=50");
    assert_eq!(expected.len(), 50);
    let list = |format: &str| {
        env.client_run(&server, &tenant, &["orders", "list", "--sort", "-orderDate", "--limit", "50", "--format", format]).assert_success()
    };
    assert_eq!(json_array(&list("json")), expected, "json");
    assert_eq!(ndjson_lines(&list("ndjson")), expected, "ndjson");
    assert_eq!(csv_orders(&list("csv")), expected, "csv");

    // Off a terminal, the default is the JSON the API answers.
    let default = env.client_run(&server, &tenant, &["orders", "list", "--sort", "-orderDate", "--limit", "50"]).assert_success();
    assert_eq!(json_array(&default), expected);
}

#[test]
fn all_follows_the_pages_to_the_end() {
    let (env, tenant, server) = started(120);
    let everything = api_list(&server, &tenant, "limit=1000");
    let run = env.client_run(&server, &tenant, &["orders", "list", "--all", "--limit", "7", "--format", "ndjson"]).assert_success();
    assert_eq!(ndjson_lines(&run), everything);

    let closed = api_list(&server, &tenant, "status=Closed&sort=site.address.city,-orderDate&limit=1000");
    assert!(closed.len() > 9, "the test needs several pages of closed orders");
    let args =
        ["orders", "list", "--all", "--limit", "9", "--status", "Closed", "--sort", "site.address.city,-orderDate", "--format", "json"];
    assert_eq!(json_array(&env.client_run(&server, &tenant, &args).assert_success()), closed);

    let csv = env.client_run(&server, &tenant, &["orders", "list", "--all", "--limit", "50", "--format", "csv"]).assert_success();
    assert_eq!(csv_orders(&csv), everything);
}

#[test]
fn the_table_aligns_columns_and_says_how_many_of_how_many() {
    let (env, tenant, server) = started(120);
    let run = env.client_run(&server, &tenant, &["orders", "list", "--limit", "20", "--format", "table"]).assert_success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 22, "a header, 20 rows and the count:\n{}", run.stdout);
    assert!(lines[0].starts_with("ID ") && lines[0].contains("STATUS"), "{}", lines[0]);
    assert_eq!(lines[21], "20 of 120");
    // Aligned: the STATUS column starts at the same place on every row.
    let status_column = lines[0].find("STATUS").expect("a STATUS column");
    for row in &lines[1..21] {
        let status = &row[status_column..];
        assert!(status.starts_with("Current") || status.starts_with("Closed"), "misaligned row: {row:?}");
    }

    let all = env
        .client_run(&server, &tenant, &["orders", "list", "--all", "--limit", "50", "--format", "table", "--fields", "status"])
        .assert_success();
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.first().map(|line| line.split_whitespace().collect::<Vec<_>>()), Some(vec!["ID", "STATUS"]));
    assert_eq!(lines.last(), Some(&"120 of 120"));
    assert_eq!(lines.len(), 122);
}

#[test]
fn filters_offset_and_fields_reach_the_api_as_given() {
    let (env, tenant, server) = started(120);
    let expected = api_list(
        &server,
        &tenant,
        "orderDate.gte=2026-06-01T00:00:00Z&site.address.country=FR&sort=orderDate&offset=3&limit=10&fields=status,lastUpdateDate",
    );
    assert!(!expected.is_empty());
    let args = [
        "orders",
        "list",
        "--filter",
        "orderDate.gte=2026-06-01T00:00:00Z",
        "--filter",
        "site.address.country=FR",
        "--sort",
        "orderDate",
        "--offset",
        "3",
        "--limit",
        "10",
        "--fields",
        "status,lastUpdateDate",
        "--format",
        "json",
    ];
    let listed = json_array(&env.client_run(&server, &tenant, &args).assert_success());
    assert_eq!(listed, expected);
    for order in &listed {
        assert!(
            order.as_object().expect("an object").keys().all(|key| ["id", "status", "lastUpdateDate"].contains(&key.as_str())),
            "{order}"
        );
    }
}

#[test]
fn show_prints_the_order_then_its_timeline_in_order() {
    let (env, tenant, server) = started(60);
    let orders = api_list(&server, &tenant, "limit=1000");
    let order = orders
        .iter()
        .find(|order| {
            order["appointments"].as_array().is_some_and(|items| items.len() >= 2)
                && order["milestones"].as_array().is_some_and(|items| items.len() >= 2)
        })
        .expect("an order with appointments and milestones");
    let id = string(order, "id");

    let text = env.client_run(&server, &tenant, &["orders", "show", &id, "--format", "text"]).assert_success().stdout;
    assert!(text.starts_with(&format!("Order {id}  {}", string(order, "status"))), "{text}");
    for expected in [string(&order["request"], "id"), string(&order["product"], "name"), "Timeline".to_owned()] {
        assert!(text.contains(&expected), "{expected:?} missing:\n{text}");
    }
    // Every appointment and milestone is on the timeline, dated ones in chronological order.
    let timeline: Vec<&str> = text.lines().skip_while(|line| *line != "Timeline").skip(1).collect();
    let events = order["appointments"].as_array().unwrap().len() + order["milestones"].as_array().unwrap().len();
    assert_eq!(timeline.len(), events, "{text}");
    let dates: Vec<&str> = timeline.iter().map(|line| &line.trim_start()[..16]).filter(|date| date.starts_with("20")).collect();
    assert!(dates.windows(2).all(|pair| pair[0] <= pair[1]), "the timeline is not chronological:\n{text}");

    let json = env.client_run(&server, &tenant, &["orders", "show", &id, "--format", "json"]).assert_success();
    assert_eq!(&serde_json::from_str::<Value>(&json.stdout).expect("JSON"), order);
}

/// A running `orders watch`, its lines on a channel.
pub(crate) struct Watcher {
    child: ChildGuard,
    lines: Receiver<String>,
}

impl Watcher {
    pub(crate) fn start(mut command: Command) -> Watcher {
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = ChildGuard(command.spawn().expect("watch starts"));
        let stdout = child.0.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Watcher { child, lines }
    }

    /// Waits for a line containing `needle`; returns the lines read.
    #[track_caller]
    pub(crate) fn expect(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(needle) => return seen,
                Ok(line) => seen.push(line),
                Err(_) => panic!("no line with {needle:?}; printed {seen:#?}"),
            }
        }
    }

    #[track_caller]
    fn next(&self) -> String {
        self.lines.recv_timeout(DEADLINE).expect("a line from watch")
    }

    /// Interrupts it as Ctrl-C would, and returns how it ended.
    pub(crate) fn interrupt(mut self) -> ExitStatus {
        let pid = self.child.0.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().expect("kill runs").success());
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.0.try_wait().expect("waitable") {
                return status;
            }
            assert!(Instant::now() < deadline, "watch did not stop on SIGINT");
            thread::sleep(StdDuration::from_millis(20));
        }
    }
}

#[test]
fn watch_prints_each_change_until_interrupted() {
    let env = Env::new();
    let tenant = env.tenant("watcher");
    let import = |orders: &[Value]| {
        let file = env.write(&format!("orders-{}.ndjson", unique()), &ndjson(orders));
        env.run(&["admin", "import", "--customer", &tenant.customer_id, &file]).assert_success();
    };
    import(&[order("W-1", "Current", "WATCHED"), order("W-2", "Current", "WATCHED")]);
    let server = env.serve(&[]);

    let watch = |args: &[&str]| {
        let mut command = env.client_command(&[&["orders", "watch", "--interval", "1"][..], args].concat());
        with_credentials(&mut command, &server, &tenant);
        Watcher::start(command)
    };
    let one = watch(&["W-1"]);
    one.expect("watching order W-1: status Current");
    let selection = watch(&["--filter", "request.customerReference=WATCHED", "--status", "Current"]);
    selection.expect("2 orders");

    let mut closed = order("W-1", "Closed", "WATCHED");
    closed["completionDate"] = json!("2026-11-27T10:00:00Z");
    import(&[closed, order("W-3", "Current", "WATCHED")]);

    // The two fields that changed, each on a line after the time, and nothing else.
    let mut changes: Vec<String> =
        [one.next(), one.next()].map(|line| line.split_once("Z  ").map_or(line.clone(), |(_, change)| change.to_owned())).into();
    changes.sort();
    assert_eq!(changes, ["W-1  completionDate: (none) → 2026-11-27T10:00:00Z", "W-1  status: Current → Closed"]);
    let mut changes = selection.expect("W-3  now matches");
    changes.extend(selection.expect("W-1  no longer matches"));
    assert!(changes.iter().all(|line| !line.contains("W-2")), "W-2 did not change: {changes:?}");

    assert!(one.interrupt().success(), "Ctrl-C ends watch normally");
    assert!(selection.interrupt().success());
}

#[test]
fn the_token_is_cached_between_commands_and_replaced_when_the_server_says_expired() {
    let (env, tenant, server) = started(3);
    let tokens_dir = env.home().join(".cache/order-tracking/tokens");
    let cached = |server: &Server| -> (PathBuf, Value) {
        let files: Vec<PathBuf> =
            std::fs::read_dir(&tokens_dir).expect("a token cache").map(|entry| entry.expect("an entry").path()).collect();
        let file = files
            .into_iter()
            .find(|file| std::fs::read_to_string(file).is_ok_and(|text| text.contains(&server.base)))
            .unwrap_or_else(|| panic!("no cached token for {}", server.base));
        let mode = std::fs::metadata(&file).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
        let token = serde_json::from_str(&std::fs::read_to_string(&file).expect("readable")).expect("JSON");
        (file, token)
    };
    let list = |server: &Server| env.client_run(server, &tenant, &["orders", "list", "--format", "json"]).assert_success();

    list(&server);
    let (_, first) = cached(&server);
    list(&server);
    assert_eq!(cached(&server).1["accessToken"], first["accessToken"], "the second command reuses the cached token");
    assert_eq!(server.log().matches("/oauth/v3/token").count(), 1, "one token request for two commands:\n{}", server.log());

    // A server whose tokens live one second; the client's clock says the token is still good.
    let short = env.serve(&["--token-ttl-seconds", "1"]);
    list(&short);
    let (file, mut stale) = cached(&short);
    thread::sleep(StdDuration::from_millis(1500));
    stale["useUntil"] = json!("2099-01-01T00:00:00Z");
    std::fs::write(&file, stale.to_string()).expect("the cache file is writable");
    let run = list(&short);
    assert_eq!(json_array(&run).len(), 3);
    let (_, renewed) = cached(&short);
    assert_ne!(renewed["accessToken"], stale["accessToken"], "the expired token was replaced");
    assert_eq!(short.log().matches("/oauth/v3/token").count(), 2, "one more token request after 401 code 42:\n{}", short.log());
}

#[test]
fn failures_are_one_line_with_the_code_and_request_id_and_no_secret() {
    let (env, tenant, server) = started(3);
    let wrong = Tenant { api_key: "otk_this-key-does-not-exist".into(), ..tenant.clone() };
    let run = env.client_run(&server, &wrong, &["orders", "list"]).assert_one_line_error();
    assert_eq!(run.status.code(), Some(1));
    assert!(run.stderr.contains("401") && run.stderr.contains("code 41") && run.stderr.contains("request id"), "{}", run.stderr);
    assert!(!run.stderr.contains(&wrong.api_key) && !run.stderr.contains(&tenant.client_secret), "{}", run.stderr);

    let wrong_secret = Tenant { client_secret: "ots_wrong-secret-value".into(), ..tenant.clone() };
    let run = env.client_run(&server, &wrong_secret, &["orders", "show", "1"]).assert_one_line_error();
    assert!(run.stderr.contains("invalid_client") && !run.stderr.contains("wrong-secret"), "{}", run.stderr);

    let run = env.client_run(&server, &tenant, &["orders", "show", "no-such-order"]).assert_one_line_error();
    assert!(run.stderr.contains("404") && run.stderr.contains("code 60"), "{}", run.stderr);

    // Nothing listens on port 1: the exit status says "unavailable".
    let mut command = env.client_command(&["orders", "list"]);
    with_credentials(&mut command, &server, &tenant);
    command.env("ORDER_TRACKING_URL", "http://127.0.0.1:1");
    let run = run_command(command, None).assert_one_line_error();
    assert_eq!(run.status.code(), Some(3));
    assert!(run.stderr.contains("cannot reach http://127.0.0.1:1"), "{}", run.stderr);

    let run = env.client_run(&server, &tenant, &["orders", "list", "--filter", "status"]);
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("path=value"), "{}", run.stderr);

    // Help shows which variables are read, never their values.
    let help = env.client_run(&server, &tenant, &["orders", "list", "--help"]).assert_success();
    assert!(help.stdout.contains("ORDER_TRACKING_CLIENT_SECRET"), "{}", help.stdout);
    assert!(!help.stdout.contains(&tenant.client_secret) && !help.stdout.contains(&tenant.api_key), "{}", help.stdout);
}
