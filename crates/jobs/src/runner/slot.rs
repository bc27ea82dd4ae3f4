//! Waiting for a running slot. The claim is a store transaction ([`Store::claim_slot`]), so the
//! limits hold across every process on the database. A waiting supervisor sleeps on a Unix
//! datagram socket named after its job (see [`sys::wake_address`]); a supervisor that finishes wakes
//! exactly the queued jobs that can now run. Without a socket (an in-memory store, a name taken,
//! or a path too long for one) it polls instead. While waiting it also reconciles jobs of dead owners, whose stale
//! `running` rows would otherwise hold slots.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gateway_store::{Claim, Load, SlotLimits, Store, now_ms};

use super::Owner;
use super::conclusion::{self, Conclusion, failed};
use super::watch::{Control, ControlSignal};
use super::wire::{Report, Reporter, RunSpec};
use crate::liveness::Liveness;
use crate::{reconcile, sys};

/// Longest sleep between claims with a wake socket (a lost wake-up costs at most this).
const WAKE_FALLBACK: Duration = Duration::from_secs(1);
/// Sleep between claims without one.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// How often a waiting supervisor reconciles dead owners.
const RECONCILE_EVERY: Duration = Duration::from_secs(2);

/// The wake socket, removed when dropped.
struct Waker {
    socket: UnixDatagram,
    /// The socket file to remove (none for an abstract name).
    file: Option<PathBuf>,
}

impl Drop for Waker {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// `Ok` once the job is `running` and ours; `Err(Some(_))` when it must end without running
/// (queue time-out, cancel); `Err(None)` when another process ended it (the store has it).
///
/// A supervisor process takes the job over from its gateway with the claim, or, when it has to
/// wait, before it waits; it reports `Adopted` then, and the gateway may exit.
pub(super) fn wait(
    store: &Store,
    spec: &RunSpec,
    limits: SlotLimits,
    control: &mut Control,
    owner: &Owner,
    reporter: &mut Reporter,
    liveness: Option<&Liveness>,
) -> Result<(), Option<Conclusion>> {
    let wake_dir = liveness.map(Liveness::wake_dir);
    let started = Instant::now();
    let deadline = started + Duration::from_millis(spec.queue_timeout_ms);
    let mut waker: Option<Waker> = None;
    let mut tried_bind = false;
    let mut adopt_from = owner.adopt_from.clone();
    let mut reconciled = started;
    let mut load = Load::default();
    loop {
        match store.claim_slot(&spec.job_id, &owner.id, limits, now_ms()) {
            Ok(Claim::Admitted) => {
                adopted(reporter, adopt_from.is_some());
                return Ok(());
            }
            Ok(Claim::Gone(_)) => return Err(None),
            Ok(Claim::Full(now)) => load = now,
            Err(_) => {} // locked past busy_timeout or a failing disk: try again
        }
        if let Some(gateway) = adopt_from.take() {
            match store.adopt_job(&spec.job_id, &gateway, &owner.id) {
                Ok(true) => adopted(reporter, true),
                Ok(false) => return Err(None),
                Err(_) => adopt_from = Some(gateway),
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Some(at_capacity(spec, load)));
        }
        if !tried_bind {
            // Listen first, then claim once more: a wake sent between the claim above and the
            // bind would otherwise be lost.
            tried_bind = true;
            waker = wake_dir.and_then(|dir| bind(dir, &spec.job_id));
            if waker.is_some() {
                continue;
            }
        }
        let nap = if waker.is_some() {
            WAKE_FALLBACK
        } else {
            POLL_EVERY
        };
        let fds = [
            waker.as_ref().map_or(-1, |waker| waker.socket.as_raw_fd()),
            control.raw().unwrap_or(-1),
        ];
        let ready = sys::poll(&fds, nap.min(deadline - now));
        if ready[0].readable
            && let Some(waker) = &waker
        {
            let mut byte = [0_u8; 8];
            while waker.socket.recv(&mut byte).is_ok() {}
        }
        if ready[1].readable {
            match control.read() {
                ControlSignal::Cancel => {
                    return Err(Some(conclusion::canceled(conclusion::CANCELED_BY_REQUEST)));
                }
                ControlSignal::ExitCancel => {
                    return Err(Some(conclusion::canceled(conclusion::CANCELED_AT_EXIT)));
                }
                ControlSignal::Nothing => {}
            }
        }
        if let Some(beat) = &owner.beat {
            beat.beat_if_due(store);
        }
        if reconciled.elapsed() >= RECONCILE_EVERY {
            reconciled = Instant::now();
            if let Some(liveness) = liveness {
                let _ = reconcile::reconcile_store(store, liveness, &owner.id, spec.retention_days);
            }
        }
    }
}

/// Tells the gateway it may exit (once; a supervisor thread has nothing to say).
fn adopted(reporter: &mut Reporter, process: bool) {
    if process {
        reporter.send(&Report::Adopted);
        reporter.flush();
    }
}

fn bind(dir: &Path, job_id: &str) -> Option<Waker> {
    let (address, file) = sys::wake_address(dir, job_id)?;
    if let Some(file) = &file {
        let _ = std::fs::remove_file(file);
    }
    let socket = UnixDatagram::bind_addr(&address).ok()?;
    socket.set_nonblocking(true).ok()?;
    Some(Waker { socket, file })
}

fn at_capacity(spec: &RunSpec, load: Load) -> Conclusion {
    failed(
        None,
        format!(
            "at capacity: no slot within the {} s queue time-out ({} running, {} of them {}, {} queued); retry later",
            spec.queue_timeout_ms / 1000,
            load.running,
            load.provider_running,
            spec.spec.provider,
            load.queued
        ),
        "at_capacity",
    )
}

/// Wakes the supervisors of the queued jobs that would get a slot now.
pub(super) fn wake_admissible(store: &Store, limits: SlotLimits, dir: &Path) {
    let Ok(ids) = store.admissible(limits) else {
        return;
    };
    if ids.is_empty() {
        return;
    }
    let Ok(socket) = UnixDatagram::unbound() else {
        return;
    };
    let _ = socket.set_nonblocking(true);
    for id in ids {
        // Refused (nobody listens yet): that supervisor claims before it ever sleeps.
        if let Some((address, _)) = sys::wake_address(dir, &id) {
            let _ = socket.send_to_addr(b"w", &address);
        }
    }
}
