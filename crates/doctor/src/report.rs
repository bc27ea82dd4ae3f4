//! The report model: one tree of plain data, serialised (camelCase, like every envelope) as
//! the `data` of the `doctor --json` envelope (schema: `setup/status.schema.json`) and rendered for people by [`crate::render`].
//!
//! Nothing in here may hold a secret: environment variables appear by name only, credential
//! files by path only, and login-status commands by their verdict, never their output.

use std::collections::BTreeMap;

use serde::Serialize;

/// Version of the JSON shape. Bump the major part when a field changes meaning or goes away.
pub const SCHEMA_VERSION: &str = "2.1";

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Works as intended.
    Ok,
    /// Nothing wrong; something to know (a CLI not installed, a client without the gateway).
    Info,
    /// Works, but something should be done (not logged in, auth disabled, stale entry).
    Warn,
    /// Broken: needs attention (exit code 1).
    Error,
}

/// The whole doctor report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    pub schema_version: &'static str,
    /// False when the store cannot be opened or no provider can answer: none is usable, or every
    /// usable one is known to be logged out (an `unknown` login still counts as able).
    pub ok: bool,
    /// True when `ok` is false or any check is an error; `doctor` then exits 1.
    pub attention_needed: bool,
    /// Unix time in milliseconds when the report was made.
    pub generated_at_ms: i64,
    /// Wall time of the whole report (the checks run in parallel).
    pub duration_ms: u64,
    pub gateway: GatewayInfo,
    pub providers: Vec<ProviderCheck>,
    pub store: StoreCheck,
    pub http: HttpCheck,
    pub clients: Vec<ClientCheck>,
    /// Concrete commands, most important first.
    pub next_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// The running executable, when known.
    pub binary: Option<String>,
    pub os: &'static str,
    pub arch: &'static str,
}

/// One provider backend (gemini has two: `gemini` and `agy`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderCheck {
    /// The provider id callers use (`claude`, `codex`, `gemini`, `grok`, `mistral`).
    pub provider: &'static str,
    /// The executable (`vibe` for mistral, `gemini` or `agy` for gemini).
    pub binary: &'static str,
    /// False for backends built from documentation only (`agy`).
    pub verified: bool,
    pub status: Status,
    /// Absolute path on `PATH`, or `None` when not installed.
    pub path: Option<String>,
    pub version: Option<String>,
    pub probe: Option<ProbeSummary>,
    /// Installed and answers `--version`: the gateway can run it.
    pub usable: bool,
    /// For gemini backends: whether the gateway would run this one.
    pub selected: Option<bool>,
    pub login: LoginCheck,
    /// Configuration facts that change how the gateway works with this CLI.
    pub facts: Vec<Fact>,
    pub install: Guidance,
    pub login_guidance: Guidance,
}

impl ProviderCheck {
    /// Usable and not known to be logged out: the gateway can expect an answer from it.
    pub fn can_answer(&self) -> bool {
        self.usable && self.login.status != LoginStatus::NotAuthenticated
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeSummary {
    /// `ok`, `not_found`, `timed_out` or `failed`.
    pub status: gateway_jobs::probe::ProbeStatus,
    pub duration_ms: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginStatus {
    Authenticated,
    NotAuthenticated,
    Unknown,
    NotChecked,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginCheck {
    pub status: LoginStatus,
    /// Where credentials were found: `env ANTHROPIC_API_KEY`, `file ~/.codex/auth.json`,
    /// `command codex login status`. Names and paths only.
    pub evidence: Vec<String>,
    /// One sentence for people.
    pub detail: String,
}

/// A named configuration fact, e.g. `vibe session logging = enabled`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fact {
    pub name: String,
    pub value: String,
    pub status: Status,
}

/// What to run to install or log in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Guidance {
    pub summary: String,
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreCheck {
    pub status: Status,
    /// `sqlite` (the embedded file, or memory only) or `postgres`.
    pub backend: Backend,
    /// False when `LLM_GATEWAY_LOGS_DB=none`: jobs live in memory and die with the process.
    pub durable: bool,
    /// The SQLite database file, when durable and SQLite.
    pub path: Option<String>,
    /// The PostgreSQL URL with its password replaced by `***`, when PostgreSQL.
    pub url: Option<String>,
    /// Which setting chose the store: `LLM_GATEWAY_DATABASE_URL`, `LLM_GATEWAY_LOGS_DB`,
    /// `LLM_GATEWAY_JOBS_DB`, `store.url` (config.toml), `LLM_GATEWAY_HOME` or `default`.
    pub source: &'static str,
    /// The database exists (a PostgreSQL database: the server accepted a connection to it).
    pub exists: bool,
    /// PostgreSQL: whether the server accepted the connection and the login (the reason is in
    /// `detail` when not). `None` for SQLite.
    pub reachable: Option<bool>,
    /// The gateway can create or write the database (SQLite: checked by writing, not by mode
    /// bits; PostgreSQL: the database opened and its schema is in place — not probed by
    /// writing rows to a shared database).
    pub writable: bool,
    /// The gateway will be able to open its store.
    pub can_open: bool,
    /// SQLite: database plus write-ahead log, in bytes.
    pub size_bytes: Option<u64>,
    /// The schema version recorded in the database (SQLite `PRAGMA user_version`, PostgreSQL
    /// table `schema_version`).
    pub schema_version: Option<i64>,
    /// The schema version this binary creates and expects.
    pub binary_schema_version: i64,
    /// Jobs per status (each count stops at 1,000), when an existing store could be read.
    pub job_counts: Option<BTreeMap<String, u64>>,
    /// The daily budgets a gateway stored (`[budget]` of config.toml), with today's spend.
    pub budgets: Vec<BudgetCheck>,
    pub detail: String,
}

/// The store's database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A daily budget and today's spend (UTC, estimates included).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetCheck {
    /// `all` or a provider.
    pub scope: String,
    pub daily_usd: f64,
    pub spent_usd: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    /// Bound to loopback: only this machine can connect.
    LocalOnly,
    /// Bound to a non-loopback address with a token: reachable from the network.
    Lan,
    /// `serve --http` would refuse to start with these settings.
    Misconfigured,
}

impl Exposure {
    pub const fn as_str(self) -> &'static str {
        match self {
            Exposure::LocalOnly => "local_only",
            Exposure::Lan => "lan",
            Exposure::Misconfigured => "misconfigured",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpCheck {
    pub status: Status,
    pub host: String,
    pub port: Option<u16>,
    pub path: String,
    /// `http://host:port/path`, when the settings parse.
    pub url: Option<String>,
    pub exposure: Exposure,
    pub token_configured: bool,
    pub auth_disabled: bool,
    /// Whether `serve --http` would start with these settings.
    pub ready: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCheck {
    /// `claude-desktop`, `claude-code`, `codex`, `gemini` or `cursor` (the names
    /// `print-client-config` takes).
    pub client: &'static str,
    pub status: Status,
    /// Config files looked at, each with whether it exists and what it registers.
    pub configs: Vec<ClientConfigFile>,
    /// The gateway is registered in at least one of them.
    pub registered: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientConfigFile {
    pub path: String,
    pub present: bool,
    /// Why the file could not be read or parsed.
    pub error: Option<String>,
    /// Server names in the file that launch or reach this gateway.
    pub gateway_entries: Vec<GatewayEntry>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayEntry {
    pub name: String,
    /// `stdio` (a command) or `http` (a URL).
    pub transport: &'static str,
    /// The command or URL.
    pub target: String,
    /// For stdio entries: whether the command exists.
    pub command_exists: Option<bool>,
}
