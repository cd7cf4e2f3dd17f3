//! Import

use crate::support::*;

fn import_reads_ndjson_json_arrays_and_stdin_and_replaces_orders_with_known_ids(env: Env) {
    let tenant = env.tenant("Importer");
    let customer = tenant.customer_id.as_str();

    let first = ndjson(&[order("1", "Current", "PO-1"), order("2", "Current", "PO-2"), order("3", "Current", "PO-3")]);
    // Blank lines and CRLF line ends are fine in NDJSON.
    let first = format!("\n{}\r\n", first.replace('\n', "\r\n"));
    let path = env.write("first.ndjson", &first);
    assert_counts(&env.run(&["admin", "import", "--customer", customer, &path, "--json"]).assert_success(), 3, 0);

    let array = serde_json::to_string_pretty(&json!([order("4", "Closed", "PO-4"), order("5", "Current", "PO-5")])).unwrap();
    let path = env.write("second.json", &format!("  {array}\n"));
    assert_counts(&env.run(&["admin", "import", "--customer", customer, &path, "--json"]).assert_success(), 2, 0);

    let stdin = ndjson(&[order("6", "Current", "PO-6")]);
    assert_counts(&env.run_with_stdin(&["admin", "import", "--customer", customer, "-", "--json"], &stdin).assert_success(), 1, 0);
    let stdin_array = json!([order("7", "Current", "PO-7")]).to_string();
    assert_counts(&env.run_with_stdin(&["admin", "import", "--customer", customer, "-", "--json"], &stdin_array).assert_success(), 1, 0);

    // Order 2 is replaced as a whole: its product goes away, its status and reference change.
    let mut replacement = json!({
        "id": "2",
        "status": "Closed",
        "orderDate": "2026-03-02T09:30:00+01:00",
        "completionDate": "2026-04-01T12:00:00Z",
        "request": {"id": "3-2", "customerReference": "PO-2-v2", "status": "Completed"},
    });
    let path = env.write("third.ndjson", &ndjson(&[replacement.clone(), order("8", "Current", "PO-8")]));
    assert_counts(&env.run(&["admin", "import", "--customer", customer, &path, "--json"]).assert_success(), 1, 1);

    let server = env.serve(&[]);
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    let served = server.get(&format!("{ORDERS}/2"), &token, &tenant.api_key).json();
    replacement["orderDate"] = json!("2026-03-02T08:30:00Z"); // served in UTC
    assert_eq!(served, replacement, "the server serves the replacing order, and nothing of the replaced one");
    let list = server.get(ORDERS, &token, &tenant.api_key);
    let listed: Vec<String> = list.json().as_array().expect("a list").iter().map(|order| string(order, "id")).collect();
    assert_eq!(listed, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(list.total.as_deref(), Some("8"));
}

/// The server keeps answers in memory under the customer's orders version, which the import
/// moves in its transaction: another process's import is seen by the next request.
fn an_import_by_another_process_is_seen_at_once_by_a_running_server(env: Env) {
    let tenant = env.tenant("Watched");
    let server = env.serve(&[]);
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    let import = |orders: &[serde_json::Value]| {
        env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-", "--json"], &ndjson(orders)).assert_success();
    };
    import(&[order("1", "Current", "PO-1"), order("2", "Current", "PO-2")]);
    let current = format!("{ORDERS}?status=Current");
    let listed = |path: &str| -> Vec<String> {
        let list = server.get(path, &token, &tenant.api_key).json();
        list.as_array().expect("a list").iter().map(|order| string(order, "id")).collect()
    };
    for _ in 0..2 {
        assert_eq!(listed(&current), ["1", "2"]);
        assert_eq!(server.get(&format!("{ORDERS}/2"), &token, &tenant.api_key).json()["status"], "Current");
    }

    import(&[order("2", "Closed", "PO-2"), order("3", "Current", "PO-3")]);
    assert_eq!(listed(&current), ["1", "3"]);
    assert_eq!(server.get(&format!("{ORDERS}/2"), &token, &tenant.api_key).json()["status"], "Closed");
}

/// An import leaves no WAL for the next process to read back and checkpoint again: the server
/// started after it would pay that on its first write (docs/performance.md, step 28).
#[test]
fn an_import_leaves_the_sqlite_wal_empty() {
    let env = Env::new();
    let tenant = env.tenant("Checkpointed");
    let orders: Vec<_> = (1..=300).map(|n| order(&n.to_string(), "Current", &format!("PO-{n}"))).collect();
    let path = env.write("orders.ndjson", &ndjson(&orders));
    assert_counts(&env.run(&["admin", "import", "--customer", &tenant.customer_id, &path, "--json"]).assert_success(), 300, 0);
    let wal = std::fs::metadata(env.dir.path().join("x.db-wal")).map_or(0, |wal| wal.len());
    assert_eq!(wal, 0, "the WAL after an import");
}

env_tests!(
    import_reads_ndjson_json_arrays_and_stdin_and_replaces_orders_with_known_ids,
    an_import_by_another_process_is_seen_at_once_by_a_running_server,
);
