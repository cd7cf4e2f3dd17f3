//! The files of `deploy/` that run or name the program: the expiring-keys script and the
//! Prometheus alert rules, checked against the real binary and server.

use crate::support::*;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

#[test]
fn the_expiring_keys_script_names_the_keys_to_renew_and_writes_their_count_for_prometheus() {
    let env = Env::new();
    let tenant = env.tenant("Acme");
    let soon = env.json(&["admin", "key", "issue", "--customer", &tenant.customer_id, "--valid-days", "10"]);
    let revoked = env.json(&["admin", "key", "issue", "--customer", &tenant.customer_id, "--valid-days", "5"]);
    env.json(&["admin", "key", "revoke", &string(&revoked, "keyId")]);
    env.json(&["admin", "key", "issue", "--customer", &tenant.customer_id, "--valid-days", "100"]);

    let textfiles = env.dir.path().join("textfiles");
    std::fs::create_dir(&textfiles).expect("a directory");
    let mut script = Command::new(format!("{DEPLOY}/expiring-keys"));
    script
        .current_dir(env.dir.path())
        .env("ORDER_TRACKING_BINARY", BIN)
        .env("ORDER_TRACKING_DATABASE", &env.database)
        .env("ORDER_TRACKING_TEXTFILE_DIR", &textfiles);
    let run = run_command(script, None).assert_success();

    let soon_id = string(&soon, "keyId");
    let named: Vec<&str> = run.stdout.lines().filter(|line| line.starts_with("API key ")).collect();
    assert_eq!(named.len(), 1, "only the unrevoked key expiring within 30 days:\n{}", run.stdout);
    assert!(named[0].contains(&soon_id) && named[0].contains(&format!("admin key renew {soon_id}")), "{}", named[0]);
    let metrics = std::fs::read_to_string(textfiles.join("order-tracking-keys.prom")).expect("the textfile written");
    assert!(metrics.contains("\norder_tracking_api_keys_expiring{within_days=\"30\"} 1\n"), "{metrics}");
    let checked: i64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("order_tracking_api_keys_checked_timestamp_seconds "))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("a timestamp in:\n{metrics}"));
    assert!((OffsetDateTime::now_utc().unix_timestamp() - checked).abs() < 60, "{checked}");
    assert!(std::fs::read_dir(&textfiles).expect("listed").count() == 1, "no partial file is left behind");

    // A database it cannot open: the script fails, so that the timer shows it.
    let mut broken = Command::new(format!("{DEPLOY}/expiring-keys"));
    broken.env("ORDER_TRACKING_BINARY", BIN).env("ORDER_TRACKING_DATABASE", "sqlite:///nonexistent/dir/x.db");
    run_command(broken, None).assert_failure();
}

#[test]
fn the_alert_rules_name_only_series_that_the_server_or_the_script_serve() {
    let env = Env::new();
    let tenant = env.tenant("Acme");
    let server = env.serve(&[]);
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    assert_eq!(server.get(ORDERS, &token, &tenant.api_key).status, 200);
    let served = block_on(async { reqwest::get(server.url("/metrics")).await.expect("metrics").text().await.expect("a body") });
    let script = std::fs::read_to_string(format!("{DEPLOY}/expiring-keys")).expect("the script");
    let rules = std::fs::read_to_string(format!("{DEPLOY}/prometheus-alerts.yml")).expect("the rules");

    let mut names: Vec<&str> = rules
        .match_indices("order_tracking_")
        .map(|(start, _)| {
            let rest = &rules[start..];
            &rest[..rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())]
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 6, "the rules name the server's series: {names:?}");
    let series_in =
        |text: &str, name: &str| text.lines().any(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with(['{', ' '])));
    for name in names {
        assert!(
            series_in(&served, name) || script.contains(&format!("\n{name}")),
            "{name} is neither in /metrics nor written by deploy/expiring-keys:\n{served}"
        );
    }
    for label in [r#"state="in_use""#, r#"status="200""#, r#"route="#] {
        assert!(served.contains(label), "the rules filter on {label}, which /metrics does not carry");
    }
}
