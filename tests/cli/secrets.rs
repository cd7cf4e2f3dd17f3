//! No secret leaks: a whole session — customer, client and key created, tokens issued, calls made,
//! every kind of failure, a client command — with debug logging, after which no client secret,
//! API key or access token appears in any log, and the database files hold only their hashes.

use crate::support::*;

/// `order-tracking ARGS` with every log at debug level.
fn debug(mut command: Command) -> Command {
    command.env("ORDER_TRACKING_LOG", "debug");
    command
}

fn post_token(server: &Server, authorization: Option<String>, body: String) -> (u16, String) {
    block_on(async {
        let mut request =
            reqwest::Client::new().post(server.url("/oauth/v3/token")).header("content-type", "application/x-www-form-urlencoded");
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.body(body).send().await.expect("an answer");
        (response.status().as_u16(), response.text().await.expect("a body"))
    })
}

/// `secret` with its last character replaced by a different one (a fixed replacement would
/// leave the secret unchanged whenever it already ends with that character: 1 time in 62).
fn last_char_changed(secret: &str) -> String {
    let (body, last) = secret.split_at(secret.len() - 1);
    let replacement = if last == "X" { 'Y' } else { 'X' };
    format!("{body}{replacement}")
}

#[test]
fn a_full_session_with_debug_logging_leaks_no_secret_and_stores_only_hashes() {
    let env = Env::new();
    let logs = std::cell::RefCell::new(String::new());
    let admin = |args: &[&str]| -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        let run = run_command(debug(env.command(&args)), None).assert_success();
        logs.borrow_mut().push_str(&run.stderr);
        run.json()
    };
    let customer = string(&admin(&["admin", "customer", "create", "--name", "Leaky"]), "customerId");
    let client = admin(&["admin", "client", "create", "--customer", &customer]);
    let (client_id, client_secret) = (string(&client, "clientId"), string(&client, "clientSecret"));
    let key = admin(&["admin", "key", "issue", "--customer", &customer]);
    let (key_id, api_key) = (string(&key, "keyId"), string(&key, "apiKey"));
    admin(&["admin", "key", "renew", &key_id, "--valid-days", "10"]);
    let file = env.write("orders.ndjson", &ndjson(&[order("S-1", "Current", "REF")]));
    admin(&["admin", "import", "--customer", &customer, &file]);
    let spare = admin(&["admin", "client", "create", "--customer", &customer]);
    let (spare_id, spare_secret) = (string(&spare, "clientId"), string(&spare, "clientSecret"));

    let server = Server::start(debug(env.command(&["serve", "--listen", "127.0.0.1:0"])), &env.dir.path().join("serve.log"));
    let mut secrets = vec![client_secret.clone(), api_key.clone(), spare_secret.clone()];

    // Tokens, by HTTP Basic and by form fields; calls that succeed.
    let token = server.token(&client_id, &client_secret);
    let (status, body) =
        post_token(&server, None, format!("grant_type=client_credentials&client_id={spare_id}&client_secret={spare_secret}"));
    assert_eq!(status, 200, "{body}");
    let form_token = string(&serde_json::from_str(&body).unwrap(), "access_token");
    secrets.extend([token.clone(), form_token.clone()]);
    assert_eq!(server.get(ORDERS, &token, &api_key).status, 200);
    assert_eq!(server.get(&format!("{ORDERS}/S-1"), &form_token, &api_key).status, 200);

    // Failures: a wrong secret (close to the right one), a secret in the query string, a wrong
    // key, a mangled token, a token without its prefix.
    let (near_secret, near_key, near_token) = (last_char_changed(&client_secret), last_char_changed(&api_key), last_char_changed(&token));
    secrets.extend([near_secret.clone(), near_key.clone(), near_token.clone()]);
    assert_eq!(
        post_token(&server, Some(format!("Basic {}", base64_pair(&client_id, &near_secret))), "grant_type=client_credentials".into()).0,
        401
    );
    assert_eq!(server.get(&format!("{ORDERS}?client_secret={client_secret}"), &token, &api_key).status, 400);
    assert_eq!(server.get(ORDERS, &token, &near_key).status, 401);
    assert_eq!(server.get(ORDERS, &near_token, &api_key).status, 401);
    let bare = block_on(async {
        reqwest::Client::new()
            .get(server.url(ORDERS))
            .header("authorization", &token)
            .header("x-api-key", &api_key)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(bare.as_u16(), 401);

    // The client command, with its token cache, on the same server.
    let mut list = env.client_command(&["orders", "list", "--format", "ndjson"]);
    list.env("ORDER_TRACKING_URL", &server.base)
        .env("ORDER_TRACKING_CLIENT_ID", &client_id)
        .env("ORDER_TRACKING_CLIENT_SECRET", &client_secret)
        .env("ORDER_TRACKING_API_KEY", &api_key);
    let listed = run_command(debug(list), None).assert_success();
    logs.borrow_mut().push_str(&listed.stderr);

    // Revoking the client ends its tokens; using one is refused, and logged.
    admin(&["admin", "client", "revoke", &client_id]);
    assert_eq!(server.get(ORDERS, &token, &api_key).status, 401);

    let serve_log = server.log();
    assert!(serve_log.contains("DEBUG"), "the server logged at debug level");
    assert!(serve_log.contains("client authentication failed"), "failures are logged");
    drop(server);
    let logs = logs.into_inner() + &serve_log;

    // Every secret is 32 random characters and a checksum after its prefix: no part of that may leak.
    for secret in &secrets {
        let random = &secret[4..36];
        assert!(!logs.contains(random), "a secret ({}…) appears in the logs", &secret[..6]);
    }

    // The database files (and the WAL) hold hashes, never the secrets.
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(env.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("x.db") {
            stored.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(stored.len() > 4096, "the database was read");
    let stored = String::from_utf8_lossy(&stored);
    for secret in &secrets[..5] {
        assert!(!stored.contains(&secret[4..36]), "a secret ({}…) is stored in clear", &secret[..6]);
    }
}

fn base64_pair(id: &str, secret: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}
