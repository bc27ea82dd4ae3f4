//! What happens to the jobs of an owner that died (see [`crate::liveness`] for how that is
//! known): their process group is killed if it is still the one recorded on this host, and
//! they become `orphaned` with their output kept. Also the background chores: heartbeat,
//! periodic reconcile, retention.

use std::sync::{Arc, Weak};
use std::time::Duration;

use gateway_store::{JobRecord, Store, StoreError, now_ms};
use tokio::sync::watch;

use crate::liveness::Liveness;
use crate::service::{Inner, blocking};
use crate::{JobsError, sys};

/// How often rows past retention are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

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
    let Some(liveness) = inner.liveness.clone() else {
        return Ok(0);
    };
    let me = inner.instance_id.clone();
    let days = inner.config.retention_days;
    let orphaned = blocking(&inner.store, move |store| {
        reconcile_store(store, &liveness, &me, days)
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
/// queued or running job whose owner (`me` excepted) is gone.
pub(crate) fn reconcile_store(
    store: &Store,
    liveness: &Liveness,
    me: &str,
    retention_days: u32,
) -> Result<usize, StoreError> {
    let mut orphaned = 0;
    for owner in store.active_owners()? {
        if owner == me || !liveness.owner_is_gone(store, &owner) {
            continue;
        }
        for job in store.active_jobs_of(&owner)? {
            if liveness.owners_are_local()
                && let Some(pgid) = live_group(&job)
            {
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
        let every = inner
            .liveness
            .as_ref()
            .map_or(Duration::from_secs(60), Liveness::chore_every);
        let task = tokio::spawn(async move {
            let mut chores = tokio::time::interval(every);
            let mut pruning = tokio::time::interval(PRUNE_EVERY);
            chores.tick().await;
            pruning.tick().await;
            loop {
                tokio::select! {
                    () = async { let _ = stopped.wait_for(|stop| *stop).await; } => return,
                    _ = chores.tick() => {
                        let Some(inner) = weak.upgrade() else { return };
                        let id = inner.instance_id.clone();
                        let host = sys::hostname();
                        let beat = blocking(&inner.store, move |store| {
                            store.register_instance(&id, std::process::id(), &host)
                        });
                        if let Err(error) = beat.await {
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
