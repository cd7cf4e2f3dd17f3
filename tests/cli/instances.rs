//! Several `serve` processes sharing one PostgreSQL database (contract §3, §8).

use crate::support::*;

#[test]
fn instances_started_together_on_one_postgres_database_share_tokens_revocations_and_orders() {
    let Some(env) = Env::postgres() else { return };
    // Both start on an empty database at once: migrations run once, under an advisory lock.
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| env.serve(&[]));
        let second = scope.spawn(|| env.serve(&[]));
        (first.join().expect("the first instance starts"), second.join().expect("the second instance starts"))
    });
    let tenant = env.tenant("Shared");

    // A token issued by one instance is accepted by the other.
    let token = first.token(&tenant.client_id, &tenant.client_secret);
    assert_eq!(second.get(ORDERS, &token, &tenant.api_key).status, 200);

    // An import is visible to both.
    let orders = ndjson(&[order("1", "Current", "PO-1"), order("2", "Closed", "PO-2")]);
    assert_counts(
        &env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-", "--json"], &orders).assert_success(),
        2,
        0,
    );
    for server in [&first, &second] {
        let listed = server.get(ORDERS, &token, &tenant.api_key).json();
        let listed: Vec<&str> = listed.as_array().expect("a list").iter().filter_map(|order| order["id"].as_str()).collect();
        assert_eq!(listed, ["1", "2"]);
    }

    // A key revoked with the admin command is refused by both, at once: nothing is cached.
    let keys = env.json(&["admin", "key", "list", "--customer", &tenant.customer_id]);
    let key_id = string(&items(&keys)[0], "keyId");
    env.json(&["admin", "key", "revoke", &key_id]);
    for server in [&first, &second] {
        assert_eq!(server.get(ORDERS, &token, &tenant.api_key).status, 401, "a revoked key is refused by every instance");
    }

    // So is a token whose client is revoked.
    let renewed = env.json(&["admin", "key", "issue", "--customer", &tenant.customer_id]);
    let api_key = string(&renewed, "apiKey");
    assert_eq!(second.get(ORDERS, &token, &api_key).status, 200);
    env.json(&["admin", "client", "revoke", &tenant.client_id]);
    for server in [&first, &second] {
        assert_eq!(server.get(ORDERS, &token, &api_key).status, 401, "a revoked client's token is refused by every instance");
    }
}
