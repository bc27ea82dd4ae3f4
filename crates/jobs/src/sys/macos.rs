//! macOS: no parent-death signal, `close_range`, pidfd or `sigtimedwait`; start times from
//! `proc_pidinfo`; wake sockets are files. Not compiled on these Linux machines: kept small.

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// No such thing on macOS: the keeper learns of its owner's death from its lifeline pipe and
/// `getppid()` on its next wake-up (within its poll interval).
pub(crate) fn set_parent_death_signal(_signal: i32) -> io::Result<()> {
    Ok(())
}

/// Waits up to `timeout` for one of the blocked signals in `set`: checks the pending set every
/// few milliseconds and takes a pending one with `sigwait`, which then returns at once.
pub(super) fn wait_signal(set: &libc::sigset_t, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        // SAFETY: sigset_t is plain data, initialized by sigpending before it is read.
        let mut pending: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `pending` is a valid, exclusively borrowed sigset_t.
        if unsafe { libc::sigpending(&mut pending) } == 0 {
            for signal in 1..32 {
                // SAFETY: both sets are initialized; sigismember only reads them.
                let wanted = unsafe {
                    libc::sigismember(set, signal) == 1 && libc::sigismember(&pending, signal) == 1
                };
                if wanted {
                    let mut taken = 0;
                    // SAFETY: `set` is initialized and `taken` exclusively borrowed; the signal
                    // is pending, so sigwait returns at once.
                    let result = unsafe { libc::sigwait(set, &mut taken) };
                    return (result == 0).then_some(taken);
                }
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(5)));
    }
}

/// Closes every descriptor from `first` up, one by one up to the descriptor limit.
pub(crate) fn close_from(first: i32) {
    super::close_each_from(first);
}

/// Start time of `pid` in microseconds since the epoch (`proc_pidinfo(PROC_PIDTBSDINFO)`),
/// which tells a recycled pid apart from the process we recorded.
pub(crate) fn proc_start_ticks(pid: i64) -> Option<i64> {
    let pid = libc::c_int::try_from(pid).ok()?;
    // SAFETY: proc_bsdinfo is plain data; the kernel fills it.
    let mut info: libc::proc_bsdinfo = unsafe { std::mem::zeroed() };
    let size = libc::c_int::try_from(std::mem::size_of::<libc::proc_bsdinfo>()).ok()?;
    // SAFETY: `info` is valid for `size` bytes and exclusively borrowed.
    let written =
        unsafe { libc::proc_pidinfo(pid, libc::PROC_PIDTBSDINFO, 0, (&raw mut info).cast(), size) };
    if written != size {
        return None;
    }
    let micros = info.pbi_start_tvsec.checked_mul(1_000_000)? + info.pbi_start_tvusec;
    i64::try_from(micros).ok()
}

/// No pidfd on macOS: the caller polls `try_wait`.
pub(crate) fn pidfd_open(_pid: u32) -> Option<std::os::fd::OwnedFd> {
    None
}

/// Where the supervisor of `job_id` listens for wake-ups: `<dir>/<job id>.wake` (no abstract
/// names outside Linux); the file is removed with the socket.
pub(crate) fn wake_address(dir: &Path, job_id: &str) -> Option<(SocketAddr, Option<PathBuf>)> {
    let path = dir.join(format!("{job_id}.wake"));
    SocketAddr::from_pathname(&path)
        .ok()
        .map(|address| (address, Some(path)))
}
