//! PostgreSQL's schema: text compares byte for byte everywhere, as on SQLite; documents stored
//! before they were packed stay readable. A key column with
//! another collation cannot be joined through its index to one with "C" (migration 0005 left
//! `order_documents` so, and every list page read the whole table until 0007).

use std::sync::Arc;

use serde_json::Value;
use sqlx::Connection;

use crate::backend::{Backend, TestDatabase, postgres_available};
use crate::harness::{ORDERS, TestApp, order};

#[tokio::test]
async fn every_text_column_compares_byte_for_byte() {
    if !postgres_available() {
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    let database: &TestDatabase = &app.database;
    let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
    let other: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND data_type = 'text' AND table_name <> '_sqlx_migrations'
         AND collation_name IS DISTINCT FROM 'C' ORDER BY 1, 2",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert!(other.is_empty(), "text columns without COLLATE \"C\": {other:?}");
}

/// Migration 0011 turns the change log's documents from text into bytes: those stored before it
/// are served as they were, and an import of the same orders finds them unchanged.
#[tokio::test]
async fn documents_stored_as_text_before_packing_are_served_as_they_were() {
    if !postgres_available() {
        return;
    }
    let database = Arc::new(TestDatabase::create(Backend::Postgres).await);
    let mut app = TestApp::spawn_on(database.clone(), |_| {}).await;
    let tenant = app.tenant("Acme").await;
    let orders: Vec<Value> = (1..=5).map(|n| order(&format!("ORD-{n}"))).collect();
    app.import(&tenant, &orders).await;
    let mut served = Vec::new();
    for n in 1..=5 {
        let answer = app.get_as(&tenant, &format!("{ORDERS}/ORD-{n}")).await;
        assert_eq!(answer.status, 200);
        served.push(answer.body);
    }
    app.stop();
    drop(app);

    // The change log as it was before 0011: the same documents, as text.
    let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
    for statement in
        ["ALTER TABLE order_changes ALTER COLUMN doc TYPE text COLLATE \"C\" USING ''", "DELETE FROM _sqlx_migrations WHERE version = 11"]
    {
        sqlx::query(statement).execute(&mut connection).await.unwrap();
    }
    for (n, document) in (1..=5).zip(&served) {
        sqlx::query("UPDATE order_changes SET doc = $1 WHERE order_id = $2")
            .bind(document)
            .bind(format!("ORD-{n}"))
            .execute(&mut connection)
            .await
            .unwrap();
    }

    let app = TestApp::spawn_on(database.clone(), |_| {}).await;
    let kind: String = sqlx::query_scalar(
        "SELECT data_type::text FROM information_schema.columns WHERE table_name = 'order_changes' AND column_name = 'doc'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert_eq!(kind, "bytea");
    for (n, document) in (1..=5).zip(&served) {
        assert_eq!(&app.get_as(&tenant, &format!("{ORDERS}/ORD-{n}")).await.body, document);
    }
    app.import(&tenant, &orders).await;
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM order_changes").fetch_one(&mut connection).await.unwrap();
    assert_eq!(changes, 5, "orders stored before the migration are seen unchanged");
    let mut changed = orders[0].clone();
    changed["status"] = "Closed".into();
    app.import(&tenant, &[changed]).await;
    let first: Vec<u8> =
        sqlx::query_scalar("SELECT doc FROM order_changes ORDER BY seq DESC LIMIT 1").fetch_one(&mut connection).await.unwrap();
    assert_ne!(first[0], b'{', "a change after the migration is packed");
    assert!(app.get_as(&tenant, &format!("{ORDERS}/ORD-1")).await.body.contains("\"Closed\""));
}
