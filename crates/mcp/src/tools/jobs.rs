//! Job tools: `llm_job_status` (long-poll, paged progress), `llm_job_result` (paged output),
//! `llm_job_cancel`, `llm_job_list`, `llm_request_result` (the flight-recorder row).

use std::time::Duration;

use gateway_core::{JobStatus, ProviderId};
use gateway_jobs::{CancelOutcome, JobFilter, JobSnapshot, OutputPaging};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{ToolError, ToolResult};
use crate::server::Server;
use crate::tools::providers::cap_chars;
use crate::tools::{ToolSpec, check_range, route, structured};

/// Longest long-poll (clients time tools out at about 60 s).
const MAX_WAIT_MS: u64 = 30_000;
const DEFAULT_PROGRESS_LIMIT: u32 = 32;
const MAX_PROGRESS_LIMIT: u32 = 64;
const DEFAULT_MAX_CHARS: u64 = 200_000;
const MIN_MAX_CHARS: u64 = 1_000;
const MAX_MAX_CHARS: u64 = 2_000_000;

pub fn router() -> ToolRouter<Server> {
    ToolRouter::new()
        .with_route(route(
            ToolSpec::new("llm_job_status", "Status of a job plus its progress events (paged); waitMs long-polls for a change.")
                .read_only()
                .output::<JobStatusResult>(),
            status,
        ))
        .with_route(route(
            ToolSpec::new("llm_job_result", "Output of a job: parsed response plus stdout/stderr, paged by maxChars and per-stream offsets.")
                .read_only()
                .output::<JobResultResult>(),
            result,
        ))
        .with_route(route(
            ToolSpec::new("llm_job_cancel", "Cancel a running or queued job (SIGTERM to its process group, SIGKILL after 5 s).")
                .output::<CancelResult>(),
            cancel,
        ))
        .with_route(route(
            ToolSpec::new("llm_job_list", "Recent jobs, newest first; filter by status, provider, start time.")
                .read_only()
                .output::<JobListResult>(),
            list,
        ))
        .with_route(route(
            ToolSpec::new("llm_request_result", "The flight-recorder row of a request by correlationId: response, tokens, cost, status.")
                .read_only()
                .output::<RequestRow>(),
            request_result,
        ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobStatusParams {
    pub job_id: String,
    /// Long-poll for a change or new progress.
    #[schemars(range(max = 30_000))]
    pub wait_ms: Option<u64>,
    /// Only progress events after this seq (default 0).
    #[schemars(range(min = 0))]
    pub after_progress_seq: Option<i64>,
    /// Default 32.
    #[schemars(range(min = 1, max = 64))]
    pub progress_limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobStatusResult {
    pub job_id: String,
    pub status: JobStatus,
    pub provider: String,
    pub model: Option<String>,
    pub correlation_id: String,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub progress: Vec<ProgressItem>,
    /// Pass as afterProgressSeq to page on.
    pub next_progress_seq: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressItem {
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub ts: i64,
    pub kind: String,
    pub message: String,
}

async fn status(
    server: Server,
    params: JobStatusParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("waitMs", params.wait_ms, 0, MAX_WAIT_MS)?;
    check_range(
        "progressLimit",
        params.progress_limit.map(u64::from),
        1,
        u64::from(MAX_PROGRESS_LIMIT),
    )?;
    let after = params.after_progress_seq.unwrap_or(0);
    if after < 0 {
        return Err(ToolError::param("afterProgressSeq", "must be ≥ 0"));
    }
    let jobs = server.jobs();
    let snapshot = find(&server, &params.job_id).await?;
    let wait = params.wait_ms.unwrap_or(0);
    if wait > 0 && !snapshot.status.is_terminal() {
        jobs.wait_for_change(&params.job_id, after, Duration::from_millis(wait))
            .await
            .map_err(ToolError::internal)?;
    }
    let snapshot = find(&server, &params.job_id).await?;
    let limit = params.progress_limit.unwrap_or(DEFAULT_PROGRESS_LIMIT);
    let events = jobs
        .progress(&params.job_id, after, limit)
        .await
        .map_err(ToolError::internal)?;
    let next = events.last().map_or(after, |event| event.seq);
    let progress: Vec<ProgressItem> = events
        .into_iter()
        .map(|event| ProgressItem {
            seq: event.seq,
            ts: event.ts_ms,
            kind: event.kind,
            message: event.message,
        })
        .collect();
    let text = format!(
        "job {} {} (exit {}); {} progress event(s){}",
        snapshot.job_id,
        snapshot.status,
        snapshot
            .exit_code
            .map_or_else(|| "none".to_owned(), |code| code.to_string()),
        progress.len(),
        progress
            .last()
            .map(|item| format!(", latest: {}", item.message))
            .unwrap_or_default(),
    );
    let result = JobStatusResult {
        job_id: snapshot.job_id,
        status: snapshot.status,
        provider: snapshot.provider,
        model: snapshot.model,
        correlation_id: snapshot.correlation_id,
        exit_code: snapshot.exit_code,
        error: snapshot.error,
        created_at_ms: snapshot.created_at_ms,
        started_at_ms: snapshot.started_at_ms,
        finished_at_ms: snapshot.finished_at_ms,
        progress,
        next_progress_seq: next,
    };
    structured(text, &result)
}

/// The snapshot of `job_id`, or the "Job not found" error naming it.
async fn find(server: &Server, job_id: &str) -> Result<JobSnapshot, ToolError> {
    server
        .jobs()
        .status(job_id)
        .await
        .map_err(ToolError::internal)?
        .ok_or_else(|| ToolError::job_not_found(job_id))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobResultParams {
    pub job_id: String,
    /// Per stream; default 200000.
    #[schemars(range(min = 1000, max = 2_000_000))]
    pub max_chars: Option<u64>,
    /// Start stdout at this character offset.
    pub stdout_offset_chars: Option<u64>,
    /// Start stderr at this character offset.
    pub stderr_offset_chars: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobResultResult {
    pub job_id: String,
    pub status: JobStatus,
    pub exit_code: Option<i32>,
    /// The parsed answer (capped at maxChars).
    pub response: Option<String>,
    pub session_id: Option<String>,
    pub error: Option<String>,
    pub cost_usd: Option<f64>,
    /// `costUsd` is estimated from the price table; omitted if false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
    pub stdout: String,
    pub stdout_total_chars: u64,
    pub stdout_truncated: bool,
    pub stdout_next_offset_chars: Option<u64>,
    pub stderr: String,
    pub stderr_total_chars: u64,
    pub stderr_truncated: bool,
    pub stderr_next_offset_chars: Option<u64>,
}

async fn result(
    server: Server,
    params: JobResultParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("maxChars", params.max_chars, MIN_MAX_CHARS, MAX_MAX_CHARS)?;
    let max_chars = params.max_chars.unwrap_or(DEFAULT_MAX_CHARS);
    let paging = OutputPaging {
        max_chars,
        stdout_offset_chars: params.stdout_offset_chars.unwrap_or(0),
        stderr_offset_chars: params.stderr_offset_chars.unwrap_or(0),
    };
    let page = server
        .jobs()
        .result(&params.job_id, paging)
        .await
        .map_err(ToolError::internal)?
        .ok_or_else(|| ToolError::job_not_found(&params.job_id))?;
    let snapshot = page.snapshot;
    let outcome = snapshot.outcome.unwrap_or_default();
    let limit = usize::try_from(max_chars).unwrap_or(usize::MAX);
    let response = (!outcome.text.is_empty()).then(|| cap_chars(&outcome.text, limit).0);
    let text = match (&response, snapshot.status.is_terminal()) {
        (Some(response), _) => response.clone(),
        (None, true) => format!(
            "job {} {} with no parsed answer; see stdout/stderr",
            snapshot.job_id, snapshot.status
        ),
        (None, false) => format!(
            "job {} is {}; no answer yet",
            snapshot.job_id, snapshot.status
        ),
    };
    let result = JobResultResult {
        job_id: snapshot.job_id,
        status: snapshot.status,
        exit_code: snapshot.exit_code,
        response,
        session_id: outcome.session_id,
        error: snapshot.error.or(outcome.error),
        cost_usd: outcome.cost_usd,
        cost_estimated: outcome.cost_estimated,
        stdout: page.stdout.text,
        stdout_total_chars: page.stdout.total_chars,
        stdout_truncated: page.stdout.truncated,
        stdout_next_offset_chars: page.stdout.next_offset_chars,
        stderr: page.stderr.text,
        stderr_total_chars: page.stderr.total_chars,
        stderr_truncated: page.stderr.truncated,
        stderr_next_offset_chars: page.stderr.next_offset_chars,
    };
    structured(text, &result)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobIdParams {
    pub job_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelResult {
    pub job_id: String,
    pub canceled: bool,
}

async fn cancel(
    server: Server,
    params: JobIdParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    match server
        .jobs()
        .cancel(&params.job_id)
        .await
        .map_err(ToolError::internal)?
    {
        CancelOutcome::Canceled => structured(
            format!("job {} canceled", params.job_id),
            &CancelResult {
                job_id: params.job_id,
                canceled: true,
            },
        ),
        CancelOutcome::AlreadyFinished(status) => Err(ToolError::Fixable(format!(
            "job `{}` already finished ({status}); nothing to cancel. Collect it with llm_job_result.",
            params.job_id
        ))),
        CancelOutcome::NotFound => Err(ToolError::job_not_found(&params.job_id)),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobListParams {
    /// Only jobs in this state.
    pub status: Option<JobStatus>,
    pub provider: Option<ProviderId>,
    /// Only jobs created at or after this time (ms since the Unix epoch).
    pub since_ms: Option<i64>,
    /// Default 20.
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobListResult {
    pub jobs: Vec<JobSummary>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub job_id: String,
    pub provider: String,
    pub model: Option<String>,
    pub status: JobStatus,
    pub exit_code: Option<i32>,
    pub correlation_id: String,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

async fn list(
    server: Server,
    params: JobListParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("limit", params.limit.map(u64::from), 1, 200)?;
    let filter = JobFilter {
        statuses: params.status.into_iter().collect(),
        provider: params.provider.map(|provider| provider.as_str().to_owned()),
        created_after_ms: params.since_ms,
        created_before_ms: None,
        limit: Some(params.limit.unwrap_or(20)),
    };
    let jobs: Vec<JobSummary> = server
        .jobs()
        .list(filter)
        .await
        .map_err(ToolError::internal)?
        .into_iter()
        .map(|job| JobSummary {
            job_id: job.job_id,
            provider: job.provider,
            model: job.model,
            status: job.status,
            exit_code: job.exit_code,
            correlation_id: job.correlation_id,
            created_at_ms: job.created_at_ms,
            finished_at_ms: job.finished_at_ms,
        })
        .collect();
    structured(list_text(&jobs), &JobListResult { jobs })
}

/// The text block of `llm_job_list`: one line per job, e.g.
/// `<id> claude sonnet completed, exit 0`; absent fields are left out.
fn list_text(jobs: &[JobSummary]) -> String {
    if jobs.is_empty() {
        return "no jobs".to_owned();
    }
    let lines: Vec<String> = jobs
        .iter()
        .map(|job| {
            let model = job
                .model
                .as_deref()
                .map_or_else(String::new, |model| format!(" {model}"));
            let exit = job
                .exit_code
                .map_or_else(String::new, |code| format!(", exit {code}"));
            format!(
                "{} {}{model} {}{exit}",
                job.job_id, job.provider, job.status
            )
        })
        .collect();
    lines.join("\n")
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestResultParams {
    pub correlation_id: String,
    /// Of response and prompt; default 200000.
    #[schemars(range(min = 1000, max = 2_000_000))]
    pub max_chars: Option<u64>,
    /// Include the (redacted) prompt.
    #[serde(default)]
    pub include_prompt: bool,
}

/// A flight-recorder row on the wire.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestRow {
    pub correlation_id: String,
    pub job_id: Option<String>,
    pub provider: String,
    pub model: Option<String>,
    pub origin_tool: Option<String>,
    /// `started`, then the job's final status.
    pub status: String,
    pub prompt_bytes: u64,
    pub prompt: Option<String>,
    pub response: Option<String>,
    pub session_id: Option<String>,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    pub cache_creation_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
    pub approval_decision: Option<String>,
}

async fn request_result(
    server: Server,
    params: RequestResultParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("maxChars", params.max_chars, MIN_MAX_CHARS, MAX_MAX_CHARS)?;
    let limit =
        usize::try_from(params.max_chars.unwrap_or(DEFAULT_MAX_CHARS)).unwrap_or(usize::MAX);
    let record = server
        .jobs()
        .request_by_correlation(&params.correlation_id)
        .await
        .map_err(ToolError::internal)?
        .ok_or_else(|| {
            ToolError::Fixable(format!(
                "Request not found: no request with correlationId `{}`",
                params.correlation_id
            ))
        })?;
    let row = RequestRow {
        correlation_id: record.correlation_id,
        job_id: record.job_id,
        provider: record.provider,
        model: record.model,
        origin_tool: record.origin_tool,
        status: record.status,
        prompt_bytes: record.prompt_bytes,
        prompt: params
            .include_prompt
            .then(|| cap_chars(&record.prompt, limit).0),
        response: record.response.map(|text| cap_chars(&text, limit).0),
        session_id: record.session_id,
        exit_code: record.exit_code,
        error: record.error,
        created_at_ms: record.created_at_ms,
        finished_at_ms: record.finished_at_ms,
        duration_ms: record.duration_ms,
        input_tokens: record.input_tokens,
        output_tokens: record.output_tokens,
        cache_read_tokens: record.cache_read_tokens,
        cache_creation_tokens: record.cache_creation_tokens,
        cost_usd: record.cost_usd,
        cost_estimated: record.cost_estimated,
        approval_decision: record.approval_decision,
    };
    let text = format!(
        "request {} ({}) {}: {}",
        row.correlation_id,
        row.provider,
        row.status,
        row.response.as_deref().unwrap_or("(no response)")
    );
    structured(text, &row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(model: Option<&str>, status: JobStatus, exit_code: Option<i32>) -> JobSummary {
        JobSummary {
            job_id: "0196f0a2-7c1e-7b3a-9f10-2b8e4c1d9a77".to_owned(),
            provider: "claude".to_owned(),
            model: model.map(str::to_owned),
            status,
            exit_code,
            correlation_id: "corr".to_owned(),
            created_at_ms: 0,
            finished_at_ms: None,
        }
    }

    #[test]
    fn the_list_text_reads_as_prose_and_leaves_absent_fields_out() {
        let jobs = [
            summary(Some("sonnet"), JobStatus::Completed, Some(0)),
            summary(None, JobStatus::Running, None),
        ];
        insta::assert_snapshot!(list_text(&jobs), @r"
        0196f0a2-7c1e-7b3a-9f10-2b8e4c1d9a77 claude sonnet completed, exit 0
        0196f0a2-7c1e-7b3a-9f10-2b8e4c1d9a77 claude running
        ");
        assert_eq!(list_text(&[]), "no jobs");
    }
}
