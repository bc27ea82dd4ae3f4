//! Read-only queries for the command line (`jobs`, `usage`, `logs`).
//!
//! [`ReadStore`] is its own connection opened `SQLITE_OPEN_READ_ONLY` with `query_only` on: it
//! never migrates, never creates the file and never takes the write lock, and in WAL mode a
//! reader neither waits for writers nor makes them wait — so `jobs list` or `logs --follow` can
//! run beside any number of gateway processes. Usage figures come from the `usage_rollup` and
//! `usage_durations` tables (migration 2, kept by triggers), plus the raw rows of the first,
//! partial day of a `--since` window; a database without the rollups is summed from raw rows.

use std::collections::BTreeMap;
use std::path::Path;

use crate::sql::{Db, Row, params};
use serde::Serialize;

use crate::StoreError;
use crate::jobs::{JOB_COLUMNS, JobRow};
use crate::model::{JobFilter, JobRecord, Stream, ToolCallRecord};
use crate::records::{TOOL_CALL_COLUMNS, tool_call_from_row};

/// A reader waits at most this long (only WAL recovery by another process makes it wait).
/// Milliseconds in a UTC day: the grain of the usage rollups.
pub const DAY_MS: i64 = 86_400_000;

/// A read-only view of the database file.
#[derive(Debug)]
pub struct ReadStore {
    pub(crate) conn: Db,
    location: crate::Location,
}

/// What looking a job up by id, or by a unique prefix or suffix of its id, found.
#[derive(Debug, Clone, PartialEq)]
pub enum JobLookup {
    Found(Box<JobRecord>),
    NotFound,
    /// The fragment matches several jobs: up to [`AMBIGUOUS_SHOWN`] of their ids, plus whether
    /// there are more.
    Ambiguous {
        ids: Vec<String>,
        more: bool,
    },
}

/// How many candidates an ambiguous lookup names.
pub const AMBIGUOUS_SHOWN: usize = 5;

/// Characters of a job id that `jobs list` shows: the tail of a UUIDv7 is random, so unlike
/// its head (a timestamp) it differs between jobs made in the same minute.
pub const SHORT_ID_CHARS: usize = 8;

/// The short form of a job id shown to people: its last [`SHORT_ID_CHARS`] characters.
pub fn short_id(id: &str) -> &str {
    let start = id.len().saturating_sub(SHORT_ID_CHARS);
    id.get(start..).unwrap_or(id)
}

/// One stored chunk of a job's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputRow {
    pub stream: Stream,
    pub seq: i64,
    pub text: String,
}

/// Where a reader of a job's output stands: the last chunk seen per stream (-1: none yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputCursor {
    pub stdout_seq: i64,
    pub stderr_seq: i64,
}

impl Default for OutputCursor {
    fn default() -> Self {
        OutputCursor {
            stdout_seq: -1,
            stderr_seq: -1,
        }
    }
}

/// A gateway process as registered in `instances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceRecord {
    pub id: String,
    pub pid: i64,
    pub host: String,
    pub started_at_ms: i64,
    pub heartbeat_at_ms: i64,
}

/// A provider request without its prompt and response (those stay in `jobs show`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestSummary {
    /// Insertion order, the cursor of `logs --follow`.
    pub rowid: i64,
    pub id: String,
    pub created_at_ms: i64,
    pub provider: String,
    pub model: Option<String>,
    pub origin_tool: Option<String>,
    pub status: String,
    pub duration_ms: Option<i64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub error: Option<String>,
    pub job_id: Option<String>,
    /// `cost_usd` is the gateway's estimate.
    pub cost_estimated: bool,
}

/// Filter of the `logs` queries.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only tool calls of this tool, and requests whose `origin_tool` is it.
    pub tool: Option<String>,
    /// Only failed tool calls and failed or orphaned requests.
    pub errors_only: bool,
    /// Only rows of this job (tool calls that created it, its request) or validation run.
    pub job: Option<String>,
    /// `Some(cursor)`: rows inserted after it, oldest first (follow mode); `None`: the newest.
    pub after: Option<i64>,
    pub limit: u32,
}

/// Summed figures of a set of requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct UsageTotals {
    pub requests: i64,
    /// Requests that ended `failed` or `orphaned`.
    pub failures: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_creation_tokens: i64,
    pub cost_usd: f64,
}

impl UsageTotals {
    fn add(&mut self, other: &UsageTotals) {
        self.requests += other.requests;
        self.failures += other.failures;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_creation_tokens += other.cache_creation_tokens;
        self.cost_usd += other.cost_usd;
    }
}

/// Request durations as counts per bucket (see [`duration_bucket`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationHistogram {
    counts: BTreeMap<i64, i64>,
}

impl DurationHistogram {
    fn add(&mut self, bucket: i64, count: i64) {
        *self.counts.entry(bucket).or_insert(0) += count;
    }

    fn merge(&mut self, other: &DurationHistogram) {
        for (bucket, count) in &other.counts {
            self.add(*bucket, *count);
        }
    }

    /// Adds one measured duration.
    pub fn record(&mut self, duration_ms: i64) {
        self.add(duration_bucket(duration_ms), 1);
    }

    /// Durations counted.
    pub fn len(&self) -> i64 {
        self.counts.values().filter(|count| **count > 0).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `quantile` (0..=1) as the midpoint of the bucket holding it (within 5 % above 1 s,
    /// 5 ms below); `None` without durations.
    pub fn quantile(&self, quantile: f64) -> Option<i64> {
        let total = self.len();
        if total == 0 {
            return None;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * total as f64).ceil() as i64).max(1);
        let mut seen = 0;
        for (bucket, count) in &self.counts {
            if *count <= 0 {
                continue;
            }
            seen += count;
            if seen >= rank {
                let (low, width) = bucket_range(*bucket);
                return Some(low + width / 2);
            }
        }
        None
    }
}

/// The histogram bucket of a duration: 10 ms wide below 1 s, then a tenth of each decade
/// (100 ms up to 10 s, 1 s up to 100 s, 10 s up to 1,000 s, 100 s beyond). Must match the
/// `CASE` expression in migration 2.
pub fn duration_bucket(duration_ms: i64) -> i64 {
    let d = duration_ms.max(0);
    match d {
        0..1_000 => d / 10,
        1_000..10_000 => 100 + (d - 1_000) / 100,
        10_000..100_000 => 190 + (d - 10_000) / 1_000,
        100_000..1_000_000 => 280 + (d - 100_000) / 10_000,
        _ => 370 + (d - 1_000_000) / 100_000,
    }
}

/// Lower bound and width of a bucket, in ms.
fn bucket_range(bucket: i64) -> (i64, i64) {
    match bucket {
        ..100 => (bucket.max(0) * 10, 10),
        100..190 => (1_000 + (bucket - 100) * 100, 100),
        190..280 => (10_000 + (bucket - 190) * 1_000, 1_000),
        280..370 => (100_000 + (bucket - 280) * 10_000, 10_000),
        _ => (1_000_000 + (bucket - 370) * 100_000, 100_000),
    }
}

/// Usage of one provider on one UTC day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageCell {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    pub provider: String,
    pub totals: UsageTotals,
    pub durations: DurationHistogram,
}

/// How to group usage cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageGrouping {
    /// One group for everything.
    Total,
    Provider,
    Day,
}

/// One group of usage: key (provider, `YYYY-MM-DD`, or `all`), totals and duration quantiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageGroup {
    pub key: String,
    #[serde(flatten)]
    pub totals: UsageTotals,
    pub median_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

/// Groups cells, ordered by key (days ascending, providers by name).
pub fn group_usage(cells: &[UsageCell], grouping: UsageGrouping) -> Vec<UsageGroup> {
    let mut groups: BTreeMap<String, (UsageTotals, DurationHistogram)> = BTreeMap::new();
    if grouping == UsageGrouping::Total {
        groups.insert("all".to_owned(), Default::default());
    }
    for cell in cells {
        let key = match grouping {
            UsageGrouping::Total => "all".to_owned(),
            UsageGrouping::Provider => cell.provider.clone(),
            UsageGrouping::Day => day_label(cell.day),
        };
        let entry = groups.entry(key).or_default();
        entry.0.add(&cell.totals);
        entry.1.merge(&cell.durations);
    }
    groups
        .into_iter()
        .map(|(key, (mut totals, durations))| {
            totals.cost_usd = (totals.cost_usd * 1e6).round() / 1e6;
            UsageGroup {
                key,
                totals,
                median_ms: durations.quantile(0.5),
                p95_ms: durations.quantile(0.95),
            }
        })
        .collect()
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01, proleptic Gregorian).
pub fn day_label(day: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The columns [`request_summary`] reads.
pub(crate) const REQUEST_SUMMARY_COLUMNS: &str = r"rowid, id, created_at, provider, model,
    origin_tool, status, duration_ms, input_tokens, output_tokens, cost_usd, error, job_id,
    cost_estimated";

pub(crate) fn request_summary(row: &Row<'_>) -> Result<RequestSummary, StoreError> {
    Ok(RequestSummary {
        rowid: row.get(0)?,
        id: row.get(1)?,
        created_at_ms: row.get(2)?,
        provider: row.get(3)?,
        model: row.get(4)?,
        origin_tool: row.get(5)?,
        status: row.get(6)?,
        duration_ms: row.get(7)?,
        input_tokens: row.get(8)?,
        output_tokens: row.get(9)?,
        cost_usd: row.get(10)?,
        error: row.get(11)?,
        job_id: row.get(12)?,
        cost_estimated: row.get(13)?,
    })
}

/// Job ids are UUIDs; a fragment is looked up only when it is made of their characters (so it
/// holds no `LIKE` wildcard).
fn is_id_fragment(text: &str) -> bool {
    text.len() >= 4
        && text
            .bytes()
            .all(|byte| byte.is_ascii_hexdigit() || byte == b'-')
}

impl ReadStore {
    /// Opens the SQLite file at `path` read-only. `Ok(None)`: no file there (no gateway has
    /// run with this path).
    pub fn open(path: &Path) -> Result<Option<ReadStore>, StoreError> {
        let fail = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        match crate::db::inspect(path).map_err(fail)? {
            crate::db::Existing::Missing => return Ok(None),
            crate::db::Existing::Empty { .. } => return Err(fail(crate::db::EMPTY.to_owned())),
            crate::db::Existing::Database { .. } => {}
        }
        Ok(Some(ReadStore {
            conn: Db::Sqlite(crate::db::open_read_only(path).map_err(fail)?),
            location: crate::Location::File(path.to_path_buf()),
        }))
    }

    /// Opens the store at `location` for reading: a SQLite file as [`ReadStore::open`] does, a
    /// PostgreSQL database in read-only transactions. Neither is created nor migrated (a
    /// [`crate::Store`] does that). `Ok(None)`: no SQLite file there, a PostgreSQL database
    /// without the gateway's tables, or in memory.
    pub fn open_at(location: &crate::Location) -> Result<Option<ReadStore>, StoreError> {
        match location {
            crate::Location::Memory => Ok(None),
            crate::Location::File(path) => ReadStore::open(path),
            crate::Location::Postgres(url) => {
                let conn = crate::sql::pg::Conn::connect(url)?;
                // Like a missing SQLite file: a database no gateway has created tables in.
                if !crate::migrations_pg::has_schema(&conn)? {
                    return Ok(None);
                }
                conn.batch("SET default_transaction_read_only = on")?;
                Ok(Some(ReadStore {
                    conn: Db::Postgres(Box::new(conn)),
                    location: location.clone(),
                }))
            }
        }
    }

    /// The SQLite file (a PostgreSQL store has none: see [`ReadStore::location`]).
    pub fn path(&self) -> &Path {
        match &self.location {
            crate::Location::File(path) => path,
            _ => Path::new(""),
        }
    }

    /// Where the store lives.
    pub fn location(&self) -> &crate::Location {
        &self.location
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.schema_version()
    }

    /// Jobs matching `filter`, newest first (at most 10,000).
    pub fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRecord>, StoreError> {
        crate::jobs::list_jobs(&self.conn, filter, 10_000)
    }

    /// One job by id, or by a unique prefix or suffix of its id (at least 4 characters).
    pub fn find_job(&self, id: &str) -> Result<JobLookup, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
        if let Some(row) = self
            .conn
            .optional_row(&sql, params![id], JobRow::from_row)?
        {
            return Ok(JobLookup::Found(Box::new(JobRecord::try_from(row)?)));
        }
        if !is_id_fragment(id) {
            return Ok(JobLookup::NotFound);
        }
        // '~' sorts after every character of a UUID, so the range is exactly the prefix; the
        // fragment holds no wildcard, so the `LIKE` is exactly the suffix.
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE (id >= ?1 AND id < CAST(?1 AS TEXT) || '~') OR id LIKE '%' || CAST(?1 AS TEXT)
             ORDER BY id DESC LIMIT ?2"
        );
        let fetch = AMBIGUOUS_SHOWN as i64 + 1;
        let rows = self.conn.rows(
            &sql,
            params![id.to_ascii_lowercase(), fetch],
            JobRow::from_row,
        )?;
        let mut records = rows
            .into_iter()
            .map(JobRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match records.len() {
            0 => JobLookup::NotFound,
            1 => JobLookup::Found(Box::new(records.remove(0))),
            count => JobLookup::Ambiguous {
                ids: records
                    .into_iter()
                    .take(AMBIGUOUS_SHOWN)
                    .map(|record| record.id)
                    .collect(),
                more: count > AMBIGUOUS_SHOWN,
            },
        })
    }

    /// Output chunks after `cursor`, stdout first, each stream in order.
    pub fn output_after(
        &self,
        job_id: &str,
        cursor: OutputCursor,
    ) -> Result<Vec<OutputRow>, StoreError> {
        let rows = self.conn.rows(r"SELECT stream, seq, text FROM job_output
              WHERE job_id = ?1 AND ((stream = 'stdout' AND seq > ?2) OR (stream = 'stderr' AND seq > ?3))
              ORDER BY stream DESC, seq", params![job_id, cursor.stdout_seq, cursor.stderr_seq],
            |row| {
                let stream: String = row.get(0)?;
                Ok(OutputRow {
                    stream: if stream == "stderr" {
                        Stream::Stderr
                    } else {
                        Stream::Stdout
                    },
                    seq: row.get(1)?,
                    text: row.get(2)?,
                })
            })?;
        Ok(rows)
    }

    /// The registered gateway process `id`, if its row is still there.
    pub fn instance(&self, id: &str) -> Result<Option<InstanceRecord>, StoreError> {
        crate::records::instance_in(&self.conn, id)
    }

    /// Tool calls: the newest `limit` (newest first), or with `after` those recorded after that
    /// id (oldest first).
    pub fn tool_calls(&self, filter: &LogFilter) -> Result<Vec<ToolCallRecord>, StoreError> {
        let order = if filter.after.is_some() {
            "ASC"
        } else {
            "DESC"
        };
        let sql = format!(
            r"SELECT {TOOL_CALL_COLUMNS} FROM tool_calls
              WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR tool = ?2) AND (?3 = 0 OR is_error = 1)
                AND (CAST(?5 AS TEXT) IS NULL OR job_id = ?5 OR validation_id = ?5)
              ORDER BY id {order} LIMIT ?4"
        );
        let rows = self.conn.rows(
            &sql,
            params![
                filter.after.unwrap_or(i64::MIN),
                filter.tool,
                filter.errors_only,
                filter.limit,
                filter.job
            ],
            tool_call_from_row,
        )?;
        Ok(rows)
    }

    /// Provider requests, like [`ReadStore::tool_calls`] (the cursor is the rowid).
    pub fn requests(&self, filter: &LogFilter) -> Result<Vec<RequestSummary>, StoreError> {
        let order = if filter.after.is_some() {
            "ASC"
        } else {
            "DESC"
        };
        let sql = format!(
            r"SELECT {REQUEST_SUMMARY_COLUMNS} FROM requests
              WHERE rowid > ?1 AND (CAST(?2 AS TEXT) IS NULL OR origin_tool = ?2)
                AND (?3 = 0 OR status IN ('failed', 'orphaned')) AND (CAST(?5 AS TEXT) IS NULL OR job_id = ?5)
              ORDER BY rowid {order} LIMIT ?4"
        );
        let rows = self.conn.rows(
            &sql,
            params![
                filter.after.unwrap_or(i64::MIN),
                filter.tool,
                filter.errors_only,
                filter.limit,
                filter.job
            ],
            request_summary,
        )?;
        Ok(rows)
    }

    /// The newest tool-call id and request rowid (0 when empty): where `--follow` starts.
    pub fn log_cursors(&self) -> Result<(i64, i64), StoreError> {
        self.conn.row(
            "SELECT (SELECT coalesce(max(id), 0) FROM tool_calls), (SELECT coalesce(max(rowid), 0) FROM requests)",
            params![],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    }

    /// Usage per UTC day and provider of requests created at or after `since_ms` (all when
    /// `None`), of one provider when given.
    pub fn usage(
        &self,
        since_ms: Option<i64>,
        provider: Option<&str>,
    ) -> Result<Vec<UsageCell>, StoreError> {
        let mut cells: BTreeMap<(i64, String), UsageCell> = BTreeMap::new();
        if !self.has_rollups()? {
            self.raw_usage(since_ms.unwrap_or(i64::MIN), i64::MAX, provider, &mut cells)?;
            return Ok(cells.into_values().collect());
        }
        let first_full_day = match since_ms {
            None => i64::MIN,
            Some(since) if since.rem_euclid(DAY_MS) == 0 => since.div_euclid(DAY_MS),
            Some(since) => {
                let next_day = since.div_euclid(DAY_MS) + 1;
                self.raw_usage(since, next_day * DAY_MS, provider, &mut cells)?;
                next_day
            }
        };
        self.rollup_usage(first_full_day, provider, &mut cells)?;
        Ok(cells.into_values().collect())
    }

    fn has_rollups(&self) -> Result<bool, StoreError> {
        if let Db::Postgres(_) = self.conn {
            return Ok(true);
        }
        Ok(self
            .conn
            .optional_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage_durations'",
                params![],
                |_| Ok(()),
            )?
            .is_some())
    }

    fn rollup_usage(
        &self,
        first_day: i64,
        provider: Option<&str>,
        cells: &mut BTreeMap<(i64, String), UsageCell>,
    ) -> Result<(), StoreError> {
        self.conn.each_row(
            r"SELECT day, provider, requests, failures, input_tokens, output_tokens,
                cache_read_tokens, cache_creation_tokens, cost_usd
              FROM usage_rollup WHERE day >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR provider = ?2) AND requests <> 0",
            params![first_day, provider],
            |row| {
            let cell = cell_of(cells, row.get(0)?, row.get(1)?);
            cell.totals.add(&UsageTotals {
                requests: row.get(2)?,
                failures: row.get(3)?,
                input_tokens: row.get(4)?,
                output_tokens: row.get(5)?,
                cache_read_tokens: row.get(6)?,
                cache_creation_tokens: row.get(7)?,
                cost_usd: row.get(8)?,
            });
            Ok(true)
        })?;
        self.conn.each_row(
            r"SELECT day, provider, bucket, count FROM usage_durations
              WHERE day >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR provider = ?2) AND count > 0",
            params![first_day, provider],
            |row| {
                let cell = cell_of(cells, row.get(0)?, row.get(1)?);
                cell.durations.add(row.get(2)?, row.get(3)?);
                Ok(true)
            },
        )
    }

    fn raw_usage(
        &self,
        from_ms: i64,
        until_ms: i64,
        provider: Option<&str>,
        cells: &mut BTreeMap<(i64, String), UsageCell>,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT created_at, provider, {REQUEST_USAGE} FROM requests
                 WHERE created_at >= ?1 AND created_at < ?2 AND (CAST(?3 AS TEXT) IS NULL OR provider = ?3)"
        );
        self.conn
            .each_row(&sql, params![from_ms, until_ms, provider], |row| {
                let created_at: i64 = row.get(0)?;
                let cell = cell_of(cells, created_at.div_euclid(DAY_MS), row.get(1)?);
                add_request(row, &mut cell.totals, &mut cell.durations)?;
                Ok(true)
            })
    }
}

/// The usage columns of one request, selected after two key columns (see [`add_request`]).
pub(crate) const REQUEST_USAGE: &str = "status IN ('failed', 'orphaned'), duration_ms,
    coalesce(input_tokens, 0), coalesce(output_tokens, 0), coalesce(cache_read_tokens, 0),
    coalesce(cache_creation_tokens, 0), coalesce(cost_usd, 0.0)";

/// Adds the request of `row` (two key columns, then [`REQUEST_USAGE`]) to a group.
pub(crate) fn add_request(
    row: &Row<'_>,
    totals: &mut UsageTotals,
    durations: &mut DurationHistogram,
) -> Result<(), StoreError> {
    totals.add(&UsageTotals {
        requests: 1,
        failures: i64::from(row.get::<bool>(2)?),
        input_tokens: row.get(4)?,
        output_tokens: row.get(5)?,
        cache_read_tokens: row.get(6)?,
        cache_creation_tokens: row.get(7)?,
        cost_usd: row.get(8)?,
    });
    if let Some(duration) = row.get::<Option<i64>>(3)? {
        durations.record(duration);
    }
    Ok(())
}

fn cell_of(
    cells: &mut BTreeMap<(i64, String), UsageCell>,
    day: i64,
    provider: String,
) -> &mut UsageCell {
    cells
        .entry((day, provider.clone()))
        .or_insert_with(|| UsageCell {
            day,
            provider,
            ..UsageCell::default()
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn buckets_are_contiguous_and_ranges_hold_their_durations() {
        let cases = [
            (0, 0),
            (9, 0),
            (10, 1),
            (999, 99),
            (1_000, 100),
            (9_999, 189),
            (10_000, 190),
            (99_999, 279),
            (100_000, 280),
            (999_999, 369),
            (1_000_000, 370),
            (3_600_000, 396),
            (-5, 0),
        ];
        for (duration, bucket) in cases {
            assert_eq!(duration_bucket(duration), bucket, "{duration} ms");
            let (low, width) = bucket_range(bucket);
            let duration = duration.max(0);
            assert!(
                low <= duration && duration < low + width,
                "{duration} in {low}+{width}"
            );
        }
    }

    #[test]
    fn quantiles_pick_the_bucket_of_the_rank() {
        let mut histogram = DurationHistogram::default();
        assert_eq!(histogram.quantile(0.5), None);
        for duration in [100, 200, 300, 400, 5_000] {
            histogram.record(duration);
        }
        assert_eq!(histogram.quantile(0.5), Some(305));
        assert_eq!(histogram.quantile(0.95), Some(5_050));
        assert_eq!(histogram.quantile(0.0), Some(105));
    }

    #[test]
    fn day_labels_are_utc_dates() {
        for (day, label) in [
            (0, "1970-01-01"),
            (19_723, "2024-01-01"),
            (19_782, "2024-02-29"),
            (-1, "1969-12-31"),
        ] {
            assert_eq!(day_label(day), label);
        }
    }
}
