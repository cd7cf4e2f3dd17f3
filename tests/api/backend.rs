//! The database backends every test runs on, and a fresh database per test.
//!
//! PostgreSQL tests use the server at `ORDER_TRACKING_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`): each test creates its own database and
//! drops it. Without a reachable server they are skipped, saying so, unless `CI=true`, where
//! they fail.

use std::io::Write;
use std::sync::OnceLock;

use sqlx::{Connection, PgConnection, SqliteConnection};
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backends this run tests: SQLite always, PostgreSQL when reachable.
    pub fn available() -> Vec<Backend> {
        if postgres_available() { vec![Backend::Sqlite, Backend::Postgres] } else { vec![Backend::Sqlite] }
    }
}

fn postgres_admin_url() -> String {
    std::env::var("ORDER_TRACKING_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether PostgreSQL answers; checked once per test binary.
pub fn postgres_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let url = postgres_admin_url();
        let probe = url.clone();
        let reached = std::thread::spawn(move || block_on(async move { PgConnection::connect(&probe).await.map(drop) }))
            .join()
            .expect("the probe thread finishes");
        match reached {
            Ok(()) => true,
            Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("PostgreSQL is unreachable at {url} ({error}), and CI=true requires the PostgreSQL tests to run")
            }
            Err(error) => {
                // Straight to stderr: the test harness captures `eprintln!`, and this must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nnote: PostgreSQL tests SKIPPED: cannot connect to {url} ({error}). \
                     Start PostgreSQL or set ORDER_TRACKING_TEST_POSTGRES to run them.\n"
                );
                false
            }
        }
    })
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(future)
}

/// A database of its own for one test: a temporary SQLite file, or a PostgreSQL database
/// created for it. Dropped with its last holder.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    _dir: Option<TempDir>,
    postgres_name: Option<String>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDatabase { backend, url, _dir: Some(dir), postgres_name: None }
            }
            Backend::Postgres => {
                let name = format!("ot_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::connect(&postgres_admin_url()).await.expect("PostgreSQL answers");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("the test database is created");
                let admin_url = postgres_admin_url();
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                TestDatabase { backend, url: format!("{base}/{name}"), _dir: None, postgres_name: Some(name) }
            }
        }
    }

    /// Runs a statement on the database behind the server's back.
    pub async fn execute(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self.backend {
            Backend::Sqlite => sqlx::query(sql).execute(&mut SqliteConnection::connect(&self.url).await?).await.map(drop),
            Backend::Postgres => sqlx::query(sql).execute(&mut PgConnection::connect(&self.url).await?).await.map(drop),
        }
    }

    /// Every byte the database holds about credentials, as text, to search for secrets.
    pub async fn credential_text(&self) -> String {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut bytes = std::fs::read(path).expect("the database file");
                bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Backend::Postgres => {
                let mut connection = PgConnection::connect(&self.url).await.expect("the database");
                let mut text = String::new();
                for table in ["customers", "clients", "api_keys", "access_tokens"] {
                    let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
                        .fetch_all(&mut connection)
                        .await
                        .expect("the table reads");
                    text.extend(rows);
                }
                text
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_name.take() {
            // Drop runs inside the test's runtime, which cannot block: use a thread of its own.
            let drop_database = async move {
                let mut admin = PgConnection::connect(&postgres_admin_url()).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.map(drop)
            };
            let _ = std::thread::spawn(move || block_on(drop_database)).join();
        }
    }
}

/// Turns `async fn name(backend: Backend)` tests into one test per backend:
/// `module::sqlite::name` and `module::postgres::name`.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::backend::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if $crate::backend::postgres_available() {
                        super::$name($crate::backend::Backend::Postgres).await
                    }
                }
            )*
        }
    };
}
pub(crate) use backend_tests;
