//! The job service: the only place that spawns provider CLIs.
//!
//! The types here are the contract the MCP server and the CLI build on (docs/interfaces.md);
//! [`JobService`] is the one service behind them. Jobs are durable rows in `gateway-store`; each
//! is owned by its own [`supervisor`] process, detached from the gateway, which runs the CLI,
//! streams its output through the provider's parser into progress events and append-only
//! chunks, and records the outcome itself — so a job outlives the client that started it.
//!
//! Not here: argv building and parsing (`gateway-provider`), SQL (`gateway-store`), MCP.

pub mod cancel;
mod capture;
mod config;
pub mod git;
mod host;
mod liveness;
pub mod probe;
mod reconcile;
mod records;
mod runner;
mod service;
mod spawn;
pub mod supervisor;
mod sys;

pub use sys::PORTABLE_LIVENESS_ENV;
mod workers;

pub use config::{
    DEFAULT_JOB_TIMEOUT, GATEWAY_SUPERVISOR_BIN, KEEPER_BIN, SUPERVISOR_BIN, SUPERVISOR_ENV,
    SupervisorCommand, data_dir_from_env, default_idle_timeout, locate_supervisor,
};
pub use gateway_store::{
    ApprovalRecord, JobFilter, NewApproval, NewSession, NewToolCall, RequestRecord, SessionRecord,
    TaskRecord, ToolCallRecord,
};
pub use records::Records;
pub use service::JobService;

use std::time::Duration;

use gateway_core::{JobStatus, RunOutcome};
use gateway_provider::CommandSpec;
use serde::Serialize;

/// Settings of the job service, read once at start (env + `config.toml` `[limits]`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Where the store lives: the SQLite file (default `<data dir>/logs.db`), memory only
    /// (`LLM_GATEWAY_LOGS_DB=none`), or a shared PostgreSQL database
    /// (`LLM_GATEWAY_DATABASE_URL`, `[store] url`).
    pub store: gateway_store::Location,
    /// This host's directory for wake-up names when the store is shared (PostgreSQL).
    pub data_dir: std::path::PathBuf,
    /// How long an owner on a shared store may miss its heartbeat before its jobs are
    /// orphaned (`LLM_GATEWAY_LEASE_MS`, `[store] lease_ms`).
    pub lease: Duration,
    pub max_running: usize,
    pub max_running_per_provider: usize,
    pub max_queued: usize,
    pub queue_timeout: Duration,
    pub dedup_window: Duration,
    pub output_cap_bytes: u64,
    pub retention_days: u32,
    pub redact: bool,
    pub isolate_spawn_env: bool,
    /// Every job's wall-clock limit unless the request sets one (exit 124).
    pub job_timeout: Duration,
    /// What happens to running jobs when the gateway exits.
    pub on_exit: OnExit,
    /// The per-job supervisor binary; `None` (or one that does not run) hosts jobs on gateway
    /// threads, and they end with the gateway.
    pub supervisor: Option<SupervisorCommand>,
}

/// What a gateway's exit does to the jobs it started (`LLM_GATEWAY_ON_EXIT`, `[jobs] on_exit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExit {
    /// They run to completion and record their result (the default).
    Finish,
    /// They are canceled (SIGTERM, SIGKILL after 5 s) and recorded as `canceled`.
    Cancel,
}

/// What to run and how to account for it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    pub spec: CommandSpec,
    /// The original prompt (recorded redacted; hashed for approvals). Never logged raw.
    pub prompt: String,
    /// The model the caller asked for (after alias resolution), for the record.
    pub model: Option<String>,
    pub correlation_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub force_refresh: bool,
    /// No output for this long → exit 125. `None` = the provider's default.
    pub idle_timeout: Option<Duration>,
    /// Wall clock → exit 124. `None` = [`JobsConfig::job_timeout`].
    pub timeout: Option<Duration>,
    /// Which tool asked (for the flight recorder), e.g. `claude_request`.
    pub origin_tool: Option<String>,
}

/// Identifies the job a submit landed on.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub job_id: String,
    pub correlation_id: String,
    pub status: JobStatus,
    /// Set when an identical recent request was reused (spec §2.5).
    pub deduped_from: Option<DedupedFrom>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DedupedFrom {
    pub job_id: String,
    pub age_ms: u64,
}

/// A point-in-time view of a job.
#[derive(Debug, Clone, Serialize)]
pub struct JobSnapshot {
    pub job_id: String,
    pub correlation_id: String,
    pub provider: String,
    pub model: Option<String>,
    pub status: JobStatus,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    /// Parsed outcome once terminal (text, session id, tokens, cost).
    pub outcome: Option<RunOutcome>,
}

/// One progress event, as `llm_job_status` pages them.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ProgressEvent {
    pub seq: i64,
    pub ts_ms: i64,
    pub kind: String,
    pub message: String,
}

/// Paging request for output.
#[derive(Debug, Clone, Copy)]
pub struct OutputPaging {
    pub max_chars: u64,
    pub stdout_offset_chars: u64,
    pub stderr_offset_chars: u64,
}

/// One page of a stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamPage {
    pub text: String,
    pub total_chars: u64,
    pub truncated: bool,
    pub next_offset_chars: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobResult {
    pub snapshot: JobSnapshot,
    pub stdout: StreamPage,
    pub stderr: StreamPage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    Canceled,
    AlreadyFinished(JobStatus),
    NotFound,
}

/// Failures a caller may see from `submit`.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Limits reached for longer than the queue time-out; retry later.
    #[error("at capacity: {0}")]
    AtCapacity(String),
    /// Same idempotency key, different arguments.
    #[error("idempotencyKey `{key}` was already used with different arguments (job {job_id})")]
    IdempotencyConflict { key: String, job_id: String },
    /// `workingDir` does not exist or is not a directory.
    #[error("invalid `workingDir`: {0}")]
    WorkingDir(String),
    #[error("shutting down")]
    ShuttingDown,
    /// Today's spend has reached a daily budget (`[budget]` of `config.toml`); retrying today
    /// will not help.
    #[error(
        "refused: the {} daily budget of ${:.2} is spent (${:.4} today, UTC); raise `[budget]` in config.toml or wait for tomorrow",
        .0.scope, .0.daily_usd, .0.spent_usd
    )]
    OverBudget(gateway_store::costs::BudgetStatus),
    #[error("store: {0}")]
    Store(String),
}

/// Failures of the job service itself (not of a job: a failed job is a value).
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The database could not be opened or written; see the message for the path and cause.
    #[error(transparent)]
    Store(#[from] gateway_store::StoreError),
    /// The data directory or lock file could not be used.
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// A background task died (a bug); retrying may work.
    #[error("internal error: {0}")]
    Internal(String),
}
