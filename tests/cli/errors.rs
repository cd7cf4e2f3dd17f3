//! Errors and exit statuses

use crate::support::*;

fn unknown_ids_fail_with_a_one_line_reason(env: Env) {
    let path = env.write("orders.ndjson", &ndjson(&[order("1", "Current", "PO-1")]));
    for args in [
        vec!["admin", "import", "--customer", "cus_nobody", path.as_str()],
        vec!["admin", "client", "create", "--customer", "cus_nobody"],
        vec!["admin", "key", "issue", "--customer", "cus_nobody"],
        vec!["admin", "key", "renew", "key_nothing", "--valid-days", "10"],
        vec!["admin", "key", "renew", "key_nothing"],
        vec!["admin", "key", "revoke", "key_nothing"],
        vec!["admin", "client", "revoke", "cli_nothing"],
    ] {
        let run = env.run(&args).assert_one_line_error();
        assert_eq!(run.status.code(), Some(1), "{}: {}", run.what, run.stderr);
        let named = args.iter().find(|arg| arg.contains("_no")).expect("an unknown id");
        assert!(run.stderr.contains(named), "{}: the reason names {named}: {}", run.what, run.stderr);
        assert!(run.stdout.trim().is_empty(), "{}: nothing on stdout: {:?}", run.what, run.stdout);
    }

    // With --json, the failure is one JSON object on stdout too.
    let run = env.run(&["admin", "key", "revoke", "key_nothing", "--json"]).assert_failure();
    assert!(run.json()["error"].as_str().is_some_and(|error| error.contains("key_nothing")), "{}", run.stdout);
    assert!(run.stderr.lines().any(|line| line.starts_with("error: ")), "{}", run.stderr);

    // A file that does not exist.
    let customer_id = string(&env.json(&["admin", "customer", "create", "--name", "Acme"]), "customerId");
    let missing = env.dir.path().join("missing.ndjson").display().to_string();
    let run = env.run(&["admin", "import", "--customer", &customer_id, &missing]).assert_one_line_error();
    assert!(run.stderr.contains("missing.ndjson"), "{}", run.stderr);
}

fn bad_validities_are_refused(env: Env) {
    let customer_id = string(&env.json(&["admin", "customer", "create", "--name", "Acme"]), "customerId");
    let key_id = string(&env.json(&["admin", "key", "issue", "--customer", &customer_id]), "keyId");

    for args in [
        vec!["admin", "key", "issue", "--customer", customer_id.as_str(), "--expires-at", "tomorrow"],
        vec!["admin", "key", "issue", "--customer", customer_id.as_str(), "--expires-at", "2027-01-01"],
        vec!["admin", "key", "renew", key_id.as_str(), "--expires-at", "2027-13-01T00:00:00Z"],
        vec!["admin", "key", "issue", "--customer", customer_id.as_str(), "--valid-days", "-3"],
        vec!["admin", "key", "issue", "--customer", customer_id.as_str(), "--valid-days", "10", "--expires-at", "2027-01-01T00:00:00Z"],
    ] {
        let run = env.run(&args).assert_failure();
        assert_eq!(run.status.code(), Some(2), "{}: a usage error exits 2: {}", run.what, run.stderr);
        assert!(run.stderr.contains("error"), "{}: {}", run.what, run.stderr);
    }

    for args in [
        vec!["admin", "key", "issue", "--customer", customer_id.as_str(), "--valid-days", "0"],
        vec!["admin", "key", "renew", key_id.as_str(), "--valid-days", "0"],
    ] {
        let run = env.run(&args).assert_one_line_error();
        assert!(run.stderr.contains("--valid-days"), "{}: {}", run.what, run.stderr);
    }
    let keys = env.json(&["admin", "key", "list", "--customer", &customer_id]);
    assert_eq!(items(&keys).len(), 1, "no key was issued by the refused commands: {keys}");
}

#[test]
fn an_unsupported_database_url_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for args in [vec!["admin", "customer", "list"], vec!["admin", "customer", "create", "--name", "Acme", "--json"]] {
        let mut command = bare_command(dir.path());
        command.args(&args).args(["--database", "mysql://x"]);
        let run = run_command(command, None).assert_failure();
        let last = run.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: ") && last.contains("mysql://x"), "{}: the reason names the URL: {}", run.what, run.stderr);
        assert!(last.contains("sqlite://"), "{}: the reason says what is supported: {last}", run.what);
    }

    let mut command = bare_command(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0", "--database", "mysql://x"]);
    let run = run_command(command, None).assert_failure();
    assert!(!run.stdout.contains("listening"), "{}", run.stdout);
    assert!(run.stderr.lines().last().is_some_and(|line| line.starts_with("error: ") && line.contains("mysql://x")), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).expect("the directory").count(), 0, "no database file was made");
}

env_tests!(unknown_ids_fail_with_a_one_line_reason, bad_validities_are_refused,);

#[test]
fn an_unreachable_database_exits_3_with_its_reason() {
    let env = Env::new();
    let mut command = bare_command(env.dir.path());
    command.args(["admin", "customer", "list", "--database", "postgres://postgres@127.0.0.1:1/nowhere"]);
    let run = run_command(command, None);
    assert_eq!(run.status.code(), Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("Connection refused") && run.stderr.contains("127.0.0.1:1"), "{}", run.stderr);
}
