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
mod model;
mod output;
pub mod query;
mod records;

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
    /// A row held a value this binary cannot read (unknown status, bad JSON).
    #[error("unreadable row in `{table}`: {reason}")]
    Corrupt { table: &'static str, reason: String },
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

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The database file; `None` keeps everything in memory (lost at exit).
    pub path: Option<PathBuf>,
    /// Redact secrets from every text column before it is written.
    pub redact: bool,
}

/// One open database. Cheap to share behind an `Arc`; methods serialize on one connection,
/// which SQLite would do for writers anyway, and keeps reads consistent with this process's
/// own writes.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<rusqlite::Connection>,
    path: Option<PathBuf>,
    redact: bool,
}

impl Store {
    /// Opens (creating 0700 directory and 0600 file as needed), sets pragmas and migrates.
    pub fn open(options: &StoreOptions) -> Result<Store, StoreError> {
        let conn = match &options.path {
            Some(path) => db::open_file(path)?,
            None => db::open_memory()?,
        };
        Ok(Store {
            conn: Mutex::new(conn),
            path: options.path.clone(),
            redact: options.redact,
        })
    }

    /// Whether text columns are redacted on write (streams that arrive in pieces must be
    /// redacted before they are cut into chunks: see `gateway_core::redact::StreamRedactor`).
    pub fn redacts(&self) -> bool {
        self.redact
    }

    /// The database file, or `None` when in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// The schema version this binary creates.
    pub const fn latest_schema_version() -> i64 {
        migrations::LATEST
    }

    /// The connection; a panic in another thread while holding it leaves SQLite consistent
    /// (transactions roll back on drop), so a poisoned lock is simply taken over.
    fn conn(&self) -> MutexGuard<'_, rusqlite::Connection> {
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
