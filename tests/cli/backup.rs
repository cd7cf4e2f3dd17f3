//! `admin backup` while a server serves and imports run, then `admin restore`: the copy holds
//! whole imports only, and a server on the restored file answers what the copy held.

use crate::support::*;

#[test]
fn a_backup_taken_under_writes_restores_whole_imports_and_working_credentials() {
    let env = Env::new();
    let tenant = env.tenant("Acme");
    let server = env.serve(&[]);
    // Four batches of 200 orders imported one after another while the backup runs (at most
    // 800 orders: one page of the API).
    let writer = {
        let database = env.database.clone();
        let dir = env.dir.path().to_owned();
        let customer = tenant.customer_id.clone();
        thread::spawn(move || {
            for batch in 0..4 {
                let orders: Vec<Value> = (0..200).map(|n| order(&format!("{batch}{n:04}"), "Current", &format!("B{batch}"))).collect();
                let file = dir.join(format!("batch-{batch}.ndjson"));
                std::fs::write(&file, ndjson(&orders)).expect("a batch written");
                let mut command = bare_command(&dir);
                command.args(["admin", "import", "--customer", &customer]).arg(&file).arg("--database").arg(&database);
                run_command(command, None).assert_success();
            }
        })
    };
    thread::sleep(StdDuration::from_millis(150));
    let backup = env.dir.path().join("copy.db");
    let copied = env.json(&["admin", "backup", "--to", backup.to_str().expect("UTF-8")]);
    writer.join().expect("the imports ran");
    drop(server);

    let restored = Env::new();
    let restore = restored.json(&["admin", "restore", "--from", backup.to_str().expect("UTF-8")]);
    assert_eq!(restore["orders"], copied["orders"], "{restore}");
    let server = restored.serve(&[]);
    let orders = api_list(&server, &tenant, "limit=1000");
    let mut per_batch = std::collections::BTreeMap::<String, usize>::new();
    for order in &orders {
        *per_batch.entry(string(&order["request"], "customerReference")).or_default() += 1;
    }
    assert!(per_batch.values().all(|&count| count == 200), "the copy holds part of an import: {per_batch:?}");
    assert_eq!(Some(orders.len() as u64), copied["orders"].as_u64(), "the copy's count and what it serves");
}
