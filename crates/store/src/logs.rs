//! Reads behind `logs export`, `logs stats`, `jobs show --prompt` and doctor's job counts:
//! each streams its rows through a statement, so memory stays flat however many rows match
//! (the export of a million rows holds two rows at once).

use rusqlite::{OptionalExtension, Row, Rows, params};

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

type RowMap<T> = fn(&Row<'_>) -> rusqlite::Result<T>;

/// The next mapped row of an optional result set.
fn step<T>(rows: &mut Option<Rows<'_>>, map: RowMap<T>) -> Result<Option<T>, StoreError> {
    let Some(rows) = rows else {
        return Ok(None);
    };
    Ok(rows.next()?.map(map).transpose()?)
}

impl ReadStore {
    /// Streams every row in `filter`, oldest first (tool calls and requests merged by time),
    /// into `sink`; returns how many. Stops at the first error `sink` returns.
    pub fn export<E: From<StoreError>>(
        &self,
        filter: &ExportFilter,
        mut sink: impl FnMut(LogRow) -> Result<(), E>,
    ) -> Result<u64, E> {
        let window = params![
            filter.since_ms.unwrap_or(i64::MIN),
            filter.until_ms.unwrap_or(i64::MAX)
        ];
        let mut call_statement = self
            .conn
            .prepare(&format!(
                "SELECT {TOOL_CALL_COLUMNS} FROM tool_calls
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at, id"
            ))
            .map_err(StoreError::from)?;
        let mut request_statement = self
            .conn
            .prepare(&format!(
                "SELECT {REQUEST_SUMMARY_COLUMNS} FROM requests
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at, rowid"
            ))
            .map_err(StoreError::from)?;
        let mut calls = match filter.kind {
            Some(LogKind::Request) => None,
            _ => Some(call_statement.query(window).map_err(StoreError::from)?),
        };
        let mut requests = match filter.kind {
            Some(LogKind::ToolCall) => None,
            _ => Some(request_statement.query(window).map_err(StoreError::from)?),
        };
        let mut next_call = step(&mut calls, tool_call_from_row)?;
        let mut next_request = step(&mut requests, request_summary)?;
        let mut count = 0;
        loop {
            let call_first = match (&next_call, &next_request) {
                (Some(call), Some(request)) => call.created_at_ms <= request.created_at_ms,
                (call, _) => call.is_some(),
            };
            let row = if call_first {
                let row = next_call.take().map(LogRow::ToolCall);
                next_call = step(&mut calls, tool_call_from_row)?;
                row
            } else {
                let row = next_request.take().map(LogRow::Request);
                next_request = step(&mut requests, request_summary)?;
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
        let mut statement = self.conn.prepare(
            "SELECT tool, duration_ms, is_error FROM tool_calls
             WHERE created_at >= ?1 AND created_at < ?2",
        )?;
        let mut rows = statement.query(params![
            since_ms.unwrap_or(i64::MIN),
            until_ms.unwrap_or(i64::MAX)
        ])?;
        let mut tools: std::collections::BTreeMap<String, ToolStats> = Default::default();
        while let Some(row) = rows.next()? {
            let tool: String = row.get(0)?;
            let stats = tools.entry(tool).or_default();
            stats.calls += 1;
            stats.errors += i64::from(row.get::<_, bool>(2)?);
            stats.durations.record(row.get(1)?);
        }
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
        let mut statement = self.conn.prepare(
            "SELECT instance, dropped, updated_at FROM recorder_drops ORDER BY updated_at DESC",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(RecorderDrops {
                instance: row.get(0)?,
                dropped: row.get(1)?,
                updated_at_ms: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Jobs in `status`, counting at most `cap` (a bounded count: the query stops there).
    pub fn count_jobs(&self, status: &str, cap: u64) -> Result<u64, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE status = ?1 LIMIT ?2)",
            params![status, i64::try_from(cap).unwrap_or(i64::MAX)],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The prompt of a job as stored (redacted when the gateway stored it).
    pub fn prompt(&self, job_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT prompt FROM requests WHERE job_id = ?1 ORDER BY created_at DESC LIMIT 1",
                [job_id],
                |row| row.get(0),
            )
            .optional()?)
    }
}
