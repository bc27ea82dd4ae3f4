//! Reads behind `logs export`, `logs stats`, `jobs show --prompt` and doctor's job counts:
//! each streams its rows, so memory stays flat however many rows match (the export of a
//! million rows holds one page of each kind at once).

use std::collections::VecDeque;

use crate::sql::{Db, Row, params};

use crate::StoreError;
use crate::model::ToolCallRecord;
use crate::query::{
    DurationHistogram, REQUEST_SUMMARY_COLUMNS, ReadStore, RequestSummary, request_summary,
};
use crate::records::{TOOL_CALL_COLUMNS, tool_call_from_row};

/// Which rows an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    ToolCall,
    Request,
}

/// The window and kinds of an export; bounds are ms since the epoch, `until` exclusive.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportFilter {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// `None`: both kinds, merged by time.
    pub kind: Option<LogKind>,
}

/// One exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum LogRow {
    ToolCall(ToolCallRecord),
    Request(RequestSummary),
}

/// Tool calls of one tool: how many, how many failed, their durations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolStats {
    pub tool: String,
    pub calls: i64,
    pub errors: i64,
    pub durations: DurationHistogram,
}

/// Tool-call records one gateway process could not keep (its recorder's queue was full).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderDrops {
    pub instance: String,
    pub dropped: i64,
    pub updated_at_ms: i64,
}

/// Rows an export fetches per query and kind.
const PAGE: i64 = 512;

/// One kind of row in `(created_at, id)` order, read a page at a time from where the last page
/// ended (keyset paging: each page is an index seek, and no cursor stays open between pages,
/// so the two kinds interleave on one connection of either engine).
struct Pages<T> {
    sql: String,
    window: (i64, i64),
    after: (i64, i64),
    buffer: VecDeque<T>,
    done: bool,
    map: fn(&Row<'_>) -> Result<T, StoreError>,
    key: fn(&T) -> (i64, i64),
}

impl<T> Pages<T> {
    fn new(
        sql: String,
        window: (i64, i64),
        map: fn(&Row<'_>) -> Result<T, StoreError>,
        key: fn(&T) -> (i64, i64),
    ) -> Pages<T> {
        Pages {
            sql,
            window,
            after: (i64::MIN, i64::MIN),
            buffer: VecDeque::new(),
            done: false,
            map,
            key,
        }
    }

    fn next(&mut self, db: &Db) -> Result<Option<T>, StoreError> {
        if self.buffer.is_empty() && !self.done {
            let (since, until) = self.window;
            let (at, id) = self.after;
            let page = db.rows(&self.sql, params![since, until, at, id, PAGE], self.map)?;
            self.done = (page.len() as i64) < PAGE;
            if let Some(last) = page.last() {
                self.after = (self.key)(last);
            }
            self.buffer.extend(page);
        }
        Ok(self.buffer.pop_front())
    }
}

/// The `WHERE … ORDER BY … LIMIT` of a page of `table` keyed by `id_column`.
fn page_sql(columns: &str, table: &str, id_column: &str) -> String {
    format!(
        "SELECT {columns} FROM {table}
         WHERE created_at >= ?1 AND created_at < ?2
           AND (created_at > ?3 OR (created_at = ?3 AND {id_column} > ?4))
         ORDER BY created_at, {id_column} LIMIT ?5"
    )
}

impl ReadStore {
    /// Streams every row in `filter`, oldest first (tool calls and requests merged by time),
    /// into `sink`; returns how many. Stops at the first error `sink` returns.
    pub fn export<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        mut sink: impl FnMut(LogRow) -> Result<(), E>,
    ) -> Result<u64, E> {
        let window = (
            filter.since_ms.unwrap_or(i64::MIN),
            filter.until_ms.unwrap_or(i64::MAX),
        );
        let mut calls = (filter.kind != Some(LogKind::Request)).then(|| {
            Pages::new(
                page_sql(TOOL_CALL_COLUMNS, "tool_calls", "id"),
                window,
                tool_call_from_row,
                |call: &ToolCallRecord| (call.created_at_ms, call.id),
            )
        });
        let mut requests = (filter.kind != Some(LogKind::ToolCall)).then(|| {
            Pages::new(
                page_sql(REQUEST_SUMMARY_COLUMNS, "requests", "rowid"),
                window,
                request_summary,
                |request: &RequestSummary| (request.created_at_ms, request.rowid),
            )
        });
        let db = &self.conn;
        let step_calls = |pages: &mut Option<Pages<ToolCallRecord>>| match pages {
            Some(pages) => pages.next(db),
            None => Ok(None),
        };
        let step_requests = |pages: &mut Option<Pages<RequestSummary>>| match pages {
            Some(pages) => pages.next(db),
            None => Ok(None),
        };
        let mut next_call = step_calls(&mut calls)?;
        let mut next_request = step_requests(&mut requests)?;
        let mut count = 0;
        loop {
            let call_first = match (&next_call, &next_request) {
                (Some(call), Some(request)) => call.created_at_ms <= request.created_at_ms,
                (call, _) => call.is_some(),
            };
            let row = if call_first {
                let row = next_call.take().map(LogRow::ToolCall);
                next_call = step_calls(&mut calls)?;
                row
            } else {
                let row = next_request.take().map(LogRow::Request);
                next_request = step_requests(&mut requests)?;
                row
            };
            let Some(row) = row else {
                return Ok(count);
            };
            sink(row)?;
            count += 1;
        }
    }

    /// Tool calls per tool in the window (by name), read as one stream of rows.
    pub fn tool_stats(
        &self,
        since_ms: Option<i64>,
        until_ms: Option<i64>,
    ) -> Result<Vec<ToolStats>, StoreError> {
        let mut tools: std::collections::BTreeMap<String, ToolStats> = Default::default();
        self.conn.each_row(
            "SELECT tool, duration_ms, is_error FROM tool_calls
             WHERE created_at >= ?1 AND created_at < ?2",
            params![since_ms.unwrap_or(i64::MIN), until_ms.unwrap_or(i64::MAX)],
            |row| {
                let tool: String = row.get(0)?;
                let stats = tools.entry(tool).or_default();
                stats.calls += 1;
                stats.errors += i64::from(row.get::<bool>(2)?);
                stats.durations.record(row.get(1)?);
                Ok(true)
            },
        )?;
        Ok(tools
            .into_iter()
            .map(|(tool, stats)| ToolStats { tool, ..stats })
            .collect())
    }

    /// The drop counts gateway processes recorded, most recent first (none before schema 5).
    pub fn recorder_drops(&self) -> Result<Vec<RecorderDrops>, StoreError> {
        if self.schema_version()? < 5 {
            return Ok(Vec::new());
        }
        let rows = self.conn.rows(
            "SELECT instance, dropped, updated_at FROM recorder_drops ORDER BY updated_at DESC",
            params![],
            |row| {
                Ok(RecorderDrops {
                    instance: row.get(0)?,
                    dropped: row.get(1)?,
                    updated_at_ms: row.get(2)?,
                })
            },
        )?;
        Ok(rows)
    }

    /// Jobs in `status`, counting at most `cap` (a bounded count: the query stops there).
    pub fn count_jobs(&self, status: &str, cap: u64) -> Result<u64, StoreError> {
        let count: i64 = self.conn.row(
            "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE status = ?1 LIMIT ?2) AS bounded",
            params![status, i64::try_from(cap).unwrap_or(i64::MAX)],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The prompt of a job as stored (redacted when the gateway stored it).
    pub fn prompt(&self, job_id: &str) -> Result<Option<String>, StoreError> {
        self.conn.optional_row(
            "SELECT prompt FROM requests WHERE job_id = ?1 ORDER BY created_at DESC LIMIT 1",
            params![job_id],
            |row| row.get(0),
        )
    }
}
