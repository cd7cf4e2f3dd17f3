//! `order-tracking login`: checked credentials saved as a private profile that later commands
//! use; a loose profile is refused, a failed login saves nothing.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

#[test]
fn login_saves_a_private_profile_that_later_commands_use() {
    let env = Env::new();
    let tenant = env.tenant("login");
    env.import_generated(&tenant, 5);
    let server = env.serve(&[]);
    let profile = env.home().join(".config/order-tracking/profiles/default.json");

    // Nothing configured yet: the error says how to fix it.
    let run = run_command(env.client_command(&["orders", "list"]), None).assert_one_line_error();
    assert!(run.stderr.contains("order-tracking login"), "{}", run.stderr);

    // The secrets come on stdin, as a script would pipe them; nothing secret on the command line.
    let login = run_command(
        env.client_command(&["login", "--url", &server.base, "--client-id", &tenant.client_id]),
        Some(&format!("{}\n{}\n", tenant.client_secret, tenant.api_key)),
    );
    let login = login.assert_success();
    assert!(
        login.stdout.contains(&format!("logged in to {} as {}", server.base, tenant.client_id)) && login.stdout.contains("5 orders"),
        "{}",
        login.stdout
    );
    assert!(!login.stdout.contains(&tenant.client_secret) && !login.stderr.contains(&tenant.client_secret));
    assert_eq!(std::fs::metadata(&profile).expect("a profile").permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(profile.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);

    let listed = run_command(env.client_command(&["orders", "list", "--format", "ndjson"]), None).assert_success();
    assert_eq!(listed.stdout.lines().count(), 5);

    let run = run_command(env.client_command(&["orders", "list", "--profile", "staging"]), None).assert_one_line_error();
    assert!(run.stderr.contains("no profile \"staging\"") && run.stderr.contains("login --profile staging"), "{}", run.stderr);

    // A profile others can read is refused, and the message says how to fix it.
    std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = run_command(env.client_command(&["orders", "list"]), None).assert_one_line_error();
    assert!(run.stderr.contains("readable by other users") && run.stderr.contains("chmod 600"), "{}", run.stderr);
    std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A failed login saves nothing and does not repeat the secret it was given.
    let saved = std::fs::read_to_string(&profile).unwrap();
    let mut command = env.client_command(&["login", "--url", &server.base, "--client-id", &tenant.client_id]);
    command.env("ORDER_TRACKING_CLIENT_SECRET", "ots_not-the-secret").env("ORDER_TRACKING_API_KEY", &tenant.api_key);
    let run = run_command(command, None).assert_one_line_error();
    assert!(run.stderr.contains("login failed, nothing saved") && !run.stderr.contains("ots_not-the-secret"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&profile).unwrap(), saved);
}
