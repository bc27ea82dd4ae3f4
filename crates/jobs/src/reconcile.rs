//! Liveness of gateway processes (a lock file per process) and what happens to the jobs of a
//! process that died: their process group is killed if it is still the one recorded, and they
//! become `orphaned` with their output kept. Also the background chores: heartbeat, periodic
//! reconcile, retention.
//!
//! A bare pid says nothing after the pid is reused; a `flock` held for the process lifetime is
//! released by the kernel however the process ends, so "lock is free" means "owner is gone".

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use gateway_store::{JobRecord, Store, StoreError, now_ms};
use tokio::sync::watch;

use crate::service::{Inner, blocking};
use crate::{JobsError, sys};

/// How often the background task heartbeats and reconciles.
const CHORE_EVERY: Duration = Duration::from_secs(60);
/// How often rows past retention are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// This process's lock file, held (flock) until dropped; the file is removed on drop.
#[derive(Debug)]
pub(crate) struct InstanceLock {
    path: PathBuf,
    _file: File,
}

/// Lock files live next to the database (`<db dir>/instances/`), so every process sharing a
/// database file checks the same locks whatever its own data directory is.
pub(crate) fn instances_dir(db_path: &Path) -> PathBuf {
    db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("instances")
}

fn lock_path(dir: &Path, instance: &str) -> PathBuf {
    dir.join(format!("{instance}.lock"))
}

impl InstanceLock {
    pub(crate) fn acquire(dir: &Path, instance: &str) -> Result<InstanceLock, JobsError> {
        let dir = dir.to_path_buf();
        let io = |context: String| move |source| JobsError::Io { context, source };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io(format!("cannot create {}", dir.display())))?;
        let path = lock_path(&dir, instance);
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
        Ok(InstanceLock { path, _file: file })
    }
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether the process that owns `instance` is gone (its lock is free or missing).
fn owner_is_gone(dir: &Path, instance: &str) -> bool {
    let path = lock_path(dir, instance);
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

/// Whether gateway `instance` still holds its lock in `dir`, i.e. is alive. Changes nothing
/// (unlike [`owner_is_gone`], which clears a dead owner's lock file).
pub(crate) fn owner_holds_lock(dir: &Path, instance: &str) -> bool {
    let Ok(file) = std::fs::File::open(lock_path(dir, instance)) else {
        return false;
    };
    // An error says nothing either way: assume alive, as `owner_is_gone` does.
    !matches!(sys::try_lock_exclusive(&file), Ok(true))
}

/// The job's process group if its leader is still the process we recorded (start time
/// matches), so we never signal a stranger that reused the pid.
pub(crate) fn live_group(job: &JobRecord) -> Option<i32> {
    let pid = job.pid?;
    let recorded = job.proc_start_ticks?;
    (sys::proc_start_ticks(pid) == Some(recorded))
        .then(|| i32::try_from(job.pgid.unwrap_or(pid)).ok())
        .flatten()
}

/// Registers this instance, reconciles dead owners' jobs and prunes old rows once.
pub(crate) async fn startup(inner: &Arc<Inner>) -> Result<(), JobsError> {
    let id = inner.instance_id.clone();
    let host = sys::hostname();
    blocking(&inner.store, move |store| {
        store.register_instance(&id, std::process::id(), &host)
    })
    .await?;
    reconcile(inner).await?;
    prune(inner).await?;
    Ok(())
}

/// Marks jobs of dead owners `orphaned`, killing their process groups first.
pub(crate) async fn reconcile(inner: &Arc<Inner>) -> Result<usize, JobsError> {
    let Some(db_path) = &inner.config.db_path else {
        return Ok(0);
    };
    let dir = instances_dir(db_path);
    let me = inner.instance_id.clone();
    let days = inner.config.retention_days;
    let orphaned = blocking(&inner.store, move |store| {
        reconcile_store(store, &dir, &me, days)
    })
    .await?;
    if orphaned > 0 {
        tracing::info!(
            orphaned,
            "marked jobs whose supervisor or gateway exited as orphaned"
        );
    }
    Ok(orphaned)
}

/// The reconcile pass itself (also run by queued supervisors, which have no runtime): every
/// queued or running job whose owner (`me` excepted) no longer holds its lock in `dir`.
pub(crate) fn reconcile_store(
    store: &Store,
    dir: &Path,
    me: &str,
    retention_days: u32,
) -> Result<usize, StoreError> {
    let mut orphaned = 0;
    for owner in store.active_owners()? {
        if owner == me || !owner_is_gone(dir, &owner) {
            continue;
        }
        for job in store.active_jobs_of(&owner)? {
            if let Some(pgid) = live_group(&job) {
                sys::kill_group(pgid, sys::SIGKILL);
            }
            crate::spawn::remove_private_dirs(&job.id);
            if store.mark_orphaned(&job, retention_days)? {
                orphaned += 1;
            }
        }
        let _ = store.remove_instance(&owner);
    }
    Ok(orphaned)
}

async fn prune(inner: &Arc<Inner>) -> Result<(), JobsError> {
    let cutoff = now_ms() - i64::from(inner.config.retention_days) * 86_400_000;
    let counts = blocking(&inner.store, move |store| store.prune(cutoff)).await?;
    tracing::debug!(?counts, "retention pass");
    Ok(())
}

/// The background chores; stopped by [`Background::stop`].
#[derive(Debug)]
pub(crate) struct Background {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Background {
    pub(crate) fn start(inner: &Arc<Inner>) -> Background {
        let (stop, mut stopped) = watch::channel(false);
        let weak: Weak<Inner> = Arc::downgrade(inner);
        let task = tokio::spawn(async move {
            let mut chores = tokio::time::interval(CHORE_EVERY);
            let mut pruning = tokio::time::interval(PRUNE_EVERY);
            chores.tick().await;
            pruning.tick().await;
            loop {
                tokio::select! {
                    () = async { let _ = stopped.wait_for(|stop| *stop).await; } => return,
                    _ = chores.tick() => {
                        let Some(inner) = weak.upgrade() else { return };
                        let id = inner.instance_id.clone();
                        if let Err(error) = blocking(&inner.store, move |store| store.heartbeat(&id)).await {
                            tracing::warn!(%error, "heartbeat failed");
                        }
                        if let Err(error) = reconcile(&inner).await {
                            tracing::warn!(%error, "reconcile failed");
                        }
                    }
                    _ = pruning.tick() => {
                        let Some(inner) = weak.upgrade() else { return };
                        if let Err(error) = prune(&inner).await {
                            tracing::warn!(%error, "retention pass failed");
                        }
                    }
                }
            }
        });
        Background { stop, task }
    }

    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}
