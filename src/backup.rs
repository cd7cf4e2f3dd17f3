//! Copies of a SQLite database: `admin backup` while servers run and serve, `admin restore`
//! once they are stopped. PostgreSQL has its own tools for this (docs/operating.md: pg_dump).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use rusqlite::{Connection, OpenFlags};
use sqlx::sqlite::SqliteConnectOptions;

/// What a copy holds, counted in the copy itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contents {
    pub bytes: u64,
    pub customers: u64,
    pub orders: u64,
}

/// The file a `sqlite:` database URL names; any other URL is refused with what to use instead.
pub fn sqlite_file(url: &str, command: &str) -> anyhow::Result<PathBuf> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        bail!("admin {command} copies SQLite databases; for PostgreSQL use pg_dump and pg_restore (docs/operating.md, Backups)");
    }
    ensure!(url.starts_with("sqlite:"), "admin {command} needs a sqlite://PATH database, not {:?}", crate::store::mask_password(url));
    let file = SqliteConnectOptions::from_str(url)?.get_filename().to_path_buf();
    ensure!(
        !file.as_os_str().is_empty() && !url.contains(":memory:") && !url.contains("mode=memory"),
        "admin {command} needs a database in a file, not in memory"
    );
    Ok(file)
}

/// Writes a consistent copy of `database` to `to`, which must not exist yet. `VACUUM INTO` reads
/// one snapshot in one read transaction, so servers go on reading and writing meanwhile, and
/// their writes are never half in the copy. The copy is written beside `to` and renamed once it
/// is on disk: a killed backup leaves no file that looks whole.
pub fn backup(database: &Path, to: &Path, busy_timeout: Duration) -> anyhow::Result<Contents> {
    ensure!(database.exists(), "{} does not exist: check --database", database.display());
    ensure!(!to.exists(), "{} exists already: choose a new file name, or remove that file first", to.display());
    let partial = partial_name(to);
    let _ = std::fs::remove_file(&partial);
    let source = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", database.display()))?;
    source.busy_timeout(busy_timeout)?;
    let copied = source
        .execute("VACUUM INTO ?1", [partial.to_string_lossy()])
        .with_context(|| format!("cannot copy {} to {}", database.display(), partial.display()));
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::File::open(&partial).and_then(|file| file.sync_all()).with_context(|| format!("cannot sync {}", partial.display()))?;
    std::fs::rename(&partial, to).with_context(|| format!("cannot rename {} to {}", partial.display(), to.display()))?;
    sync_directory_of(to)?;
    contents(to)
}

/// Copies the backup `from` into `database`. The copy goes through SQLite's online backup API
/// as one write transaction: a restore that is killed leaves the database as it was. A database
/// that holds anything is replaced only with `force`.
pub fn restore(from: &Path, database: &Path, force: bool) -> anyhow::Result<Contents> {
    let backup = check_backup(from)?;
    let mut target = Connection::open(database).with_context(|| format!("cannot open {}", database.display()))?;
    let tables: u64 = target.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", [], |row| row.get(0))?;
    ensure!(
        tables == 0 || force,
        "{} holds a database already; stop the servers that use it and give --force to replace it with {}",
        database.display(),
        from.display()
    );
    target.busy_timeout(Duration::from_secs(5))?;
    target
        .restore(rusqlite::DatabaseName::Main, from, None::<fn(rusqlite::backup::Progress)>)
        .with_context(|| format!("cannot restore {} into {}", from.display(), database.display()))?;
    drop(target);
    let restored = contents(database)?;
    ensure!(
        (restored.customers, restored.orders) == (backup.customers, backup.orders),
        "the restored database holds {} customers and {} orders where {} holds {} and {}",
        restored.customers,
        restored.orders,
        from.display(),
        backup.customers,
        backup.orders
    );
    Ok(restored)
}

/// `from` is whole and is an order-tracking database: anything else is refused before the
/// target is touched.
fn check_backup(from: &Path) -> anyhow::Result<Contents> {
    ensure!(from.is_file(), "{} is not a file: give the path that admin backup --to wrote", from.display());
    let connection = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", from.display()))?;
    let check: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .with_context(|| format!("{} is not a SQLite database", from.display()))?;
    ensure!(check == "ok", "{} is damaged (SQLite's quick_check: {check}); restore from another backup", from.display());
    let migrated: bool =
        connection.query_row("SELECT count(*) > 0 FROM sqlite_schema WHERE name = '_sqlx_migrations'", [], |row| row.get(0))?;
    ensure!(migrated, "{} is a SQLite database but not an order-tracking one (it has no migrations table)", from.display());
    drop(connection);
    contents(from)
}

fn contents(file: &Path) -> anyhow::Result<Contents> {
    let connection = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", file.display()))?;
    let count = |table: &str| -> anyhow::Result<u64> {
        connection
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))
            .with_context(|| format!("cannot count the {table} of {}", file.display()))
    };
    let bytes = std::fs::metadata(file)?.len();
    Ok(Contents { bytes, customers: count("customers")?, orders: count("orders")? })
}

fn partial_name(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    to.with_file_name(name)
}

/// The rename is durable only once the directory that holds it is synced.
fn sync_directory_of(file: &Path) -> anyhow::Result<()> {
    let directory = file.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(directory)
        .and_then(|directory| directory.sync_all())
        .with_context(|| format!("cannot sync {}", directory.display()))
}
