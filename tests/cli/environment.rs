//! Settings from the environment

use crate::serve::Demo;
use crate::support::*;

#[test]
fn the_database_comes_from_the_environment_unless_the_flag_is_given() {
    let env = Env::new();
    let other = format!("sqlite://{}", env.dir.path().join("other.db").display());
    let with_variable = |args: &[&str]| {
        let mut command = bare_command(env.dir.path());
        command.args(args).env("ORDER_TRACKING_DATABASE", &env.database);
        command
    };

    let created = run_command(with_variable(&["admin", "customer", "create", "--name", "From env", "--json"]), None).assert_success();
    let customer_id = string(&created.json(), "customerId");
    // It went to the variable's database, not to the default one in the working directory.
    assert_eq!(ids(&env.json(&["admin", "customer", "list"]), "id"), vec![customer_id.clone()]);
    assert!(!env.dir.path().join("order-tracking.db").exists(), "the default database was not used");

    let listed = run_command(with_variable(&["admin", "customer", "list", "--json"]), None).assert_success();
    assert_eq!(ids(&listed.json(), "id"), vec![customer_id.clone()]);

    let mut flag_wins = with_variable(&["admin", "customer", "list", "--json"]);
    flag_wins.args(["--database", &other]);
    let listed = run_command(flag_wins, None).assert_success();
    assert!(items(&listed.json()).is_empty(), "--database wins over ORDER_TRACKING_DATABASE: {}", listed.stdout);

    // serve too, with its own settings from the environment (here on a third, empty database).
    let third = format!("sqlite://{}", env.dir.path().join("third.db").display());
    let mut serve = bare_command(env.dir.path());
    serve
        .arg("serve")
        .env("ORDER_TRACKING_DATABASE", &third)
        .env("ORDER_TRACKING_LISTEN", "127.0.0.1:0")
        .env("ORDER_TRACKING_DEMO", "true");
    let server = Server::start(serve, &env.dir.path().join("serve-env.log"));
    let demo = Demo::read(&server);
    let (token, api_key) = demo.credentials();
    assert_eq!(server.get(ORDERS, &token, &api_key).total.as_deref(), Some("500"));
    drop(server);
    let mut list = bare_command(env.dir.path());
    list.args(["admin", "customer", "list", "--json", "--database", &third]);
    assert_eq!(items(&run_command(list, None).assert_success().json()).len(), 1, "the demo customer is in the variable's database");
    assert_eq!(ids(&env.json(&["admin", "customer", "list"]), "id"), vec![customer_id], "and not in the others");
}
