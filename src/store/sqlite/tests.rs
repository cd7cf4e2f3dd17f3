//! Tests of the SQL store on SQLite: what only a real file shows (plans, checkpoints, direct reads).

use std::time::Duration;

use time::OffsetDateTime;

use sqlx::Row;

use super::page_plan::{INDEXED_FILTERS, WALKABLE_SORTS};
use super::*;
use crate::auth::secret;
use crate::domain::catalogue;
use crate::domain::credentials::TokenKey;
use crate::query::{Limits, parse_query};
use crate::store::sql::bind::Bind;
use crate::store::sql::query::{NullsSort, PagePlan, list_sql};
use crate::store::{CredentialStore, ImportSummary, NewAccessToken, NewApiKey, NewClient, OrderStore, StoreError};

async fn store_in(dir: &tempfile::TempDir) -> SqlStore<Sqlite> {
    open(&options_in(dir)).await.unwrap()
}

fn options_in(dir: &tempfile::TempDir) -> StoreOptions {
    StoreOptions {
        url: format!("sqlite://{}", dir.path().join("direct.db").display()),
        max_connections: 4,
        timeout: Duration::from_millis(200),
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_millis(100),
        sqlite_mmap_bytes: 0,
        list_index_bytes: 0,
        document_cache_bytes: 0,
    }
}

/// Statistics an import in another process leaves reach the pool's plans within a minute.
#[tokio::test]
async fn pooled_connections_are_replaced_within_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    assert_eq!(store.pool.options().get_max_lifetime(), Some(Duration::from_secs(60)));
}

/// The customer `c1` with the client `app`, to which tokens are issued.
async fn customer_with_client(store: &SqlStore<Sqlite>) {
    store.create_customer("c1", "One").await.unwrap();
    store
        .create_client(NewClient { client_id: "app".into(), customer_id: "c1".into(), name: None, secret_hash: secret::hash("s") })
        .await
        .unwrap();
}

/// Every pooled connection maps as much of the file as configured.
#[tokio::test]
async fn pooled_connections_map_the_configured_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&StoreOptions { sqlite_mmap_bytes: 8 << 20, ..options_in(&dir) }).await.unwrap();
    let mapped: i64 = sqlx::query_scalar("PRAGMA mmap_size").fetch_one(&store.pool).await.unwrap();
    assert_eq!(mapped, 8 << 20);
}

/// The direct reads answer what the pool answers, and do answer (no silent fallback).
#[tokio::test]
async fn direct_reads_answer_as_the_pool_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    let pooled = SqlStore::<Sqlite>::new(store.pool.clone());
    store.create_customer("c1", "One").await.unwrap();
    let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(1);
    store
        .create_client(NewClient { client_id: "app".into(), customer_id: "c1".into(), name: None, secret_hash: secret::hash("s") })
        .await
        .unwrap();
    store
        .create_api_key(NewApiKey { key_id: "k".into(), customer_id: "c1".into(), key_hash: secret::hash("key"), expires_at })
        .await
        .unwrap();
    let key_of = |token: &str| TokenKey { expires_at, hash: secret::hash(token) };
    let token = NewAccessToken { key: key_of("t"), client_id: "app".into(), customer_id: "c1".into() };
    store.insert_access_token(token).await.unwrap();

    let client = |found: Option<crate::domain::credentials::Client>| found.map(|c| (c.client_id, c.customer_id, c.revoked_at));
    for id in ["app", "unknown"] {
        assert_eq!(client(store.find_client(id).await.unwrap()), client(pooled.find_client(id).await.unwrap()));
    }
    store.revoke_client("app").await.unwrap();
    let calls = [(key_of("t"), Some(secret::hash("key"))), (key_of("t"), None), (key_of("x"), Some(secret::hash("y")))];
    for (token, key) in &calls {
        let direct = store.find_call_credentials(token, key.as_ref()).await.unwrap();
        let pool = pooled.find_call_credentials(token, key.as_ref()).await.unwrap();
        assert_eq!(format!("{direct:?}"), format!("{pool:?}"));
    }
    let (token, key) = store.find_call_credentials(&calls[0].0, calls[0].1.as_ref()).await.unwrap();
    assert!(token.unwrap().client_revoked, "a revocation is seen at once");
    assert_eq!(key.unwrap().key_id, "k");
    assert_eq!(
        store.direct.as_ref().unwrap().counts(),
        crate::store::DirectReadCounts { answered: 6, deferred: 0 },
        "every read answered directly"
    );
}

/// With the statistics an import leaves (STAT4 samples of every table), looking up one
/// token after another still runs the statement prepared the first time: SQLite would
/// otherwise parse and plan it again for every new token (docs/performance.md, step 15).
#[tokio::test]
async fn direct_lookups_are_not_prepared_again_for_each_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    customer_with_client(&store).await;
    let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let expires_at = crate::store::sql::time_columns::to_micros(expires_at);
    for token in ["t1", "t2", "t3"] {
        let key = TokenKey { expires_at: crate::store::sql::time_columns::from_micros(expires_at), hash: secret::hash(token) };
        store.insert_access_token(NewAccessToken { key, client_id: "app".into(), customer_id: "c1".into() }).await.unwrap();
    }
    sqlx::query("ANALYZE").execute(&store.pool).await.unwrap();
    let samples: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_stat4 WHERE tbl = 'access_tokens'").fetch_one(&store.pool).await.unwrap();
    assert!(samples > 0, "the test needs STAT4 samples of the tokens");

    // One connection, one cached statement: its counter covers every lookup below.
    let key = secret::hash("key");
    let prepared_again = store
        .direct
        .as_ref()
        .unwrap()
        .read(|connection| {
            for token in ["t1", "t2", "t3", "unknown"] {
                let token = secret::hash(token);
                let mut statement = connection.prepare_cached(crate::store::sql::credentials::SELECT_CALL_CREDENTIALS)?;
                statement.query_row((expires_at, token.0.as_slice(), key.0.as_slice()), |_| Ok(()))?;
            }
            let statement = connection.prepare_cached(crate::store::sql::credentials::SELECT_CALL_CREDENTIALS)?;
            Ok(statement.get_status(rusqlite::StatementStatus::RePrepare))
        })
        .expect("the direct read answers");
    assert_eq!(prepared_again, 0);
}

/// Tokens are keyed by the expiry each one carries, then their hash (migration 0016): a batch
/// of new tokens is written at the end of the key, not a page at a random place for each
/// (docs/performance.md, step 32), and the purge of expired ones reads the key's start.
#[tokio::test]
async fn tokens_are_keyed_by_expiry_then_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    let key: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('access_tokens') WHERE pk > 0 ORDER BY pk")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(key, ["expires_at", "token_hash"]);
    let indexes: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_index_list('access_tokens') WHERE origin = 'c'").fetch_all(&store.pool).await.unwrap();
    assert_eq!(indexes, Vec::<String>::new(), "no index beside the key to write at random places");
}

/// Migrations 0008, 0012, 0013 and 0014 fill the per-day counts of existing orders (by order
/// date, last update, expected completion, completion) with SQL's integer division, which
/// rounds towards zero: its rounding down of dates before 1970 must give the days an import
/// keeps (`day_of`), midnights included, and orders without the date are not counted by it.
#[tokio::test]
async fn the_migration_counts_orders_by_the_same_days_as_imports() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    let mut orders = crate::demo::generate::generate_orders(40, 9);
    let instants = ["1960-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z", "1969-12-31T00:00:00Z"];
    for (index, (order, instant)) in orders.iter_mut().zip(instants.iter().cycle()).enumerate() {
        let instant = OffsetDateTime::parse(instant, &time::format_description::well_known::Rfc3339).unwrap();
        order.order_date = instant;
        order.last_update_date = (index % 5 != 0).then_some(instant);
        order.expected_completion_date = (index % 5 != 1).then_some(instant.date());
        order.completion_date = (index % 5 != 2).then_some(instant);
    }
    let now = OffsetDateTime::now_utc();
    (orders[39].order_date, orders[39].last_update_date, orders[39].completion_date) = (now, Some(now), Some(now));
    orders[39].expected_completion_date = Some(now.date());
    store.import_orders("c1", orders.clone()).await.unwrap();

    for (migration, table) in [
        (include_str!("../../../migrations/sqlite/0008_order_day_counts.sql"), "order_day_counts"),
        (include_str!("../../../migrations/sqlite/0012_order_last_update_day_counts.sql"), "order_last_update_day_counts"),
        (include_str!("../../../migrations/sqlite/0013_order_expected_completion_day_counts.sql"), "order_expected_completion_day_counts"),
        (include_str!("../../../migrations/sqlite/0014_order_completion_day_counts.sql"), "order_completion_day_counts"),
    ] {
        let backfill = &migration[migration.find("SELECT customer_id,").expect("the backfill's SELECT")..];
        let backfill = &backfill[..backfill.find(';').expect("the backfill's end")];
        let recounted: Vec<(String, i64, String, i64)> =
            sqlx::query_as(&format!("SELECT * FROM ({backfill}) ORDER BY 1, 2, 3")).fetch_all(&store.pool).await.unwrap();
        let kept: Vec<(String, i64, String, i64)> =
            sqlx::query_as(&format!("SELECT customer_id, day, status, orders FROM {table} WHERE orders <> 0 ORDER BY 1, 2, 3"))
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(recounted, kept, "{table}");
        let days: Vec<i64> = kept.iter().map(|(_, day, _, _)| *day).collect();
        for day in [-3653, -1, 0] {
            assert!(days.contains(&day), "day {day} in {days:?} of {table}");
        }
        let counted: i64 = kept.iter().map(|(_, _, _, orders)| orders).sum();
        assert_eq!(counted, if table == "order_day_counts" { 40 } else { 32 }, "{table}");
    }
}

/// Migrations 0013 and 0014 add indexes to `orders`, which imports have analyzed: each new
/// index gets its statistics in its migration. Without them it looked cheap to the planner,
/// which sorted a first page of 1,000,000 orders through it (1.5 s instead of 2 ms).
#[tokio::test]
async fn indexes_added_to_an_analyzed_table_get_their_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    store.import_orders("c1", crate::demo::generate::generate_orders(300, 4)).await.unwrap();
    let mut connection = store.pool.acquire().await.unwrap();
    let unanalyzed = "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'orders'
                      AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL) ORDER BY name";
    let none: Vec<String> = sqlx::query_scalar(unanalyzed).fetch_all(&mut *connection).await.unwrap();
    assert!(none.is_empty(), "the import analyzed every index: {none:?}");
    // The database as before 0013 and 0014, its statistics those of the other indexes.
    execute_all(
        &mut connection,
        &[
            "DROP TABLE order_expected_completion_day_counts",
            "DROP TABLE order_completion_day_counts",
            "DROP INDEX orders_by_expected_completion_id",
            "DROP INDEX orders_by_completion_id",
            "DELETE FROM sqlite_stat1 WHERE idx IN ('orders_by_expected_completion_id', 'orders_by_completion_id')",
            "DELETE FROM _sqlx_migrations WHERE version IN (13, 14)",
        ],
    )
    .await;
    MIGRATOR.run(&mut *connection).await.unwrap();
    let unanalyzed: Vec<String> = sqlx::query_scalar(unanalyzed).fetch_all(&mut *connection).await.unwrap();
    assert!(unanalyzed.is_empty(), "indexes without statistics: {unanalyzed:?}");
}

/// Migration 0010 counts the orders of each value of the counted fields with a `GROUP BY`:
/// the same counts as imports keep, after orders were replaced and values went missing.
#[tokio::test]
async fn the_migration_counts_values_as_imports_do() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    store.create_customer("c2", "Two").await.unwrap();
    let mut orders = crate::demo::generate::generate_orders(200, 8);
    store.import_orders("c2", orders[..50].to_vec()).await.unwrap();
    store.import_orders("c1", orders.clone()).await.unwrap();
    for order in &mut orders[..80] {
        order.action = None;
        order.site = None;
        order.request.status = Some("Replaced".into());
    }
    store.import_orders("c1", orders[..80].to_vec()).await.unwrap();

    let migration = include_str!("../../../migrations/sqlite/0010_order_value_counts.sql");
    let backfill = &migration[migration.find("SELECT customer_id, 'action'").expect("the backfill's SELECT")..];
    let recounted: Vec<(String, String, String, String, i64)> =
        sqlx::query_as(&format!("SELECT * FROM ({}) ORDER BY 1, 2, 3, 4", backfill.trim_end_matches([';', '\n'])))
            .fetch_all(&store.pool)
            .await
            .unwrap();
    let kept: Vec<(String, String, String, String, i64)> =
        sqlx::query_as("SELECT customer_id, field, value, status, orders FROM order_value_counts WHERE orders <> 0 ORDER BY 1, 2, 3, 4")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    assert_eq!(recounted, kept);
    let fields: std::collections::BTreeSet<&str> = kept.iter().map(|(_, field, ..)| field.as_str()).collect();
    assert_eq!(fields.len(), crate::store::sql::columns::COUNTED_FIELDS.len(), "{fields:?}");
    assert!(kept.iter().any(|(_, _, value, ..)| value == "Replaced"));
}

/// SQLite is built as `.cargo/config.toml` asks: without the memory statistics whose global
/// mutex every allocation took (docs/performance.md, step 26), and without the memory
/// management that put every connection's pages in one shared cache (step 37).
#[tokio::test]
async fn sqlite_is_built_without_memory_statistics_or_a_shared_page_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(&store.pool).await.unwrap();
    assert!(options.iter().any(|option| option == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    assert!(!options.iter().any(|option| option == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
}

/// A database locked by another process: the direct read steps aside at once and the pool's
/// read reports it unavailable after the busy timeout.
#[tokio::test]
async fn a_locked_database_defers_to_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.find_client("app").await.unwrap();
    // Taken once the idle connections (the pool's and the direct reader's) have closed.
    let holder = rusqlite::Connection::open(dir.path().join("direct.db")).unwrap();
    holder.busy_timeout(Duration::ZERO).unwrap();
    holder.execute_batch("PRAGMA locking_mode = EXCLUSIVE").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while holder.execute_batch("BEGIN EXCLUSIVE; UPDATE customers SET name = name").is_err() {
        assert!(std::time::Instant::now() < deadline, "the test could not lock the database");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = TokenKey { expires_at: OffsetDateTime::now_utc(), hash: secret::hash("t") };
    let failed = store.find_call_credentials(&token, None).await;
    assert!(matches!(failed, Err(StoreError::Unavailable(_))), "{failed:?}");
    assert_eq!(store.direct.as_ref().unwrap().counts(), crate::store::DirectReadCounts { answered: 1, deferred: 1 });
    holder.execute_batch("COMMIT; PRAGMA locking_mode = NORMAL; SELECT 1 FROM customers;").unwrap();
    drop(holder);
    let (token, key) = store.find_call_credentials(&token, None).await.unwrap();
    assert!(token.is_none() && key.is_none());
    assert_eq!(store.direct.as_ref().unwrap().counts(), crate::store::DirectReadCounts { answered: 2, deferred: 1 });
}

/// Lists abandoned at every point of their way (timeouts from 0 to 300 µs) leave no
/// connection inside a transaction: every later list, and every write, on any connection of
/// the pool, succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_lists_leave_every_connection_usable() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    store.import_orders("c1", crate::demo::generate::generate_orders(200, 5)).await.unwrap();
    let query = crate::query::parse_query("sort=-orderDate&limit=20&offset=20", crate::query::Limits { default_limit: 20, max_limit: 100 })
        .unwrap();
    for attempt in 0..3_000_u64 {
        let _ = tokio::time::timeout(Duration::from_micros(attempt % 300), store.list_orders("c1", &query, None)).await;
    }
    for attempt in 0..16 {
        let page = store.list_orders("c1", &query, None).await.expect("a list after abandoned ones");
        assert_eq!((page.total, page.orders.len()), (200, 20));
        store
            .create_client(NewClient {
                client_id: format!("app{attempt}"),
                customer_id: "c1".into(),
                name: None,
                secret_hash: secret::hash("s"),
            })
            .await
            .expect("a write after abandoned lists");
    }
}

/// How SQLite runs the ids query of `raw` under `plan`: the details of its query plan.
async fn plan_of(store: &SqlStore<Sqlite>, raw: &str, plan: PagePlan) -> String {
    let query = parse_query(raw, Limits { default_limit: 20, max_limit: 1000 }).unwrap();
    let (sql, binds) = list_sql("c1", &query, NullsSort::Low).ids(&query, plan);
    let explain_sql = format!("EXPLAIN QUERY PLAN {sql}");
    let mut explain = sqlx::query(&explain_sql);
    for bind in binds {
        explain = match bind {
            Bind::Text(text) => explain.bind(text),
            Bind::Int(int) => explain.bind(int),
            Bind::Blob(bytes) => explain.bind(bytes),
        };
    }
    let rows = explain.fetch_all(&store.pool).await.unwrap();
    rows.iter().map(|row| row.get::<String, _>("detail")).collect::<Vec<_>>().join("; ")
}

/// The tables of `page_plan.rs` hold for the indexes the migrations create: every sort it
/// walks comes out of an index in order, and every filter it searches by has an index.
/// After an import, as in use: the city's index is reached by a skip-scan, which SQLite only
/// tries with the statistics the import leaves. A connection loads them with the schema, so
/// the plans are read on connections opened after the import.
#[tokio::test]
async fn each_page_plan_uses_the_index_it_was_chosen_for() {
    let dir = tempfile::tempdir().unwrap();
    let importer = store_in(&dir).await;
    importer.create_customer("c1", "One").await.unwrap();
    let orders: Vec<_> = crate::demo::generate::order_stream(300, 1).collect();
    importer.import_orders("c1", orders.clone()).await.unwrap();
    importer.pool.close().await;
    let store = store_in(&dir).await;
    for sort in WALKABLE_SORTS {
        let keys: Vec<String> = sort.iter().map(|(path, descending)| format!("{}{path}", if *descending { "-" } else { "" })).collect();
        let raw =
            if keys.is_empty() { "site.address.country=FR".to_owned() } else { format!("site.address.country=FR&sort={}", keys.join(",")) };
        let plan = plan_of(&store, &raw, PagePlan::WalkSortIndex).await;
        assert!(plan.contains("USING") && !plan.contains("TEMP B-TREE FOR ORDER BY"), "{raw}: {plan}");
    }
    for path in INDEXED_FILTERS {
        let value = if catalogue::find(path).unwrap().column.ends_with("date") { "2026-01-01T00:00:00Z" } else { "x" };
        let raw = format!("{path}={value}&sort=-orderDate");
        let plan = plan_of(&store, &raw, PagePlan::FilterFirst).await;
        let column = catalogue::find(path).unwrap().column;
        assert!(plan.contains(&format!("{column}=?")), "{raw}: {plan}");
    }
}

/// Pooled and direct connections alike keep the small page cache (step 31): the file's
/// pages are in the operating system's cache anyway.
#[tokio::test]
async fn every_connection_keeps_the_small_page_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    let pooled: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&store.pool).await.unwrap();
    let direct =
        store.direct.as_ref().unwrap().read(|connection| connection.pragma_query_value(None, "cache_size", |row| row.get::<_, i64>(0)));
    assert_eq!((pooled, direct), (-i64::from(PAGE_CACHE_KIB), Some(-i64::from(PAGE_CACHE_KIB))));
}

/// An import that fails after its settings took effect leaves no pooled connection with
/// them: the one connection of the pool has the pool's page cache afterwards.
#[tokio::test]
async fn a_failed_import_leaves_no_connection_with_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    // Kept long enough idle that no new connection could pass for the one that imported; and
    // time to open the new one when the machine is busy (the import's connection is closed).
    let options = StoreOptions {
        max_connections: 1,
        idle_timeout: Duration::from_secs(60),
        connect_timeout: Duration::from_secs(30),
        ..options_in(&dir)
    };
    let store = open(&options).await.unwrap();
    let orders: Vec<_> = crate::demo::generate::order_stream(3, 1).collect();
    let failed = store.import_orders("no such customer", orders.clone()).await;
    assert!(matches!(failed, Err(StoreError::NotFound(_))), "{failed:?}");
    let cache_size: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&store.pool).await.unwrap();
    assert_eq!(cache_size, -i64::from(PAGE_CACHE_KIB));
    // Nor does one that succeeds.
    store.create_customer("c1", "One").await.unwrap();
    store.import_orders("c1", orders.clone()).await.unwrap();
    let cache_size: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&store.pool).await.unwrap();
    assert_eq!(cache_size, -i64::from(PAGE_CACHE_KIB));
}

/// The import's commit does not checkpoint (its connection turns that off); the checkpoint
/// after it does, and then empties the WAL: once the import returns, its orders are in the
/// database file itself (a copy of the file alone holds them) and the WAL holds nothing for
/// the next process to read back. Few orders, so that no other connection's automatic
/// checkpoint (at 1,000 pages of WAL) could do either instead.
#[tokio::test]
async fn an_import_leaves_its_orders_in_the_database_file_and_an_empty_wal() {
    let dir = tempfile::tempdir().unwrap();
    for max_connections in [4, 1] {
        let options = StoreOptions { max_connections, idle_timeout: Duration::from_secs(60), ..options_in(&dir) };
        let store = open(&options).await.unwrap();
        let customer = format!("c{max_connections}");
        store.create_customer(&customer, "One").await.unwrap();
        let orders: Vec<_> = crate::demo::generate::order_stream(50, max_connections.into()).collect();
        store.import_orders(&customer, orders).await.unwrap();
        let wal = std::fs::metadata(dir.path().join("direct.db-wal")).unwrap().len();
        assert_eq!(wal, 0, "{max_connections} connections");
        let copy = dir.path().join("file-alone.db");
        std::fs::copy(dir.path().join("direct.db"), &copy).unwrap();
        let in_file: i64 = rusqlite::Connection::open(&copy)
            .unwrap()
            .query_row("SELECT count(*) FROM orders WHERE customer_id = ?1", [&customer], |row| row.get(0))
            .unwrap();
        assert_eq!(in_file, 50, "{max_connections} connections");
        // The import's connection went with its settings.
        let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&store.pool).await.unwrap();
        assert_eq!(autocheckpoint, 1000);
        std::fs::remove_file(&copy).unwrap();
        store.pool.close().await;
    }
}

/// Tokens reach the database file itself soon after they are written, although the WAL
/// is far below the 1,000 pages at which a commit checkpoints it: a checkpoint ran beside
/// the writes (`CHECKPOINT_AHEAD`). A copy of the file alone holds them. No connection
/// closes meanwhile (closing the last one would checkpoint too).
#[tokio::test]
async fn tokens_are_checkpointed_into_the_file_beside_the_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&StoreOptions { idle_timeout: Duration::from_secs(60), ..options_in(&dir) }).await.unwrap();
    customer_with_client(&store).await;
    let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(1);
    for token in 0..10 {
        let key = TokenKey { expires_at, hash: secret::hash(&format!("t{token}")) };
        store.insert_access_token(NewAccessToken { key, client_id: "app".into(), customer_id: "c1".into() }).await.unwrap();
    }
    let copy = dir.path().join("file-alone.db");
    let tokens_in_file = || {
        std::fs::copy(dir.path().join("direct.db"), &copy).unwrap();
        let count = rusqlite::Connection::open(&copy).unwrap().query_row("SELECT count(*) FROM access_tokens", [], |row| row.get(0));
        std::fs::remove_file(&copy).unwrap();
        count.unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut in_file: i64 = tokens_in_file();
    while in_file < 10 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        in_file = tokens_in_file();
    }
    assert_eq!(in_file, 10, "tokens in the database file without its WAL");
}

/// The secondary indexes of `orders` and their statistics: what a large import drops and
/// builds again must come back the same.
async fn orders_indexes(store: &SqlStore<Sqlite>) -> (i64, Vec<(String, String)>, Vec<String>) {
    let schema_version: i64 = sqlx::query_scalar("PRAGMA schema_version").fetch_one(&store.pool).await.unwrap();
    let indexes = sqlx::query_as(Sqlite::ORDERS_INDEXES.unwrap()).fetch_all(&store.pool).await.unwrap();
    let analyzed =
        sqlx::query_scalar("SELECT idx FROM sqlite_stat1 WHERE tbl = 'orders' ORDER BY idx").fetch_all(&store.pool).await.unwrap();
    (schema_version, indexes, analyzed)
}

/// A large import rebuilds the indexes of `orders` in its transaction (step 18 of
/// docs/performance.md): they come back as they were, analyzed, even when no order changed;
/// an import that fails after dropping them leaves them in place; a small one keeps them.
#[tokio::test]
async fn large_imports_rebuild_the_indexes_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    let orders = crate::demo::generate::generate_orders(1_600, 4);
    store.import_orders("c1", orders[..600].to_vec()).await.unwrap();
    let (version, indexes, analyzed) = orders_indexes(&store).await;
    assert!(indexes.len() >= 8, "{indexes:?}");
    let mut every_index: Vec<String> = indexes.iter().map(|(name, _)| name.clone()).collect();
    every_index.push("sqlite_autoindex_orders_1".into());
    every_index.sort();
    assert_eq!(analyzed, every_index, "statistics of every index after the first import");

    // 1,000 orders against 600 stored: rebuilt. Each index is dropped and created once.
    store.import_orders("c1", orders[600..].to_vec()).await.unwrap();
    let rebuilt = orders_indexes(&store).await;
    assert_eq!(rebuilt, (version + 2 * indexes.len() as i64, indexes.clone(), analyzed.clone()));
    let status_and_date: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders INDEXED BY orders_by_status_date_desc_id WHERE customer_id = 'c1' AND status = 'Current'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    let expected = orders.iter().filter(|order| order.status == crate::domain::order::OrderStatus::Current).count();
    assert_eq!(status_and_date as usize, expected, "the rebuilt index holds every order");

    // The same 1,600 orders again: nothing changes, the indexes are rebuilt and analyzed.
    store.import_orders("c1", orders.clone()).await.unwrap();
    let unchanged = orders_indexes(&store).await;
    assert_eq!(unchanged, (version + 4 * indexes.len() as i64, indexes.clone(), analyzed.clone()));

    // Failing after the indexes were dropped (a trigger refuses one order), the import leaves them.
    sqlx::query(&format!(
        "CREATE TRIGGER refuse BEFORE INSERT ON order_changes WHEN NEW.order_id = '{}' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        orders[1_599].id
    ))
    .execute(&store.pool)
    .await
    .unwrap();
    let mut changed = orders.clone();
    for order in &mut changed {
        order.request.customer_reference = Some("changed".into());
    }
    let events_before = crate::store::EventStore::list_events(&store, "c1", 0, u32::MAX, &[]).await.unwrap().len();
    assert!(store.import_orders("c1", changed.clone()).await.is_err());
    let events = crate::store::EventStore::list_events(&store, "c1", 0, u32::MAX, &[]).await.unwrap();
    assert_eq!(events.len(), events_before, "a rolled-back import records no event");
    let after_failure = orders_indexes(&store).await;
    assert_eq!(after_failure, (unchanged.0 + 1, indexes.clone(), analyzed.clone()), "only the trigger added to the schema");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&store.pool).await.unwrap();
    assert_eq!(integrity, "ok");

    // 999 orders: kept, not rebuilt.
    let before = orders_indexes(&store).await.0;
    store.import_orders("c1", changed[..999].to_vec()).await.unwrap();
    assert_eq!(orders_indexes(&store).await.0, before);
}

/// The statistics of rebuilt indexes are gathered in the import's transaction and committed
/// with them: no reader plans without them, even before the upkeep after the import runs.
#[tokio::test]
async fn rebuilt_indexes_are_analyzed_by_the_import_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    let mut connection = store.pool.acquire().await.unwrap();
    connection.close_on_drop();
    // The import alone, without the upkeep `import_orders` runs after it.
    SqlStore::<Sqlite>::import_on(&mut connection, "c1", crate::demo::generate::generate_orders(1_200, 4)).await.unwrap();
    drop(connection);
    let (_, indexes, _) = orders_indexes(&store).await;
    let stats: Vec<(String, String)> =
        sqlx::query_as("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'orders'").fetch_all(&store.pool).await.unwrap();
    for (index, _) in &indexes {
        let stat = stats.iter().find(|(name, _)| name == index).map(|(_, stat)| stat.as_str());
        assert!(stat.is_some_and(|stat| stat.starts_with("1200 ")), "{index}: {stat:?} in {stats:?}");
    }
}

/// Migration 0009 points each order at its latest change and drops the second copy of its
/// document; an order whose latest change did not hold its document (none should exist) gets
/// a change that does, so that it serves the same document after the migration.
#[tokio::test]
async fn the_migration_keeps_each_document_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, orders, _) = store_with_changed_orders(&dir, 30, 10).await;

    // The same orders as the schema before 0009 held them: a document beside each order, and
    // the change log's documents as text (before 0011). Migration 0010 stays applied: it
    // does not touch documents.
    let mut connection = store.pool.acquire().await.unwrap();
    change_log_as_before_packing(&mut connection).await;
    execute_all(
        &mut connection,
        &[
            "CREATE TABLE order_documents (customer_id TEXT NOT NULL, order_id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (customer_id, order_id)) STRICT",
            "INSERT INTO order_documents SELECT o.customer_id, o.id, c.doc FROM orders o JOIN order_changes c ON c.seq = o.doc_seq",
            "ALTER TABLE orders DROP COLUMN doc_seq",
            "DELETE FROM _sqlx_migrations WHERE version = 9",
        ],
    )
    .await;
    // One document that its latest change does not hold, one order with no change at all.
    let (odd, unlogged) = (&orders[0].id, &orders[20].id);
    sqlx::query("UPDATE order_documents SET doc = json_set(doc, '$.action', 'Delete') WHERE order_id = $1")
        .bind(odd)
        .execute(&mut *connection)
        .await
        .unwrap();
    sqlx::query("DELETE FROM order_changes WHERE order_id = $1").bind(unlogged).execute(&mut *connection).await.unwrap();
    let expected: Vec<String> =
        sqlx::query_scalar("SELECT doc FROM order_documents ORDER BY order_id").fetch_all(&mut *connection).await.unwrap();
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM order_changes").fetch_one(&mut *connection).await.unwrap();

    MIGRATOR.run(&mut *connection).await.unwrap();
    drop(connection);
    let mut by_id: Vec<&crate::domain::order::Order> = orders.iter().collect();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    for (order, expected) in by_id.iter().zip(&expected) {
        let found = store.get_order("c1", &order.id).await.unwrap().expect("every order still served");
        assert_eq!(found.as_str(), expected.as_str(), "order {}", order.id);
    }
    assert!(expected.iter().any(|doc| doc.contains("\"Delete\"")), "the test changed a document");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM order_changes").fetch_one(&store.pool).await.unwrap();
    assert_eq!(after, changes + 2, "a change for the odd document and for the unlogged order");
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'order_documents'").fetch_one(&store.pool).await.unwrap();
    assert_eq!(tables, 0);
}
/// A store of customer `c1` with `count` generated orders, the first `changed` of them
/// imported a second time with another customer reference (each has two changes).
async fn store_with_changed_orders(
    dir: &tempfile::TempDir,
    count: usize,
    changed: usize,
) -> (SqlStore<Sqlite>, Vec<crate::domain::order::Order>, Vec<crate::domain::order::Order>) {
    let store = store_in(dir).await;
    store.create_customer("c1", "One").await.unwrap();
    let orders = crate::demo::generate::generate_orders(count, 5);
    store.import_orders("c1", orders.clone()).await.unwrap();
    let mut changed = orders[..changed].to_vec();
    for order in &mut changed {
        order.request.customer_reference = Some("changed".into());
    }
    store.import_orders("c1", changed.clone()).await.unwrap();
    (store, orders, changed)
}

/// Runs each statement in turn on `connection`.
async fn execute_all(connection: &mut sqlx::SqliteConnection, statements: &[&str]) {
    for statement in statements {
        sqlx::query(statement).execute(&mut *connection).await.unwrap();
    }
}

/// The change log as migrations before 0011 left it: documents as text, in a table whose
/// `doc` is TEXT, and 0011 not applied.
async fn change_log_as_before_packing(connection: &mut sqlx::SqliteConnection) {
    let changes: Vec<(i64, String, String, i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, customer_id, order_id, changed_at, doc FROM order_changes").fetch_all(&mut *connection).await.unwrap();
    execute_all(
        connection,
        &[
            "DROP TABLE order_changes",
            "CREATE TABLE order_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL, order_id TEXT NOT NULL, changed_at INTEGER NOT NULL, doc TEXT NOT NULL) STRICT",
            "CREATE INDEX order_changes_by_order ON order_changes (customer_id, order_id, seq)",
            "DELETE FROM _sqlx_migrations WHERE version = 11",
        ],
    )
    .await;
    for (seq, customer_id, order_id, changed_at, doc) in changes {
        let doc = crate::store::sql::packed_documents::unpack(&doc).unwrap();
        sqlx::query("INSERT INTO order_changes VALUES ($1, $2, $3, $4, $5)")
            .bind(seq)
            .bind(customer_id)
            .bind(order_id)
            .bind(changed_at)
            .bind(doc)
            .execute(&mut *connection)
            .await
            .unwrap();
    }
}

/// Migration 0011 moves the change log into a table of packed documents: every change is
/// kept with its number and document, those stored before are served as they were, an import
/// of the same orders sees them unchanged, and change numbers go on from where they were even
/// when the latest change is gone.
#[tokio::test]
async fn the_packing_migration_keeps_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let (store, orders, changed) = store_with_changed_orders(&dir, 40, 5).await;

    let mut connection = store.pool.acquire().await.unwrap();
    change_log_as_before_packing(&mut connection).await;
    // The latest number is gone (as if pruned): it must not be handed out again.
    let last: i64 = sqlx::query_scalar("SELECT max(seq) FROM order_changes").fetch_one(&mut *connection).await.unwrap();
    sqlx::query("INSERT INTO order_changes (customer_id, order_id, changed_at, doc) VALUES ('c1', 'gone', 0, '{}')")
        .execute(&mut *connection)
        .await
        .unwrap();
    sqlx::query("DELETE FROM order_changes WHERE order_id = 'gone'").execute(&mut *connection).await.unwrap();
    let before: Vec<(i64, String, i64, String)> =
        sqlx::query_as("SELECT seq, order_id, changed_at, doc FROM order_changes ORDER BY seq").fetch_all(&mut *connection).await.unwrap();
    assert_eq!(before.len(), 45);

    MIGRATOR.run(&mut *connection).await.unwrap();
    let kind: String = sqlx::query_scalar("SELECT type FROM pragma_table_info('order_changes') WHERE name = 'doc'")
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    assert_eq!(kind, "BLOB");
    let after: Vec<(i64, String, i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, order_id, changed_at, doc FROM order_changes ORDER BY seq").fetch_all(&mut *connection).await.unwrap();
    let after: Vec<(i64, String, i64, String)> =
        after.into_iter().map(|(seq, id, at, doc)| (seq, id, at, String::from_utf8(doc).expect("kept as plain JSON"))).collect();
    assert_eq!(after, before);
    drop(connection);

    for order in &orders {
        let served = store.get_order("c1", &order.id).await.unwrap().expect("still served");
        let latest = changed.iter().find(|changed| changed.id == order.id).unwrap_or(order);
        assert_eq!(served.as_str(), latest.to_document().as_str());
    }
    let summary = store.import_orders("c1", orders[5..].to_vec()).await.unwrap();
    assert_eq!((summary.created, summary.updated), (0, 35));
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM order_changes").fetch_one(&store.pool).await.unwrap();
    assert_eq!(changes, 45, "orders stored before the migration are seen unchanged");

    // A real change after the migration: packed, numbered after every number used before.
    store.import_orders("c1", orders[..1].to_vec()).await.unwrap();
    let (seq, doc): (i64, Vec<u8>) =
        sqlx::query_as("SELECT seq, doc FROM order_changes ORDER BY seq DESC LIMIT 1").fetch_one(&store.pool).await.unwrap();
    assert_eq!(seq, last + 2);
    assert_ne!(doc[0], b'{', "packed");
    assert_eq!(store.get_order("c1", &orders[0].id).await.unwrap().unwrap().as_str(), orders[0].to_document().as_str());
}

/// Writes queued together share one transaction, and each is checked against the writes before
/// it in the group: of eight that require the order as it was, the first passes, the others
/// fail and write nothing; an unknown customer fails its own write only.
#[tokio::test]
async fn a_group_checks_each_write_against_the_writes_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(&dir).await;
    store.create_customer("c1", "One").await.unwrap();
    let original = crate::demo::generate::generate_orders(1, 4).remove(0);
    store.put_order("c1", original.clone(), None).await.unwrap();
    let as_it_was = original.to_document().as_str().to_owned();
    let version = |store: &SqlStore<Sqlite>| {
        let pool = store.pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT orders_version FROM customers WHERE id = 'c1'").fetch_one(&pool).await.unwrap() }
    };
    let before = version(&store).await;
    // On this one thread, the group's task runs only once every write is queued.
    let writes = (0..8).map(|n| {
        let mut order = original.clone();
        order.request.customer_reference = Some(format!("PO-{n}"));
        let as_it_was = as_it_was.clone();
        store.put_order("c1", order, Some(Box::new(move |stored| stored == Some(as_it_was.as_str()))))
    });
    let unknown = store.put_order("nobody", original.clone(), None);
    let (outcomes, unknown) = tokio::join!(futures_util::future::join_all(writes), unknown);
    assert!(matches!(outcomes[0], Ok(ImportSummary { created: 0, updated: 1 })), "{:?}", outcomes[0]);
    assert!(outcomes[1..].iter().all(|outcome| matches!(outcome, Err(StoreError::PreconditionFailed))), "{outcomes:?}");
    assert!(matches!(unknown, Err(StoreError::NotFound(_))), "{unknown:?}");
    let stored = store.get_order("c1", &original.id).await.unwrap().unwrap();
    assert!(stored.as_str().contains("\"PO-0\""), "{}", stored.as_str());
    assert_eq!(version(&store).await, before + 1, "only the write that passed changed the orders");
}

/// The rows of `table` in the database of `dir`, in key order, without the columns that name
/// the change a row points at and its time (they differ between any two writes).
fn rows_of(dir: &tempfile::TempDir, table: &str, key: &str) -> Vec<Vec<String>> {
    let connection = rusqlite::Connection::open(dir.path().join("direct.db")).unwrap();
    let mut statement = connection.prepare(&format!("SELECT * FROM {table} ORDER BY {key}")).unwrap();
    let names: Vec<String> = statement.column_names().iter().map(|name| name.to_string()).collect();
    let kept: Vec<usize> = (0..names.len()).filter(|&n| !["updated_at", "doc_seq"].contains(&names[n].as_str())).collect();
    let rows = statement.query_map([], |row| Ok(kept.iter().map(|&n| format!("{:?}", row.get_ref(n).unwrap())).collect())).unwrap();
    rows.map(Result::unwrap).collect()
}

/// Single-order writes update changed orders in place; an import deletes and inserts them.
/// Both leave the same rows: every column of `orders`, every appointment and milestone.
#[tokio::test]
async fn updates_in_place_leave_the_rows_an_import_leaves() {
    let (in_place, imported) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (store_in(&in_place).await, store_in(&imported).await);
    for store in [&a, &b] {
        store.create_customer("c1", "One").await.unwrap();
    }
    let first = crate::demo::generate::generate_orders(60, 1);
    let others = crate::demo::generate::generate_orders(60, 2);
    let last: Vec<_> = first
        .iter()
        .zip(others)
        .enumerate()
        .map(|(n, (first, mut other))| match n % 3 {
            // One column changed.
            0 => {
                let mut order = first.clone();
                order.request.customer_reference = Some(format!("changed-{n}"));
                order
            }
            // Everything, its appointments and milestones included.
            1 => {
                other.id = first.id.clone();
                other
            }
            _ => first.clone(),
        })
        .collect();
    a.import_orders("c1", first).await.unwrap();
    for order in &last {
        a.put_order("c1", order.clone(), None).await.unwrap();
    }
    b.import_orders("c1", last).await.unwrap();
    for (table, key) in [
        ("orders", "customer_id, id"),
        ("order_appointments", "customer_id, order_id, position"),
        ("order_milestones", "customer_id, order_id, position"),
    ] {
        let (updated, rewritten) = (rows_of(&in_place, table, key), rows_of(&imported, table, key));
        assert!(!updated.is_empty(), "{table} has rows");
        assert_eq!(updated, rewritten, "{table}");
    }
}
