//! Admin commands

use crate::support::*;

fn admin_commands_with_json_print_one_object_with_the_ids_and_secrets(env: Env) {
    let customer = env.json(&["admin", "customer", "create", "--name", "Acme"]);
    let customer_id = string(&customer, "customerId");
    assert!(!customer_id.is_empty());

    let client = env.json(&["admin", "client", "create", "--customer", &customer_id, "--name", "erp"]);
    let client_id = string(&client, "clientId");
    let client_secret = string(&client, "clientSecret");
    assert_ne!(client_id, client_secret);
    assert!(client_secret.len() >= 20, "a client secret should be long: {client_secret:?}");

    let key = env.json(&["admin", "key", "issue", "--customer", &customer_id]);
    let (key_id, api_key) = (string(&key, "keyId"), string(&key, "apiKey"));
    assert_ne!(key_id, api_key);
    assert_about(date_time(&key, "expiresAt"), OffsetDateTime::now_utc() + Duration::days(730), "a key's default validity");

    let listed = env.json(&["admin", "customer", "list"]);
    let customers = items(&listed);
    assert_eq!(customers.len(), 1, "{listed}");
    assert_eq!(string(&customers[0], "id"), customer_id);
    assert_eq!(string(&customers[0], "name"), "Acme");

    // Secrets are printed once: no listing shows them again.
    let keys = env.run(&["admin", "key", "list", "--customer", &customer_id, "--json"]).assert_success();
    assert_eq!(ids(&keys.json(), "keyId"), vec![key_id.clone()]);
    for run in [&keys, &env.run(&["admin", "customer", "list", "--json"]), &env.run(&["admin", "key", "list"])] {
        assert!(!run.stdout.contains(&api_key), "{} shows the API key", run.what);
        assert!(!run.stdout.contains(&client_secret), "{} shows the client secret", run.what);
    }

    let revoked = env.json(&["admin", "key", "revoke", &key_id]);
    assert!(!revoked.to_string().contains(&api_key), "revoking shows the key: {revoked}");
    let keys = env.json(&["admin", "key", "list", "--customer", &customer_id]);
    let revoked_at = &items(&keys)[0]["revokedAt"];
    assert!(revoked_at.is_string(), "a revoked key is listed as revoked: {keys}");

    env.json(&["admin", "client", "revoke", &client_id]);
}

fn keys_can_be_issued_for_days_or_until_a_date_listed_by_expiry_and_renewed(env: Env) {
    let customer_id = string(&env.json(&["admin", "customer", "create", "--name", "Acme"]), "customerId");
    let now = OffsetDateTime::now_utc();

    let default = env.json(&["admin", "key", "issue", "--customer", &customer_id]);
    let ten_days = env.json(&["admin", "key", "issue", "--customer", &customer_id, "--valid-days", "10"]);
    assert_about(date_time(&ten_days, "expiresAt"), now + Duration::days(10), "--valid-days 10");
    // Dates relative to today, so that the expiry windows below hold whenever the test runs.
    let in_60_days = (now + Duration::days(60)).replace_nanosecond(0).expect("a valid time");
    let dated = env.json(&["admin", "key", "issue", "--customer", &customer_id, "--expires-at", &in_60_days.format(&Rfc3339).unwrap()]);
    assert_eq!(date_time(&dated, "expiresAt"), in_60_days);
    let in_90_days = (now + Duration::days(90)).replace_nanosecond(0).expect("a valid time");
    let with_offset = in_90_days.to_offset(time::macros::offset!(+02:00)).format(&Rfc3339).unwrap();
    assert!(with_offset.ends_with("+02:00"), "{with_offset}");
    let dated_offset = env.json(&["admin", "key", "issue", "--customer", &customer_id, "--expires-at", &with_offset]);
    assert_eq!(date_time(&dated_offset, "expiresAt"), in_90_days, "an offset is honoured");
    assert!(string(&dated_offset, "expiresAt").ends_with('Z'), "printed in UTC: {dated_offset}");

    // Another customer's keys are not listed with --customer.
    let other_id = string(&env.json(&["admin", "customer", "create", "--name", "Other"]), "customerId");
    let other_key = string(&env.json(&["admin", "key", "issue", "--customer", &other_id, "--valid-days", "5"]), "keyId");

    let mut all = ids(&env.json(&["admin", "key", "list", "--customer", &customer_id]), "keyId");
    let mut expected: Vec<String> = [&default, &ten_days, &dated, &dated_offset].iter().map(|key| string(key, "keyId")).collect();
    all.sort();
    expected.sort();
    assert_eq!(all, expected, "every key of the customer, and only those");

    let ten_days_id = string(&ten_days, "keyId");
    let expiring = env.json(&["admin", "key", "list", "--customer", &customer_id, "--expiring-within-days", "30"]);
    assert_eq!(ids(&expiring, "keyId"), vec![ten_days_id.clone()], "only the 10-day key expires within 30 days: {expiring}");
    let expiring_any = ids(&env.json(&["admin", "key", "list", "--expiring-within-days", "30"]), "keyId");
    assert!(
        expiring_any.contains(&ten_days_id) && expiring_any.contains(&other_key),
        "without --customer: every customer's {expiring_any:?}"
    );

    let renewed = env.json(&["admin", "key", "renew", &ten_days_id, "--valid-days", "100"]);
    assert_about(date_time(&renewed, "expiresAt"), OffsetDateTime::now_utc() + Duration::days(100), "renewed for 100 days");
    let expiring = env.json(&["admin", "key", "list", "--customer", &customer_id, "--expiring-within-days", "30"]);
    assert!(items(&expiring).is_empty(), "after renewal nothing expires within 30 days: {expiring}");
    let listed = items(&env.json(&["admin", "key", "list", "--customer", &customer_id]));
    let listed = listed.iter().find(|key| string(key, "keyId") == ten_days_id).expect("the renewed key is listed");
    assert_about(date_time(listed, "expiresAt"), OffsetDateTime::now_utc() + Duration::days(100), "the listed expiry after renewal");

    let in_1000_days = (now + Duration::days(1000)).replace_nanosecond(0).expect("a valid time");
    let renewed = env.json(&["admin", "key", "renew", &ten_days_id, "--expires-at", &in_1000_days.format(&Rfc3339).unwrap()]);
    assert_eq!(date_time(&renewed, "expiresAt"), in_1000_days);

    // A revoked key is no longer "expiring": nobody is going to renew it.
    env.json(&["admin", "key", "revoke", &other_key]);
    let expiring_any = ids(&env.json(&["admin", "key", "list", "--expiring-within-days", "30"]), "keyId");
    assert!(!expiring_any.contains(&other_key), "a revoked key is not listed as expiring: {expiring_any:?}");
}

fn admin_commands_without_json_print_a_few_readable_lines(env: Env) {
    let created = env.run(&["admin", "customer", "create", "--name", "Acme Text"]).assert_success();
    created.assert_text(1);
    let customer_id = ids(&env.json(&["admin", "customer", "list"]), "id").remove(0);
    assert!(created.stdout.contains(&customer_id), "the text names the new customer's id: {:?}", created.stdout);

    let listed = env.run(&["admin", "customer", "list"]).assert_success();
    listed.assert_text(1);
    assert!(listed.stdout.contains(&customer_id) && listed.stdout.contains("Acme Text"), "{:?}", listed.stdout);

    let client = env.run(&["admin", "client", "create", "--customer", &customer_id]).assert_success();
    client.assert_text(5);
    let key = env.run(&["admin", "key", "issue", "--customer", &customer_id, "--valid-days", "10"]).assert_success();
    key.assert_text(6);

    let keys = env.json(&["admin", "key", "list", "--customer", &customer_id]);
    let key_id = string(&items(&keys)[0], "keyId");
    assert!(key.stdout.contains(&key_id), "issuing names the key id: {:?}", key.stdout);

    let list = env.run(&["admin", "key", "list", "--customer", &customer_id]).assert_success();
    list.assert_text(1);
    assert!(list.stdout.contains(&key_id), "{:?}", list.stdout);

    let renewed = env.run(&["admin", "key", "renew", &key_id, "--valid-days", "100"]).assert_success();
    renewed.assert_text(2);
    let revoked = env.run(&["admin", "key", "revoke", &key_id]).assert_success();
    revoked.assert_text(2);

    let client_id = string(&env.json(&["admin", "client", "create", "--customer", &customer_id]), "clientId");
    let revoked = env.run(&["admin", "client", "revoke", &client_id]).assert_success();
    revoked.assert_text(2);

    let path = env.write("orders.ndjson", &ndjson(&[order("1", "Current", "PO-1")]));
    let imported = env.run(&["admin", "import", "--customer", &customer_id, &path]).assert_success();
    imported.assert_text(2);
}

fn renewing_without_a_validity_never_shortens_a_key(env: Env) {
    let customer_id = string(&env.json(&["admin", "customer", "create", "--name", "Acme"]), "customerId");
    let key = env.json(&["admin", "key", "issue", "--customer", &customer_id, "--expires-at", "2999-01-01T00:00:00Z"]);
    let key_id = string(&key, "keyId");
    let renewed = env.json(&["admin", "key", "renew", &key_id]);
    assert_eq!(string(&renewed, "expiresAt"), "2999-01-01T00:00:00Z", "a later expiry is kept");
    let shortened = env.json(&["admin", "key", "renew", &key_id, "--valid-days", "10"]);
    assert_about(date_time(&shortened, "expiresAt"), OffsetDateTime::now_utc() + Duration::days(10), "an explicit validity is applied");
}

env_tests!(
    renewing_without_a_validity_never_shortens_a_key,
    admin_commands_with_json_print_one_object_with_the_ids_and_secrets,
    keys_can_be_issued_for_days_or_until_a_date_listed_by_expiry_and_renewed,
    admin_commands_without_json_print_a_few_readable_lines,
);
