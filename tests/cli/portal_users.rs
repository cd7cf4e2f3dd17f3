//! `admin user ...`: the portal's users made, listed, given new links and disabled from the CLI.

use crate::support::*;

fn portal_users_get_one_time_links_and_can_be_disabled(env: Env) {
    let customer_id = string(&env.json(&["admin", "customer", "create", "--name", "Acme"]), "customerId");
    let created = env.json(&[
        "admin",
        "user",
        "create",
        "--customer",
        &customer_id,
        "--email",
        "Site.Manager@Example.com",
        "--language",
        "fr",
        "--public-url",
        "https://orders.example/",
    ]);
    let link = string(&created, "link");
    assert!(link.starts_with("https://orders.example/portal/password?link=otl_"), "{link}");
    assert_eq!(created["user"]["email"], "site.manager@example.com");
    assert_eq!(created["user"]["language"], "fr");
    assert_about(date_time(&created, "linkExpiresAt"), OffsetDateTime::now_utc() + Duration::hours(24), "a link's validity");

    // Listing shows the users, never a link.
    let listed = env.run(&["admin", "user", "list", "--customer", &customer_id, "--json"]).assert_success();
    let users = items(&listed.json());
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["hasPassword"], false);
    assert!(!listed.stdout.contains(link.split_once("link=").unwrap().1));

    let reset = env.json(&["admin", "user", "reset", "site.manager@example.com"]);
    assert_ne!(string(&reset, "link"), link);
    assert!(string(&reset, "link").starts_with("http://127.0.0.1:8080/portal/password?link=otl_"));

    let disabled = env.json(&["admin", "user", "disable", "SITE.MANAGER@example.com"]);
    assert!(disabled["disabledAt"].is_string(), "{disabled}");
    env.run(&["admin", "user", "reset", "site.manager@example.com"]).assert_one_line_error();

    // Bad input: a clear error, and nothing made.
    env.run(&["admin", "user", "create", "--customer", &customer_id, "--email", "site.manager@example.com"]).assert_one_line_error();
    env.run(&["admin", "user", "create", "--customer", &customer_id, "--email", "not-an-email"]).assert_one_line_error();
    env.run(&["admin", "user", "create", "--customer", "cus_missing", "--email", "a@example.com"]).assert_one_line_error();
    let bad_language = env.run(&["admin", "user", "create", "--customer", &customer_id, "--email", "b@example.com", "--language", "de"]);
    assert!(bad_language.assert_failure().stderr.contains("use fr or en"));
    assert_eq!(items(&env.json(&["admin", "user", "list"])).len(), 1);
}

env_tests!(portal_users_get_one_time_links_and_can_be_disabled);
