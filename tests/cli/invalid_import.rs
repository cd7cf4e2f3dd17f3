//! Invalid imports

use crate::support::*;

fn an_invalid_import_changes_nothing_and_names_every_problem_with_its_line_and_field(env: Env) {
    let tenant = env.tenant("Careful");
    let customer = tenant.customer_id.as_str();
    let before = env.write("before.ndjson", &ndjson(&[order("A", "Current", "PO-A"), order("B", "Current", "PO-B")]));
    assert_counts(&env.run(&["admin", "import", "--customer", customer, &before, "--json"]).assert_success(), 2, 0);

    let mut unknown_field = order("11", "Current", "PO-11");
    unknown_field["colour"] = json!("red");
    let mut bad_date = order("13", "Current", "PO-13");
    bad_date["orderDate"] = json!("2026-02-30T10:00:00Z");
    let mut missing_request_id = order("14", "Current", "PO-14");
    missing_request_id["request"] = json!({"customerReference": "PO-14"});
    let mut nested_unknown = order("17", "Current", "PO-17");
    nested_unknown["site"] = json!({"id": "S1", "address": {"city": "Rennes", "colour": "blue"}});
    let lines = [
        order("10", "Current", "PO-10").to_string(),       // 1: fine
        unknown_field.to_string(),                         // 2: colour
        order("12", "Open", "PO-12").to_string(),          // 3: status
        bad_date.to_string(),                              // 4: orderDate
        missing_request_id.to_string(),                    // 5: request.id
        order("10", "Closed", "PO-10").to_string(),        // 6: id, a duplicate of line 1
        r#"{"id": "16", "status": "Current","#.to_owned(), // 7: not JSON
        order("A", "Closed", "PO-A-changed").to_string(),  // 8: fine, would replace A
        nested_unknown.to_string(),                        // 9: site.address.colour
    ];
    let path = env.write("bad.ndjson", &(lines.join("\n") + "\n"));
    let expected = [(2, "colour"), (3, "status"), (4, "orderDate"), (5, "request.id"), (6, "id"), (7, ""), (9, "site.address.colour")];

    let text = env.run(&["admin", "import", "--customer", customer, &path]).assert_failure();
    for (line, field) in expected {
        let prefix = if field.is_empty() { format!("line {line}: ") } else { format!("line {line}: {field}: ") };
        assert!(text.stderr.lines().any(|l| l.starts_with(&prefix)), "stderr should have a line starting {prefix:?}:\n{}", text.stderr);
    }
    for line in [1, 8] {
        let prefix = format!("line {line}:");
        assert!(!text.stderr.lines().any(|l| l.starts_with(&prefix)), "line {line} is fine, yet named:\n{}", text.stderr);
    }
    let last = text.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "the last line gives the reason: {last:?}");
    assert!(text.stdout.trim().is_empty(), "nothing on stdout without --json: {:?}", text.stdout);

    let json = env.run(&["admin", "import", "--customer", customer, &path, "--json"]).assert_failure();
    let report = json.json();
    assert!(report["error"].as_str().is_some_and(|error| !error.is_empty()), "{report}");
    let problems = report["problems"].as_array().unwrap_or_else(|| panic!("a problems array: {report}"));
    let mut found: Vec<(u64, String)> = problems
        .iter()
        .map(|problem| {
            assert!(problem["message"].as_str().is_some_and(|m| !m.is_empty()), "every problem has a message: {problem}");
            (problem["line"].as_u64().unwrap_or_else(|| panic!("a line: {problem}")), string(problem, "path"))
        })
        .collect();
    found.sort();
    found.dedup();
    let expected: Vec<(u64, String)> = expected.iter().map(|(line, field)| (*line, (*field).to_owned())).collect();
    assert_eq!(found, expected, "{report}");

    // A JSON array: problems name the index (from 0).
    let array = json!([order("20", "Current", "PO-20"), order("21", "Open", "PO-21"), unknown_field.clone()]).to_string();
    let path = env.write("bad.json", &array);
    let text = env.run(&["admin", "import", "--customer", customer, &path]).assert_failure();
    assert!(text.stderr.lines().any(|l| l.starts_with("index 1: status: ")), "{}", text.stderr);
    assert!(text.stderr.lines().any(|l| l.starts_with("index 2: colour: ")), "{}", text.stderr);
    let report = env.run(&["admin", "import", "--customer", customer, &path, "--json"]).assert_failure().json();
    let mut found: Vec<(u64, String)> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| (p["index"].as_u64().expect("an index"), string(p, "path")))
        .collect();
    found.sort();
    assert_eq!(found, [(1, "status".to_owned()), (2, "colour".to_owned())], "{report}");

    // The same through stdin.
    let stdin = env.run_with_stdin(&["admin", "import", "--customer", customer, "-"], &(lines.join("\n") + "\n")).assert_failure();
    assert!(stdin.stderr.contains("line 3: status: "), "{}", stdin.stderr);

    // Nothing changed: still A and B, as they were.
    let server = env.serve(&[]);
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    let list = server.get(ORDERS, &token, &tenant.api_key);
    let listed: Vec<String> = list.json().as_array().expect("a list").iter().map(|order| string(order, "id")).collect();
    assert_eq!(listed, ["A", "B"]);
    assert_eq!(server.get(&format!("{ORDERS}/A"), &token, &tenant.api_key).json(), order("A", "Current", "PO-A"));
    drop(server);

    // And every valid order of the bad files is new.
    let fixed = [
        order("10", "Current", "PO-10"),
        order("11", "Current", "PO-11"),
        order("12", "Current", "PO-12"),
        order("20", "Current", "PO-20"),
    ];
    let path = env.write("fixed.ndjson", &ndjson(&fixed));
    assert_counts(&env.run(&["admin", "import", "--customer", customer, &path, "--json"]).assert_success(), 4, 0);
}

fn a_file_that_is_not_json_at_all_is_refused_with_its_line(env: Env) {
    let customer_id = string(&env.json(&["admin", "customer", "create", "--name", "Acme"]), "customerId");
    let path = env.write("broken.json", "[\n  {\"id\": \"1\",\n  oops\n]\n");
    let run = env.run(&["admin", "import", "--customer", &customer_id, &path]).assert_failure();
    assert!(run.stderr.lines().any(|line| line.starts_with("line 3")), "names the line of the syntax error:\n{}", run.stderr);
    assert!(run.stderr.lines().last().is_some_and(|line| line.starts_with("error: ")), "{}", run.stderr);
}

env_tests!(
    an_invalid_import_changes_nothing_and_names_every_problem_with_its_line_and_field,
    a_file_that_is_not_json_at_all_is_refused_with_its_line,
);
