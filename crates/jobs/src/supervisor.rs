//! The per-job supervisor process. Its binary has two roles, chosen by the first argument:
//!
//! - `run`: the job's owner ([`crate::runner`]): spec on stdin, reports on stdout, started by
//!   the gateway in a process group of its own so it outlives the gateway.
//! - `<owner-pid> -- <cli> <args…>`: the group keeper, started by the owner as the leader of a
//!   new process group; it starts the CLI in that group and waits.
//!
//! Why a keeper: when the owner dies (even by SIGKILL) the CLI's whole group must be gone within
//! 2 s. The keeper wakes on SIGCHLD and every 200 ms (on Linux also on its parent-death signal,
//! an extra wake-up only) and decides by POSIX means: `getppid()`, which changes only when the
//! whole owner process is gone, and, for a forked keeper, EOF on the owner's lifeline pipe
//! ([`sys::lifeline`]). Then it
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

/// The signals the keeper takes synchronously: the group's cancel signals (which reach the CLI
/// directly), SIGCHLD (its CLI ended) and SIGUSR1 (its parent-death wake-up).
const KEEPER_SIGNALS: [i32; 5] = [
    sys::SIGTERM,
    sys::SIGINT,
    sys::SIGHUP,
    sys::SIGCHLD,
    sys::SIGUSR1,
];

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
    let blocked = match watch_parent(parent, remove, !sys::portable_liveness_forced()) {
        Ok(blocked) => blocked,
        Err(code) => return code,
    };
    // std resets SIGPIPE in the child but passes the signal mask on: restore the CLI's.
    let mut command = Command::new(program);
    command.args(rest);
    blocked.restore_in_child(&mut command);
    match command.spawn() {
        Ok(child) => guard(&blocked, child_pid(child.id()), (parent, -1), remove),
        Err(error) => {
            complain(&format!(
                "cannot run {}: {error}",
                program.to_string_lossy()
            ));
            if error.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            }
        }
    }
}

/// The keeper without an exec of its own: a `pre_exec` hook of the command that starts the
/// CLI, so it runs in the child std forked, after the pipes, the working directory and the new
/// process group are set up. It forks once more: the grandchild returns and std execs the CLI
/// in it; this process becomes the keeper and never returns. Saves the keeper binary's exec
/// (the dynamic loader and libc start-up) on every job.
///
/// Only from a single-threaded supervisor process: the keeper then runs ordinary code in a
/// copy of a process that no other thread was using. `lifeline` is the owner's
/// [`sys::lifeline`] (or -1); `death_signal`: arm the Linux parent-death wake-up too.
pub(crate) fn keep_forked(
    parent: u32,
    lifeline: i32,
    death_signal: bool,
    remove: Option<&Path>,
) -> std::io::Result<()> {
    let blocked = watch_parent(parent, remove, death_signal)
        .map_err(|_| std::io::Error::other("the job's owner is gone"))?;
    match sys::fork()? {
        sys::Forked::Child => blocked.restore(),
        sys::Forked::Parent(cli) => {
            // Hold none of the owner's files but the lifeline: above all not its lock, which
            // must free when the owner dies, nor std's exec-error pipe, which must close when
            // the CLI execs.
            let lifeline = sys::close_all_but(lifeline);
            sys::exit_now(guard(&blocked, cli, (parent, lifeline), remove))
        }
    }
}

/// Blocks the keeper's signals and arms the parent-death wake-up (if `death_signal`); `Err(1)`
/// when the owner is already gone (start nothing, leave nothing).
fn watch_parent(
    parent: u32,
    remove: Option<&Path>,
    death_signal: bool,
) -> Result<sys::BlockedSignals, i32> {
    let blocked = sys::BlockedSignals::block(&KEEPER_SIGNALS).map_err(|error| {
        complain(&format!("cannot block signals: {error}"));
        1
    })?;
    // A wake-up only: the decision is always made by getppid() and the lifeline.
    if death_signal && let Err(error) = sys::set_parent_death_signal(sys::SIGUSR1) {
        complain(&format!("cannot set the parent-death signal: {error}"));
    }
    if std::os::unix::process::parent_id() != parent {
        remove_private_dir(remove);
        return Err(1);
    }
    Ok(blocked)
}

fn child_pid(id: u32) -> sys::Pid {
    sys::Pid::try_from(id).unwrap_or(0)
}

/// Waits for the CLI (`cli`) to end and ends like it; if the owner (`parent` pid and its
/// lifeline, -1 for none) dies first, ends the group.
fn guard(
    blocked: &sys::BlockedSignals,
    cli: sys::Pid,
    (parent, lifeline): (u32, i32),
    remove: Option<&Path>,
) -> i32 {
    loop {
        let _ = blocked.wait(POLL);
        match sys::try_reap(cli) {
            Ok(Some(status)) => return exit_like(status),
            Ok(None) => {}
            Err(_) => return 1,
        }
        if std::os::unix::process::parent_id() != parent || sys::lifeline_cut(lifeline) {
            kill_own_group(cli, remove);
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
fn kill_own_group(cli: sys::Pid, remove: Option<&Path>) {
    remove_private_dir(remove);
    sys::kill_group(0, sys::SIGTERM);
    let deadline = Instant::now() + ORPHAN_GRACE;
    while Instant::now() < deadline {
        if matches!(sys::try_reap(cli), Ok(Some(_))) {
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
