//! Canceling a job in a store, from any process that opens it: the one cancel behind
//! `llm_job_cancel` (for jobs this gateway does not follow) and `llm-cli-gateway jobs cancel`.
//!
//! The store decides first (compare-and-swap to `canceled`, so a job that finished meanwhile
//! keeps its outcome); then the job's process group is stopped when it is still the one
//! recorded (same host, same leader start time): SIGTERM, a grace, SIGKILL. The job's
//! supervisor sees its CLI end and the row already final.

use std::time::{Duration, Instant};

use gateway_core::JobStatus;
use gateway_store::{JobFinish, JobRecord, Store, StoreError, now_ms};

use crate::liveness::Liveness;
use crate::reconcile::live_group;
use crate::runner::{CANCELED_BY_REQUEST, KILL_GRACE};
use crate::sys;

/// What a cancel found and did.
#[derive(Debug, Clone, PartialEq)]
pub enum Canceled {
    NotFound,
    AlreadyFinished(JobStatus),
    /// The row now reads `canceled`; `stopped` says what happened to its processes.
    Canceled {
        job: Box<JobRecord>,
        stopped: Stopped,
    },
}

/// What became of a canceled job's processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    pub owner: Owner,
    /// The job's process group was signaled.
    pub signaled: bool,
    /// Its leader outlived the grace and the group got SIGKILL.
    pub killed: bool,
}

/// The gateway process that started the job, as seen from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Alive,
    Gone,
    /// Registered on another host: its processes are out of reach (the row is still final).
    OtherHost,
}

impl Owner {
    pub const fn as_str(self) -> &'static str {
        match self {
            Owner::Alive => "alive",
            Owner::Gone => "gone",
            Owner::OtherHost => "other_host",
        }
    }
}

/// Cancels `job_id` in `store` and stops its processes. Blocks up to [`KILL_GRACE`] while a
/// CLI that ignores SIGTERM is given its chance.
pub fn cancel_job(
    store: &Store,
    job_id: &str,
    retention_days: u32,
) -> Result<Canceled, StoreError> {
    Ok(match mark_canceled(store, job_id, retention_days)? {
        Marked::NotFound => Canceled::NotFound,
        Marked::AlreadyFinished(status) => Canceled::AlreadyFinished(status),
        Marked::Canceled(job) => {
            let stopped = stop(store, &job);
            Canceled::Canceled { job, stopped }
        }
    })
}

enum Marked {
    Canceled(Box<JobRecord>),
    AlreadyFinished(JobStatus),
    NotFound,
}

/// The store half: CAS to `canceled`, retried when the job moved meanwhile (queued → running).
fn mark_canceled(store: &Store, id: &str, retention_days: u32) -> Result<Marked, StoreError> {
    for _ in 0..3 {
        let Some(record) = store.job(id)? else {
            return Ok(Marked::NotFound);
        };
        if record.status.is_terminal() {
            return Ok(Marked::AlreadyFinished(record.status));
        }
        let finish = JobFinish {
            status: JobStatus::Canceled,
            exit_code: None,
            error: Some(CANCELED_BY_REQUEST.to_owned()),
            error_category: Some("canceled".to_owned()),
            finished_at_ms: now_ms(),
            output_truncated: false,
            outcome: None,
            retention_days,
        };
        if store.finish_job(id, record.status, &finish)? {
            return Ok(Marked::Canceled(Box::new(record)));
        }
    }
    Ok(store.job(id)?.map_or(Marked::NotFound, |record| {
        Marked::AlreadyFinished(record.status)
    }))
}

/// The process half: signals the recorded group when it is still the job's.
fn stop(store: &Store, job: &JobRecord) -> Stopped {
    let other_host = store
        .instance(&job.owner_instance)
        .ok()
        .flatten()
        .is_some_and(|instance| instance.host != sys::hostname());
    // Only whether the owner is alive matters here, not where wake-ups go.
    let liveness = Liveness::of(
        store.location(),
        crate::liveness::DEFAULT_LEASE,
        std::path::Path::new(""),
    );
    let owner = match (other_host, liveness) {
        (true, _) => Owner::OtherHost,
        (false, Some(liveness)) if liveness.owner_is_alive(store, &job.owner_instance) => {
            Owner::Alive
        }
        (false, _) => Owner::Gone,
    };
    let group = (!other_host).then(|| live_group(job)).flatten();
    let (signaled, killed) = match (group, job.pid) {
        (Some(pgid), Some(pid)) => (true, terminate(pid, pgid, job.proc_start_ticks)),
        _ => (false, false),
    };
    Stopped {
        owner,
        signaled,
        killed,
    }
}

/// SIGTERM to the group, up to [`KILL_GRACE`] for the leader to go, then SIGKILL to the group
/// for whatever is left (grandchildren). Returns whether the leader outlived the grace.
fn terminate(pid: i64, pgid: i32, ticks: Option<i64>) -> bool {
    sys::kill_group(pgid, sys::SIGTERM);
    let deadline = Instant::now() + KILL_GRACE;
    let mut survived = true;
    while Instant::now() < deadline {
        if sys::proc_start_ticks(pid) != ticks {
            survived = false;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    sys::kill_group(pgid, sys::SIGKILL);
    survived
}
