//! The per-job supervisor: a tiny synchronous process between the gateway and each CLI, so a
//! job's whole process group dies within about a second of the gateway dying, even by SIGKILL
//! (spec decision 7).
//!
//! Why a process of its own: `PR_SET_PDEATHSIG` only reaches the direct child and fires when
//! the *thread* that spawned it exits (a tokio worker or blocking-pool thread may exit at any
//! time). So the gateway starts `<supervisor> <gateway-pid> -- <cli> <args…>` as the leader of a
//! new process group; the supervisor starts the CLI in that same group and then waits. It wakes
//! on SIGCHLD, on its parent-death signal, and every 200 ms, and decides by `getppid()` — which
//! changes only when the whole gateway process is gone — never by which thread died. When the
//! gateway is gone it sends SIGTERM to the group, waits up to 1 s, then SIGKILL to the group
//! (itself included). SIGTERM/SIGINT/SIGHUP sent to the group (cancel) reach the CLI directly;
//! the supervisor blocks them (the CLI starts with the mask the supervisor had before, not
//! with them blocked) and reports the CLI's exit as its own.
//!
//! Where it runs from: the gateway binary in a hidden mode (`llm-cli-gateway __job-supervisor`,
//! see [`run_if_requested`]), or the `gateway-job-supervisor` binary of this crate (tests and
//! benches, which are not the gateway binary). [`crate::JobsConfig::supervisor`] says which.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::sys;

/// The hidden first argument that turns the gateway binary into a supervisor.
pub const SUPERVISE_ARG: &str = "__job-supervisor";

/// How often the supervisor re-checks its parent even without a signal.
const POLL: Duration = Duration::from_millis(200);
/// Grace between SIGTERM and SIGKILL once the gateway is gone (the 2 s budget includes it).
const ORPHAN_GRACE: Duration = Duration::from_secs(1);

/// Call first thing in `main`: when argv[1] is [`SUPERVISE_ARG`], runs the supervisor and
/// returns its exit code (exit with it); otherwise `None` and nothing happened.
pub fn run_if_requested() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    match args.next() {
        Some(first) if first == SUPERVISE_ARG => Some(run(args)),
        _ => None,
    }
}

/// Runs the supervisor with `args` = `<parent-pid> -- <program> <args…>`; returns the exit code.
pub fn run(args: impl Iterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.collect();
    let parsed = (|| {
        let parent: u32 = args.first()?.to_str()?.parse().ok()?;
        if args.get(1)? != "--" {
            return None;
        }
        Some((parent, args.get(2)?.clone(), &args[3..]))
    })();
    let Some((parent, program, rest)) = parsed else {
        complain("usage: __job-supervisor <parent-pid> -- <program> [args…]");
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
        return 1; // the gateway died before we got here: start nothing
    }
    // std resets SIGPIPE in the child but passes the signal mask on: restore the CLI's.
    let mut command = Command::new(&program);
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
            kill_own_group(&mut child);
            return 1;
        }
    }
}

/// The gateway is gone: SIGTERM the group, give the CLI a moment, then SIGKILL everyone.
fn kill_own_group(child: &mut std::process::Child) {
    sys::kill_group(0, sys::SIGTERM);
    let deadline = Instant::now() + ORPHAN_GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    sys::kill_group(0, sys::SIGKILL);
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
