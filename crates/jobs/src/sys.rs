//! The few Linux/POSIX calls std does not wrap: process-group signals, parent-death signal,
//! signal masks, `flock`. Each wrapper is safe to call: arguments are plain integers or owned
//! sigsets, and failures come back as values.
#![expect(
    unsafe_code,
    reason = "thin wrappers over libc calls that std does not expose"
)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

pub(crate) use libc::{SIGCHLD, SIGHUP, SIGINT, SIGKILL, SIGTERM, SIGUSR1};

/// Sends `signal` to every process in group `pgid` (0 = the caller's own group).
/// `false` when no such group exists any more (or permission was refused).
pub(crate) fn kill_group(pgid: i32, signal: i32) -> bool {
    if pgid < 0 {
        return false;
    }
    // SAFETY: kill(2) takes plain integers; a negative pid addresses the process group.
    unsafe { libc::kill(-pgid, signal) == 0 }
}

/// Asks the kernel to send `signal` to the caller when its parent thread exits.
pub(crate) fn set_parent_death_signal(signal: i32) -> io::Result<()> {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes an integer signal number and no pointers.
    let result = unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::c_ulong::try_from(signal).unwrap_or(0),
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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
        let spec = libc::timespec {
            tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(0),
            tv_nsec: libc::c_long::from(i32::try_from(timeout.subsec_nanos()).unwrap_or(0)),
        };
        // SAFETY: `self.set` is an initialized sigset; info may be null; `spec` lives across the call.
        let signal = unsafe { libc::sigtimedwait(&self.set, std::ptr::null_mut(), &spec) };
        (signal > 0).then_some(signal)
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
    Parent(libc::pid_t),
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

/// Closes every descriptor from `first` up (close_range(2), Linux ≥ 5.9; older kernels close
/// them one by one up to the descriptor limit).
pub(crate) fn close_from(first: i32) {
    let first = libc::c_uint::try_from(first).unwrap_or(0);
    // SAFETY: close_range takes plain integers; closing descriptors we own is always sound here.
    if unsafe { libc::syscall(libc::SYS_close_range, first, libc::c_uint::MAX, 0) } == 0 {
        return;
    }
    // SAFETY: sysconf takes an integer name.
    let limit = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) };
    let last = i32::try_from(limit).unwrap_or(1024);
    for fd in i32::try_from(first).unwrap_or(3)..last {
        // SAFETY: close on a descriptor that may not be open just fails with EBADF.
        unsafe { libc::close(fd) };
    }
}

/// Reaps `pid` if it has exited, without blocking.
pub(crate) fn try_reap(pid: libc::pid_t) -> io::Result<Option<std::process::ExitStatus>> {
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

/// Tries to take an exclusive `flock` on `file` without blocking. `Ok(false)`: someone holds it.
pub(crate) fn try_lock_exclusive(file: &File) -> io::Result<bool> {
    // SAFETY: the descriptor is valid for the lifetime of `file`.
    let result = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if result == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(error)
    }
}

/// Start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), which tells a
/// recycled pid apart from the process we recorded.
pub(crate) fn proc_start_ticks(pid: i64) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: skip past the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // After ')' come fields 3.. ; field 22 is the 20th of them.
    rest.split_whitespace().nth(19)?.parse().ok()
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

/// A descriptor that turns readable when process `pid` exits (Linux ≥ 5.3), so an exit wakes
/// [`poll`] at once. `None` where the kernel lacks it (the caller then polls `try_wait`).
pub(crate) fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: the kernel just handed us this descriptor; nothing else owns it.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
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
}
