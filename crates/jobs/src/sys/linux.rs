//! Linux: `PR_SET_PDEATHSIG`, `close_range`, `pidfd_open`, `/proc` start times, `sigtimedwait`
//! and abstract socket names.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Asks the kernel to send `signal` to the caller when its parent thread exits (a wake-up
/// only: the keeper decides by its lifeline and `getppid()`).
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

/// Waits up to `timeout` for one of the blocked signals in `set`; `None` on time-out.
pub(super) fn wait_signal(set: &libc::sigset_t, timeout: Duration) -> Option<i32> {
    let spec = libc::timespec {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(0),
        tv_nsec: libc::c_long::from(i32::try_from(timeout.subsec_nanos()).unwrap_or(0)),
    };
    // SAFETY: `set` is an initialized sigset; info may be null; `spec` lives across the call.
    let signal = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &spec) };
    (signal > 0).then_some(signal)
}

/// Closes every descriptor from `first` up (close_range(2), Linux ≥ 5.9; older kernels close
/// them one by one up to the descriptor limit). Async-signal-safe.
pub(crate) fn close_from(first: i32) {
    let start = libc::c_uint::try_from(first).unwrap_or(0);
    // SAFETY: close_range takes plain integers; closing descriptors we own is always sound here.
    if unsafe { libc::syscall(libc::SYS_close_range, start, libc::c_uint::MAX, 0) } != 0 {
        super::close_each_from(first);
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

/// A descriptor that turns readable when process `pid` exits (Linux ≥ 5.3), so an exit wakes
/// [`super::poll`] at once. `None` where the kernel lacks it (the caller then polls `try_wait`).
pub(crate) fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: the kernel just handed us this descriptor; nothing else owns it.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// Where the supervisor of `job_id` listens for wake-ups: an abstract socket name, so there is
/// no file to create and unlink for every queued job (a measurable share of a short job's
/// cost). A wake is only a hint to look at the store again, so a name anyone can send to is
/// harmless, and a name someone else took only makes the waiter poll. No file: `None`.
pub(crate) fn wake_address(_dir: &Path, job_id: &str) -> Option<(SocketAddr, Option<PathBuf>)> {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("llm-cli-gateway/wake/{job_id}");
    SocketAddr::from_abstract_name(name.as_bytes())
        .ok()
        .map(|address| (address, None))
}
