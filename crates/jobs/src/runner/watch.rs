//! The capture loop of a running job, single-threaded around `poll(2)`: reads stdout and
//! stderr, feeds the parser, enforces the idle and wall-clock limits and the output cap, obeys
//! cancels (a control byte from the gateway, or a cancel marked in the store by any process),
//! and notices the exit at once through a pidfd.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use gateway_core::{ExitInfo, RunOutcome};
use gateway_provider::OutputParser;
use gateway_store::Stream;

use super::conclusion::Cause;
use super::recorder::{FLUSH_EVERY, Recorder};
use crate::sys;

/// SIGTERM → SIGKILL grace for cancel, time-outs and `on_exit = cancel`.
pub(crate) const KILL_GRACE: Duration = Duration::from_secs(5);
/// How long pipes may stay open after the process exited (a grandchild that escaped the group).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);
/// How often a running job checks whether another process ended it in the store (a cancel
/// from `llm-cli-gateway jobs cancel` or a second gateway is noticed within a second).
const STORE_CHECK: Duration = Duration::from_secs(1);
/// Without a pidfd, how often the exit is polled.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// The gateway's end of the control pipe.
pub(crate) struct Control {
    pub(crate) fd: Option<std::fs::File>,
    /// Cancel when the gateway goes away (its end of the pipe closes).
    pub(crate) cancel_on_exit: bool,
}

pub(crate) enum ControlSignal {
    Nothing,
    /// `llm_job_cancel` and the like, from the gateway that started the job.
    Cancel,
    /// The gateway is exiting (its pipe closed, or it said so) and `on_exit = cancel`.
    ExitCancel,
}

/// The control byte that cancels the job.
pub(crate) const CANCEL_BYTE: u8 = b'c';
/// The control byte a gateway sends when it exits with `on_exit = cancel` (its pipe may stay
/// open a moment longer, or be shared with the supervisor's next job).
pub(crate) const EXIT_BYTE: u8 = b'x';

impl Control {
    /// Reads what is ready on the control pipe (call only when `poll` says it is readable).
    pub(crate) fn read(&mut self) -> ControlSignal {
        let Some(file) = self.fd.as_mut() else {
            return ControlSignal::Nothing;
        };
        let mut bytes = [0_u8; 64];
        let exiting = match file.read(&mut bytes) {
            Ok(0) | Err(_) => {
                self.fd = None;
                true
            }
            Ok(count) if bytes[..count].contains(&CANCEL_BYTE) => return ControlSignal::Cancel,
            Ok(count) => bytes[..count].contains(&EXIT_BYTE),
        };
        if exiting && self.cancel_on_exit {
            ControlSignal::ExitCancel
        } else {
            ControlSignal::Nothing
        }
    }

    pub(crate) fn raw(&self) -> Option<i32> {
        self.fd.as_ref().map(AsRawFd::as_raw_fd)
    }
}

pub(crate) struct Limits {
    pub(crate) idle: Duration,
    pub(crate) wall: Duration,
}

pub(crate) struct Watched {
    pub(crate) cause: Option<Cause>,
    pub(crate) exit: Option<ExitStatus>,
    pub(crate) outcome: RunOutcome,
}

/// Runs the loop until the process has exited and both pipes are drained.
pub(crate) fn watch(
    recorder: &mut Recorder,
    child: &mut Child,
    control: &mut Control,
    mut parser: Box<dyn OutputParser>,
    limits: &Limits,
) -> Watched {
    let pgid = i32::try_from(child.id()).unwrap_or(0);
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut exit_fd = sys::pidfd_open(child.id());
    let mut buf = vec![0_u8; 32 * 1024];
    let started = Instant::now();
    let (mut idle_at, wall_at) = (started + limits.idle, started + limits.wall);
    let mut check_at = started + STORE_CHECK;
    let (mut kill_at, mut drain_at): (Option<Instant>, Option<Instant>) = (None, None);
    let (mut cause, mut exit): (Option<Cause>, Option<ExitStatus>) = (None, None);
    let stop = |cause_now: Cause, cause: &mut Option<Cause>, kill_at: &mut Option<Instant>| {
        if cause.is_none() {
            *cause = Some(cause_now);
            sys::kill_group(pgid, sys::SIGTERM);
            *kill_at = Some(Instant::now() + KILL_GRACE);
        }
    };
    while exit.is_none() || stdout.is_some() || stderr.is_some() {
        let running = exit.is_none() && cause.is_none();
        let now = Instant::now();
        let mut next = [Some(recorder.last_flush + FLUSH_EVERY), kill_at, drain_at]
            .into_iter()
            .flatten()
            .chain(
                running
                    .then_some([idle_at, wall_at, check_at])
                    .into_iter()
                    .flatten(),
            )
            .min()
            .map_or(STORE_CHECK, |at| at.saturating_duration_since(now));
        if exit.is_none() && exit_fd.is_none() {
            next = next.min(EXIT_POLL);
        }
        let fds: Vec<i32> = [
            stdout.as_ref().map(AsRawFd::as_raw_fd),
            stderr.as_ref().map(AsRawFd::as_raw_fd),
            control.raw(),
            exit_fd.as_ref().map(AsRawFd::as_raw_fd),
        ]
        .into_iter()
        .map(|fd| fd.unwrap_or(-1))
        .collect();
        let ready = sys::poll(&fds, next);
        if ready[0].readable {
            match read_some(stdout.as_mut(), &mut buf) {
                Some(count) => {
                    for line in recorder.accept(Stream::Stdout, &buf[..count]) {
                        for event in parser.feed_line(&line) {
                            recorder.event(&event);
                        }
                    }
                    idle_at = Instant::now() + limits.idle;
                }
                None => stdout = None,
            }
        }
        if ready[1].readable {
            match read_some(stderr.as_mut(), &mut buf) {
                Some(count) => {
                    recorder.accept(Stream::Stderr, &buf[..count]);
                    idle_at = Instant::now() + limits.idle;
                }
                None => stderr = None,
            }
        }
        if ready[2].readable {
            match control.read() {
                ControlSignal::Cancel if running => stop(Cause::Cancel, &mut cause, &mut kill_at),
                ControlSignal::ExitCancel if running => {
                    stop(Cause::GatewayExit, &mut cause, &mut kill_at);
                }
                ControlSignal::Cancel | ControlSignal::ExitCancel | ControlSignal::Nothing => {}
            }
        }
        if exit.is_none()
            && (ready[3].readable || exit_fd.is_none())
            && let Ok(Some(status)) = child.try_wait()
        {
            {
                exit = Some(status);
                exit_fd = None;
                // Leftover grandchildren in the group end with the job.
                sys::kill_group(pgid, sys::SIGKILL);
                drain_at = Some(Instant::now() + DRAIN_AFTER_EXIT);
            }
        }
        let now = Instant::now();
        if running && now >= idle_at {
            stop(Cause::Idle, &mut cause, &mut kill_at);
        }
        if running && now >= wall_at {
            stop(Cause::Wall, &mut cause, &mut kill_at);
        }
        if running && now >= check_at {
            check_at = now + STORE_CHECK;
            if let Some(beat) = &recorder.beat {
                beat.beat_if_due(recorder.store());
            }
            if recorder.ended_elsewhere() {
                stop(Cause::Cancel, &mut cause, &mut kill_at);
            }
        }
        if kill_at.is_some_and(|at| now >= at) {
            sys::kill_group(pgid, sys::SIGKILL);
            kill_at = None;
        }
        if drain_at.is_some_and(|at| now >= at) {
            stdout = None;
            stderr = None;
        }
        if recorder.truncated && cause.is_none() && exit.is_none() {
            cause = Some(Cause::Cap);
            sys::kill_group(pgid, sys::SIGKILL);
        }
        if recorder.batch_full() || now >= recorder.last_flush + FLUSH_EVERY {
            recorder.flush();
        } else {
            recorder.reporter.flush();
        }
    }
    for line in recorder.finish_streams() {
        for event in parser.feed_line(&line) {
            recorder.event(&event);
        }
    }
    let info = ExitInfo {
        code: exit.and_then(|status| status.code()),
        signal: exit.and_then(|status| status.signal()),
    };
    let outcome = parser.finish(info, recorder.stderr.tail());
    Watched {
        cause,
        exit,
        outcome,
    }
}

/// One read from a pipe `poll` said is ready; `None` at EOF or on error.
fn read_some(pipe: Option<&mut impl Read>, buf: &mut [u8]) -> Option<usize> {
    match pipe?.read(buf) {
        Ok(0) | Err(_) => None,
        Ok(count) => Some(count),
    }
}
