//! Opening the database: private directory and file, pragmas, migrations.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::{StoreError, migrations};

/// The first pause of [`busy_wait`]; each next one doubles, up to [`BUSY_STEP_MAX`].
const BUSY_STEP_MIN: Duration = Duration::from_micros(25);
const BUSY_STEP_MAX: Duration = Duration::from_millis(10);
/// How often a writer tries for another process's write lock before failing: nine doubling
/// pauses (12.8 ms), then 10 ms each, about 5 s in all.
const BUSY_TRIES: u32 = 508;

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
    match inspect(path).map_err(fail)? {
        Existing::Missing => create_private(path).map_err(fail)?,
        existing => writable(&existing).map_err(fail)?,
    }
    let mut conn = Connection::open(path).map_err(|error| fail(error.to_string()))?;
    configure(&mut conn, true).map_err(|error| fail(error.to_string()))?;
    migrations::migrate(&mut conn).map_err(|error| fail(format!("migration failed: {error}")))?;
    Ok(conn)
}

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What is at a database path, found out before anything is created, opened or changed there.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Existing {
    Missing,
    /// An empty file: ours when it is private (another process just created it and has not
    /// written the header yet), a mistake otherwise.
    Empty {
        private: bool,
    },
    /// A SQLite file; `private` when no other user may read it.
    Database {
        private: bool,
    },
}

/// Refuses a path that holds something other than a SQLite database (a directory, an empty or
/// foreign file) with a message that says what to do, so the gateway never changes the mode
/// of, or writes `-wal`/`-shm` files beside, a file it did not create.
pub(crate) fn inspect(path: &Path) -> Result<Existing, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Missing),
        Err(error) => return Err(format!("cannot read it: {error}")),
    };
    if metadata.is_dir() {
        return Err(
            "it is a directory; give the path of a database file inside it, such as logs.db"
                .to_owned(),
        );
    }
    if !metadata.is_file() {
        return Err("it is not a regular file".to_owned());
    }
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut file| read_up_to(&mut file, &mut header))
        .map_err(|error| format!("cannot read it: {error}"))?;
    let private = metadata.permissions().mode() & 0o077 == 0;
    if read == 0 {
        return Ok(Existing::Empty { private });
    }
    if read < header.len() || &header != SQLITE_HEADER {
        return Err("it is not a SQLite database (the gateway leaves files it did not create untouched); choose another path".to_owned());
    }
    Ok(Existing::Database { private })
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            count => filled += count,
        }
    }
    Ok(filled)
}

/// Whether an existing file may be opened for writing as the database.
fn writable(existing: &Existing) -> Result<(), String> {
    match existing {
        Existing::Missing
        | Existing::Empty { private: true }
        | Existing::Database { private: true } => Ok(()),
        Existing::Empty { private: false } => Err(EMPTY.to_owned()),
        // Not ours to change: the gateway creates its files 0600, so someone else opened this
        // one up. Say so, and leave it as it is.
        Existing::Database { private: false } => {
            tracing::warn!(
                "the database file is readable by other users; `chmod 600` it to keep prompts and answers private"
            );
            Ok(())
        }
    }
}

/// Why an empty file is refused.
pub(crate) const EMPTY: &str =
    "it is an empty file, not a database; delete it or choose another path";

/// Creates the file 0600 from its first byte (SQLite gives the `-wal` and `-shm` files the
/// same mode). Never truncates: a file that appeared meanwhile is inspected again.
fn create_private(path: &Path) -> Result<(), String> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another process created it first: fine when it is a database or becoming one.
            inspect(path).and_then(|existing| writable(&existing))
        }
        Err(error) => Err(format!("cannot create the file: {error}")),
    }
}

pub(crate) fn open_memory() -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    configure(&mut conn, false)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

fn configure(conn: &mut Connection, file: bool) -> Result<(), rusqlite::Error> {
    wait_when_busy(conn)?;
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

/// Makes `conn` wait for another process's lock in short steps ([`busy_wait`]).
fn wait_when_busy(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    conn.busy_handler(Some(busy_wait))
}

/// SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 … 100 ms between tries, so with
/// many processes writing one file (every job's supervisor does) a writer that found the lock
/// taken for a few microseconds slept milliseconds, and one that kept missing it could starve
/// past the time-out. This one retries after 25 µs, doubling to 10 ms (few wake-ups when the
/// wait is long), and gives up after
/// [`BUSY_TRIES`] tries (about 5 s). `tries` counts the calls for this lock.
fn busy_wait(tries: i32) -> bool {
    let tries = u32::try_from(tries).unwrap_or(u32::MAX);
    if tries >= BUSY_TRIES {
        return false;
    }
    std::thread::sleep(busy_step(tries));
    true
}

/// The pause before try `tries + 1`.
fn busy_step(tries: u32) -> Duration {
    BUSY_STEP_MIN
        .saturating_mul(1 << tries.min(9))
        .min(BUSY_STEP_MAX)
}

/// Opens an existing database file read-only (`query_only`, waiting out another process's
/// lock as writers do).
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, String> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|error| error.to_string())?;
    wait_when_busy(&mut conn)
        .and_then(|()| conn.pragma_update(None, "query_only", true))
        .map_err(|error| error.to_string())?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_pauses_start_short_double_and_add_up_to_the_time_out() {
        let steps: Vec<Duration> = (0..BUSY_TRIES).map(busy_step).collect();
        assert_eq!(steps[0], BUSY_STEP_MIN);
        assert!(steps.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(steps.last(), Some(&BUSY_STEP_MAX));
        let total: Duration = steps.iter().sum();
        let off = total.abs_diff(Duration::from_secs(5));
        assert!(off < Duration::from_millis(100), "{total:?}");
        assert!(!busy_wait(i32::try_from(BUSY_TRIES).unwrap_or(i32::MAX)));
    }
}
