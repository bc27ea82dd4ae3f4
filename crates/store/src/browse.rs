//! Read-only queries of the dashboard (`llm-cli-gateway dashboard`): what a job page, the
//! validation pages, the per-model usage table and the health page need beyond `jobs`,
//! `usage` and `logs`. Same [`ReadStore`] connection (read-only, `query_only`).

use std::collections::BTreeMap;

use crate::sql::params;

use crate::StoreError;
use crate::model::{EventRecord, Stream};
use crate::output::event_from_row;
use crate::query::{
    DurationHistogram, InstanceRecord, OutputRow, REQUEST_USAGE, ReadStore, UsageTotals,
    add_request,
};
use crate::records::instance_from_row;

/// The end of one stream of a job's output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputTail {
    /// The last chunks, oldest first.
    pub chunks: Vec<OutputRow>,
    /// Earlier chunks exist that are not in `chunks`.
    pub cut: bool,
}

/// A stored validation (or comparison, review) run: its record is JSON owned by
/// `gateway-validate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationRunRow {
    pub id: String,
    pub kind: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub record_json: String,
}

/// Usage of one provider and model (`None`: the CLI's default) over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelUsage {
    pub provider: String,
    pub model: Option<String>,
    pub totals: UsageTotals,
    pub durations: DurationHistogram,
}

impl ReadStore {
    /// The first `limit` progress events of a job, oldest first.
    pub fn job_events(&self, job_id: &str, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        let rows = self.conn.rows(
            "SELECT seq, at, kind, message FROM job_events WHERE job_id = ?1 ORDER BY seq LIMIT ?2",
            params![job_id, limit],
            event_from_row,
        )?;
        Ok(rows)
    }

    /// The last `max_chunks` chunks of one stream (a job may hold 50 MiB: a page shows its
    /// end and follows new chunks from there).
    pub fn output_tail(
        &self,
        job_id: &str,
        stream: Stream,
        max_chunks: u32,
    ) -> Result<OutputTail, StoreError> {
        let mut chunks = self.conn.rows(
            "SELECT seq, text FROM job_output WHERE job_id = ?1 AND stream = ?2
             ORDER BY seq DESC LIMIT ?3",
            params![job_id, stream.as_str(), max_chunks + 1],
            |row| {
                Ok(OutputRow {
                    stream,
                    seq: row.get(0)?,
                    text: row.get(1)?,
                })
            },
        )?;
        let cut = chunks.len() > max_chunks as usize;
        chunks.truncate(max_chunks as usize);
        chunks.reverse();
        Ok(OutputTail { chunks, cut })
    }

    /// The newest `limit` validation runs.
    pub fn validation_runs(&self, limit: u32) -> Result<Vec<ValidationRunRow>, StoreError> {
        self.validation_rows("ORDER BY created_at DESC, id DESC LIMIT ?1", params![limit])
    }

    /// Validation run `id`.
    pub fn validation_run(&self, id: &str) -> Result<Option<ValidationRunRow>, StoreError> {
        Ok(self
            .validation_rows("WHERE id = ?1", params![id])?
            .into_iter()
            .next())
    }

    fn validation_rows(
        &self,
        tail: &str,
        values: &[&dyn crate::sql::Arg],
    ) -> Result<Vec<ValidationRunRow>, StoreError> {
        if self.schema_version()? < 4 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, kind, created_at, updated_at, record_json FROM validation_runs {tail}"
        );
        let rows = self.conn.rows(&sql, values, |row| {
            Ok(ValidationRunRow {
                id: row.get(0)?,
                kind: row.get(1)?,
                created_at_ms: row.get(2)?,
                updated_at_ms: row.get(3)?,
                record_json: row.get(4)?,
            })
        })?;
        Ok(rows)
    }

    /// Every registered gateway process, newest heartbeat first.
    pub fn instances(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        let rows = self.conn.rows("SELECT id, pid, host, started_at, heartbeat_at FROM instances ORDER BY heartbeat_at DESC", params![], instance_from_row)?;
        Ok(rows)
    }

    /// Usage per provider and model of the requests created at or after `since_ms`. The
    /// rollups have no model, so this reads the requests of the window.
    pub fn usage_by_model(&self, since_ms: i64) -> Result<Vec<ModelUsage>, StoreError> {
        let sql =
            format!("SELECT provider, model, {REQUEST_USAGE} FROM requests WHERE created_at >= ?1");
        let mut groups: BTreeMap<(String, Option<String>), ModelUsage> = BTreeMap::new();
        self.conn.each_row(&sql, params![since_ms], |row| {
            let key: (String, Option<String>) = (row.get(0)?, row.get(1)?);
            let group = groups.entry(key.clone()).or_insert_with(|| ModelUsage {
                provider: key.0,
                model: key.1,
                ..ModelUsage::default()
            });
            add_request(row, &mut group.totals, &mut group.durations)?;
            Ok(true)
        })?;
        Ok(groups.into_values().collect())
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a ms timestamp.
pub fn timestamp(ms: i64) -> String {
    let day = ms.div_euclid(crate::query::DAY_MS);
    let seconds = ms.rem_euclid(crate::query::DAY_MS) / 1_000;
    format!(
        "{} {:02}:{:02}:{:02}",
        crate::query::day_label(day),
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A duration for people: `850ms`, `12.3s`, `4m05s`, `2h10m`.
pub fn human_duration(ms: i64) -> String {
    match ms {
        ..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1_000.0),
        60_000..3_600_000 => format!("{}m{:02}s", ms / 60_000, ms / 1_000 % 60),
        _ => format!("{}h{:02}m", ms / 3_600_000, ms / 60_000 % 60),
    }
}
