//! Building the child process: program lookup, environment, working directory, prompt file,
//! private output directory, the supervisor wrapper. No shell is ever involved. After exit,
//! [`apply_export`] reads the file a CLI left there (vibe's usage and cost).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use gateway_core::RunOutcome;
use gateway_provider::CommandSpec;
use gateway_provider::spec::{OUTPUT_DIR_PLACEHOLDER, PROMPT_FILE_PLACEHOLDER};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

use crate::config::SupervisorCommand;
use crate::supervisor;

/// Why a job could not be started.
#[derive(Debug)]
pub(crate) enum SpawnError {
    /// The executable is not on `PATH` (exit 127).
    NotFound,
    /// Anything else (temp dir, prompt file, fork).
    Other(String),
}

/// The largest export file read after exit; a bigger one is ignored (vibe's is about 15 KiB).
pub(crate) const MAX_EXPORT_BYTES: u64 = 1024 * 1024;

/// Files the job owns for its lifetime; the private directory is removed on drop.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) cwd: PathBuf,
    /// [`CommandSpec::export_file`] with the output directory filled in.
    export_file: Option<PathBuf>,
    /// Shortly before the spawn: an older export (in a caller's directory) is a previous run's.
    not_before: SystemTime,
    /// Removed on drop; the group keeper removes it if the owner dies first.
    private: Option<tempfile::TempDir>,
}

/// Resolves the program and makes the private directory (temp cwd, 0600 prompt file, 0700
/// output directory), named after the job so that whoever finds the job orphaned can remove
/// it ([`remove_private_dirs`]).
pub(crate) fn prepare(job_id: &str, spec: &CommandSpec) -> Result<Prepared, SpawnError> {
    // File times come from a coarse kernel clock that may lag `now()` by a tick.
    let not_before = SystemTime::now() - Duration::from_secs(1);
    let path_var = spec
        .env
        .get("PATH")
        .map(OsString::from)
        .or_else(|| std::env::var_os("PATH"));
    let explicit_cwd = spec.cwd.as_ref().map(PathBuf::from);
    let lookup_dir = explicit_cwd.clone().unwrap_or_else(std::env::temp_dir);
    let program =
        which::which_in(&spec.program, path_var, &lookup_dir).map_err(|_| SpawnError::NotFound)?;
    let wants_output_dir = spec
        .args
        .iter()
        .chain(&spec.export_file)
        .any(|arg| arg.contains(OUTPUT_DIR_PLACEHOLDER));
    let needs_private = explicit_cwd.is_none() || spec.prompt_file.is_some() || wants_output_dir;
    let private = if needs_private {
        Some(
            tempfile::Builder::new()
                .prefix(&private_dir_prefix(job_id))
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
    let mut export_file = spec.export_file.clone();
    if let (Some(content), Some(private)) = (&spec.prompt_file, &private) {
        let file = private.path().join("prompt.txt");
        write_private(&file, content)
            .map_err(|error| SpawnError::Other(format!("cannot write the prompt file: {error}")))?;
        substitute(&mut args, PROMPT_FILE_PLACEHOLDER, &file);
    }
    if let (true, Some(private)) = (wants_output_dir, &private) {
        let dir = private.path().join("output");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|error| {
                SpawnError::Other(format!("cannot create the output directory: {error}"))
            })?;
        substitute(&mut args, OUTPUT_DIR_PLACEHOLDER, &dir);
        substitute(export_file.as_mut_slice(), OUTPUT_DIR_PLACEHOLDER, &dir);
    }
    Ok(Prepared {
        program,
        args,
        cwd,
        export_file: export_file.map(PathBuf::from),
        not_before,
        private,
    })
}

fn private_dir_prefix(job_id: &str) -> String {
    format!("llm-cli-gateway-job-{job_id}-")
}

/// Removes the private directories of `job_id` left in this process's temp dir by an owner
/// that died (its own drop never ran).
pub(crate) fn remove_private_dirs(job_id: &str) {
    let prefix = private_dir_prefix(job_id);
    let temp = std::env::temp_dir();
    for entry in std::fs::read_dir(&temp).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(&prefix))
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Replaces `placeholder` with `path` wherever it occurs.
fn substitute(values: &mut [String], placeholder: &str, path: &Path) {
    let path = path.to_string_lossy();
    for value in values {
        if value.contains(placeholder) {
            *value = value.replace(placeholder, &path);
        }
    }
}

/// After exit: merges the spec's export file (if any) into `outcome` through the provider's
/// hook. Never fails the job: a missing, stale, oversized, unreadable or unrecognised file
/// leaves the outcome as stdout made it, and the problem is returned for the job's events.
pub(crate) fn apply_export(
    spec: &CommandSpec,
    prepared: &Prepared,
    outcome: &mut RunOutcome,
) -> Option<String> {
    let path = prepared.export_file.as_ref()?;
    match read_export(path, prepared.not_before) {
        Ok(text) if gateway_provider::apply_export(spec.provider, outcome, &text) => None,
        Ok(_) => Some("not an export this provider understands".to_owned()),
        Err(problem) => Some(problem),
    }
}

/// The export's text, or why it cannot be used.
fn read_export(path: &Path, not_before: SystemTime) -> Result<String, String> {
    // Non-blocking, so a FIFO planted there cannot hang the job; no symlink as the last step.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(crate::sys::NONBLOCK_NOFOLLOW)
        .open(path)
        .map_err(|error| format!("cannot open it: {error}"))?;
    let metadata = file
        .metadata()
        .map_err(|error| format!("cannot stat it: {error}"))?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    if metadata
        .modified()
        .is_ok_and(|modified| modified < not_before)
    {
        return Err("it predates this job (a previous run's)".to_owned());
    }
    let mut text = String::new();
    file.take(MAX_EXPORT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|error| format!("cannot read it as UTF-8: {error}"))?;
    if u64::try_from(text.len()).unwrap_or(u64::MAX) > MAX_EXPORT_BYTES {
        return Err(format!("larger than {MAX_EXPORT_BYTES} bytes"));
    }
    Ok(text)
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

/// What stands between the job's owner and the CLI: the group keeper that ends the CLI's
/// group if the owner dies ([`crate::supervisor`]).
pub(crate) enum Keeper<'a> {
    /// Forked from the owner, no exec (a supervisor process).
    Forked,
    /// The keeper binary, exec'd (a gateway thread, which must not fork and run code).
    Exec(&'a SupervisorCommand),
    /// None: the CLI runs directly (no keeper binary was found).
    None,
}

/// The command for the CLI, behind `keeper`. Either way the first process leads a new process
/// group that the CLI belongs to.
pub(crate) fn command(
    spec: &CommandSpec,
    prepared: &Prepared,
    keeper: Keeper<'_>,
    isolate: bool,
) -> Command {
    let owner = std::process::id();
    let remove = prepared.private.as_ref().map(|private| private.path());
    let mut command = match keeper {
        Keeper::Exec(keeper) => {
            let mut command = Command::new(&keeper.program);
            command.args(&keeper.args).arg(owner.to_string());
            if let Some(remove) = remove {
                command.arg("--remove").arg(remove);
            }
            command.arg("--").arg(&prepared.program);
            command
        }
        Keeper::Forked => {
            let mut command = Command::new(&prepared.program);
            let remove = remove.map(Path::to_path_buf);
            // Both decided here, before the fork: the hook only copies integers.
            let lifeline = crate::sys::lifeline().unwrap_or(-1);
            let death_signal = !crate::sys::portable_liveness_forced();
            #[expect(unsafe_code, reason = "pre_exec: the keeper forks in the CLI's child")]
            // SAFETY: the hook runs in the child std forked from this single-threaded
            // supervisor process; see `keep_forked` for what it does there.
            unsafe {
                command.pre_exec(move || {
                    supervisor::keep_forked(owner, lifeline, death_signal, remove.as_deref())
                });
            }
            command
        }
        Keeper::None => Command::new(&prepared.program),
    };
    command.args(&prepared.args).current_dir(&prepared.cwd);
    if isolate {
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(is_endpoint_variable) {
                command.env_remove(&name);
            }
        }
    }
    // The store's URL may hold a password: it is the gateway's, never a CLI's.
    command.env_remove(gateway_core::env::DATABASE_URL);
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
        .process_group(0);
    command
}

/// Spawns and, when there is stdin, writes it on a thread of its own and closes it.
pub(crate) fn spawn(mut command: Command, stdin: Option<&str>) -> Result<Child, SpawnError> {
    let mut child = command.spawn().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => SpawnError::NotFound,
        _ => SpawnError::Other(format!("spawn failed: {error}")),
    })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let bytes = text.as_bytes().to_vec();
        // A CLI that exits without reading stdin closes the pipe: not an error of ours.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
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
