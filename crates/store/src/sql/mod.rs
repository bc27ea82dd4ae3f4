//! The one seam between the store's logic and its two engines: embedded SQLite (the default)
//! and PostgreSQL (many gateways on several hosts). Every statement is written once, in the
//! SQL both engines accept, with `?N` placeholders; the PostgreSQL side rewrites them to `$N`.
//!
//! Methods take `&self` (the PostgreSQL client sits in a `RefCell`), so a [`Tx`] derefs to the
//! [`Db`] it runs on and every helper takes `&Db` whether or not a transaction is open.

pub(crate) mod pg;
pub(crate) mod sqlite;
mod value;

use std::cell::Cell;
use std::ops::Deref;

pub(crate) use value::{Arg, Owned, Row, params};

use crate::StoreError;

/// One connection to the database, of either engine.
pub(crate) enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<pg::Conn>),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Db::Sqlite(_) => "Db::Sqlite",
            Db::Postgres(_) => "Db::Postgres",
        })
    }
}

/// What a write transaction must exclude besides the rows it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// Decisions over many rows (dedup, admission, budgets): one such transaction at a time
    /// across every process and host. SQLite's write lock gives that already; PostgreSQL
    /// takes one advisory transaction lock.
    Global,
    /// Writes whose rows have one writer, or whose `WHERE` is the compare-and-swap: row locks
    /// suffice on PostgreSQL. On SQLite still `IMMEDIATE`, so a read-then-write never fails
    /// with `SQLITE_BUSY` half-way.
    Rows,
}

/// The advisory lock key of [`Lock::Global`] (any constant; "llmgw" in ASCII).
const GLOBAL_LOCK_KEY: i64 = 0x006c_6c6d_6777;

impl Db {
    /// Runs one statement; the number of rows it changed.
    pub(crate) fn run(&self, sql: &str, args: &[&dyn Arg]) -> Result<usize, StoreError> {
        match self {
            Db::Sqlite(conn) => sqlite::run(conn, sql, args),
            Db::Postgres(conn) => conn.run(sql, args),
        }
    }

    /// The first row, mapped; none is an error (use [`Db::optional_row`] when none is fine).
    pub(crate) fn row<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.optional_row(sql, args, map)?
            .ok_or_else(|| StoreError::Corrupt {
                table: "query",
                reason: format!("no row from `{}`", first_line(sql)),
            })
    }

    /// The first row, mapped, if there is one.
    pub(crate) fn optional_row<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut map = Some(map);
        let mut found = None;
        self.each_row(sql, args, |row| {
            if let Some(map) = map.take() {
                found = Some(map(row)?);
            }
            Ok(false)
        })?;
        Ok(found)
    }

    /// Every row, mapped.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        mut map: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        self.each_row(sql, args, |row| {
            all.push(map(row)?);
            Ok(true)
        })?;
        Ok(all)
    }

    /// Streams rows into `visit` until it answers `false`; nothing is collected (exports of
    /// millions of rows run in constant memory).
    pub(crate) fn each_row(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        visit: impl FnMut(&Row<'_>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(conn) => sqlite::each_row(conn, sql, args, visit),
            Db::Postgres(conn) => conn.each_row(sql, args, visit),
        }
    }

    /// Opens a write transaction; dropped without [`Tx::commit`], it rolls back.
    pub(crate) fn transaction(&self, lock: Lock) -> Result<Tx<'_>, StoreError> {
        match self {
            Db::Sqlite(conn) => conn.execute_batch("BEGIN IMMEDIATE")?,
            Db::Postgres(conn) => {
                conn.batch("BEGIN")?;
                if lock == Lock::Global {
                    let locked =
                        conn.run("SELECT pg_advisory_xact_lock(?1)", params![GLOBAL_LOCK_KEY]);
                    if let Err(error) = locked {
                        let _ = conn.batch("ROLLBACK");
                        return Err(error);
                    }
                }
            }
        }
        Ok(Tx {
            db: self,
            open: Cell::new(true),
        })
    }

    /// Which engine this is, for messages and `doctor`.
    pub(crate) fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// The schema version of the database.
    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        match self {
            Db::Sqlite(conn) => Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?),
            Db::Postgres(conn) => conn.schema_version(),
        }
    }
}

/// An open transaction on a [`Db`]; derefs to it, so statements run inside it.
pub(crate) struct Tx<'a> {
    db: &'a Db,
    open: Cell<bool>,
}

impl Tx<'_> {
    /// Commits; on failure the transaction is rolled back when `self` drops.
    pub(crate) fn commit(self) -> Result<(), StoreError> {
        let committed = match self.db {
            Db::Sqlite(conn) => conn.execute_batch("COMMIT").map_err(StoreError::from),
            Db::Postgres(conn) => conn.batch("COMMIT"),
        };
        if committed.is_ok() {
            self.open.set(false);
        }
        committed
    }
}

impl Deref for Tx<'_> {
    type Target = Db;

    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open.get() {
            let _ = match self.db {
                Db::Sqlite(conn) => conn.execute_batch("ROLLBACK").map_err(StoreError::from),
                Db::Postgres(conn) => conn.batch("ROLLBACK"),
            };
        }
    }
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or_default()
}
