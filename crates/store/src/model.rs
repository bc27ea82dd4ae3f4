//! Domain values the store takes and returns. Row structs that mirror columns stay private to
//! the modules that read them and convert here through `TryFrom`.

use gateway_core::{JobStatus, RunOutcome};
use serde::Serialize;

/// A job to insert (with its flight-recorder `requests` row).
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub correlation_id: String,
    pub dedup_key: String,
    pub idempotency_key: Option<String>,
    pub provider: String,
    pub model: Option<String>,
    pub program: String,
    /// Argv as shown to people (prompt replaced by a marker); redacted again on write.
    pub argv: Vec<String>,
    pub cwd: Option<String>,
    pub origin_tool: Option<String>,
    pub owner_instance: String,
    pub created_at_ms: i64,
    /// The prompt, for the flight recorder (redacted on write).
    pub prompt: String,
}

/// Dedup rules for one submit (spec §2.5).
#[derive(Debug, Clone, Copy)]
pub struct DedupPolicy {
    /// Reuse window in ms; 0 turns dedup off.
    pub window_ms: i64,
    /// `forceRefresh`: never reuse by dedup key (idempotency keys still apply).
    pub force_refresh: bool,
}

/// What a submit landed on.
#[derive(Debug, Clone)]
pub enum SubmitOutcome {
    /// A new job row (status `queued`) was inserted.
    Created,
    /// An identical recent job (or the same idempotency key) was reused.
    Deduplicated { job: Box<JobRecord>, age_ms: i64 },
    /// The idempotency key belongs to a job with different arguments.
    IdempotencyConflict { job_id: String },
    /// Today's spend (UTC) has reached a daily budget; nothing was inserted.
    OverBudget(crate::costs::BudgetStatus),
}

/// Process facts recorded when a job starts running.
#[derive(Debug, Clone, Copy)]
pub struct RunningInfo {
    pub pid: i64,
    /// Process group to signal (the supervisor's, which the CLI shares).
    pub pgid: i64,
    /// The process start time (see `gateway-jobs` `sys::proc_start_ticks`), to tell a recycled
    /// pid from ours.
    pub proc_start_ticks: Option<i64>,
    pub started_at_ms: i64,
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct JobFinish {
    pub status: JobStatus,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    /// Machine-readable reason: `idle_timeout`, `wall_timeout`, `output_cap`, `not_found`,
    /// `spawn`, `exit_code`, `cli_error`, `at_capacity`, `canceled`, `orphaned`, `shutdown`.
    pub error_category: Option<String>,
    pub finished_at_ms: i64,
    pub output_truncated: bool,
    pub outcome: Option<RunOutcome>,
    /// Days the row is kept after it finished.
    pub retention_days: u32,
}

/// A job row as domain values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    pub id: String,
    pub correlation_id: String,
    pub dedup_key: String,
    pub idempotency_key: Option<String>,
    pub provider: String,
    pub model: Option<String>,
    pub program: String,
    pub argv: Vec<String>,
    pub cwd: Option<String>,
    pub origin_tool: Option<String>,
    pub status: JobStatus,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub error_category: Option<String>,
    pub pid: Option<i64>,
    pub pgid: Option<i64>,
    pub proc_start_ticks: Option<i64>,
    pub owner_instance: String,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub expires_at_ms: Option<i64>,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    pub stdout_chars: u64,
    pub stderr_chars: u64,
    pub output_truncated: bool,
    pub events_truncated: bool,
    /// Present once the job finished and its output was parsed.
    pub outcome: Option<RunOutcome>,
}

/// Which captured stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub const fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// A piece of decoded output to append (never rewrites earlier chunks).
#[derive(Debug, Clone)]
pub struct OutputChunk {
    pub stream: Stream,
    pub text: String,
    /// Raw bytes this text was decoded from.
    pub bytes: u64,
}

/// A progress event to append; `seq` is assigned by the job's single writer.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub seq: i64,
    pub at_ms: i64,
    pub kind: String,
    pub message: String,
}

/// A stored progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    pub seq: i64,
    pub at_ms: i64,
    pub kind: String,
    pub message: String,
}

/// Filter for listing jobs; every field narrows, `None` means any.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub statuses: Vec<JobStatus>,
    pub provider: Option<String>,
    pub created_after_ms: Option<i64>,
    pub created_before_ms: Option<i64>,
    /// At most this many, newest first (default 50, at most 1,000).
    pub limit: Option<u32>,
}

/// One flight-recorder row (one provider request).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    pub id: String,
    pub correlation_id: String,
    pub provider: String,
    pub model: Option<String>,
    pub origin_tool: Option<String>,
    pub prompt: String,
    pub prompt_bytes: u64,
    pub response: Option<String>,
    pub session_id: Option<String>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    pub cache_creation_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    pub exit_code: Option<i32>,
    /// `started`, then the job's terminal status.
    pub status: String,
    pub error: Option<String>,
    pub job_id: Option<String>,
    pub retry_count: u32,
    pub approval_decision: Option<String>,
    /// `cost_usd` is the gateway's estimate.
    pub cost_estimated: bool,
}

/// A tool call to record (the MCP layer summarizes and caps the arguments).
#[derive(Debug, Clone)]
pub struct NewToolCall {
    pub tool: String,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub args_summary: String,
    pub duration_ms: i64,
    pub is_error: bool,
    pub result_summary: Option<String>,
    /// The job the call created (or looked at), from its result's `jobId`.
    pub job_id: Option<String>,
    /// The validation, comparison or review run it created, from its result.
    pub validation_id: Option<String>,
}

/// A recorded tool call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolCallRecord {
    pub id: i64,
    pub created_at_ms: i64,
    pub tool: String,
    pub client_name: Option<String>,
    pub client_version: Option<String>,
    pub args_summary: String,
    pub duration_ms: i64,
    pub is_error: bool,
    pub result_summary: Option<String>,
    pub job_id: Option<String>,
    pub validation_id: Option<String>,
}

/// A session to create (`id` is the gateway's `gw-…` id).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub provider: String,
    pub native_session_id: Option<String>,
    pub name: Option<String>,
    pub active: bool,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    pub id: String,
    pub provider: String,
    pub native_session_id: Option<String>,
    pub name: Option<String>,
    pub active: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// An approval decision to record: the prompt is kept only as its SHA-256.
#[derive(Debug, Clone)]
pub struct NewApproval {
    pub id: String,
    pub provider: String,
    pub decision: String,
    pub policy: String,
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    pub prompt_sha256: String,
}

/// A stored approval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalRecord {
    pub id: String,
    pub provider: String,
    pub decision: String,
    pub policy: String,
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    pub prompt_sha256: String,
    pub created_at_ms: i64,
}

/// Rows removed by one retention pass, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneCounts {
    pub jobs: usize,
    pub requests: usize,
    pub tool_calls: usize,
    pub sessions: usize,
    pub approvals: usize,
    pub instances: usize,
    pub validation_runs: usize,
    pub tasks: usize,
}

/// An MCP task: a job or validation run a client asked for as a task, and the tool it called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskRecord {
    pub id: String,
    pub tool: String,
    pub created_at_ms: i64,
}
