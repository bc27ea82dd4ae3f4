//! The SQLite store: the job table, output chunks, progress events, the flight recorder
//! (`requests`), tool calls, instances, sessions, approvals and validation runs — one database
//! file.
//!
//! Synchronous by design (rusqlite): callers on an async runtime use `spawn_blocking`. Every
//! state change is a compare-and-swap `UPDATE … WHERE status = ?` whose row count says who won,
//! and dedup / idempotency are decided inside one `IMMEDIATE` transaction, so several gateway
//! processes sharing the file agree. Text columns pass through [`gateway_core::redact::redact`]
//! here, at the one door to disk, unless redaction is turned off.
//!
//! Not here: spawning, timers, anything async (see `gateway-jobs`).

mod admission;
pub mod browse;
pub mod costs;
mod db;
mod jobs;
pub mod logs;
mod migrations;
mod migrations_pg;
mod model;
mod output;
pub mod query;
mod records;
mod sql;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use admission::{Claim, Load, SlotLimits, dispatch};
pub use model::{
    ApprovalRecord, DedupPolicy, EventRecord, JobFilter, JobFinish, JobRecord, NewApproval,
    NewEvent, NewJob, NewSession, NewToolCall, OutputChunk, PruneCounts, RequestRecord,
    RunningInfo, SessionRecord, Stream, SubmitOutcome, TaskRecord, ToolCallRecord,
};
pub use output::OutputPage;
pub use sql::pg::redact_url;

use sql::Db;

/// Genuine failures of the store. Expected outcomes (not found, lost a CAS race, deduplicated)
/// are values, never errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database directory or file could not be created or opened (read-only or full disk,
    /// a path through a regular file, permissions). Not retryable without operator action.
    #[error("cannot open the database at {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    /// SQLite refused an operation (disk full, locked past the busy wait, corrupt file).
    /// Retryable when the cause was a lock.
    #[error("database error: {error}{hint}", error = .0, hint = hint(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL server could not be reached, refused the login, or went away inside a
    /// transaction. `url` never holds the password.
    #[error("cannot reach the PostgreSQL database at {url}: {reason}")]
    Connect { url: String, reason: String },
    /// The store setting does not parse as a PostgreSQL URL. `url` never holds the password.
    #[error(
        "{url} is not a PostgreSQL URL ({reason}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=…]"
    )]
    BadUrl { url: String, reason: String },
    /// PostgreSQL refused a statement, or the connection dropped during one.
    #[error("database error: {error}{hint}", error = pg_message(.0), hint = pg_hint(.0))]
    Postgres(#[from] postgres::Error),
    /// A row held a value this binary cannot read (unknown status, bad JSON).
    #[error("unreadable row in `{table}`: {reason}")]
    Corrupt { table: &'static str, reason: String },
}

impl StoreError {
    /// Whether the database could not be reached at all (a PostgreSQL server down or
    /// restarting): nothing was written, and the same call can succeed later.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Connect { .. } => true,
            StoreError::Postgres(error) => pg_went_away(error),
            _ => false,
        }
    }
}

/// What to do about the SQLite errors an operator can fix, appended to the message.
fn hint(error: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => {
            " (free space on the database's disk; nothing is lost: running jobs keep their output in memory and write it once space returns)"
        }
        Some(ErrorCode::SystemIoFailure) => {
            " (writing the database failed: its disk may have turned read-only or be failing)"
        }
        Some(ErrorCode::ReadOnly) => " (the database file or its directory is read-only)",
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            " (another process held the database too long; retry)"
        }
        _ => "",
    }
}

/// The server's own words (`postgres::Error` alone says only "db error"), or the cause chain.
fn pg_message(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The connection closed, or the server ended the session (SQLSTATE class 08, connection
/// exception; 57P01–57P03, a shutdown or a server not yet accepting connections).
fn pg_went_away(error: &postgres::Error) -> bool {
    error.is_closed()
        || error.code().is_some_and(|code| {
            let code = code.code();
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        })
}

fn pg_hint(error: &postgres::Error) -> &'static str {
    if pg_went_away(error) {
        " (the PostgreSQL server went away; running jobs keep their output in memory and write it once it is back)"
    } else {
        ""
    }
}

/// Where the store lives. Serialized in full (a supervisor gets it on a pipe); `Debug` and
/// [`Location::shown`] never print a password.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Location {
    /// Nothing on disk (lost at exit): tests and throwaway runs.
    Memory,
    /// The embedded SQLite database file (the default).
    File(PathBuf),
    /// A PostgreSQL database shared by several gateways (`postgres://…`).
    Postgres(String),
}

impl Location {
    /// Anything with a `scheme://` names PostgreSQL (a mistyped scheme then fails as a bad
    /// URL instead of becoming a file whose name holds the password); the rest is a file path.
    pub fn parse(text: &str) -> Location {
        if text.contains("://") {
            Location::Postgres(text.to_owned())
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// The path, or the URL without its password: safe for logs and messages.
    pub fn shown(&self) -> String {
        match self {
            Location::Memory => ":memory:".to_owned(),
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => redact_url(url),
        }
    }
}

/// Never prints a password.
impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({})", self.shown())
    }
}

/// Whether `text` is a PostgreSQL connection URL.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub location: Location,
    /// Redact secrets from every text column before it is written.
    pub redact: bool,
}

impl StoreOptions {
    /// A store at `location` with redaction on.
    pub fn at(location: Location) -> StoreOptions {
        StoreOptions {
            location,
            redact: true,
        }
    }
}

/// One open database. Cheap to share behind an `Arc`; methods serialize on one connection,
/// which SQLite would do for writers anyway, and keeps reads consistent with this process's
/// own writes.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Db>,
    location: Location,
    redact: bool,
}

impl Store {
    /// Opens (a SQLite file is created 0600 in a 0700 directory as needed; a PostgreSQL
    /// database must exist) and migrates.
    pub fn open(options: &StoreOptions) -> Result<Store, StoreError> {
        let conn = match &options.location {
            Location::File(path) => Db::Sqlite(db::open_file(path)?),
            Location::Memory => Db::Sqlite(db::open_memory()?),
            Location::Postgres(url) => {
                let conn = sql::pg::Conn::connect(url)?;
                migrations_pg::migrate(&conn)?;
                Db::Postgres(Box::new(conn))
            }
        };
        Ok(Store {
            conn: Mutex::new(conn),
            location: options.location.clone(),
            redact: options.redact,
        })
    }

    /// Whether text columns are redacted on write (streams that arrive in pieces must be
    /// redacted before they are cut into chunks: see `gateway_core::redact::StreamRedactor`).
    pub fn redacts(&self) -> bool {
        self.redact
    }

    /// The database file, or `None` when in memory or on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::File(path) => Some(path),
            _ => None,
        }
    }

    /// Where the store lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        self.conn().engine()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn().schema_version()
    }

    /// The schema version this binary creates.
    pub const fn latest_schema_version() -> i64 {
        migrations::LATEST
    }

    /// The connection; a panic in another thread while holding it leaves the database
    /// consistent (transactions roll back on drop), so a poisoned lock is simply taken over.
    fn conn(&self) -> MutexGuard<'_, Db> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Redacts `text` when redaction is on.
    fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.redact {
            gateway_core::redact::redact(text)
        } else {
            Cow::Borrowed(text)
        }
    }

    fn scrub_opt<'a>(&self, text: Option<&'a str>) -> Option<Cow<'a, str>> {
        text.map(|text| self.scrub(text))
    }
}

/// Milliseconds since the Unix epoch (the unit of every `*_at` column).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod error_tests {
    use super::StoreError;
    use rusqlite::ffi;

    fn message(code: i32) -> String {
        StoreError::from(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)).to_string()
    }

    #[test]
    fn errors_an_operator_can_fix_say_what_to_do() {
        let cases = [
            (ffi::SQLITE_FULL, "database or disk is full", "free space"),
            (
                ffi::SQLITE_IOERR_WRITE,
                "disk I/O error",
                "read-only or be failing",
            ),
            (ffi::SQLITE_READONLY, "readonly", "is read-only"),
            (ffi::SQLITE_BUSY, "database is locked", "retry"),
        ];
        for (code, sqlite_says, hint) in cases {
            let text = message(code);
            assert!(text.starts_with("database error: "), "{text}");
            assert!(text.contains(sqlite_says), "{text}");
            assert!(text.contains(hint), "{text}");
        }
        assert!(!message(ffi::SQLITE_CONSTRAINT).contains('('));
    }
}
