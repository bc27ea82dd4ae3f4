//! The per-job supervisor process. Its binary has two roles, chosen by the first argument:
//!
//! - `run`: the job's owner ([`crate::runner`]): spec on stdin, reports on stdout, started by
//!   the gateway in a process group of its own so it outlives the gateway.
//! - `<owner-pid> -- <cli> <args…>`: the group keeper, started by the owner as the leader of a
//!   new process group; it starts the CLI in that group and waits.
//!
//! Why a keeper: when the owner dies (even by SIGKILL) the CLI's whole group must be gone within
//! 2 s. `PR_SET_PDEATHSIG` only reaches the direct child and fires when the *thread* that spawned
//! it exits, so the keeper wakes on SIGCHLD, on its parent-death signal and every 200 ms, and
//! decides by `getppid()` — which changes only when the whole owner process is gone. Then it
//! sends SIGTERM to the group, waits up to 1 s, then SIGKILL (itself included). SIGTERM/SIGINT/
//! SIGHUP sent to the group (cancel) reach the CLI directly; the keeper blocks them (the CLI
//! starts with the mask the keeper had before, not with them blocked) and reports the CLI's
//! exit as its own.
//!
//! Where it runs from: the small `llm-cli-gateway-supervisor` binary installed beside the
//! gateway, the gateway binary in a hidden mode (`llm-cli-gateway __job-supervisor …`, see
//! [`run_if_requested`]), or this crate's `gateway-job-supervisor` binary (tests and benches).

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::sys;

/// The hidden first argument that turns the gateway binary into a supervisor.
pub const SUPERVISE_ARG: &str = "__job-supervisor";

/// How often the keeper re-checks its parent even without a signal.
const POLL: Duration = Duration::from_millis(200);
/// Grace between SIGTERM and SIGKILL once the owner is gone (the 2 s budget includes it).
const ORPHAN_GRACE: Duration = Duration::from_secs(1);

/// The argument that selects the owner role.
pub const RUN_ARG: &str = "run";

/// Call first thing in `main`: when argv[1] is [`SUPERVISE_ARG`], runs the supervisor and
/// returns its exit code (exit with it); otherwise `None` and nothing happened.
pub fn run_if_requested() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    match args.next() {
        Some(first) if first == SUPERVISE_ARG => Some(main(args)),
        _ => None,
    }
}

/// The supervisor binary's `main`: `run` (the job's owner) or the group keeper.
pub fn main(args: impl Iterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.collect();
    if args.first().is_some_and(|first| first == RUN_ARG) {
        return crate::runner::run_process();
    }
    keep(args)
}

/// The `llm-cli-gateway-keeper` binary's `main`: the keeper role alone, so that the process
/// started once per job in front of the CLI stays small and cheap to exec.
pub fn keeper_main(args: impl Iterator<Item = OsString>) -> i32 {
    keep(args.collect())
}

/// The group keeper with `args` = `<parent-pid> [--remove <dir>] -- <program> <args…>`; returns
/// the exit code. `--remove` names the job's private directory, which the owner removes when
/// it ends the job; if the owner dies instead, the keeper removes it.
fn keep(args: Vec<OsString>) -> i32 {
    let Some((parent, remove, program, rest)) = parse_keeper_args(&args) else {
        complain(
            "usage: llm-cli-gateway-keeper <parent-pid> [--remove <dir>] -- <program> [args…]",
        );
        return 2;
    };
    let blocked = match sys::BlockedSignals::block(&[
        sys::SIGTERM,
        sys::SIGINT,
        sys::SIGHUP,
        sys::SIGCHLD,
        sys::SIGUSR1,
    ]) {
        Ok(blocked) => blocked,
        Err(error) => {
            complain(&format!("cannot block signals: {error}"));
            return 1;
        }
    };
    // A wake-up only: the decision is always made by getppid() below.
    if let Err(error) = sys::set_parent_death_signal(sys::SIGUSR1) {
        complain(&format!("cannot set the parent-death signal: {error}"));
    }
    if std::os::unix::process::parent_id() != parent {
        // The owner died before we got here: start nothing, leave nothing.
        remove_private_dir(remove);
        return 1;
    }
    // std resets SIGPIPE in the child but passes the signal mask on: restore the CLI's.
    let mut command = Command::new(program);
    command.args(rest);
    blocked.restore_in_child(&mut command);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            complain(&format!(
                "cannot run {}: {error}",
                program.to_string_lossy()
            ));
            return if error.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
        }
    };
    loop {
        let _ = blocked.wait(POLL);
        match child.try_wait() {
            Ok(Some(status)) => return exit_like(status),
            Ok(None) => {}
            Err(_) => return 1,
        }
        if std::os::unix::process::parent_id() != parent {
            kill_own_group(&mut child, remove);
            return 1;
        }
    }
}

/// `<parent-pid> [--remove <dir>] -- <program> <args…>` split up.
fn parse_keeper_args(args: &[OsString]) -> Option<(u32, Option<&Path>, &OsString, &[OsString])> {
    let parent: u32 = args.first()?.to_str()?.parse().ok()?;
    let (remove, rest) = match args.get(1)?.to_str() {
        Some("--remove") => (Some(Path::new(args.get(2)?)), &args[3..]),
        _ => (None, &args[1..]),
    };
    if rest.first()? != "--" {
        return None;
    }
    Some((parent, remove, rest.get(1)?, &rest[2..]))
}

/// The owner is gone: remove the job's private directory (first: a gateway that finds the job
/// orphaned SIGKILLs this group at once), SIGTERM the group, give the CLI a moment, remove
/// what it wrote while dying, then SIGKILL everyone (this process too: it is in the group).
fn kill_own_group(child: &mut std::process::Child, remove: Option<&Path>) {
    remove_private_dir(remove);
    sys::kill_group(0, sys::SIGTERM);
    let deadline = Instant::now() + ORPHAN_GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    remove_private_dir(remove);
    sys::kill_group(0, sys::SIGKILL);
}

/// Removes the private directory; a second try covers a file a dying process wrote meanwhile.
fn remove_private_dir(dir: Option<&Path>) {
    if let Some(dir) = dir
        && std::fs::remove_dir_all(dir).is_err()
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Ends the supervisor the way the CLI ended: same exit code, or death by the same signal.
fn exit_like(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    let signal = status.signal().unwrap_or(sys::SIGKILL);
    sys::die_by_signal(signal);
    128 + signal
}

fn complain(message: &str) {
    let _ = writeln!(std::io::stderr(), "llm-cli-gateway supervisor: {message}");
}
