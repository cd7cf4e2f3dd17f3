//! At least once through SIGKILL (issue #31): a server killed again and again in the middle of its
//! webhook deliveries, then started again on the same database, delivers every event the imports
//! recorded; what was in flight at the kill comes back when its lease runs out.
#![cfg(unix)]

use std::collections::BTreeSet;

use crate::receiver::{ThreadReceiver, subscribe};
use crate::support::*;

const KILLS: usize = 20;
/// Orders (so events) imported before each kill.
const PER_ROUND: usize = 40;
/// The flags of every start: a short lease so that a killed server's claims come back soon.
const SERVE: [&str; 7] = [
    "--webhook-allow-private",
    "--webhook-timeout-seconds",
    "1",
    "--webhook-lease-seconds",
    "2",
    "--webhook-retry-schedule",
    "100ms,100ms,100ms,100ms,100ms",
];

fn killed_during_deliveries_then_restarted_delivers_every_event(env: Env) {
    let tenant = env.tenant("Crash");
    // Slow enough that a round's deliveries take a while, so that the kill lands among them.
    let receiver = ThreadReceiver::answering(200, StdDuration::from_millis(15));
    let subscription = subscribe(&env.serve(&SERVE), &tenant, &receiver.callback);

    let mut killed_in_the_middle = 0;
    for round in 0..KILLS {
        let server = env.serve(&SERVE);
        let orders: Vec<Value> = (0..PER_ROUND).map(|n| order(&format!("K{round:02}-{n:02}"), "Current", "PO")).collect();
        env.run_with_stdin(&["admin", "import", "--customer", &tenant.customer_id, "-"], &ndjson(&orders)).assert_success();
        // Killed once half of the round's events arrived.
        let recorded = (round + 1) * PER_ROUND;
        let deadline = Instant::now() + DEADLINE;
        while sequences(&receiver).len() < recorded - PER_ROUND / 2 {
            assert!(Instant::now() < deadline, "round {round}: deliveries stopped at {}", sequences(&receiver).len());
            std::thread::sleep(StdDuration::from_millis(2));
        }
        drop(server);
        killed_in_the_middle += usize::from(sequences(&receiver).len() < recorded);
    }
    assert!(killed_in_the_middle >= KILLS / 2, "only {killed_in_the_middle} of {KILLS} kills landed before a round's deliveries ended");

    // Once more, and every event arrives; the database knows them all delivered.
    let _server = env.serve(&SERVE);
    let total = KILLS * PER_ROUND;
    let listed = until(&env, &["admin", "hub", "list"], |listed| items(listed)[0]["delivered"] == total);
    assert_eq!(items(&listed)[0]["failed"], 0, "{listed}");
    let expected: BTreeSet<i64> = (1..=total as i64).collect();
    assert_eq!(sequences(&receiver), expected, "every event's sequence, received at least once");
    let bodies = receiver.bodies().len();
    eprintln!(
        "{killed_in_the_middle} kills in the middle; {total} events, {bodies} requests received ({} again after a kill)",
        bodies - total
    );
    assert_eq!(string(&items(&listed)[0], "id"), subscription);
}

/// The distinct sequences the receiver got.
fn sequences(receiver: &ThreadReceiver) -> BTreeSet<i64> {
    receiver.bodies().iter().map(|body| serde_json::from_str::<Value>(body).unwrap()["sequence"].as_i64().unwrap()).collect()
}

env_tests!(killed_during_deliveries_then_restarted_delivers_every_event);
