//! `--version` probes of installed CLIs, shared by `doctor` and the `cli_versions` tool.
//!
//! Every probe runs `<binary> --version` directly (no shell), with stdin null, stdout and stderr
//! piped, `kill_on_drop`, and its own time-out, and all probes of one call run in parallel: a
//! CLI that hangs (some wait on the network or a keyring before printing) costs one time-out,
//! not the sum. Only the first line of output is kept, capped, so a noisy CLI cannot bloat a
//! report. This module does not decide whether a CLI is usable or logged in; `gateway-doctor`
//! does that with the facts returned here.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Longest version line kept; longer first lines are cut (a CLI printing a banner or a stack
/// trace instead of a version must not flood the report).
const MAX_LINE_CHARS: usize = 200;

/// Most stdout kept in [`ProbeResult::stdout`].
pub const MAX_STDOUT_BYTES: usize = 16 * 1024;

/// How a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    /// Exited 0 and printed something.
    Ok,
    /// The executable could not be found (or spawned: not executable).
    NotFound,
    /// No exit within the time-out; the process was killed.
    TimedOut,
    /// Exited non-zero, was killed by a signal, or printed nothing.
    Failed,
}

/// The outcome of one `<binary> --version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// The binary as given (a name looked up on `PATH`, or a path).
    pub binary: String,
    pub status: ProbeStatus,
    /// First non-empty line of stdout (or of stderr when stdout had none), trimmed and capped.
    pub version: Option<String>,
    pub exit_code: Option<i32>,
    /// Why the probe did not succeed, for people (spawn error, time-out, first stderr line).
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The start of stdout (at most [`MAX_STDOUT_BYTES`]), for callers that parse a status
    /// command's answer. Not serialised: it may hold account details.
    #[serde(skip)]
    pub stdout: String,
}

/// How probes run. `Default` inherits the gateway's environment and waits 5 s per probe.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Time-out of each probe (they run in parallel, so this bounds the whole call).
    pub timeout: Duration,
    /// `Some` = the child's complete environment (cleared first), so callers such as `doctor`
    /// tests control exactly what the CLI sees; `None` = inherit the gateway's environment.
    pub env: Option<Vec<(OsString, OsString)>>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            env: None,
        }
    }
}

/// One short-lived informational command, e.g. `codex login status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl ProbeCommand {
    /// `<program> --version`.
    pub fn version(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: vec!["--version".to_owned()],
        }
    }
}

/// Runs `<bin> --version` for every binary in parallel, inheriting the environment; results
/// come back in the order given.
pub async fn probe_versions(binaries: &[impl AsRef<Path>], timeout: Duration) -> Vec<ProbeResult> {
    probe_versions_with(
        binaries,
        &ProbeConfig {
            timeout,
            ..ProbeConfig::default()
        },
    )
    .await
}

/// [`probe_versions`] with control over the child's environment.
pub async fn probe_versions_with(
    binaries: &[impl AsRef<Path>],
    config: &ProbeConfig,
) -> Vec<ProbeResult> {
    let commands: Vec<ProbeCommand> = binaries
        .iter()
        .map(|binary| ProbeCommand::version(binary.as_ref()))
        .collect();
    run_probes(&commands, config).await
}

/// Runs each command in parallel under the same rules as the version probes (no shell, stdin
/// null, time-out, kill on drop); results come back in the order given.
pub async fn run_probes(commands: &[ProbeCommand], config: &ProbeConfig) -> Vec<ProbeResult> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, command) in commands.iter().enumerate() {
        let command = command.clone();
        let config = config.clone();
        tasks.spawn(async move { (index, probe_one(&command, &config).await) });
    }
    let mut results: Vec<Option<ProbeResult>> = vec![None; commands.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    results
        .into_iter()
        .zip(commands)
        .map(|(result, command)| result.unwrap_or_else(|| new_result(&command.program)))
        .collect()
}

/// A failed result; also what is reported if a probe task itself died (it cannot, short of a
/// bug in tokio).
fn new_result(program: &Path) -> ProbeResult {
    ProbeResult {
        binary: program.display().to_string(),
        status: ProbeStatus::Failed,
        version: None,
        exit_code: None,
        error: None,
        duration_ms: 0,
        stdout: String::new(),
    }
}

async fn probe_one(probe: &ProbeCommand, config: &ProbeConfig) -> ProbeResult {
    let started = Instant::now();
    let mut result = new_result(&probe.program);
    let shown = || format!("{} {}", probe.program.display(), probe.args.join(" "));
    let mut command = tokio::process::Command::new(&probe.program);
    command
        .args(&probe.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(env) = &config.env {
        command
            .env_clear()
            .envs(env.iter().map(|(key, value)| (key, value)));
    }
    match command.spawn() {
        Err(error) => {
            result.status = ProbeStatus::NotFound;
            result.error = Some(format!("cannot run `{}`: {error}", probe.program.display()));
        }
        Ok(child) => match tokio::time::timeout(config.timeout, child.wait_with_output()).await {
            // Dropping the future drops the child: kill_on_drop ends it.
            Err(_) => {
                result.status = ProbeStatus::TimedOut;
                result.error = Some(format!(
                    "`{}` did not answer within {} ms",
                    shown(),
                    config.timeout.as_millis()
                ));
            }
            Ok(Err(error)) => {
                result.error = Some(format!("waiting for `{}` failed: {error}", shown()))
            }
            Ok(Ok(output)) => classify(&mut result, &output),
        },
    }
    result.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    result
}

/// Fills status, version and error from a finished probe.
fn classify(result: &mut ProbeResult, output: &std::process::Output) {
    let stdout_line = first_line(&output.stdout);
    let stderr_line = first_line(&output.stderr);
    result.exit_code = output.status.code();
    let kept = &output.stdout[..output.stdout.len().min(MAX_STDOUT_BYTES)];
    result.stdout = String::from_utf8_lossy(kept).into_owned();
    if output.status.success() {
        result.version = stdout_line.or(stderr_line);
        if result.version.is_some() {
            result.status = ProbeStatus::Ok;
        } else {
            result.error = Some("printed no version".to_owned());
        }
    } else {
        result.error = Some(match (output.status.code(), stderr_line.or(stdout_line)) {
            (Some(code), Some(line)) => format!("exit {code}: {line}"),
            (Some(code), None) => format!("exit {code}"),
            (None, _) => "killed by a signal".to_owned(),
        });
    }
}

/// First non-empty line, trimmed, lossily decoded, at most [`MAX_LINE_CHARS`] characters.
fn first_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    Some(line.chars().take(MAX_LINE_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_skips_blank_lines_and_caps_length() {
        let cases: [(&[u8], Option<&str>); 4] = [
            (b"", None),
            (b"\n  \n", None),
            (
                b"\n 2.1.330 (Claude Code) \nmore\n",
                Some("2.1.330 (Claude Code)"),
            ),
            (b"codex-cli 0.169.0", Some("codex-cli 0.169.0")),
        ];
        for (input, expected) in cases {
            assert_eq!(first_line(input).as_deref(), expected);
        }
        let long = "x".repeat(500);
        assert_eq!(
            first_line(long.as_bytes()).map(|line| line.len()),
            Some(MAX_LINE_CHARS)
        );
    }

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn probes_report_each_outcome_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let ok = script(dir.path(), "ok", "echo \"tool 1.2.3\"; echo second");
        let stderr_only = script(dir.path(), "stderr-only", "echo 'v9' >&2");
        let failing = script(dir.path(), "failing", "echo 'unknown flag' >&2; exit 3");
        let silent = script(dir.path(), "silent", "exit 0");
        let hangs = script(dir.path(), "hangs", "exec sleep 30");
        let missing = dir.path().join("missing");
        let config = ProbeConfig {
            timeout: Duration::from_millis(500),
            ..ProbeConfig::default()
        };
        let results = probe_versions_with(
            &[&ok, &stderr_only, &failing, &silent, &hangs, &missing],
            &config,
        )
        .await;
        let summary: Vec<_> = results
            .iter()
            .map(|r| {
                (
                    r.status,
                    r.version.as_deref(),
                    r.exit_code,
                    r.error.is_some(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (ProbeStatus::Ok, Some("tool 1.2.3"), Some(0), false),
                (ProbeStatus::Ok, Some("v9"), Some(0), false),
                (ProbeStatus::Failed, None, Some(3), true),
                (ProbeStatus::Failed, None, Some(0), true),
                (ProbeStatus::TimedOut, None, None, true),
                (ProbeStatus::NotFound, None, None, true),
            ]
        );
        assert_eq!(results[2].error.as_deref(), Some("exit 3: unknown flag"));
        assert_eq!(results[0].binary, ok.display().to_string());
    }

    #[tokio::test]
    async fn a_cleared_environment_is_all_the_child_sees() {
        let dir = tempfile::tempdir().unwrap();
        let env_probe = script(
            dir.path(),
            "env-probe",
            "echo \"${PROBE_MARK:-unset} ${HOME:-nohome}\"",
        );
        let config = ProbeConfig {
            env: Some(vec![("PROBE_MARK".into(), "marked".into())]),
            ..ProbeConfig::default()
        };
        let results = probe_versions_with(&[&env_probe], &config).await;
        assert_eq!(results[0].version.as_deref(), Some("marked nohome"));
    }

    #[tokio::test]
    async fn commands_get_their_arguments_and_keep_stdout() {
        let dir = tempfile::tempdir().unwrap();
        let echo = script(
            dir.path(),
            "echo-args",
            "printf 'args:%s\\n' \"$@\"; exit 1",
        );
        let command = ProbeCommand {
            program: echo,
            args: vec!["login".into(), "status".into()],
        };
        let results = run_probes(&[command], &ProbeConfig::default()).await;
        assert_eq!(results[0].status, ProbeStatus::Failed);
        assert_eq!(results[0].exit_code, Some(1));
        assert_eq!(results[0].stdout, "args:login\nargs:status\n");
    }
}
