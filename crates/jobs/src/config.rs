//! [`JobsConfig`] from the environment, defaults, and where the supervisor lives.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gateway_core::{ProviderId, env};

use crate::JobsConfig;
use crate::supervisor::SUPERVISE_ARG;

/// How to start the per-job supervisor: `program args… <gateway-pid> -- <cli> <cli args…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorCommand {
    pub program: PathBuf,
    /// Arguments before the parent pid (the hidden mode flag for the gateway binary).
    pub args: Vec<OsString>,
}

impl SupervisorCommand {
    /// The gateway binary's hidden mode.
    pub fn gateway(binary: PathBuf) -> SupervisorCommand {
        SupervisorCommand {
            program: binary,
            args: vec![OsString::from(SUPERVISE_ARG)],
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

/// The stand-alone supervisor's file name.
pub const SUPERVISOR_BIN: &str = "gateway-job-supervisor";
/// Overrides where the supervisor is found (a `gateway-job-supervisor` binary).
pub const SUPERVISOR_ENV: &str = "LLM_GATEWAY_JOB_SUPERVISOR";

/// Finds a supervisor: `$LLM_GATEWAY_JOB_SUPERVISOR`, else the running binary when it is
/// `llm-cli-gateway`, else a `gateway-job-supervisor` next to the running binary or one
/// directory up (cargo's `target/<profile>/deps/` layout). `None`: jobs run without one.
pub fn locate_supervisor() -> Option<SupervisorCommand> {
    if let Some(path) = std::env::var_os(SUPERVISOR_ENV).filter(|value| !value.is_empty()) {
        return Some(SupervisorCommand::standalone(PathBuf::from(path)));
    }
    let exe = std::env::current_exe().ok()?;
    if exe
        .file_stem()
        .is_some_and(|stem| stem == "llm-cli-gateway")
    {
        return Some(SupervisorCommand::gateway(exe));
    }
    let dir = exe.parent()?;
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
            db_path: Some(data_dir.join("logs.db")),
            max_running: 32,
            max_running_per_provider: 16,
            max_queued: 128,
            queue_timeout: Duration::from_secs(120),
            dedup_window: Duration::from_secs(3_600),
            output_cap_bytes: 50 * 1024 * 1024,
            retention_days: 30,
            redact: true,
            isolate_spawn_env: false,
            supervisor: locate_supervisor(),
        }
    }

    /// Reads `LLM_GATEWAY_HOME`, `LLM_GATEWAY_LOGS_DB` / `LLM_GATEWAY_JOBS_DB` (`none` = in
    /// memory), `LLM_GATEWAY_DEDUP_WINDOW_MS`, `LLM_GATEWAY_JOB_RETENTION_DAYS`,
    /// `LLM_GATEWAY_REDACT_LOGGED_SECRETS`, `LLM_GATEWAY_ISOLATE_SPAWN_ENV`.
    pub fn from_env() -> JobsConfig {
        let mut config = JobsConfig::in_dir(&data_dir_from_env());
        let db = std::env::var_os(env::LOGS_DB)
            .or_else(|| std::env::var_os(env::JOBS_DB))
            .filter(|value| !value.is_empty());
        if let Some(db) = db {
            config.db_path = if db.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(PathBuf::from(db))
            };
        }
        if let Some(window) = env_number::<u64>(env::DEDUP_WINDOW_MS) {
            config.dedup_window = Duration::from_millis(window);
        }
        if let Some(days) = env_number::<u32>(env::JOB_RETENTION_DAYS) {
            config.retention_days = days;
        }
        config.redact =
            std::env::var(env::REDACT_LOGGED_SECRETS).map_or(true, |value| value.trim() != "0");
        config.isolate_spawn_env =
            std::env::var(env::ISOLATE_SPAWN_ENV).is_ok_and(|value| value.trim() == "1");
        config
    }
}

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
