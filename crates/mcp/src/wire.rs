//! Wire types of the provider tools: parameters every request tool shares and the structured
//! result every request tool returns (spec §3.1). Field docs become the schema descriptions,
//! so they are short on purpose (the whole `tools/list` must stay under 64 KB).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Parameters of every `<provider>_request` tool, before the provider's own options.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommonParams {
    #[schemars(length(min = 1))]
    pub prompt: String,
    /// Model or alias (list_models); default: the CLI's.
    pub model: Option<String>,
    /// Session to continue (CLI id or gw-…).
    pub session_id: Option<String>,
    /// Continue the latest session in workingDir.
    #[serde(default)]
    pub resume_latest: bool,
    /// Start a new session named sessionId.
    #[serde(default)]
    pub create_new_session: bool,
    /// Directory to run in; default: the client's root, else the gateway's cwd (stdio).
    pub working_dir: Option<String>,
    /// Fresh private temp dir, not the project.
    #[serde(default)]
    pub isolated: bool,
    /// Kill after this many ms silent.
    #[schemars(range(min = 1000, max = 3_600_000))]
    pub idle_timeout_ms: Option<u64>,
    #[schemars(range(min = 1000))]
    pub timeout_ms: Option<u64>,
    /// Your id, for llm_request_result.
    pub correlation_id: Option<String>,
    /// Same key and arguments: same job.
    pub idempotency_key: Option<String>,
    #[serde(default)]
    pub force_refresh: bool,
    /// Show the command and directory; run nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// mcp_managed: gateway risk-checks first.
    pub approval_strategy: Option<ApprovalStrategy>,
    /// mcp_managed threshold (default balanced).
    pub approval_policy: Option<ApprovalPolicy>,
}

/// Who approves risky requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStrategy {
    /// The CLI's own permission flags decide.
    #[default]
    Legacy,
    /// The gateway scores risk first.
    McpManaged,
}

/// Score thresholds of the approval manager: strict 2, balanced 5, permissive 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalPolicy {
    Strict,
    #[default]
    Balanced,
    Permissive,
}

impl ApprovalPolicy {
    pub const fn threshold(self) -> u32 {
        match self {
            ApprovalPolicy::Strict => 2,
            ApprovalPolicy::Balanced => 5,
            ApprovalPolicy::Permissive => 7,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            ApprovalPolicy::Strict => "strict",
            ApprovalPolicy::Balanced => "balanced",
            ApprovalPolicy::Permissive => "permissive",
        }
    }
}

/// Where a request stands, as request tools report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    #[default]
    Queued,
    Running,
    Completed,
    Failed,
    Canceled,
    Orphaned,
    /// The sync deadline passed; the job keeps running (see pollWith).
    Deferred,
    /// dryRun: nothing ran (see command).
    DryRun,
}

impl From<gateway_core::JobStatus> for RequestStatus {
    fn from(status: gateway_core::JobStatus) -> Self {
        use gateway_core::JobStatus;
        match status {
            JobStatus::Queued => RequestStatus::Queued,
            JobStatus::Running => RequestStatus::Running,
            JobStatus::Completed => RequestStatus::Completed,
            JobStatus::Failed => RequestStatus::Failed,
            JobStatus::Canceled => RequestStatus::Canceled,
            JobStatus::Orphaned => RequestStatus::Orphaned,
        }
    }
}

/// The structured result of every request tool (spec §3.1). Fields unknown at the time of the
/// answer are omitted. Field order is the wire order, on purpose: Claude Code and Codex show the
/// model this object as JSON text, so the answer comes first, then what a follow-up needs
/// (status, job and session ids), and the counters last.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestResult {
    /// The answer text (capped; the full text is at jobs://<jobId>).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    pub status: RequestStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The CLI's native session id (pass as sessionId to continue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The CLI's error message when the run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// True when `response` was cut; read the rest with llm_job_result or jobs://<jobId>.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_truncated: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Deferred: the tool to poll with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collect_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// True when an identical recent request's job answered this one.
    pub deduped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduped_from: Option<DedupedFrom>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// `costUsd` is estimated from the price table (the CLI reported none); omitted if false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
}

/// What an `_async` request tool returns: the keys known at start (a dry run: the command), in
/// the same order as [`RequestResult`]'s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AsyncStart {
    pub status: RequestStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<DryRunCommand>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collect_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_with: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub deduped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduped_from: Option<DedupedFrom>,
}

/// Which earlier job answered a deduplicated request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DedupedFrom {
    pub job_id: String,
    pub age_ms: u64,
}

/// The exact command a request would run (dryRun), with the prompt replaced by a marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DryRunCommand {
    pub program: String,
    /// argv; the prompt shows as `<prompt: N bytes via stdin|file|argv>`.
    pub args: Vec<String>,
    /// Names of environment variables the gateway adds (values not shown).
    pub env_added: Vec<String>,
    /// Environment variables removed for this CLI.
    pub env_removed: Vec<String>,
    /// Working directory; null = a fresh private temp dir.
    pub cwd: Option<String>,
    /// stdin, file or argv.
    pub prompt_via: String,
    pub prompt_bytes: usize,
}

impl DryRunCommand {
    pub fn from_spec(spec: &gateway_provider::CommandSpec, prompt: &str) -> DryRunCommand {
        DryRunCommand {
            program: spec.program.clone(),
            args: spec.display_args(prompt),
            env_added: spec.env.keys().cloned().collect(),
            env_removed: spec.env_remove.clone(),
            cwd: spec.cwd.clone(),
            prompt_via: spec.prompt_via.as_str().to_owned(),
            prompt_bytes: spec.prompt_bytes,
        }
    }
}
