//! Crash safety (issue #6): `admin import` and `serve` killed with SIGKILL again and again while
//! they write to one SQLite file. After every kill the binary starts again on that file (WAL
//! recovery, migrations), and the test reads the file with SQLite itself: the database is intact,
//! every write the killed process reported done is there, and no import is there in part.
#![cfg(unix)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use order_tracking::auth::secret::SecretKind;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::support::*;

/// Orders per import in the import test: enough that the transaction outgrows SQLite's page
/// cache and spills into the WAL before it commits, so that kills land among written pages.
const BATCH: usize = 1500;
/// Orders per import run beside the server: small enough to finish within the kill window.
const SERVE_BATCH: usize = 300;
const IMPORT_KILLS: usize = 26;
const SERVE_KILLS: usize = 24;

#[test]
fn import_killed_at_any_moment_leaves_each_batch_whole_or_absent() {
    let env = Env::new();
    let customer = string(&env.json(&["admin", "customer", "create", "--name", "Crash"]), "customerId");
    let batches = Batches::new(BATCH);
    let mut imports = Imports::new(&customer, BATCH);

    // Two imports that are not killed: the first creates the orders, the second replaces them
    // (as every later one does) while the test watches how the WAL grows.
    let run = env.run(&["admin", "import", "--customer", &customer, &batches.write(&env, 0), "--json"]).assert_success();
    assert_counts(&run, BATCH as u64, 0);
    imports.check(&Stored::read(&env, &customer), 0, true);
    let mut import = KilledImport::start(&env, &customer, &batches.write(&env, 1));
    let whole = import.watch(KillPoint::Never);
    let summary = import.kill().summary;
    assert_eq!(summary, Some(json!({"created": 0, "updated": BATCH})), "the import that is not killed");
    imports.check(&Stored::read(&env, &customer), 1, true);
    let (Some(first_write), Some(exited)) = (whole.first_write, whole.exited) else { panic!("an import that wrote nothing: {whole:?}") };

    // Kill points, each derived from that import: some before it writes anything (at fractions
    // of the time it took to start writing); most while its transaction fills the WAL (at
    // even fractions of the WAL's final size, which SQLite reaches with the commit); the last
    // ones once the WAL holds the whole transaction (committed), spread over the time it took
    // from there to exit (checkpoint, summary, exit) and a little past it. Following the WAL
    // rather than the clock puts kills where they are meant to land however busy the machine.
    const BEFORE: usize = 4;
    const DURING: usize = 14;
    const AFTER: usize = IMPORT_KILLS - BEFORE - DURING;
    let after_commit = exited.saturating_sub(whole.wal_full_at);
    let points: Vec<KillPoint> = (0..BEFORE)
        .map(|i| KillPoint::After(first_write.mul_f64((i as f64 + 0.5) / BEFORE as f64)))
        .chain((0..DURING).map(|i| KillPoint::WalBytes((whole.wal_bytes as f64 * (i as f64 + 0.5) / DURING as f64) as u64)))
        .chain((0..AFTER).map(|i| KillPoint::AfterWalBytes(whole.wal_bytes, after_commit.mul_f64(i as f64 / (AFTER - 2) as f64))))
        .collect();

    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut killed_count = 0;
    for (kill, point) in points.into_iter().enumerate() {
        let round = kill + 2;
        let mut import = KilledImport::start(&env, &customer, &batches.write(&env, round));
        let watched = import.watch(point);
        let summary = import.kill().summary;
        if let Some(summary) = &summary {
            assert_eq!(summary, &json!({"created": 0, "updated": BATCH}), "round {round}: the summary of a whole batch");
        }
        // The binary starts again on the file the killed process left, as a restarted server
        // would: WAL recovery and migrations must go through.
        env.run(&["admin", "customer", "list", "--json"]).assert_success();
        let stored = imports.check(&Stored::read(&env, &customer), round, summary.is_some());
        killed_count += usize::from(watched.exited.is_none());
        *outcomes.entry(outcome(summary.is_some(), stored)).or_default() += 1;
    }
    eprintln!(
        "import: {IMPORT_KILLS} kill points ({BEFORE} before writing, {DURING} as the WAL grows, {AFTER} after the commit); \
         {killed_count} SIGKILLs delivered; outcomes {outcomes:?}; the whole import: {exited:?}, writing from {first_write:?}, \
         WAL {} KiB at {:?}",
        whole.wal_bytes / 1024,
        whole.wal_full_at
    );
    // Kill points before the commit always find the process running.
    assert!(killed_count >= 20, "only {killed_count} of {IMPORT_KILLS} imports were still running when killed");

    // After all that, an import still goes through whole.
    let round = IMPORT_KILLS + 2;
    let run = env.run(&["admin", "import", "--customer", &customer, &batches.write(&env, round), "--json"]).assert_success();
    assert_counts(&run, 0, BATCH as u64);
    imports.check(&Stored::read(&env, &customer), round, true);
}

#[test]
fn serve_killed_while_issuing_tokens_keeps_every_token_it_answered() {
    let env = Env::new();
    let tenant = env.tenant("Tokens");
    // Every other round also kills an import of another customer's orders running beside the server.
    let importer = string(&env.json(&["admin", "customer", "create", "--name", "Importer"]), "customerId");
    let batches = Batches::new(SERVE_BATCH);
    let mut imports = Imports::new(&importer, SERVE_BATCH);

    // The first kill comes once an import beside the busy server has finished: how long such an
    // import takes, with the machine as busy as in the rounds below.
    let mut server = start_server(&env);
    let issuers = Issuers::start(&server, &tenant);
    let started = Instant::now();
    env.run(&["admin", "import", "--customer", &importer, &batches.write(&env, 0), "--json"]).assert_success();
    let import_time = started.elapsed();
    kill_server(&mut server);
    let (mut last_round, mut refusals) = issuers.finish();
    let mut all_answered = last_round.clone();
    imports.check(&Stored::read(&env, &importer), 0, true);

    // The other kills come 0 to that import's time after the server listens, in a scattered
    // order (7 is prime to SERVE_KILLS) so that rounds with and without an import each get early
    // and late kills: the imports are killed before, while and (on a quieter machine) after they
    // write.
    let window = import_time;
    let delay = |kill: usize| window.mul_f64(((kill * 7) % SERVE_KILLS) as f64 / SERVE_KILLS as f64);
    let mut import_outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for kill in 1..=SERVE_KILLS {
        // The restart, on the file the last kill left.
        let mut server = start_server(&env);
        let stored = Stored::read(&env, &importer);
        stored.assert_intact(&format!("after kill {kill} of the server"));
        let missing = all_answered.iter().filter(|token| !stored.token_hashes.contains(&token_hash(token))).count();
        assert_eq!(missing, 0, "after kill {kill}: answered tokens missing from the database (of {})", all_answered.len());
        // The tokens the killed server answered work on the restarted one...
        for (number, token) in last_round.iter().enumerate() {
            let status = orders_status(&server, token, &tenant.api_key);
            assert_eq!(status, Some(200), "after kill {kill}: token {number} of {} that the killed server answered", last_round.len());
        }
        // ... which means something: a well-formed token that was never stored is refused.
        let never_issued = order_tracking::auth::secret::generate(SecretKind::AccessToken).text;
        assert_eq!(orders_status(&server, &never_issued, &tenant.api_key), Some(401), "a token never issued");
        if kill == SERVE_KILLS {
            break;
        }

        let import = (kill % 2 == 1).then(|| KilledImport::start(&env, &importer, &batches.write(&env, kill)));
        let issuers = Issuers::start(&server, &tenant);
        thread::sleep(delay(kill));
        kill_server(&mut server);
        let import = import.map(KilledImport::kill);
        let (answered, refused) = issuers.finish();
        all_answered.extend(answered.iter().cloned());
        last_round = answered;
        refusals.extend(refused);

        if let Some(import) = import {
            if let Some(summary) = &import.summary {
                assert_eq!(summary, &json!({"created": 0, "updated": SERVE_BATCH}), "kill {kill}: the summary of a whole batch");
            }
            env.run(&["admin", "customer", "list", "--json"]).assert_success();
            let stored = imports.check(&Stored::read(&env, &importer), kill, import.summary.is_some());
            *import_outcomes.entry(outcome(import.summary.is_some(), stored)).or_default() += 1;
        }
    }
    eprintln!(
        "serve: {SERVE_KILLS} kills, 0 to {window:?} after listening; {} tokens answered, all kept; {} refusals {:?}; \
         imports killed with the server: {import_outcomes:?}",
        all_answered.len(),
        refusals.len(),
        refusals.iter().map(|(status, _)| *status).collect::<HashSet<_>>()
    );
    // Writes were answered, so there was something to lose.
    assert!(all_answered.len() >= SERVE_KILLS, "only {} tokens answered in {SERVE_KILLS} rounds", all_answered.len());
    // A refusal is not a lost write, but a server error is a bug.
    assert!(refusals.iter().all(|(status, _)| *status != 500), "server errors: {refusals:?}");
}

// ---------------------------------------------------------------------------------------------
// Imports
// ---------------------------------------------------------------------------------------------

/// The same orders every round, so that each import replaces the last one's, each round's
/// version marked by its own customer reference.
struct Batches(Vec<Value>);

impl Batches {
    fn new(count: usize) -> Batches {
        let orders = order_tracking::demo::generate::generate_orders(count, 6);
        Batches(orders.iter().map(|order| serde_json::to_value(order).expect("JSON")).collect())
    }

    fn write(&self, env: &Env, round: usize) -> String {
        let text: String = self
            .0
            .iter()
            .map(|order| {
                let mut order = order.clone();
                order["request"]["customerReference"] = json!(marker(round));
                format!("{order}\n")
            })
            .collect();
        env.write(&format!("batch-{round}.ndjson"), &text)
    }
}

fn marker(round: usize) -> String {
    format!("crash-round-{round:02}")
}

/// How a killed import ended, for the summary a test prints.
fn outcome(reported: bool, stored: bool) -> &'static str {
    match (reported, stored) {
        (true, _) => "reported done",
        (false, true) => "stored, killed before reporting",
        (false, false) => "absent",
    }
}

/// An `admin import --json` that the test kills.
struct KilledImport {
    child: ChildGuard,
    started: Instant,
    /// The `-wal` file beside the database: its growth shows how far the import has written.
    wal: PathBuf,
    stdout: thread::JoinHandle<String>,
    stderr: thread::JoinHandle<String>,
}

/// When to kill an import.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// Never: the import runs to its end.
    Never,
    /// This long after it started.
    After(StdDuration),
    /// Once the WAL has grown to this many bytes.
    WalBytes(u64),
    /// This long after the WAL has grown to this many bytes.
    AfterWalBytes(u64, StdDuration),
}

/// What the test saw of an import until it killed it, each time since the start.
#[derive(Debug, Default)]
struct Watched {
    /// When the WAL first held something.
    first_write: Option<StdDuration>,
    /// The WAL's largest size, and when it first had it.
    wal_bytes: u64,
    wal_full_at: StdDuration,
    /// When the import exited by itself, if it did before the kill point.
    exited: Option<StdDuration>,
}

/// What a killed import had said.
struct Killed {
    /// The JSON summary, printed only after the commit: the import reported done.
    summary: Option<Value>,
}

impl KilledImport {
    fn start(env: &Env, customer: &str, file: &str) -> KilledImport {
        let mut command = env.command(&["admin", "import", "--customer", customer, file, "--json"]);
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = ChildGuard(command.spawn().expect("admin import starts"));
        let stdout = read_all_in_thread(child.0.stdout.take().expect("piped stdout"));
        let stderr = read_all_in_thread(child.0.stderr.take().expect("piped stderr"));
        KilledImport { child, started, wal: env.dir.path().join("x.db-wal"), stdout, stderr }
    }

    /// Waits, polling every millisecond, until the kill point or the import's exit.
    fn watch(&mut self, point: KillPoint) -> Watched {
        let mut watched = Watched::default();
        let mut reached: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let elapsed = now - self.started;
            let size = std::fs::metadata(&self.wal).map_or(0, |metadata| metadata.len());
            if size > 0 && watched.first_write.is_none() {
                watched.first_write = Some(elapsed);
            }
            if size > watched.wal_bytes {
                (watched.wal_bytes, watched.wal_full_at) = (size, elapsed);
            }
            if self.child.0.try_wait().expect("the import can be waited for").is_some() {
                watched.exited = Some(elapsed);
                return watched;
            }
            let due = match point {
                KillPoint::Never => false,
                KillPoint::After(delay) => elapsed >= delay,
                KillPoint::WalBytes(bytes) => size >= bytes,
                KillPoint::AfterWalBytes(bytes, delay) => {
                    if size >= bytes {
                        reached.get_or_insert(now);
                    }
                    reached.is_some_and(|at| now - at >= delay)
                }
            };
            if due {
                return watched;
            }
            assert!(elapsed < DEADLINE, "an import still running after {DEADLINE:?}, waiting for {point:?}: {watched:?}");
            thread::sleep(StdDuration::from_millis(1));
        }
    }

    /// SIGKILL (nothing if it has exited), then what it printed.
    fn kill(mut self) -> Killed {
        let _ = self.child.0.kill();
        let status = self.child.0.wait().expect("the import can be waited for");
        let stdout = self.stdout.join().expect("stdout reader");
        let stderr = self.stderr.join().expect("stderr reader");
        // Killed, or finished: failing on its own would be a bug.
        assert!(status.success() || status.signal() == Some(9), "the import failed ({status}): {stderr}");
        let summary = (!stdout.trim().is_empty()).then(|| {
            serde_json::from_str::<Value>(&stdout).unwrap_or_else(|error| panic!("a partial or garbled summary ({error}): {stdout:?}"))
        });
        assert!(!status.success() || summary.is_some(), "the import exited 0 without a summary: {stderr}");
        Killed { summary }
    }
}

/// The imports of one customer so far, and what must hold of the stored orders after each.
struct Imports {
    customer: String,
    batch: usize,
    /// Rounds whose import committed, in order.
    committed: Vec<usize>,
    /// Appointment and milestone rows of a whole batch (the same every round).
    children: Option<i64>,
    /// The indexes of `orders` after the first import (each import rebuilds them).
    orders_indexes: Option<Vec<String>>,
}

impl Imports {
    fn new(customer: &str, batch: usize) -> Imports {
        Imports { customer: customer.to_owned(), batch, committed: Vec::new(), children: None, orders_indexes: None }
    }

    /// After the import of `round` ended or was killed: the customer's orders are one round's
    /// batch, whole: that round's if it reported done, else that round's or the last committed
    /// one's. Returns whether the round's import is stored.
    #[track_caller]
    fn check(&mut self, stored: &Stored, round: usize, reported: bool) -> bool {
        let context = format!("customer {} after the import of round {round} (reported done: {reported})", self.customer);
        stored.assert_intact(&context);
        let this = marker(round);
        let expected_markers: Vec<String> =
            [self.committed.last().map(|&round| marker(round)), Some(this.clone())].into_iter().flatten().collect();
        match stored.orders.iter().collect::<Vec<_>>()[..] {
            [] => assert!(self.committed.is_empty() && !reported, "{context}: no orders stored"),
            [(stored_marker, &count)] => {
                assert_eq!(count, self.batch as i64, "{context}: {count} orders of {stored_marker:?}, not a whole batch of {}", self.batch);
                assert!(
                    expected_markers.contains(stored_marker),
                    "{context}: the orders are {stored_marker:?}'s, expected one of {expected_markers:?}"
                );
                assert!(!reported || *stored_marker == this, "{context}: reported done, but the orders stored are {stored_marker:?}'s");
            }
            _ => panic!("{context}: orders of several imports are mixed, some partly present: {:?}", stored.orders),
        }
        let present = stored.orders.contains_key(&this);
        if present {
            self.committed.push(round);
        }
        // The change log holds every committed import whole, and nothing of the others.
        let expected_changes: BTreeMap<String, i64> = self.committed.iter().map(|&round| (marker(round), self.batch as i64)).collect();
        assert_eq!(stored.changes, expected_changes, "{context}: change log entries by import");
        if present || !self.committed.is_empty() {
            let children = *self.children.get_or_insert(stored.children);
            assert_eq!(stored.children, children, "{context}: appointment and milestone rows of a whole batch");
        }
        let orders_indexes = self.orders_indexes.get_or_insert_with(|| stored.orders_indexes.clone());
        assert!(orders_indexes.len() >= 8, "{context}: the indexes of orders are {orders_indexes:?}");
        assert_eq!(&stored.orders_indexes, orders_indexes, "{context}: the indexes of orders, which imports drop and build again");
        assert_eq!(
            stored.document_mismatches, 0,
            "{context}: orders whose document is not their latest change, or disagrees with their columns"
        );
        assert_eq!(stored.kept_status_counts, stored.status_counts, "{context}: the per-status counts the imports keep");
        for (table, counted, kept) in &stored.day_counts {
            assert_eq!(kept, counted, "{context}: the per-day counts the imports keep in {table}");
        }
        assert_eq!(stored.kept_value_counts, stored.value_counts, "{context}: the per-value counts the imports keep");
        assert!(stored.orders.is_empty() || !stored.set_counts.is_empty(), "{context}: orders but no set of element values counted");
        assert_eq!(stored.kept_set_counts, stored.set_counts, "{context}: the per-set counts the imports keep");
        present
    }
}

// ---------------------------------------------------------------------------------------------
// The database, read with SQLite itself
// ---------------------------------------------------------------------------------------------

struct Stored {
    integrity: Vec<String>,
    foreign_key_violations: usize,
    /// Orders of the customer, counted by customer reference (the round's marker).
    orders: BTreeMap<String, i64>,
    /// Change log entries of the customer, counted by the marker in their document.
    changes: BTreeMap<String, i64>,
    /// Appointment and milestone rows of the customer.
    children: i64,
    document_mismatches: i64,
    /// The `CREATE INDEX` statements of `orders`' secondary indexes.
    orders_indexes: Vec<String>,
    /// Orders by status, counted, and as `order_counts` keeps them (zeros left out).
    status_counts: BTreeMap<String, i64>,
    kept_status_counts: BTreeMap<String, i64>,
    /// For each date counted per day, its table, and the orders by UTC day of the date and status:
    /// counted, and as the table keeps them.
    day_counts: Vec<(&'static str, DayCounts, DayCounts)>,
    /// Orders by (column, value, status) of the few-valued fields, counted, and as `order_value_counts` keeps them.
    value_counts: BTreeMap<(String, String, String), i64>,
    kept_value_counts: BTreeMap<(String, String, String), i64>,
    /// Orders by (element field, set of the order's distinct values of it, status), counted
    /// from the appointment and milestone rows, and as `order_set_counts` keeps them.
    set_counts: BTreeMap<(String, String, String), i64>,
    kept_set_counts: BTreeMap<(String, String, String), i64>,
    token_hashes: HashSet<Vec<u8>>,
}

impl Stored {
    fn read(env: &Env, customer: &str) -> Stored {
        block_on(async {
            let options = SqliteConnectOptions::from_str(&env.database).expect("a SQLite URL").create_if_missing(false);
            let mut db = SqliteConnection::connect_with(&options).await.expect("the database opens");
            let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut db).await.expect("integrity_check");
            let foreign_key_violations = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut db).await.expect("foreign_key_check").len();
            let orders: Vec<(String, i64)> = sqlx::query_as(
                "SELECT coalesce(request_customer_reference, '(none)'), count(*) FROM orders WHERE customer_id = $1 GROUP BY 1",
            )
            .bind(customer)
            .fetch_all(&mut db)
            .await
            .expect("orders by marker");
            // The change log's documents are packed: they are read back here, not in SQL.
            let logged: Vec<(String, i64, Vec<u8>)> = sqlx::query_as("SELECT order_id, seq, doc FROM order_changes WHERE customer_id = $1")
                .bind(customer)
                .fetch_all(&mut db)
                .await
                .expect("the change log");
            let mut changes: BTreeMap<String, i64> = BTreeMap::new();
            let mut reference_by_seq: HashMap<i64, Option<String>> = HashMap::new();
            let mut latest_seq: HashMap<String, i64> = HashMap::new();
            for (order_id, seq, doc) in logged {
                let document = order_tracking::store::packed_documents::unpack(&doc).expect("a readable document");
                let document: serde_json::Value = serde_json::from_str(&document).expect("a JSON document");
                let reference = document["request"]["customerReference"].as_str().map(str::to_owned);
                *changes.entry(reference.clone().unwrap_or_else(|| "(none)".into())).or_default() += 1;
                reference_by_seq.insert(seq, reference);
                let latest = latest_seq.entry(order_id).or_insert(seq);
                *latest = (*latest).max(seq);
            }
            let children: i64 = sqlx::query_scalar(
                "SELECT (SELECT count(*) FROM order_appointments WHERE customer_id = $1)
                      + (SELECT count(*) FROM order_milestones WHERE customer_id = $1)",
            )
            .bind(customer)
            .fetch_one(&mut db)
            .await
            .expect("child rows");
            // Each order's document is its latest change, and agrees with its columns.
            let pointers: Vec<(String, Option<String>, Option<i64>)> =
                sqlx::query_as("SELECT id, request_customer_reference, doc_seq FROM orders WHERE customer_id = $1")
                    .bind(customer)
                    .fetch_all(&mut db)
                    .await
                    .expect("documents against columns");
            let document_mismatches = pointers
                .iter()
                .filter(|(id, reference, doc_seq)| {
                    let logged = doc_seq.and_then(|seq| reference_by_seq.get(&seq));
                    logged != Some(reference) || doc_seq.as_ref() != latest_seq.get(id)
                })
                .count() as i64;
            let orders_indexes: Vec<String> = sqlx::query_scalar(
                "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'orders' AND sql IS NOT NULL ORDER BY name",
            )
            .fetch_all(&mut db)
            .await
            .expect("indexes of orders");
            let status_counts: Vec<(String, i64)> = sqlx::query_as("SELECT status, count(*) FROM orders WHERE customer_id = $1 GROUP BY 1")
                .bind(customer)
                .fetch_all(&mut db)
                .await
                .expect("orders by status");
            let kept_status_counts: Vec<(String, i64)> =
                sqlx::query_as("SELECT status, orders FROM order_counts WHERE customer_id = $1 AND orders <> 0")
                    .bind(customer)
                    .fetch_all(&mut db)
                    .await
                    .expect("kept counts");
            let mut day_counts = Vec::new();
            for (column, table) in DAY_COUNTS {
                let (counted, kept) = counts_by_day(&mut db, customer, column, table).await;
                day_counts.push((table, counted, kept));
            }
            let value_counts = counts_by_field_value_and_status(
                &mut db,
                customer,
                "SELECT field, value, status, count(*) FROM (
                     SELECT 'action' AS field, action AS value, status FROM orders WHERE customer_id = $1
                     UNION ALL SELECT 'product_code', product_code, status FROM orders WHERE customer_id = $1
                     UNION ALL SELECT 'product_name', product_name, status FROM orders WHERE customer_id = $1
                     UNION ALL SELECT 'site_city', site_city, status FROM orders WHERE customer_id = $1
                     UNION ALL SELECT 'site_country', site_country, status FROM orders WHERE customer_id = $1
                     UNION ALL SELECT 'request_status', request_status, status FROM orders WHERE customer_id = $1
                 ) WHERE value IS NOT NULL GROUP BY 1, 2, 3",
            )
            .await;
            let kept_value_counts = counts_by_field_value_and_status(
                &mut db,
                customer,
                "SELECT field, value, status, orders FROM order_value_counts WHERE customer_id = $1 AND orders <> 0",
            )
            .await;
            // Sets as migration 0015 builds them: distinct values sorted by code point, `\` and
            // `,` escaped, joined by `,`.
            let set_counts = counts_by_field_value_and_status(
                &mut db,
                customer,
                r"SELECT s.field, s.value_set, o.status, count(*)
                  FROM (
                      SELECT order_id, field,
                             group_concat(replace(replace(value, '\', '\\'), ',', '\,'), ',' ORDER BY value) AS value_set
                      FROM (
                          SELECT order_id, 'appointments.type' AS field, type AS value FROM order_appointments WHERE customer_id = $1
                          UNION SELECT order_id, 'appointments.status', status FROM order_appointments WHERE customer_id = $1
                          UNION SELECT order_id, 'milestones.name', name FROM order_milestones WHERE customer_id = $1
                          UNION SELECT order_id, 'milestones.status', status FROM order_milestones WHERE customer_id = $1
                      )
                      WHERE value IS NOT NULL
                      GROUP BY order_id, field
                  ) s
                  JOIN orders o ON o.customer_id = $1 AND o.id = s.order_id
                  GROUP BY 1, 2, 3",
            )
            .await;
            let kept_set_counts = counts_by_field_value_and_status(
                &mut db,
                customer,
                "SELECT field, value_set, status, orders FROM order_set_counts WHERE customer_id = $1 AND orders <> 0",
            )
            .await;
            let token_hashes: Vec<Vec<u8>> =
                sqlx::query_scalar("SELECT token_hash FROM access_tokens").fetch_all(&mut db).await.expect("token hashes");
            db.close().await.expect("the database closes");
            Stored {
                integrity,
                foreign_key_violations,
                orders: orders.into_iter().collect(),
                changes,
                children,
                document_mismatches,
                orders_indexes,
                status_counts: status_counts.into_iter().collect(),
                kept_status_counts: kept_status_counts.into_iter().collect(),
                day_counts,
                value_counts,
                kept_value_counts,
                set_counts,
                kept_set_counts,
                token_hashes: token_hashes.into_iter().collect(),
            }
        })
    }

    #[track_caller]
    fn assert_intact(&self, context: &str) {
        assert_eq!(self.integrity, ["ok"], "{context}: PRAGMA integrity_check");
        assert_eq!(self.foreign_key_violations, 0, "{context}: PRAGMA foreign_key_check");
    }
}

/// The rows of `sql` (`$1` the customer), each a (field, value, status) and its count, by key.
async fn counts_by_field_value_and_status(db: &mut SqliteConnection, customer: &str, sql: &str) -> BTreeMap<(String, String, String), i64> {
    let rows: Vec<(String, String, String, i64)> =
        sqlx::query_as(sql).bind(customer).fetch_all(&mut *db).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
    rows.into_iter().map(|(field, value, status, orders)| ((field, value, status), orders)).collect()
}

/// The customer's orders by (UTC day of the date `column`, status), counted, and as the per-day
/// counts `table` keeps them. The generated dates are after 1970: division rounds down.
async fn counts_by_day(db: &mut SqliteConnection, customer: &str, column: &str, table: &str) -> (DayCounts, DayCounts) {
    let counted: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT {column} / 86400000000000, status, count(*) FROM orders WHERE customer_id = $1 AND {column} IS NOT NULL GROUP BY 1, 2"
    ))
    .bind(customer)
    .fetch_all(&mut *db)
    .await
    .expect("orders by day");
    let kept: Vec<(i64, String, i64)> =
        sqlx::query_as(&format!("SELECT day, status, orders FROM {table} WHERE customer_id = $1 AND orders <> 0"))
            .bind(customer)
            .fetch_all(&mut *db)
            .await
            .expect("kept day counts");
    let by_key = |rows: Vec<(i64, String, i64)>| rows.into_iter().map(|(day, status, orders)| ((day, status), orders)).collect();
    (by_key(counted), by_key(kept))
}

/// Orders by (day, status).
type DayCounts = BTreeMap<(i64, String), i64>;

/// The date columns whose orders the imports count per day, with the table of their counts.
const DAY_COUNTS: [(&str, &str); 4] = [
    ("order_date", "order_day_counts"),
    ("last_update_date", "order_last_update_day_counts"),
    ("expected_completion_date", "order_expected_completion_day_counts"),
    ("completion_date", "order_completion_day_counts"),
];

fn token_hash(token: &str) -> Vec<u8> {
    order_tracking::auth::secret::hash(token).0.to_vec()
}

// ---------------------------------------------------------------------------------------------
// The server, over plain HTTP/1.1
// ---------------------------------------------------------------------------------------------

fn start_server(env: &Env) -> Server {
    let mut command = env.command(&["serve", "--listen", "127.0.0.1:0"]);
    // No per-client rate limit: the test issues tokens as fast as the server answers.
    command.env("ORDER_TRACKING_TOKEN_REQUESTS_PER_MINUTE", "0").env("ORDER_TRACKING_REQUESTS_PER_MINUTE", "0");
    Server::start(command, &env.dir.path().join(format!("serve-{}.log", unique())))
}

fn kill_server(server: &mut Server) {
    let _ = server._child.0.kill(); // SIGKILL
    let _ = server._child.0.wait();
}

/// Two threads asking a server for tokens until it is gone.
struct Issuers {
    stop: Arc<AtomicBool>,
    answered: Arc<Mutex<Vec<String>>>,
    refused: Arc<Mutex<Vec<(u16, String)>>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Issuers {
    fn start(server: &Server, tenant: &Tenant) -> Issuers {
        let (stop, answered, refused) = (Arc::default(), Arc::default(), Arc::default());
        let threads = (0..2)
            .map(|_| {
                let (base, tenant) = (server.base.clone(), tenant.clone());
                let (stop, answered, refused) = (Arc::clone(&stop), Arc::clone(&answered), Arc::clone(&refused));
                thread::spawn(move || issue_tokens(&base, &tenant, &stop, &answered, &refused))
            })
            .collect();
        Issuers { stop, answered, refused, threads }
    }

    /// Once the server is killed: the tokens it answered, and its other answers.
    fn finish(self) -> (Vec<String>, Vec<(u16, String)>) {
        self.stop.store(true, Ordering::SeqCst); // they stop at their first failed request anyway
        for thread in self.threads {
            thread.join().expect("a token issuer");
        }
        let answered = std::mem::take(&mut *self.answered.lock().expect("answered tokens"));
        let refused = std::mem::take(&mut *self.refused.lock().expect("refusals"));
        (answered, refused)
    }
}

/// Asks for tokens until the server is gone: the tokens whose whole 200 answer arrived, and the
/// other answers.
fn issue_tokens(base: &str, tenant: &Tenant, stop: &AtomicBool, answered: &Mutex<Vec<String>>, refused: &Mutex<Vec<(u16, String)>>) {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", &tenant.client_id)
        .append_pair("client_secret", &tenant.client_secret)
        .finish();
    let request = format!(
        "POST /oauth/v3/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let deadline = Instant::now() + DEADLINE;
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        match exchange(base, &request) {
            Some((200, body)) => {
                let token = serde_json::from_str::<Value>(&body).ok().and_then(|body| body["access_token"].as_str().map(str::to_owned));
                match token {
                    Some(token) => answered.lock().expect("answered tokens").push(token),
                    None => panic!("a whole 200 answer without a token: {body:?}"),
                }
            }
            Some(other) => refused.lock().expect("refusals").push(other),
            None => break, // the server is gone
        }
    }
}

/// The status of `GET /orders` with these credentials, `None` if no whole answer came.
fn orders_status(server: &Server, token: &str, api_key: &str) -> Option<u16> {
    let request = format!(
        "GET {ORDERS} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nX-API-Key: {api_key}\r\nConnection: close\r\n\r\n"
    );
    exchange(&server.base, &request).map(|(status, _)| status)
}

/// One exchange on a new connection: the status and body of a whole answer, or `None` when the
/// server is gone (refused, reset, or closed before the end of its answer).
fn exchange(base: &str, request: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(base.strip_prefix("http://")?).ok()?;
    stream.set_read_timeout(Some(StdDuration::from_secs(10))).ok()?;
    stream.set_write_timeout(Some(StdDuration::from_secs(10))).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8(answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
    });
    match length {
        Some(length) if length != body.len() => None,
        _ => Some((status, body.to_owned())),
    }
}
