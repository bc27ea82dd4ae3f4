//! [`JobsConfig`] from the environment, defaults, and where the supervisor lives.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gateway_core::{ProviderId, env};

use crate::supervisor::SUPERVISE_ARG;
use crate::{JobsConfig, OnExit};

/// How to start the per-job supervisor: `program args… run` (the job's owner) or
/// `program args… <owner-pid> -- <cli> <cli args…>` (the group keeper).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupervisorCommand {
    pub program: PathBuf,
    /// Arguments before the role (the hidden mode flag for the gateway binary).
    pub args: Vec<String>,
}

impl SupervisorCommand {
    /// The gateway binary's hidden mode.
    pub fn gateway(binary: PathBuf) -> SupervisorCommand {
        SupervisorCommand {
            program: binary,
            args: vec![SUPERVISE_ARG.to_owned()],
        }
    }

    /// The stand-alone `gateway-job-supervisor` binary.
    pub fn standalone(binary: PathBuf) -> SupervisorCommand {
        SupervisorCommand {
            program: binary,
            args: Vec::new(),
        }
    }
}

/// The keeper-only binary installed beside the supervisor (a binary of `gateway-cli`).
pub const KEEPER_BIN: &str = "llm-cli-gateway-keeper";

impl SupervisorCommand {
    /// The group keeper to start in front of each CLI: the small keeper-only binary beside a
    /// stand-alone supervisor when there is one (exec'ing it costs far less than the
    /// supervisor, which links SQLite and the parsers), else the supervisor's own keeper role.
    pub fn keeper(&self) -> SupervisorCommand {
        let beside = self
            .args
            .is_empty()
            .then(|| self.program.parent().map(|dir| dir.join(KEEPER_BIN)))
            .flatten()
            .filter(|path| path.is_file());
        beside.map_or_else(|| self.clone(), SupervisorCommand::standalone)
    }
}

/// The stand-alone supervisor of this crate (tests and benches).
pub const SUPERVISOR_BIN: &str = "gateway-job-supervisor";
/// The stand-alone supervisor installed with the gateway (a binary of `gateway-cli`).
pub const GATEWAY_SUPERVISOR_BIN: &str = "llm-cli-gateway-supervisor";
/// Overrides where the supervisor is found (a stand-alone supervisor binary).
pub const SUPERVISOR_ENV: &str = "LLM_GATEWAY_JOB_SUPERVISOR";

/// Finds a supervisor: `$LLM_GATEWAY_JOB_SUPERVISOR`; else, for the `llm-cli-gateway` binary,
/// the small `llm-cli-gateway-supervisor` beside it (cheap to start once per job) or its own
/// hidden mode; else a `gateway-job-supervisor` next to the running binary or one directory up
/// (cargo's `target/<profile>/deps/` layout). `None`: jobs run without one.
pub fn locate_supervisor() -> Option<SupervisorCommand> {
    if let Some(path) = std::env::var_os(SUPERVISOR_ENV).filter(|value| !value.is_empty()) {
        return Some(SupervisorCommand::standalone(PathBuf::from(path)));
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    if exe
        .file_stem()
        .is_some_and(|stem| stem == "llm-cli-gateway")
    {
        let beside = dir.join(GATEWAY_SUPERVISOR_BIN);
        return Some(if beside.is_file() {
            SupervisorCommand::standalone(beside)
        } else {
            SupervisorCommand::gateway(exe)
        });
    }
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(SUPERVISOR_BIN))
        .find(|candidate| candidate.is_file())
        .map(SupervisorCommand::standalone)
}

/// Default idle time-out (reference §2.7): CLIs that stream get 10 min of silence; those that
/// print nothing until they exit (gemini, vibe) get an hour, in practice a wall clock.
pub const fn default_idle_timeout(provider: ProviderId) -> Duration {
    match provider {
        ProviderId::Claude | ProviderId::Codex | ProviderId::Grok => Duration::from_secs(600),
        ProviderId::Gemini | ProviderId::Mistral => Duration::from_secs(3_600),
    }
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.trim().parse().ok())
}

/// The data directory: `$LLM_GATEWAY_HOME`, else `~/.llm-cli-gateway`.
pub fn data_dir_from_env() -> PathBuf {
    if let Some(home) = std::env::var_os(env::HOME).filter(|value| !value.is_empty()) {
        return PathBuf::from(home);
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".llm-cli-gateway")
}

impl JobsConfig {
    /// Defaults with the database at `<data_dir>/logs.db` and the supervisor located as
    /// [`locate_supervisor`] does.
    pub fn in_dir(data_dir: &Path) -> JobsConfig {
        JobsConfig {
            store: gateway_store::Location::File(data_dir.join("logs.db")),
            data_dir: data_dir.to_path_buf(),
            lease: crate::liveness::DEFAULT_LEASE,
            max_running: 32,
            max_running_per_provider: 16,
            max_queued: 128,
            queue_timeout: Duration::from_secs(120),
            dedup_window: Duration::from_secs(3_600),
            output_cap_bytes: 50 * 1024 * 1024,
            retention_days: 30,
            redact: true,
            isolate_spawn_env: false,
            job_timeout: DEFAULT_JOB_TIMEOUT,
            on_exit: OnExit::Finish,
            supervisor: locate_supervisor(),
        }
    }

    /// Reads `LLM_GATEWAY_HOME`, `LLM_GATEWAY_LOGS_DB` / `LLM_GATEWAY_JOBS_DB` (`none` = in
    /// memory), `LLM_GATEWAY_DEDUP_WINDOW_MS`, `LLM_GATEWAY_OUTPUT_CAP_BYTES`,
    /// `LLM_GATEWAY_JOB_RETENTION_DAYS`,
    /// `LLM_GATEWAY_REDACT_LOGGED_SECRETS`, `LLM_GATEWAY_ISOLATE_SPAWN_ENV`, after the
    /// `[limits]` of `config.toml`.
    pub fn from_env() -> JobsConfig {
        let mut config = JobsConfig::in_dir(&data_dir_from_env());
        // The file first: environment variables below win over it.
        let file = std::env::var_os(env::CONFIG)
            .filter(|value| !value.is_empty())
            .map_or_else(|| data_dir_from_env().join("config.toml"), PathBuf::from);
        if let Ok(text) = std::fs::read_to_string(&file) {
            for problem in config.apply_config_file(&text) {
                tracing::warn!(path = %file.display(), "config.toml: {problem}");
            }
        }
        let db = std::env::var_os(env::LOGS_DB)
            .or_else(|| std::env::var_os(env::JOBS_DB))
            .filter(|value| !value.is_empty());
        if let Some(db) = db {
            config.store = if db.eq_ignore_ascii_case("none") {
                gateway_store::Location::Memory
            } else {
                gateway_store::Location::File(PathBuf::from(db))
            };
        }
        if let Some(url) = std::env::var(env::DATABASE_URL)
            .ok()
            .filter(|url| !url.trim().is_empty())
        {
            // Whatever it holds is meant as PostgreSQL (a URL or `key=value` pairs): a value
            // that does not parse fails as a bad URL, never as a file path.
            config.store = gateway_store::Location::Postgres(url.trim().to_owned());
        }
        if let Some(lease) = env_number::<u64>(env::LEASE_MS).filter(|ms| *ms > 0) {
            config.lease = Duration::from_millis(lease);
        }
        if let Some(window) = env_number::<u64>(env::DEDUP_WINDOW_MS) {
            config.dedup_window = Duration::from_millis(window);
        }
        if let Some(cap) = env_number::<u64>(env::OUTPUT_CAP_BYTES).filter(|cap| *cap > 0) {
            config.output_cap_bytes = cap;
        }
        if let Some(days) = env_number::<u32>(env::JOB_RETENTION_DAYS) {
            config.retention_days = days;
        }
        config.redact =
            std::env::var(env::REDACT_LOGGED_SECRETS).map_or(true, |value| value.trim() != "0");
        config.isolate_spawn_env =
            std::env::var(env::ISOLATE_SPAWN_ENV).is_ok_and(|value| value.trim() == "1");
        if let Some(timeout) = env_number::<u64>(env::JOB_TIMEOUT_MS).filter(|ms| *ms > 0) {
            config.job_timeout = Duration::from_millis(timeout);
        }
        if let Ok(value) = std::env::var(env::ON_EXIT) {
            match parse_on_exit(&value) {
                Some(on_exit) => config.on_exit = on_exit,
                None => tracing::warn!(
                    "{}: {value:?} is not `finish` or `cancel`; using `finish`",
                    env::ON_EXIT
                ),
            }
        }
        config
    }

    /// Applies the `[limits]` and `[jobs]` tables of `config.toml` (`$LLM_GATEWAY_CONFIG`, else
    /// `<data dir>/config.toml`); environment variables are applied after it and win. Returns one message per entry it could not use; those
    /// entries keep their defaults, so a typo never stops the gateway from starting.
    pub fn apply_config_file(&mut self, text: &str) -> Vec<String> {
        let table = match text.parse::<toml::Table>() {
            Ok(table) => table,
            Err(error) => return vec![format!("not valid TOML: {error}")],
        };
        let mut problems = self.apply_jobs_table(table.get("jobs"));
        problems.extend(self.apply_store_table(table.get("store")));
        let Some(limits) = table.get("limits") else {
            return problems;
        };
        let Some(limits) = limits.as_table() else {
            problems.push("`limits` must be a table ([limits])".to_owned());
            return problems;
        };
        for (key, value) in limits {
            let Some(number) = value
                .as_integer()
                .and_then(|n| u64::try_from(n).ok())
                .filter(|n| *n > 0)
            else {
                problems.push(format!("limits.{key} must be a positive integer"));
                continue;
            };
            let count = usize::try_from(number).unwrap_or(usize::MAX);
            match key.as_str() {
                "max_running" => self.max_running = count,
                "max_running_per_provider" => self.max_running_per_provider = count,
                "max_queued" => self.max_queued = count,
                "queue_timeout_ms" => self.queue_timeout = Duration::from_millis(number),
                "output_cap_bytes" => self.output_cap_bytes = number,
                "dedup_window_ms" => self.dedup_window = Duration::from_millis(number),
                "retention_days" => self.retention_days = u32::try_from(number).unwrap_or(u32::MAX),
                "job_timeout_ms" => self.job_timeout = Duration::from_millis(number),
                _ => problems.push(format!(
                    "unknown key limits.{key} (known: max_running, max_running_per_provider, max_queued, queue_timeout_ms, output_cap_bytes, dedup_window_ms, retention_days, job_timeout_ms)"
                )),
            }
        }
        problems
    }
}

impl JobsConfig {
    /// `[jobs] on_exit = "finish" | "cancel"`.
    fn apply_jobs_table(&mut self, jobs: Option<&toml::Value>) -> Vec<String> {
        let Some(jobs) = jobs else {
            return Vec::new();
        };
        let Some(jobs) = jobs.as_table() else {
            return vec!["`jobs` must be a table ([jobs])".to_owned()];
        };
        let mut problems = Vec::new();
        for (key, value) in jobs {
            match (key.as_str(), value.as_str().and_then(parse_on_exit)) {
                ("on_exit", Some(on_exit)) => self.on_exit = on_exit,
                ("on_exit", None) => {
                    problems.push("jobs.on_exit must be \"finish\" or \"cancel\"".to_owned());
                }
                _ => problems.push(format!("unknown key jobs.{key} (known: on_exit)")),
            }
        }
        problems
    }
}

impl JobsConfig {
    /// `[store] url = "postgres://…"` and `lease_ms`.
    fn apply_store_table(&mut self, store: Option<&toml::Value>) -> Vec<String> {
        let Some(store) = store else {
            return Vec::new();
        };
        let Some(store) = store.as_table() else {
            return vec!["`store` must be a table ([store])".to_owned()];
        };
        let mut problems = Vec::new();
        for (key, value) in store {
            match (key.as_str(), value) {
                // Not a postgres:// URL: still meant as PostgreSQL, so opening it fails clearly
                // instead of the gateway quietly keeping its store in SQLite.
                ("url", toml::Value::String(url)) => {
                    self.store = gateway_store::Location::Postgres(url.clone());
                }
                ("url", _) => problems.push(
                    "store.url must be a postgres:// URL string (the SQLite file is LLM_GATEWAY_LOGS_DB)"
                        .to_owned(),
                ),
                ("lease_ms", toml::Value::Integer(ms)) if *ms > 0 => {
                    self.lease = Duration::from_millis(u64::try_from(*ms).unwrap_or(u64::MAX));
                }
                ("lease_ms", _) => {
                    problems.push("store.lease_ms must be a positive integer".to_owned())
                }
                _ => problems.push(format!("unknown key store.{key} (known: url, lease_ms)")),
            }
        }
        problems
    }
}

fn parse_on_exit(text: &str) -> Option<OnExit> {
    match text.trim().to_ascii_lowercase().as_str() {
        "finish" => Some(OnExit::Finish),
        "cancel" => Some(OnExit::Cancel),
        _ => None,
    }
}

/// Every job's wall-clock limit unless configured or requested otherwise: long enough for a big
/// agentic task, short enough that no job runs forever.
pub const DEFAULT_JOB_TIMEOUT: Duration = Duration::from_secs(2 * 3_600);

/// Runs the supervisor once around `true`: a gateway binary without the hidden mode (or a
/// wrong path) must not make every job fail. `true` when it works or cannot be checked.
pub(crate) async fn supervisor_works(supervisor: &SupervisorCommand) -> bool {
    let Ok(probe) = which::which("true") else {
        return true;
    };
    let status = tokio::process::Command::new(&supervisor.program)
        .args(&supervisor.args)
        .arg(std::process::id().to_string())
        .arg("--")
        .arg(probe)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(tokio::time::timeout(Duration::from_secs(5), status).await, Ok(Ok(status)) if status.success())
}

#[cfg(test)]
mod config_file_tests {
    use super::*;

    #[test]
    fn limits_table_sets_known_keys_and_reports_the_rest() {
        let mut config = JobsConfig::in_dir(Path::new("/nonexistent"));
        let problems = config.apply_config_file(
            "[limits]\nmax_running = 4\nmax_running_per_provider = 2\nmax_queued = 8\nqueue_timeout_ms = 500\noutput_cap_bytes = 1024\nbogus = 1\nmax_queued_typo = -1\n",
        );
        assert_eq!(config.max_running, 4);
        assert_eq!(config.max_running_per_provider, 2);
        assert_eq!(config.max_queued, 8);
        assert_eq!(config.queue_timeout, Duration::from_millis(500));
        assert_eq!(config.output_cap_bytes, 1024);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("unknown key limits.bogus"))
        );
        assert!(problems.iter().any(|p| p.contains("positive integer")));
    }

    #[test]
    fn broken_toml_keeps_defaults_and_says_why() {
        let mut config = JobsConfig::in_dir(Path::new("/nonexistent"));
        let problems = config.apply_config_file("[limits\n");
        assert_eq!(config.max_running, 32);
        assert!(problems[0].starts_with("not valid TOML"));
        assert!(config.apply_config_file("# nothing here\n").is_empty());
    }
}
