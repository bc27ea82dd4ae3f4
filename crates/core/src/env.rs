//! Names of the environment variables the gateway reads, in one place (like uv's `EnvVars`),
//! so the README table, `doctor` and the code cannot drift apart.

/// Data directory (default `~/.llm-cli-gateway`).
pub const HOME: &str = "LLM_GATEWAY_HOME";
/// Database file; `none` keeps everything in memory.
pub const LOGS_DB: &str = "LLM_GATEWAY_LOGS_DB";
/// Alias of [`LOGS_DB`] kept from the reference.
pub const JOBS_DB: &str = "LLM_GATEWAY_JOBS_DB";
/// A `postgres://` URL: the store is that PostgreSQL database, shared by every gateway that
/// names it (wins over [`LOGS_DB`]). Never passed on to a provider CLI.
pub const DATABASE_URL: &str = "LLM_GATEWAY_DATABASE_URL";
/// Milliseconds an owner on a shared store may miss its heartbeat before its jobs are
/// orphaned (default 30,000).
pub const LEASE_MS: &str = "LLM_GATEWAY_LEASE_MS";
/// Days to keep rows in every table (default 30).
pub const JOB_RETENTION_DAYS: &str = "LLM_GATEWAY_JOB_RETENTION_DAYS";
/// Dedup window in ms (default 3,600,000; 0 disables dedup).
pub const DEDUP_WINDOW_MS: &str = "LLM_GATEWAY_DEDUP_WINDOW_MS";
/// How long a sync tool waits before deferring to a job (default 45,000 ms).
pub const SYNC_DEADLINE_MS: &str = "LLM_GATEWAY_SYNC_DEADLINE_MS";
/// Output cap per job in bytes (default 52,428,800); past it the job is killed with exit 126.
pub const OUTPUT_CAP_BYTES: &str = "LLM_GATEWAY_OUTPUT_CAP_BYTES";
/// Default wall-clock limit of a job in ms (a request's `timeoutMs` overrides it).
pub const JOB_TIMEOUT_MS: &str = "LLM_GATEWAY_JOB_TIMEOUT_MS";
/// `finish` (default): running jobs outlive the gateway; `cancel`: they end with it.
pub const ON_EXIT: &str = "LLM_GATEWAY_ON_EXIT";
/// `0` turns redaction at rest off.
pub const REDACT_LOGGED_SECRETS: &str = "LLM_GATEWAY_REDACT_LOGGED_SECRETS";
/// `1` strips proxy / base-URL / endpoint variables from children.
pub const ISOLATE_SPAWN_ENV: &str = "LLM_GATEWAY_ISOLATE_SPAWN_ENV";
/// Path of `config.toml` (default `$LLM_GATEWAY_HOME/config.toml`).
pub const CONFIG: &str = "LLM_GATEWAY_CONFIG";
/// Model aliases for every provider: `provider:alias=model,…`.
pub const MODEL_ALIASES: &str = "LLM_GATEWAY_MODEL_ALIASES";
/// Force the gemini backend: `gemini` (Gemini CLI) or `agy` (Antigravity).
pub const GEMINI_BACKEND: &str = "LLM_GATEWAY_GEMINI_BACKEND";
/// Tool families served, comma-separated: providers, jobs, sessions, validation, admin (default all).
pub const TOOLSETS: &str = "LLM_GATEWAY_TOOLSETS";
/// HTTP transport settings.
pub const HTTP_HOST: &str = "LLM_GATEWAY_HTTP_HOST";
pub const HTTP_PORT: &str = "LLM_GATEWAY_HTTP_PORT";
pub const HTTP_PATH: &str = "LLM_GATEWAY_HTTP_PATH";
/// Ms a new HTTP connection has to send a whole request header (default 30,000); also how long
/// an idle keep-alive connection stays open.
pub const HTTP_HEADER_TIMEOUT_MS: &str = "LLM_GATEWAY_HTTP_HEADER_TIMEOUT_MS";
/// Ms an MCP POST has to deliver its whole body once its header is in (default 60,000).
pub const HTTP_BODY_TIMEOUT_MS: &str = "LLM_GATEWAY_HTTP_BODY_TIMEOUT_MS";
/// Most open HTTP connections (default 512); at the cap the oldest idle one makes room.
pub const HTTP_MAX_CONNECTIONS: &str = "LLM_GATEWAY_HTTP_MAX_CONNECTIONS";
/// Bearer token required on HTTP.
pub const AUTH_TOKEN: &str = "LLM_GATEWAY_AUTH_TOKEN";
/// `1` disables HTTP auth; refused unless bound to loopback.
pub const AUTH_DISABLED: &str = "LLM_GATEWAY_AUTH_DISABLED";
/// Extra allowed `Origin` values for HTTP, comma-separated.
pub const ALLOWED_ORIGINS: &str = "LLM_GATEWAY_ALLOWED_ORIGINS";
/// Extra allowed `Host` values for HTTP (besides loopback names and the bind address), comma-separated.
pub const ALLOWED_HOSTS: &str = "LLM_GATEWAY_ALLOWED_HOSTS";
/// Directory of `SKILL.md` skills served as `skills://` resources (default: the built-in ones).
pub const SKILLS_DIR: &str = "LLM_GATEWAY_SKILLS_DIR";
/// Approval policy for `approvalStrategy: "mcp_managed"`: strict, balanced (default), permissive.
pub const APPROVAL_POLICY: &str = "LLM_GATEWAY_APPROVAL_POLICY";
/// `1` lets the approval manager accept bypass-permission requests.
pub const APPROVAL_ALLOW_BYPASS: &str = "LLM_GATEWAY_APPROVAL_ALLOW_BYPASS";
/// `tracing` filter for the stderr log (default `info`).
pub const LOG: &str = "LLM_GATEWAY_LOG";
