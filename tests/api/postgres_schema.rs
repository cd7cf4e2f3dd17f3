//! PostgreSQL's schema: text compares byte for byte everywhere, as on SQLite. A key column with
//! another collation cannot be joined through its index to one with "C" (migration 0005 left
//! `order_documents` so, and every list page read the whole table until 0007).

use sqlx::Connection;

use crate::backend::{Backend, TestDatabase, postgres_available};
use crate::harness::TestApp;

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
