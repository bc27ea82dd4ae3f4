//! Building the child process: program lookup, environment, working directory, prompt file,
//! the supervisor wrapper. No shell is ever involved.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use gateway_provider::CommandSpec;
use gateway_provider::spec::PROMPT_FILE_PLACEHOLDER;
use tokio::process::{Child, Command};

use crate::config::SupervisorCommand;

/// Why a job could not be started.
#[derive(Debug)]
pub(crate) enum SpawnError {
    /// The executable is not on `PATH` (exit 127).
    NotFound,
    /// Anything else (temp dir, prompt file, fork).
    Other(String),
}

/// Files the job owns for its lifetime; the private directory is removed on drop.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) cwd: PathBuf,
    _private: Option<tempfile::TempDir>,
}

/// Resolves the program and makes the private directory (temp cwd, 0600 prompt file).
pub(crate) fn prepare(spec: &CommandSpec) -> Result<Prepared, SpawnError> {
    let path_var = spec
        .env
        .get("PATH")
        .map(OsString::from)
        .or_else(|| std::env::var_os("PATH"));
    let explicit_cwd = spec.cwd.as_ref().map(PathBuf::from);
    let lookup_dir = explicit_cwd.clone().unwrap_or_else(std::env::temp_dir);
    let program =
        which::which_in(&spec.program, path_var, &lookup_dir).map_err(|_| SpawnError::NotFound)?;
    let needs_private = explicit_cwd.is_none() || spec.prompt_file.is_some();
    let private = if needs_private {
        Some(
            tempfile::Builder::new()
                .prefix("llm-cli-gateway-job-")
                .tempdir()
                .map_err(|error| {
                    SpawnError::Other(format!("cannot create a private temp dir: {error}"))
                })?,
        )
    } else {
        None
    };
    let cwd = match (&explicit_cwd, &private) {
        (Some(cwd), _) => cwd.clone(),
        (None, Some(private)) => {
            let work = private.path().join("work");
            std::fs::create_dir(&work).map_err(|error| {
                SpawnError::Other(format!("cannot create the job directory: {error}"))
            })?;
            work
        }
        (None, None) => std::env::temp_dir(),
    };
    let mut args = spec.args.clone();
    if let (Some(content), Some(private)) = (&spec.prompt_file, &private) {
        let file = private.path().join("prompt.txt");
        write_private(&file, content)
            .map_err(|error| SpawnError::Other(format!("cannot write the prompt file: {error}")))?;
        let file = file.to_string_lossy().into_owned();
        for arg in &mut args {
            if arg.contains(PROMPT_FILE_PLACEHOLDER) {
                *arg = arg.replace(PROMPT_FILE_PLACEHOLDER, &file);
            }
        }
    }
    Ok(Prepared {
        program,
        args,
        cwd,
        _private: private,
    })
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

/// Variables that point a CLI at another endpoint or proxy (reference §2), stripped when
/// `LLM_GATEWAY_ISOLATE_SPAWN_ENV=1`.
pub(crate) fn is_endpoint_variable(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    const SUFFIXES: [&str; 7] = [
        "_BASE_URL",
        "_API_URL",
        "_API_BASE",
        "_ENDPOINT",
        "_ENDPOINT_URL",
        "_SERVER_URL",
        "_PROXY",
    ];
    (SUFFIXES.iter().any(|suffix| upper.ends_with(suffix)) && upper != "NO_PROXY")
        || upper == "ANTHROPIC_UNIX_SOCKET"
        || upper == "GROK_LEADER_SOCKET"
}

/// The command: the supervisor wrapping the CLI when configured, else the CLI directly. Either
/// way the first process leads a new process group that the CLI belongs to.
pub(crate) fn command(
    spec: &CommandSpec,
    prepared: &Prepared,
    supervisor: Option<&SupervisorCommand>,
    isolate: bool,
) -> Command {
    let mut command = match supervisor {
        Some(supervisor) => {
            let mut command = Command::new(&supervisor.program);
            command
                .args(&supervisor.args)
                .arg(std::process::id().to_string())
                .arg("--");
            command.arg(&prepared.program);
            command
        }
        None => Command::new(&prepared.program),
    };
    command.args(&prepared.args).current_dir(&prepared.cwd);
    if isolate {
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(is_endpoint_variable) {
                command.env_remove(&name);
            }
        }
    }
    for name in &spec.env_remove {
        command.env_remove(name);
    }
    let added: &BTreeMap<String, String> = &spec.env;
    command.envs(added);
    command
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    command
}

/// Spawns and, when there is stdin, writes it in the background and closes it.
pub(crate) fn spawn(mut command: Command, stdin: Option<&str>) -> Result<Child, SpawnError> {
    let mut child = command.spawn().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => SpawnError::NotFound,
        _ => SpawnError::Other(format!("spawn failed: {error}")),
    })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let bytes = text.as_bytes().to_vec();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            // A CLI that exits without reading stdin closes the pipe: not an error of ours.
            let _ = pipe.write_all(&bytes).await;
            let _ = pipe.shutdown().await;
        });
    }
    Ok(child)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_variables_table() {
        let cases = [
            ("ANTHROPIC_BASE_URL", true),
            ("OPENAI_API_BASE", true),
            ("https_proxy", true),
            ("HTTPS_PROXY", true),
            ("NO_PROXY", false),
            ("no_proxy", false),
            ("AZURE_ENDPOINT", true),
            ("GROK_LEADER_SOCKET", true),
            ("ANTHROPIC_UNIX_SOCKET", true),
            ("PATH", false),
            ("ANTHROPIC_API_KEY", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_endpoint_variable(name), expected, "{name}");
        }
    }
}
