//! How a job's owner (a gateway process, or a supervisor process) shows it is alive, and how
//! another process finds out that it is not — by where the store lives:
//!
//! - **SQLite file: lock files.** Each owner holds a `flock` on `<db dir>/instances/<id>.lock`
//!   for its whole life. The kernel releases it however the process ends, so "lock is free"
//!   means "owner is gone" (a bare pid says nothing once the pid is reused).
//! - **PostgreSQL: heartbeat leases.** Owners on several hosts share no files and no pids, so
//!   each keeps its row in `instances` fresh ([`Beat`], every third of the lease); an owner
//!   whose row is missing or older than the lease is gone. Hosts need clocks within a small
//!   part of the lease of each other (NTP), as every lease scheme does.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gateway_store::{Location, Store, now_ms};
use serde::{Deserialize, Serialize};

use crate::{JobsError, sys};

/// The default lease of an owner on a shared PostgreSQL store (`LLM_GATEWAY_LEASE_MS`).
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// How owners prove they are alive, for one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Liveness {
    /// Lock files in `dir`, next to the SQLite file (so every process sharing the file checks
    /// the same locks whatever its own data directory is); wake-ups are named after it too.
    Files { dir: PathBuf },
    /// Heartbeat leases in the shared database; wake-ups reach this host's supervisors only,
    /// named after `wake_dir`.
    Leases { lease_ms: u64, wake_dir: PathBuf },
}

impl Liveness {
    /// `None` for an in-memory store (one process: nobody else to tell).
    pub(crate) fn of(location: &Location, lease: Duration, data_dir: &Path) -> Option<Liveness> {
        match location {
            Location::Memory => None,
            Location::File(path) => Some(Liveness::Files {
                dir: path
                    .parent()
                    .unwrap_or_else(|| Path::new("."))
                    .join("instances"),
            }),
            Location::Postgres(_) => Some(Liveness::Leases {
                lease_ms: u64::try_from(lease.as_millis()).unwrap_or(u64::MAX),
                wake_dir: data_dir.join("instances"),
            }),
        }
    }

    /// Where queued supervisors of this host listen for "a slot is free".
    pub(crate) fn wake_dir(&self) -> &Path {
        match self {
            Liveness::Files { dir } => dir,
            Liveness::Leases { wake_dir, .. } => wake_dir,
        }
    }

    /// How often a gateway heartbeats and reconciles: a third of the lease, so two beats can
    /// be missed; a minute with lock files (the heartbeat is only for people then).
    pub(crate) fn chore_every(&self) -> Duration {
        match self {
            Liveness::Files { .. } => Duration::from_secs(60),
            Liveness::Leases { lease_ms, .. } => Duration::from_millis((lease_ms / 3).max(100)),
        }
    }

    /// Whether the processes of a gone owner's jobs are on this host, so reconcile may signal
    /// them. With leases they may be anywhere; the keeper of a dead supervisor ends its group
    /// anyway (lifeline).
    pub(crate) fn owners_are_local(&self) -> bool {
        matches!(self, Liveness::Files { .. })
    }

    /// Whether owner `id` is gone. Clears a dead owner's lock file.
    pub(crate) fn owner_is_gone(&self, store: &Store, id: &str) -> bool {
        match self {
            Liveness::Files { dir } => {
                let path = lock_path(dir, id);
                let Ok(file) = OpenOptions::new().write(true).open(&path) else {
                    return true;
                };
                match sys::try_lock_exclusive(&file) {
                    Ok(true) => {
                        let _ = std::fs::remove_file(&path);
                        true
                    }
                    Ok(false) | Err(_) => false,
                }
            }
            Liveness::Leases { lease_ms, .. } => lease_expired(store, id, *lease_ms),
        }
    }

    /// Whether owner `id` is alive; changes nothing. An unreadable answer counts as alive.
    pub(crate) fn owner_is_alive(&self, store: &Store, id: &str) -> bool {
        match self {
            Liveness::Files { dir } => {
                let Ok(file) = File::open(lock_path(dir, id)) else {
                    return false;
                };
                !matches!(sys::try_lock_exclusive(&file), Ok(true))
            }
            Liveness::Leases { lease_ms, .. } => !lease_expired(store, id, *lease_ms),
        }
    }
}

/// A missing row, or a heartbeat older than the lease. A store that cannot be read says
/// nothing: the owner is taken to be alive.
fn lease_expired(store: &Store, id: &str, lease_ms: u64) -> bool {
    match store.instance(id) {
        Ok(None) => true,
        Ok(Some(instance)) => {
            now_ms() - instance.heartbeat_at_ms > i64::try_from(lease_ms).unwrap_or(i64::MAX)
        }
        Err(_) => false,
    }
}

fn lock_path(dir: &Path, instance: &str) -> PathBuf {
    dir.join(format!("{instance}.lock"))
}

/// An owner's proof of life, held until dropped: its lock file, or its lease row (removed on
/// drop; kept fresh meanwhile by [`Beat`]).
#[derive(Debug)]
pub(crate) enum Presence {
    Lock { path: PathBuf, _file: File },
    Lease { store: Arc<Store>, id: String },
}

impl Presence {
    pub(crate) fn take(
        liveness: &Liveness,
        store: &Arc<Store>,
        id: &str,
    ) -> Result<Presence, JobsError> {
        match liveness {
            Liveness::Files { dir } => lock(dir, id),
            Liveness::Leases { .. } => {
                store.register_instance(id, std::process::id(), &sys::hostname())?;
                Ok(Presence::Lease {
                    store: Arc::clone(store),
                    id: id.to_owned(),
                })
            }
        }
    }
}

fn lock(dir: &Path, instance: &str) -> Result<Presence, JobsError> {
    let io = |context: String| move |source| JobsError::Io { context, source };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(format!("cannot create {}", dir.display())))?;
    let path = lock_path(dir, instance);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(io(format!(
            "cannot create the lock file {}",
            path.display()
        )))?;
    if !sys::try_lock_exclusive(&file).map_err(io(format!("cannot lock {}", path.display())))? {
        return Err(JobsError::Internal(format!(
            "lock file {} is held by another process",
            path.display()
        )));
    }
    Ok(Presence::Lock { path, _file: file })
}

impl Drop for Presence {
    fn drop(&mut self) {
        match self {
            Presence::Lock { path, .. } => {
                let _ = std::fs::remove_file(path);
            }
            Presence::Lease { store, id } => {
                let _ = store.remove_instance(id);
            }
        }
    }
}

/// The heartbeat of a lease, pushed from the loops an owner already runs (a supervisor stays
/// single-threaded: it forks its keeper). Re-registers, so a row a reconcile removed while the
/// owner was idle comes back before it owns a job again. Clones share one clock.
#[derive(Debug, Clone)]
pub(crate) struct Beat {
    id: String,
    every: Duration,
    last: Arc<Mutex<Option<Instant>>>,
}

impl Beat {
    /// `None` unless the store uses leases.
    pub(crate) fn of(liveness: Option<&Liveness>, id: &str) -> Option<Beat> {
        match liveness? {
            Liveness::Files { .. } => None,
            leases @ Liveness::Leases { .. } => Some(Beat {
                id: id.to_owned(),
                every: leases.chore_every(),
                last: Arc::new(Mutex::new(None)),
            }),
        }
    }

    /// Beats when a third of the lease has passed since the last beat (or never was one).
    pub(crate) fn beat_if_due(&self, store: &Store) {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < self.every) {
            return;
        }
        match store.register_instance(&self.id, std::process::id(), &sys::hostname()) {
            Ok(()) => *last = Some(Instant::now()),
            Err(error) => tracing::warn!(%error, "heartbeat failed"),
        }
    }
}
