//! `admin backup` while a server serves and imports run, then `admin restore`: the copy holds
//! whole imports only, every order as imported, and every credential as it was.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::*;

/// Token requests and lists against the server until `stop`: the load a backup must not disturb.
/// Returns how many calls were answered, every one with 200.
fn serve_calls_until(stop: Arc<AtomicBool>, base: String, tenant: Tenant) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let mut answered = 0;
        while !stop.load(Ordering::Relaxed) {
            let token = token_from(&base, &tenant.client_id, &tenant.client_secret);
            let list = get_from(&base, &format!("{ORDERS}?limit=50&sort=-id"), &token, &tenant.api_key);
            assert_eq!(list.status, 200, "a list during the backup: {}", list.body);
            answered += 2;
        }
        answered
    })
}

#[test]
fn a_backup_taken_under_load_restores_whole_imports_and_every_credential() {
    let env = Env::new();
    let tenant = env.tenant("Acme");
    let other = env.tenant("Other SA");
    let revoked = string(&env.json(&["admin", "key", "issue", "--customer", &other.customer_id]), "keyId");
    env.json(&["admin", "key", "revoke", &revoked]);
    let server = env.serve(&["--token-requests-per-minute", "0", "--requests-per-minute", "0"]);
    let token_before = server.token(&tenant.client_id, &tenant.client_secret);

    // Four batches of 200 orders imported one after another while the backup runs (at most
    // 800 orders: one page of the API), and calls answered all the while.
    let batches: Vec<Vec<Value>> =
        (0..4).map(|batch| (0..200).map(|n| order(&format!("{batch}{n:04}"), "Current", &format!("B{batch}"))).collect()).collect();
    let writer = {
        let (database, dir, customer, batches) =
            (env.database.clone(), env.dir.path().to_owned(), tenant.customer_id.clone(), batches.clone());
        thread::spawn(move || {
            for (number, orders) in batches.iter().enumerate() {
                let file = dir.join(format!("batch-{number}.ndjson"));
                std::fs::write(&file, ndjson(orders)).expect("a batch written");
                let mut command = bare_command(&dir);
                command.args(["admin", "import", "--customer", &customer]).arg(&file).arg("--database").arg(&database);
                run_command(command, None).assert_success();
            }
        })
    };
    let stop = Arc::new(AtomicBool::new(false));
    let load = serve_calls_until(stop.clone(), server.url(""), tenant.clone());
    thread::sleep(StdDuration::from_millis(150));
    let backup = env.dir.path().join("copy.db");
    let copied = env.json(&["admin", "backup", "--to", backup.to_str().expect("UTF-8")]);
    writer.join().expect("the imports ran");
    stop.store(true, Ordering::Relaxed);
    assert!(load.join().expect("the calls ran") > 0, "calls were answered during the backup");
    drop(server);

    let restored = Env::new();
    let restore = restored.json(&["admin", "restore", "--from", backup.to_str().expect("UTF-8")]);
    assert_eq!(restore["orders"], copied["orders"], "{restore}");
    // Every credential as it was: customers, clients' secrets, keys (the revoked one too) and
    // a token issued before the backup.
    for listing in [&["admin", "customer", "list"][..], &["admin", "key", "list"][..]] {
        assert_eq!(restored.json(listing), env.json(listing), "{listing:?} after the restore");
    }
    let server = restored.serve(&[]);
    assert_eq!(server.get(ORDERS, &token_before, &tenant.api_key).status, 200, "a token issued before the backup");
    let other_token = server.token(&other.client_id, &other.client_secret);
    assert_eq!(server.get(ORDERS, &other_token, &other.api_key).status, 200, "the other customer's credentials");

    // Every order as imported, and only whole imports.
    let served = api_list(&server, &tenant, "limit=1000&sort=id");
    let whole: Vec<&Vec<Value>> = batches
        .iter()
        .filter(|batch| served.iter().any(|order| order["request"]["customerReference"] == batch[0]["request"]["customerReference"]))
        .collect();
    let mut expected: Vec<Value> = whole.into_iter().flatten().cloned().collect();
    expected.sort_by_key(|order| string(order, "id"));
    assert_eq!(served.len(), expected.len(), "the copy holds part of an import");
    for (served, imported) in served.iter().zip(&expected) {
        assert_eq!(served, imported, "an order of the copy differs from the one imported");
    }
    assert_eq!(Some(served.len() as u64), copied["orders"].as_u64(), "the copy's count and what it serves");
}
