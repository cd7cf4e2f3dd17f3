//! serve and serve --demo

use crate::support::*;

/// Printed lines with `\`-continued lines joined.
fn logical_lines(lines: &[String]) -> Vec<String> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in lines {
        match line.trim_end().strip_suffix('\\') {
            Some(start) => current.push_str(start),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
}

/// The curl commands printed.
fn curl_commands(lines: &[String]) -> Vec<String> {
    logical_lines(lines).into_iter().map(|line| line.trim().to_owned()).filter(|line| line.starts_with("curl ")).collect()
}

fn is_token_request(command: &str) -> bool {
    command.contains("/oauth/v3/token")
}

fn is_detail_request(command: &str) -> bool {
    command.split(&format!("{ORDERS}/")).nth(1).is_some_and(|rest| rest.chars().next().is_some_and(|c| !c.is_whitespace() && c != '"'))
}

fn is_list_request(command: &str) -> bool {
    command.contains(&format!("{ORDERS}?")) || command.contains(&format!("{ORDERS}\"")) || command.contains(&format!("{ORDERS}'"))
}

/// What a demo server printed after its first line: the credentials and its curl commands.
pub(crate) struct Demo {
    pub(crate) text: String,
    commands: Vec<String>,
}

impl Demo {
    pub(crate) fn read(server: &Server) -> Demo {
        let lines = server.read_until(|lines| {
            let commands = curl_commands(lines);
            commands.iter().any(|c| is_token_request(c)) && commands.iter().any(|c| is_detail_request(c))
        });
        Demo { text: lines.join("\n"), commands: curl_commands(&lines) }
    }

    /// The bearer token and API key of the printed API calls.
    pub(crate) fn credentials(&self) -> (String, String) {
        let call = self.commands.iter().find(|c| is_list_request(c)).expect("a list example");
        let after = |marker: &str| -> String {
            let lower = call.to_ascii_lowercase();
            let start = lower.find(marker).unwrap_or_else(|| panic!("{marker:?} in {call}")) + marker.len();
            call[start..].trim_start().chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect()
        };
        (after("authorization: bearer "), after("x-api-key:"))
    }
}

/// Runs a command with `sh -c` as printed (at most `DEADLINE`).
fn shell(command: &str) -> Run {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(command);
    run_command(sh, None)
}

/// Runs every printed curl command and checks it works: 200 with the body each promises.
fn check_printed_commands(demo: &Demo) -> String {
    let mut token = None;
    for command in &demo.commands {
        let run = shell(command).assert_success();
        if is_token_request(command) {
            let answer: Value = serde_json::from_str(run.stdout.trim())
                .unwrap_or_else(|error| panic!("`{command}` printed no JSON ({error}): {}", run.stdout));
            token = Some(string(&answer, "access_token"));
            continue;
        }
        let status_line = run.stdout.lines().next().unwrap_or_default();
        assert!(status_line.starts_with("HTTP/") && status_line.contains(" 200"), "`{command}` answered {status_line:?}:\n{}", run.stdout);
        let body = run.stdout.split("\r\n\r\n").nth(1).unwrap_or_else(|| panic!("`{command}` printed no body: {}", run.stdout));
        let body: Value = serde_json::from_str(body).unwrap_or_else(|error| panic!("`{command}` answered no JSON ({error}): {body}"));
        if is_detail_request(command) {
            assert!(body["id"].is_string(), "`{command}` answered {body}");
        } else {
            assert!(body.as_array().is_some_and(|orders| !orders.is_empty()), "`{command}` answered no orders: {body}");
        }
    }
    assert!(demo.commands.iter().any(|c| is_list_request(c)), "a list example is printed: {:#?}", demo.commands);
    token.expect("a token request is printed")
}

fn serve_demo_prints_credentials_and_curl_commands_that_work_as_printed(env: Env) {
    let server = env.serve(&["--demo"]);
    let demo = Demo::read(&server);
    let lower = demo.text.to_lowercase();
    for label in ["client_id", "client_secret", "api key", "access token"] {
        assert!(lower.contains(label), "the demo output names the {label}:\n{}", demo.text);
    }
    assert!(demo.commands.len() >= 3, "a token request, a list and a detail example at least: {:#?}", demo.commands);
    assert!(
        demo.commands.iter().all(|c| c.contains(&server.base)),
        "every example calls this server ({}): {:#?}",
        server.base,
        demo.commands
    );

    let fresh_token = check_printed_commands(&demo);
    let (token, api_key) = demo.credentials();
    assert!(demo.text.contains(&token) && demo.text.contains(&api_key));
    let list = server.get(ORDERS, &token, &api_key);
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.total.as_deref(), Some("500"), "the demo holds 500 orders");
    assert_eq!(server.get(&format!("{ORDERS}?limit=1"), &fresh_token, &api_key).status, 200, "the token from the printed request works");
    drop(server);

    // Again on the same database: fresh credentials that work, and no more orders.
    let server = env.serve(&["--demo"]);
    let again = Demo::read(&server);
    let (token_again, key_again) = again.credentials();
    assert_ne!(token_again, token, "a fresh access token");
    assert_ne!(key_again, api_key, "a fresh API key");
    let token_request = |demo: &Demo| demo.commands.iter().find(|c| is_token_request(c)).cloned().expect("a token request");
    assert_ne!(token_request(&again), token_request(&demo), "fresh client credentials");
    check_printed_commands(&again);
    let list = server.get(&format!("{ORDERS}?limit=1"), &token_again, &key_again);
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.total.as_deref(), Some("500"), "the second run adds no orders");
    let customers = env.json(&["admin", "customer", "list"]);
    assert_eq!(items(&customers).len(), 1, "one demo customer: {customers}");
}

fn serve_demo_refuses_a_database_that_holds_another_customer(env: Env) {
    env.json(&["admin", "customer", "create", "--name", "Real customer"]);
    let run = env.run(&["serve", "--listen", "127.0.0.1:0", "--demo"]).assert_failure();
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: ") && last.contains("--demo") && last.contains("empty"), "a clear reason: {}", run.stderr);
    assert!(!run.stdout.contains("listening"), "{}", run.stdout);
    let customers = env.json(&["admin", "customer", "list"]);
    assert_eq!(items(&customers).len(), 1, "no demo customer was added: {customers}");
}

#[test]
fn serve_applies_its_paging_and_rate_limit_settings() {
    let env = Env::new();
    let tenant = env.tenant("Settings");
    let server = env.serve(&[
        "--token-ttl-seconds",
        "60",
        "--max-limit",
        "10",
        "--default-limit",
        "5",
        "--requests-per-minute",
        "3",
        "--token-requests-per-minute",
        "2",
    ]);
    let token = server.token(&tenant.client_id, &tenant.client_secret);
    assert_eq!(server.get(&format!("{ORDERS}?limit=10"), &token, &tenant.api_key).status, 200);
    assert_eq!(server.get(&format!("{ORDERS}?limit=11"), &token, &tenant.api_key).status, 400, "--max-limit 10 is applied");
    assert_eq!(server.get(ORDERS, &token, &tenant.api_key).status, 200);
    assert_eq!(server.get(ORDERS, &token, &tenant.api_key).status, 429, "--requests-per-minute 3 is applied");
    server.token(&tenant.client_id, &tenant.client_secret);
    let third = block_on(async {
        reqwest::Client::new()
            .post(server.url("/oauth/v3/token"))
            .basic_auth(&tenant.client_id, Some(&tenant.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("an answer")
            .status()
    });
    assert_eq!(third.as_u16(), 429, "--token-requests-per-minute 2 is applied");
}

env_tests!(serve_demo_prints_credentials_and_curl_commands_that_work_as_printed, serve_demo_refuses_a_database_that_holds_another_customer,);
