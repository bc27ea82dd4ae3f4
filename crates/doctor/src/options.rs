//! Everything `doctor` reads from the outside world, injectable so tests can run it against a
//! fake `PATH`, a temp home and a made-up environment without touching the process's own.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Inputs of [`crate::collect`].
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// The `PATH` searched for the CLIs (and given to the probes).
    pub path: OsString,
    /// The user's home: credential files, client configs and the default data dir live here.
    pub home: PathBuf,
    /// Directory for project-scoped client configs (`.mcp.json`, `.gemini/settings.json`, …);
    /// `None` skips them.
    pub cwd: Option<PathBuf>,
    /// The environment as seen by doctor and by the probes it runs (which get exactly this,
    /// plus `PATH` and `HOME` from the fields above).
    pub env: BTreeMap<String, String>,
    /// Time-out of each `--version` probe (they run in parallel).
    pub probe_timeout: Duration,
    /// Run the CLIs' own fast login-status commands (`claude auth status`, `codex login status`).
    pub run_status_commands: bool,
    /// Time-out of each login-status command.
    pub status_timeout: Duration,
    /// The running gateway executable, to tell stale client registrations from good ones.
    pub gateway_binary: Option<PathBuf>,
}

impl DoctorOptions {
    /// Options for a fake world: nothing in `env`, the given `PATH` and home, no status commands.
    pub fn isolated(path: impl Into<OsString>, home: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            home: home.into(),
            cwd: None,
            env: BTreeMap::new(),
            probe_timeout: Duration::from_secs(3),
            run_status_commands: false,
            status_timeout: Duration::from_secs(3),
            gateway_binary: None,
        }
    }

    /// Options from the running process: its environment, `PATH`, home and working directory.
    pub fn from_process() -> Self {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        let home = env
            .get("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/"));
        Self {
            path: std::env::var_os("PATH").unwrap_or_default(),
            home,
            cwd: std::env::current_dir().ok(),
            env,
            probe_timeout: Duration::from_secs(5),
            run_status_commands: true,
            status_timeout: Duration::from_secs(3),
            gateway_binary: std::env::current_exe().ok(),
        }
    }

    /// A variable's value; blank values count as unset (as the gateway itself treats them).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
    }

    /// Whether a variable is set (non-blank). Doctor reports names, never values.
    pub fn is_set(&self, name: &str) -> bool {
        self.var(name).is_some()
    }

    /// A directory from `var`, else `home/<default_rel>` (e.g. `CODEX_HOME` → `~/.codex`).
    pub(crate) fn dir_from(&self, var: &str, default_rel: &str) -> PathBuf {
        self.var(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| self.home.join(default_rel))
    }

    /// The child environment for probes: exactly `env`, with `PATH` and `HOME` from the options.
    pub(crate) fn child_env(&self) -> Vec<(OsString, OsString)> {
        let mut env: Vec<(OsString, OsString)> = self
            .env
            .iter()
            .filter(|(key, _)| key.as_str() != "PATH" && key.as_str() != "HOME")
            .map(|(key, value)| (OsString::from(key), OsString::from(value)))
            .collect();
        env.push(("PATH".into(), self.path.clone()));
        env.push(("HOME".into(), self.home.clone().into_os_string()));
        env
    }

    /// Finds `binary` on the options' `PATH` (not the process's).
    pub(crate) fn find_on_path(&self, binary: &str) -> Option<PathBuf> {
        let cwd = self.cwd.clone().unwrap_or_else(|| PathBuf::from("/"));
        which::which_in(binary, Some(&self.path), cwd).ok()
    }

    /// `path` shown with `~` for the home directory (shorter, and the same on every machine).
    pub(crate) fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.home) {
            Ok(rest) if rest.as_os_str().is_empty() => "~".to_owned(),
            Ok(rest) => format!("~/{}", rest.display()),
            Err(_) => path.display().to_string(),
        }
    }
}
