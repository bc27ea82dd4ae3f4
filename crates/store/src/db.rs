//! Opening the database: private directory and file, pragmas, migrations.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::{StoreError, migrations};

/// How long a writer waits for another process's write transaction before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) fn open_file(path: &Path) -> Result<Connection, StoreError> {
    let fail = |reason: String| StoreError::Open {
        path: path.to_path_buf(),
        reason,
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if !dir.exists() {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|error| {
                    fail(format!(
                        "cannot create directory {}: {error}",
                        dir.display()
                    ))
                })?;
        } else if !dir.is_dir() {
            return Err(fail(format!("{} is not a directory", dir.display())));
        }
    }
    // Create the file ourselves so it is 0600 from the first byte; SQLite gives the -wal and
    // -shm files the same mode as the database file.
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|error| fail(format!("cannot create the file: {error}")))?;
    let metadata = std::fs::metadata(path).map_err(|error| fail(error.to_string()))?;
    if metadata.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|error| fail(format!("cannot make the file private: {error}")))?;
    }
    let mut conn = Connection::open(path).map_err(|error| fail(error.to_string()))?;
    configure(&conn, true).map_err(|error| fail(error.to_string()))?;
    migrations::migrate(&mut conn).map_err(|error| fail(format!("migration failed: {error}")))?;
    Ok(conn)
}

pub(crate) fn open_memory() -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn, false)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &Connection, file: bool) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if file {
        // WAL: readers never block the writer; NORMAL is durable across process crashes
        // (only an OS crash can lose the last commits), which is the failure we design for.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                mode,
                "SQLite refused WAL mode; continuing with this journal mode"
            );
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Room for every statement of the write path (see [`Cached`]).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Statements through the connection's prepared-statement cache. Parsing the SQL anew on every
/// call was about an eighth of the gateway's CPU per job (perf, 1,000 async jobs).
pub(crate) trait Cached {
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;

    fn row<T, P, F>(&self, sql: &str, params: P, map: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P, F>(&self, sql: &str, params: P, map: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, map)
    }
}
