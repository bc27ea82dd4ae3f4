//! The `jobs` table: submit with dedup and idempotency, CAS transitions, reads, reconcile.

use crate::model::{
    DedupPolicy, JobFilter, JobFinish, JobRecord, NewJob, RunningInfo, SubmitOutcome,
};
use crate::sql::{Db, Lock, Owned, Row, params};
use crate::{Store, StoreError, now_ms};
use gateway_core::{JobStatus, RunOutcome, Usage};

/// Every column, in [`JobRow::from_row`] order.
pub(crate) const JOB_COLUMNS: &str = r"id, correlation_id, dedup_key, idempotency_key, provider,
    model, program, argv_json, cwd, origin_tool, status, exit_code, error, error_category, pid,
    pgid, proc_start_ticks, owner_instance, created_at, started_at, finished_at, expires_at,
    stdout_bytes, stderr_bytes, stdout_chars, stderr_chars, output_truncated, events_truncated,
    outcome_text, session_id, outcome_model, input_tokens, output_tokens, cache_read_tokens,
    cache_creation_tokens, cost_usd, stop_reason, outcome_is_error, outcome_error, cost_estimated";

/// A `jobs` row exactly as stored.
pub(crate) struct JobRow {
    id: String,
    correlation_id: String,
    dedup_key: String,
    idempotency_key: Option<String>,
    provider: String,
    model: Option<String>,
    program: String,
    argv_json: String,
    cwd: Option<String>,
    origin_tool: Option<String>,
    status: String,
    exit_code: Option<i32>,
    error: Option<String>,
    error_category: Option<String>,
    pid: Option<i64>,
    pgid: Option<i64>,
    proc_start_ticks: Option<i64>,
    owner_instance: String,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    expires_at: Option<i64>,
    stdout_bytes: i64,
    stderr_bytes: i64,
    stdout_chars: i64,
    stderr_chars: i64,
    output_truncated: bool,
    events_truncated: bool,
    outcome_text: Option<String>,
    session_id: Option<String>,
    outcome_model: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cache_read_tokens: Option<i64>,
    cache_creation_tokens: Option<i64>,
    cost_usd: Option<f64>,
    stop_reason: Option<String>,
    outcome_is_error: bool,
    outcome_error: Option<String>,
    cost_estimated: bool,
}

impl JobRow {
    pub(crate) fn from_row(row: &Row<'_>) -> Result<JobRow, StoreError> {
        Ok(JobRow {
            id: row.get(0)?,
            correlation_id: row.get(1)?,
            dedup_key: row.get(2)?,
            idempotency_key: row.get(3)?,
            provider: row.get(4)?,
            model: row.get(5)?,
            program: row.get(6)?,
            argv_json: row.get(7)?,
            cwd: row.get(8)?,
            origin_tool: row.get(9)?,
            status: row.get(10)?,
            exit_code: row.get(11)?,
            error: row.get(12)?,
            error_category: row.get(13)?,
            pid: row.get(14)?,
            pgid: row.get(15)?,
            proc_start_ticks: row.get(16)?,
            owner_instance: row.get(17)?,
            created_at: row.get(18)?,
            started_at: row.get(19)?,
            finished_at: row.get(20)?,
            expires_at: row.get(21)?,
            stdout_bytes: row.get(22)?,
            stderr_bytes: row.get(23)?,
            stdout_chars: row.get(24)?,
            stderr_chars: row.get(25)?,
            output_truncated: row.get(26)?,
            events_truncated: row.get(27)?,
            outcome_text: row.get(28)?,
            session_id: row.get(29)?,
            outcome_model: row.get(30)?,
            input_tokens: row.get(31)?,
            output_tokens: row.get(32)?,
            cache_read_tokens: row.get(33)?,
            cache_creation_tokens: row.get(34)?,
            cost_usd: row.get(35)?,
            stop_reason: row.get(36)?,
            outcome_is_error: row.get(37)?,
            outcome_error: row.get(38)?,
            cost_estimated: row.get(39)?,
        })
    }
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn tokens(value: Option<i64>) -> Option<u64> {
    value.and_then(|value| u64::try_from(value).ok())
}

/// A stored status; anything else is a corrupt row.
pub(crate) fn parse_status(text: &str) -> Result<JobStatus, StoreError> {
    text.parse().map_err(|error| StoreError::Corrupt {
        table: "jobs",
        reason: format!("{error}"),
    })
}

impl TryFrom<JobRow> for JobRecord {
    type Error = StoreError;

    fn try_from(row: JobRow) -> Result<Self, Self::Error> {
        let corrupt = |reason: String| StoreError::Corrupt {
            table: "jobs",
            reason,
        };
        let status = parse_status(&row.status)?;
        let argv: Vec<String> = serde_json::from_str(&row.argv_json)
            .map_err(|error| corrupt(format!("argv_json of {}: {error}", row.id)))?;
        let outcome = row.finished_at.map(|_| RunOutcome {
            text: row.outcome_text.unwrap_or_default(),
            session_id: row.session_id,
            model: row.outcome_model,
            usage: Usage {
                input_tokens: tokens(row.input_tokens),
                output_tokens: tokens(row.output_tokens),
                cache_read_tokens: tokens(row.cache_read_tokens),
                cache_creation_tokens: tokens(row.cache_creation_tokens),
            },
            cost_usd: row.cost_usd,
            cost_estimated: row.cost_estimated,
            stop_reason: row.stop_reason,
            is_error: row.outcome_is_error,
            error: row.outcome_error,
        });
        Ok(JobRecord {
            id: row.id,
            correlation_id: row.correlation_id,
            dedup_key: row.dedup_key,
            idempotency_key: row.idempotency_key,
            provider: row.provider,
            model: row.model,
            program: row.program,
            argv,
            cwd: row.cwd,
            origin_tool: row.origin_tool,
            status,
            exit_code: row.exit_code,
            error: row.error,
            error_category: row.error_category,
            pid: row.pid,
            pgid: row.pgid,
            proc_start_ticks: row.proc_start_ticks,
            owner_instance: row.owner_instance,
            created_at_ms: row.created_at,
            started_at_ms: row.started_at,
            finished_at_ms: row.finished_at,
            expires_at_ms: row.expires_at,
            stdout_bytes: unsigned(row.stdout_bytes),
            stderr_bytes: unsigned(row.stderr_bytes),
            stdout_chars: unsigned(row.stdout_chars),
            stderr_chars: unsigned(row.stderr_chars),
            output_truncated: row.output_truncated,
            events_truncated: row.events_truncated,
            outcome,
        })
    }
}

fn to_i64(value: Option<u64>) -> Option<i64> {
    value.and_then(|value| i64::try_from(value).ok())
}

impl Store {
    /// Inserts `job` (and its `requests` row) unless an idempotency key or a reusable identical
    /// job answers it. Decided inside one `IMMEDIATE` transaction, so two processes racing on
    /// one key get one job. Reusable: queued, running or completed within the window; failed,
    /// canceled and orphaned jobs are never reused.
    pub fn submit_job(
        &self,
        job: &NewJob,
        policy: DedupPolicy,
    ) -> Result<SubmitOutcome, StoreError> {
        let conn = self.conn();
        let tx = conn.transaction(Lock::Global)?;
        if let Some(key) = &job.idempotency_key {
            let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE idempotency_key = ?1");
            let found = tx.optional_row(&sql, params![key], JobRow::from_row)?;
            if let Some(row) = found {
                let record = JobRecord::try_from(row)?;
                if record.dedup_key != job.dedup_key {
                    return Ok(SubmitOutcome::IdempotencyConflict { job_id: record.id });
                }
                let age_ms = job.created_at_ms - record.created_at_ms;
                return Ok(SubmitOutcome::Deduplicated {
                    job: Box::new(record),
                    age_ms,
                });
            }
        }
        if policy.window_ms > 0 && !policy.force_refresh {
            let sql = format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE dedup_key = ?1 AND created_at >= ?2
                 AND status IN ('queued', 'running', 'completed')
                 ORDER BY created_at DESC LIMIT 1"
            );
            let since = job.created_at_ms - policy.window_ms;
            let found = tx.optional_row(&sql, params![job.dedup_key, since], JobRow::from_row)?;
            if let Some(row) = found {
                let record = JobRecord::try_from(row)?;
                let age_ms = job.created_at_ms - record.created_at_ms;
                return Ok(SubmitOutcome::Deduplicated {
                    job: Box::new(record),
                    age_ms,
                });
            }
        }
        if let Some(over) = crate::costs::over_budget(&tx, &job.provider, job.created_at_ms)? {
            return Ok(SubmitOutcome::OverBudget(over));
        }
        self.insert_job(&tx, job)?;
        tx.commit()?;
        Ok(SubmitOutcome::Created)
    }

    fn insert_job(&self, tx: &Db, job: &NewJob) -> Result<(), StoreError> {
        let argv: Vec<String> = job
            .argv
            .iter()
            .map(|arg| self.scrub(arg).into_owned())
            .collect();
        let argv_json = serde_json::to_string(&argv).map_err(|error| StoreError::Corrupt {
            table: "jobs",
            reason: error.to_string(),
        })?;
        tx.run(
            r"INSERT INTO jobs (id, correlation_id, dedup_key, idempotency_key, provider, model,
                program, argv_json, cwd, origin_tool, status, owner_instance, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, ?12)",
            params![
                job.id,
                job.correlation_id,
                job.dedup_key,
                job.idempotency_key,
                job.provider,
                job.model,
                job.program,
                argv_json,
                job.cwd,
                job.origin_tool,
                job.owner_instance,
                job.created_at_ms
            ],
        )?;
        let prompt = self.scrub(&job.prompt);
        tx.run(
            r"INSERT INTO requests (id, correlation_id, provider, model, origin_tool, prompt,
                prompt_bytes, created_at, status, job_id)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'started', ?9)",
            params![
                uuid::Uuid::now_v7().to_string(),
                job.correlation_id,
                job.provider,
                job.model,
                job.origin_tool,
                prompt,
                job.prompt.len() as i64,
                job.created_at_ms,
                job.id
            ],
        )?;
        Ok(())
    }

    /// CAS `queued → running`, recording the process. `false`: the job was no longer queued.
    pub fn mark_running(&self, id: &str, info: RunningInfo) -> Result<bool, StoreError> {
        let changed = self.conn().run(
            r"UPDATE jobs SET status = 'running', pid = ?2, pgid = ?3, proc_start_ticks = ?4,
                started_at = ?5
              WHERE id = ?1 AND status = 'queued'",
            params![
                id,
                info.pid,
                info.pgid,
                info.proc_start_ticks,
                info.started_at_ms
            ],
        )?;
        Ok(changed == 1)
    }

    /// CAS `from → finish.status`, writing the outcome to the job and its `requests` row in one
    /// transaction. `false`: someone else moved the job first (nothing is written).
    pub fn finish_job(
        &self,
        id: &str,
        from: JobStatus,
        finish: &JobFinish,
    ) -> Result<bool, StoreError> {
        if !from.can_transition_to(finish.status) {
            return Ok(false);
        }
        let conn = self.conn();
        let tx = conn.transaction(Lock::Rows)?;
        let won = self.finish_in(&tx, id, from, &mut finish.clone())?;
        if won {
            tx.commit()?;
        }
        Ok(won)
    }

    /// The last output and events of a job plus its CAS `from → finish.status`, in one
    /// transaction (one commit per finished job instead of two). The output is kept even
    /// when the CAS loses (another process ended the job first). `false`: the CAS lost.
    /// A cost estimated for the job is filled into `finish.outcome`, so the caller reports
    /// what the store has.
    pub fn finish_job_with_output(
        &self,
        id: &str,
        from: JobStatus,
        finish: &mut JobFinish,
        chunks: &[crate::OutputChunk],
        events: &[crate::NewEvent],
        events_truncated: bool,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let tx = conn.transaction(Lock::Rows)?;
        self.append_in(&tx, id, chunks, events, events_truncated)?;
        let won = from.can_transition_to(finish.status) && self.finish_in(&tx, id, from, finish)?;
        tx.commit()?;
        Ok(won)
    }

    fn finish_in(
        &self,
        tx: &Db,
        id: &str,
        from: JobStatus,
        finish: &mut JobFinish,
    ) -> Result<bool, StoreError> {
        let outcome = finish.outcome.clone().unwrap_or_default();
        let text = self.scrub(&outcome.text);
        let error = self.scrub_opt(finish.error.as_deref());
        let outcome_error = self.scrub_opt(outcome.error.as_deref());
        let expires = finish.finished_at_ms + i64::from(finish.retention_days) * 86_400_000;
        let changed = tx.run(
            r"UPDATE jobs SET status = ?3, exit_code = ?4, error = ?5, error_category = ?6,
                finished_at = ?7, expires_at = ?8,
                output_truncated = CASE WHEN output_truncated + ?9 > 0 THEN 1 ELSE 0 END, outcome_text = ?10, session_id = ?11,
                outcome_model = ?12, input_tokens = ?13, output_tokens = ?14,
                cache_read_tokens = ?15, cache_creation_tokens = ?16, cost_usd = ?17,
                stop_reason = ?18, outcome_is_error = ?19, outcome_error = ?20
              WHERE id = ?1 AND status = ?2",
            params![
                id,
                from.as_str(),
                finish.status.as_str(),
                finish.exit_code,
                error,
                finish.error_category,
                finish.finished_at_ms,
                expires,
                finish.output_truncated,
                text,
                outcome.session_id,
                outcome.model,
                to_i64(outcome.usage.input_tokens),
                to_i64(outcome.usage.output_tokens),
                to_i64(outcome.usage.cache_read_tokens),
                to_i64(outcome.usage.cache_creation_tokens),
                outcome.cost_usd,
                outcome.stop_reason,
                outcome.is_error,
                outcome_error
            ],
        )?;
        if changed != 1 {
            return Ok(false);
        }
        let (cost_usd, estimated) = match outcome.cost_usd {
            Some(cost) => (Some(cost), false),
            None => {
                let estimate = crate::costs::estimate(tx, id, &outcome)?;
                (estimate, estimate.is_some())
            }
        };
        if estimated {
            tx.run(
                "UPDATE jobs SET cost_usd = ?2, cost_estimated = 1 WHERE id = ?1",
                params![id, cost_usd],
            )?;
            if let Some(reported) = finish.outcome.as_mut() {
                reported.cost_usd = cost_usd;
                reported.cost_estimated = true;
            }
        }
        tx.run(
            r"UPDATE requests SET status = ?2, response = ?3, session_id = ?4, finished_at = ?5,
                duration_ms = ?5 - created_at, input_tokens = ?6, output_tokens = ?7,
                cache_read_tokens = ?8, cache_creation_tokens = ?9, cost_usd = ?10,
                exit_code = ?11, error = ?12, model = coalesce(model, ?13), cost_estimated = ?14
              WHERE job_id = ?1",
            params![
                id,
                finish.status.as_str(),
                text,
                outcome.session_id,
                finish.finished_at_ms,
                to_i64(outcome.usage.input_tokens),
                to_i64(outcome.usage.output_tokens),
                to_i64(outcome.usage.cache_read_tokens),
                to_i64(outcome.usage.cache_creation_tokens),
                cost_usd,
                finish.exit_code,
                error,
                outcome.model,
                estimated
            ],
        )?;
        Ok(true)
    }

    /// One job by id.
    pub fn job(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
        let row = self
            .conn()
            .optional_row(&sql, params![id], JobRow::from_row)?;
        row.map(JobRecord::try_from).transpose()
    }

    /// Jobs matching `filter`, newest first (at most 1,000).
    pub fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<JobRecord>, StoreError> {
        list_jobs(&self.conn(), filter, 1_000)
    }

    /// Queued or running jobs, grouped by owner, for reconciliation.
    pub fn active_owners(&self) -> Result<Vec<String>, StoreError> {
        self.conn().rows(
            "SELECT DISTINCT owner_instance FROM jobs WHERE status IN ('queued', 'running')",
            params![],
            |row| row.get(0),
        )
    }

    /// Queued or running jobs of one owner.
    pub fn active_jobs_of(&self, owner: &str) -> Result<Vec<JobRecord>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE owner_instance = ?1 AND status IN ('queued', 'running')"
        );
        let rows = self.conn().rows(&sql, params![owner], JobRow::from_row)?;
        rows.into_iter().map(JobRecord::try_from).collect()
    }

    /// Marks a job whose owner died as `orphaned` (CAS from its current active status) and says
    /// so in the flight recorder. `false`: it had already moved on.
    pub fn mark_orphaned(&self, job: &JobRecord, retention_days: u32) -> Result<bool, StoreError> {
        let finish = JobFinish {
            status: JobStatus::Orphaned,
            exit_code: None,
            error: Some(
                "cut off: the process that owned this job (its supervisor, or the gateway \
                 before it started) exited while it ran; partial output is kept"
                    .to_owned(),
            ),
            error_category: Some("orphaned".to_owned()),
            finished_at_ms: now_ms(),
            output_truncated: false,
            outcome: None,
            retention_days,
        };
        self.finish_job(&job.id, job.status, &finish)
    }
}

/// Jobs matching `filter`, newest first, at most `max` (the one filter query of the store and
/// of [`crate::query::ReadStore`]).
pub(crate) fn list_jobs(
    db: &Db,
    filter: &JobFilter,
    max: u32,
) -> Result<Vec<JobRecord>, StoreError> {
    let mut sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE 1 = 1");
    let mut values: Vec<Owned> = Vec::new();
    if !filter.statuses.is_empty() {
        let marks = vec!["?"; filter.statuses.len()].join(", ");
        sql.push_str(&format!(" AND status IN ({marks})"));
        values.extend(
            filter
                .statuses
                .iter()
                .map(|status| Owned::Text(status.as_str().to_owned())),
        );
    }
    if let Some(provider) = &filter.provider {
        sql.push_str(" AND provider = ?");
        values.push(Owned::Text(provider.clone()));
    }
    if let Some(after) = filter.created_after_ms {
        sql.push_str(" AND created_at >= ?");
        values.push(Owned::Int(after));
    }
    if let Some(before) = filter.created_before_ms {
        sql.push_str(" AND created_at < ?");
        values.push(Owned::Int(before));
    }
    let limit = filter.limit.unwrap_or(50).clamp(1, max);
    sql.push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
    let args: Vec<&dyn crate::sql::Arg> = values.iter().map(|value| value as _).collect();
    let rows = db.rows(&sql, &args, JobRow::from_row)?;
    rows.into_iter().map(JobRecord::try_from).collect()
}
