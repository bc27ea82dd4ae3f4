//! The OS seam: every call that std does not wrap or that differs by OS (process groups and
//! signals, parent-death wake-up, signal masks, fork, process start time, hostname, locks, wake
//! socket names). POSIX here; what differs lives in `linux.rs` and `macos.rs`, and no other
//! module has a `cfg(target_os)`. Each wrapper is safe to call: arguments are plain integers or
//! owned sigsets, and failures come back as values.
#![expect(
    unsafe_code,
    reason = "thin wrappers over libc calls that std does not expose"
)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::OnceLock;
use std::time::Duration;

#[cfg(target_os = "linux")]
#[path = "linux.rs"]
mod os;
#[cfg(target_os = "macos")]
#[path = "macos.rs"]
mod os;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "macos"))))]
compile_error!("llm-cli-gateway supports Linux and macOS only so far (see README, Platforms)");

pub(crate) use libc::{SIGCHLD, SIGHUP, SIGINT, SIGKILL, SIGTERM, SIGUSR1};
pub(crate) use os::{
    close_from, pidfd_open, proc_start_ticks, set_parent_death_signal, wake_address,
};

/// A process id as the OS calls take it.
pub(crate) type Pid = libc::pid_t;

/// Open flags for a file that must be a regular file: no blocking on a FIFO, no symlink as the
/// last step.
pub(crate) const NONBLOCK_NOFOLLOW: i32 = libc::O_NONBLOCK | libc::O_NOFOLLOW;

/// This machine's name (POSIX `gethostname`), `localhost` if it has none.
pub(crate) fn hostname() -> String {
    let mut buffer = [0_u8; 256];
    // SAFETY: the buffer is valid for `len` bytes; the name is NUL-terminated when it fits.
    let result = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len() - 1) };
    let end = buffer.iter().position(|byte| *byte == 0).unwrap_or(0);
    match std::str::from_utf8(&buffer[..end]) {
        Ok(name) if result == 0 && !name.is_empty() => name.to_owned(),
        _ => "localhost".to_owned(),
    }
}

/// Sends `signal` to every process in group `pgid` (0 = the caller's own group).
/// `false` when no such group exists any more (or permission was refused).
pub(crate) fn kill_group(pgid: i32, signal: i32) -> bool {
    if pgid < 0 {
        return false;
    }
    // SAFETY: kill(2) takes plain integers; a negative pid addresses the process group.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// A set of blocked signals to wait on synchronously (single-threaded supervisor only).
pub(crate) struct BlockedSignals {
    set: libc::sigset_t,
    /// The thread's mask before [`BlockedSignals::block`], for children to start with.
    before: libc::sigset_t,
}

impl BlockedSignals {
    /// Blocks `signals` for the calling thread so they queue until [`BlockedSignals::wait`].
    pub(crate) fn block(signals: &[i32]) -> io::Result<BlockedSignals> {
        // SAFETY: sigset_t is plain data; sigemptyset initializes it before any other use.
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid, exclusively borrowed sigset_t.
        unsafe {
            libc::sigemptyset(&mut set);
            for signal in signals {
                libc::sigaddset(&mut set, *signal);
            }
        }
        // SAFETY: as above, plain data initialized by sigemptyset.
        let mut before: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `before` is a valid, exclusively borrowed sigset_t.
        unsafe { libc::sigemptyset(&mut before) };
        // SAFETY: both sets are initialized; the kernel writes the old mask into `before`.
        let result = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut before) };
        if result == 0 {
            Ok(BlockedSignals { set, before })
        } else {
            Err(io::Error::from_raw_os_error(result))
        }
    }

    /// Makes `command`'s child start with the mask from before [`BlockedSignals::block`]. std
    /// passes the parent's signal mask on to children, so without this the CLI would start with
    /// SIGTERM, SIGINT and SIGHUP blocked (deaf to cancel until the SIGKILL escalation) and
    /// SIGCHLD blocked (which event loops use to notice their own children exit).
    pub(crate) fn restore_in_child(&self, command: &mut std::process::Command) {
        use std::os::unix::process::CommandExt;
        let before = self.before;
        // SAFETY: the hook runs in the child between fork and exec and only calls
        // pthread_sigmask, which is async-signal-safe; it allocates nothing and takes no lock.
        unsafe {
            command.pre_exec(move || {
                match libc::pthread_sigmask(libc::SIG_SETMASK, &before, std::ptr::null_mut()) {
                    0 => Ok(()),
                    error => Err(io::Error::from_raw_os_error(error)),
                }
            });
        }
    }

    /// Waits up to `timeout` for one of the blocked signals; `None` on time-out or interruption.
    pub(crate) fn wait(&self, timeout: Duration) -> Option<i32> {
        os::wait_signal(&self.set, timeout)
    }

    /// Sets the calling thread's mask back to the one from before [`BlockedSignals::block`]
    /// (in a forked child that is about to exec; async-signal-safe).
    pub(crate) fn restore(&self) -> io::Result<()> {
        // SAFETY: `before` is an initialized sigset; the old mask is not wanted.
        match unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.before, std::ptr::null_mut())
        } {
            0 => Ok(()),
            error => Err(io::Error::from_raw_os_error(error)),
        }
    }
}

/// Which side of a [`fork`] the caller is on.
pub(crate) enum Forked {
    Child,
    Parent(Pid),
}

/// fork(2). Only for a process that is single-threaded at the time, or whose child limits itself
/// to async-signal-safe calls until it execs.
pub(crate) fn fork() -> io::Result<Forked> {
    // SAFETY: fork takes no arguments; the caller keeps to the rule above.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// Closes every descriptor from `first` up to the descriptor limit, one by one (async-signal-
/// safe; the fallback where no single call does it).
fn close_each_from(first: i32) {
    // SAFETY: sysconf takes an integer name.
    let limit = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) };
    let last = i32::try_from(limit).unwrap_or(1024);
    for fd in first.max(0)..last {
        // SAFETY: close on a descriptor that may not be open just fails with EBADF.
        unsafe { libc::close(fd) };
    }
}

/// The test-only switch that makes Linux run the portable liveness path (no parent-death
/// signal: the keeper relies on its lifeline and `getppid()` alone, as on macOS).
pub const PORTABLE_LIVENESS_ENV: &str = "LLM_CLI_GATEWAY_PORTABLE_LIVENESS";

/// Whether [`PORTABLE_LIVENESS_ENV`] is `1`; read once per process.
pub(crate) fn portable_liveness_forced() -> bool {
    static FORCED: OnceLock<bool> = OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os(PORTABLE_LIVENESS_ENV).is_some_and(|v| v == "1"))
}

/// The read end of this process's lifeline: a pipe whose write end only this process holds
/// (close-on-exec, never written), so the read end reads EOF exactly when this process is gone,
/// on every POSIX system. A forked keeper keeps a copy of the read end.
pub(crate) fn lifeline() -> io::Result<i32> {
    static PIPE: OnceLock<(io::PipeReader, io::PipeWriter)> = OnceLock::new();
    if let Some((reader, _)) = PIPE.get() {
        return Ok(reader.as_raw_fd());
    }
    let pipe = io::pipe()?;
    Ok(PIPE.get_or_init(|| pipe).0.as_raw_fd())
}

/// Whether the lifeline `fd` (from [`lifeline`]) has hung up: its owner is gone. `false` for
/// no lifeline (`-1`).
pub(crate) fn lifeline_cut(fd: i32) -> bool {
    fd >= 0 && poll(&[fd], Duration::ZERO)[0].readable
}

/// Closes every descriptor but stdio and `keep`, which moves to descriptor 3 (async-signal-
/// safe). Returns where `keep` is now, `-1` if it could not be kept.
pub(crate) fn close_all_but(keep: i32) -> i32 {
    // SAFETY: dup2 takes plain integers; whatever was at 3 is closed below anyway.
    let kept = keep == 3 || (keep >= 0 && unsafe { libc::dup2(keep, 3) } == 3);
    if kept {
        close_from(4);
        3
    } else {
        close_from(3);
        -1
    }
}

/// Reaps `pid` if it has exited, without blocking.
pub(crate) fn try_reap(pid: Pid) -> io::Result<Option<std::process::ExitStatus>> {
    use std::os::unix::process::ExitStatusExt;
    let mut status = 0;
    // SAFETY: `status` is a valid, exclusively borrowed int; WNOHANG makes this non-blocking.
    match unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } {
        0 => Ok(None),
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(Some(std::process::ExitStatus::from_raw(status))),
    }
}

/// Ends the process at once with `code`: no destructors, no atexit handlers, no buffers flushed
/// (what a forked child that never execs must do).
pub(crate) fn exit_now(code: i32) -> ! {
    // SAFETY: _exit takes an integer and never returns.
    unsafe { libc::_exit(code) }
}

/// Restores the default action of `signal`, unblocks it and raises it, so the caller dies the
/// way its child did. Returns only if the signal did not end the process.
pub(crate) fn die_by_signal(signal: i32) {
    // SAFETY: plain integer arguments; the sigset is initialized by sigemptyset before use.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
}

/// Tries to take an exclusive lock on `file` without blocking (std's `File::try_lock`, `flock`
/// on both Linux and macOS). `Ok(false)`: someone holds it.
pub(crate) fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(error)) => Err(error),
    }
}

/// Readiness of each descriptor after [`poll`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ready {
    /// Readable, at EOF, or in error: a read will not block.
    pub(crate) readable: bool,
}

/// Waits up to `timeout` until one of `fds` is readable (or hung up). An interrupted wait
/// returns with nothing ready; the caller's loop simply goes round again.
pub(crate) fn poll(fds: &[i32], timeout: Duration) -> Vec<Ready> {
    let mut entries: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: *fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    let count = libc::nfds_t::try_from(entries.len()).unwrap_or(0);
    // SAFETY: `entries` is a valid, exclusively borrowed array of `count` pollfd structs.
    let result = unsafe { libc::poll(entries.as_mut_ptr(), count, millis) };
    entries
        .iter()
        .map(|entry| Ready {
            readable: result > 0 && entry.revents != 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_ticks_of_this_process_are_stable_and_a_dead_pid_has_none() {
        let me = i64::from(std::process::id());
        assert!(proc_start_ticks(me).is_some());
        assert_eq!(proc_start_ticks(me), proc_start_ticks(me));
        assert_eq!(proc_start_ticks(i64::from(i32::MAX)), None);
    }

    #[test]
    fn hostname_is_the_posix_name() {
        let expected = std::process::Command::new("hostname")
            .output()
            .unwrap()
            .stdout;
        assert_eq!(hostname(), String::from_utf8(expected).unwrap().trim());
    }
}
