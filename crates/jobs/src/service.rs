//! [`JobService`]: submit, observe, cancel and list jobs; one instance shared by every MCP
//! session (`Clone` is an `Arc`).
//!
//! State protocol: the SQLite row is the durable truth; for jobs this process runs, a
//! [`LiveJob`] in memory is the fresher view and the completion signal (a `watch` channel that
//! the job's single task writes). Readers prefer the live view, so a job keeps reporting its
//! result even when the database cannot be written. Jobs of other processes are read from the
//! store (and, having no signal to wait on, polled).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gateway_core::dedup::{DedupInput, dedup_key, hex_sha256};
use gateway_core::{JobStatus, RunOutcome};
use gateway_store::{
    DedupPolicy, JobFilter, JobFinish, JobRecord, NewJob, RequestRecord, Store, StoreError,
    StoreOptions, Stream, SubmitOutcome, now_ms,
};
use tokio::sync::{Notify, broadcast, watch};

use crate::reconcile::{Background, InstanceLock};
use crate::scheduler::{Limits, Scheduler};
use crate::{
    CancelOutcome, DedupedFrom, JobResult, JobSnapshot, JobsConfig, JobsError, OutputPaging,
    ProgressEvent, Records, StreamPage, SubmitError, SubmitRequest, Submitted, sys,
};

/// Progress events kept in memory per job (the store keeps them all, up to its own cap).
const EVENT_RING: usize = 256;
/// How often a wait on another process's job re-reads the store.
const FOREIGN_POLL: Duration = Duration::from_millis(250);
/// How long `cancel` waits for the process group to die (SIGKILL comes after 5 s).
const CANCEL_WAIT: Duration = Duration::from_secs(8);

/// The job service. Cheap to clone; all clones share one state.
#[derive(Clone, Debug)]
pub struct JobService {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: JobsConfig,
    pub(crate) store: Arc<Store>,
    pub(crate) instance_id: String,
    pub(crate) scheduler: Arc<Scheduler>,
    live: Mutex<HashMap<String, Arc<LiveJob>>>,
    closing: AtomicBool,
    /// Job tasks still running; `shutdown` waits for zero.
    tasks: AtomicUsize,
    tasks_done: Notify,
    background: Mutex<Option<Background>>,
    lock: Mutex<Option<InstanceLock>>,
    /// Whether the configured supervisor runs, found out at the first job.
    supervisor_works: tokio::sync::OnceCell<bool>,
}

/// Why a running job is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Cancel,
    Shutdown,
}

/// The in-memory view of a job this process runs. Only the job's task writes `state`.
#[derive(Debug)]
pub(crate) struct LiveJob {
    pub(crate) id: String,
    pub(crate) correlation_id: String,
    pub(crate) provider: String,
    pub(crate) model: Option<String>,
    pub(crate) created_at_ms: i64,
    pub(crate) state: watch::Sender<LiveState>,
    pub(crate) progress: broadcast::Sender<ProgressEvent>,
    pub(crate) stop: watch::Sender<Option<Stop>>,
    pub(crate) recent: Mutex<VecDeque<ProgressEvent>>,
    /// Last part of stdout and stderr, answered when the store cannot be read.
    pub(crate) tails: Mutex<[String; 2]>,
}

#[derive(Debug, Clone)]
pub(crate) struct LiveState {
    pub(crate) status: JobStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) started_at_ms: Option<i64>,
    pub(crate) finished_at_ms: Option<i64>,
    pub(crate) outcome: Option<RunOutcome>,
    pub(crate) last_seq: i64,
    /// A store write failed; keep this view longer.
    pub(crate) store_failed: bool,
}

impl LiveJob {
    pub(crate) fn snapshot(&self) -> JobSnapshot {
        let state = self.state.borrow();
        JobSnapshot {
            job_id: self.id.clone(),
            correlation_id: self.correlation_id.clone(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            status: state.status,
            exit_code: state.exit_code,
            error: state.error.clone(),
            created_at_ms: self.created_at_ms,
            started_at_ms: state.started_at_ms,
            finished_at_ms: state.finished_at_ms,
            outcome: state.outcome.clone(),
        }
    }

    pub(crate) fn recent(&self) -> MutexGuard<'_, VecDeque<ProgressEvent>> {
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn remember(&self, event: &ProgressEvent) {
        let mut recent = self.recent();
        if recent.len() == EVENT_RING {
            recent.pop_front();
        }
        recent.push_back(event.clone());
    }
}

pub(crate) fn snapshot_of(record: JobRecord) -> JobSnapshot {
    let outcome = if record.status.is_terminal() {
        record.outcome
    } else {
        None
    };
    JobSnapshot {
        job_id: record.id,
        correlation_id: record.correlation_id,
        provider: record.provider,
        model: record.model,
        status: record.status,
        exit_code: record.exit_code,
        error: record.error,
        created_at_ms: record.created_at_ms,
        started_at_ms: record.started_at_ms,
        finished_at_ms: record.finished_at_ms,
        outcome,
    }
}

/// Runs `work` on the blocking pool (SQLite may wait on another process's lock).
pub(crate) async fn blocking<T, F>(store: &Arc<Store>, work: F) -> Result<T, JobsError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|error| JobsError::Internal(format!("store task failed: {error}")))?
        .map_err(JobsError::from)
}

impl Inner {
    fn live_map(&self) -> MutexGuard<'_, HashMap<String, Arc<LiveJob>>> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The supervisor to run jobs under, if configured and working. It is tried once, at the
    /// first job rather than at start: its two process spawns would cost cold start (time to
    /// `initialize` answered) several milliseconds.
    pub(crate) async fn supervisor(&self) -> Option<&crate::SupervisorCommand> {
        let supervisor = self.config.supervisor.as_ref()?;
        let works = self
            .supervisor_works
            .get_or_init(|| async {
                let works = crate::config::supervisor_works(supervisor).await;
                if !works {
                    tracing::error!(
                        program = %supervisor.program.display(),
                        "the job supervisor does not run; jobs run without it, so a gateway killed \
                         by SIGKILL leaves its jobs running until the next start reconciles them"
                    );
                }
                works
            })
            .await;
        works.then_some(supervisor)
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    pub(crate) fn live(&self, job_id: &str) -> Option<Arc<LiveJob>> {
        self.live_map().get(job_id).cloned()
    }

    pub(crate) fn forget_later(self: &Arc<Self>, job_id: String, after: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(inner) = weak.upgrade() {
                inner.live_map().remove(&job_id);
            }
        });
    }

    pub(crate) fn task_started(&self) {
        self.tasks.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn task_finished(&self) {
        if self.tasks.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.tasks_done.notify_waiters();
        }
    }
}

impl JobService {
    /// Opens the store, takes this process's lock, reconciles jobs of dead processes and starts
    /// the background tasks (heartbeat, reconcile, retention).
    pub async fn start(config: JobsConfig) -> Result<JobService, JobsError> {
        let options = StoreOptions {
            path: config.db_path.clone(),
            redact: config.redact,
        };
        let store = tokio::task::spawn_blocking(move || Store::open(&options))
            .await
            .map_err(|error| JobsError::Internal(error.to_string()))??;
        let store = Arc::new(store);
        let instance_id = uuid::Uuid::now_v7().to_string();
        let lock = match &config.db_path {
            Some(path) => Some(InstanceLock::acquire(
                &crate::reconcile::instances_dir(path),
                &instance_id,
            )?),
            None => None,
        };
        let scheduler = Scheduler::new(Limits {
            max_running: config.max_running.max(1),
            max_per_provider: config.max_running_per_provider.max(1),
            max_queued: config.max_queued,
        });
        let inner = Arc::new(Inner {
            config,
            store,
            instance_id,
            scheduler,
            live: Mutex::new(HashMap::new()),
            closing: AtomicBool::new(false),
            tasks: AtomicUsize::new(0),
            tasks_done: Notify::new(),
            background: Mutex::new(None),
            lock: Mutex::new(lock),
            supervisor_works: tokio::sync::OnceCell::new(),
        });
        crate::reconcile::startup(&inner).await?;
        let background = Background::start(&inner);
        *inner
            .background
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(background);
        Ok(JobService { inner })
    }

    /// Settings from the environment and defaults (see [`JobsConfig::from_env`]).
    pub fn config_from_env() -> JobsConfig {
        JobsConfig::from_env()
    }

    /// This process's instance id (the `owner_instance` of the jobs it runs).
    pub fn instance_id(&self) -> &str {
        &self.inner.instance_id
    }

    /// Starts a job, or answers with an identical recent one (spec §2.5). Returns at once; the
    /// job waits for a slot and runs in the background.
    pub async fn submit(&self, request: SubmitRequest) -> Result<Submitted, SubmitError> {
        let inner = &self.inner;
        if inner.closing.load(Ordering::SeqCst) {
            return Err(SubmitError::ShuttingDown);
        }
        check_working_dir(request.spec.cwd.as_deref())?;
        let spec = &request.spec;
        let job = NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            correlation_id: request
                .correlation_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            dedup_key: request_key(spec),
            idempotency_key: request.idempotency_key.clone(),
            provider: spec.provider.as_str().to_owned(),
            model: request.model.clone(),
            program: spec.program.clone(),
            argv: spec.display_args(&request.prompt),
            cwd: spec.cwd.clone(),
            origin_tool: request.origin_tool.clone(),
            owner_instance: inner.instance_id.clone(),
            created_at_ms: now_ms(),
            prompt: request.prompt.clone(),
        };
        let window_ms = i64::try_from(inner.config.dedup_window.as_millis()).unwrap_or(i64::MAX);
        let policy = DedupPolicy {
            window_ms,
            force_refresh: request.force_refresh,
        };
        let for_store = job.clone();
        let outcome = blocking(&inner.store, move |store| {
            store.submit_job(&for_store, policy)
        })
        .await
        .map_err(|error| SubmitError::Store(error.to_string()))?;
        match outcome {
            SubmitOutcome::Deduplicated { job: found, age_ms } => {
                let status = inner
                    .live(&found.id)
                    .map_or(found.status, |live| live.state.borrow().status);
                Ok(Submitted {
                    job_id: found.id.clone(),
                    correlation_id: found.correlation_id.clone(),
                    status,
                    deduped_from: Some(DedupedFrom {
                        job_id: found.id,
                        age_ms: u64::try_from(age_ms).unwrap_or(0),
                    }),
                })
            }
            SubmitOutcome::IdempotencyConflict { job_id } => {
                Err(SubmitError::IdempotencyConflict {
                    key: request.idempotency_key.clone().unwrap_or_default(),
                    job_id,
                })
            }
            SubmitOutcome::Created => self.admit(job, request).await,
        }
    }

    async fn admit(&self, job: NewJob, request: SubmitRequest) -> Result<Submitted, SubmitError> {
        let inner = &self.inner;
        let admission = match inner.scheduler.admit(&job.provider) {
            Ok(admission) => admission,
            Err(load) => {
                let message = format!(
                    "the gateway is at capacity for {} ({} running, {} of them {}, {} queued); retry later",
                    job.provider, load.running, load.provider_running, job.provider, load.queued
                );
                let finish = JobFinish {
                    status: JobStatus::Failed,
                    exit_code: None,
                    error: Some(message.clone()),
                    error_category: Some("at_capacity".to_owned()),
                    finished_at_ms: now_ms(),
                    output_truncated: false,
                    outcome: None,
                    retention_days: inner.config.retention_days,
                };
                let id = job.id.clone();
                let _ = blocking(&inner.store, move |store| {
                    store.finish_job(&id, JobStatus::Queued, &finish)
                })
                .await;
                return Err(SubmitError::AtCapacity(message));
            }
        };
        let (state, _) = watch::channel(LiveState {
            status: JobStatus::Queued,
            exit_code: None,
            error: None,
            started_at_ms: None,
            finished_at_ms: None,
            outcome: None,
            last_seq: 0,
            store_failed: false,
        });
        let live = Arc::new(LiveJob {
            id: job.id.clone(),
            correlation_id: job.correlation_id.clone(),
            provider: job.provider.clone(),
            model: job.model.clone(),
            created_at_ms: job.created_at_ms,
            state,
            progress: broadcast::channel(256).0,
            stop: watch::channel(None).0,
            recent: Mutex::new(VecDeque::new()),
            tails: Mutex::new([String::new(), String::new()]),
        });
        inner.live_map().insert(job.id.clone(), Arc::clone(&live));
        inner.task_started();
        tokio::spawn(crate::run::run_job(
            Arc::clone(inner),
            live,
            request,
            admission,
        ));
        Ok(Submitted {
            job_id: job.id,
            correlation_id: job.correlation_id,
            status: JobStatus::Queued,
            deduped_from: None,
        })
    }

    /// Waits up to `timeout` for the job to finish: `Some` once terminal, `None` if still
    /// active at the deadline (or unknown).
    pub async fn wait(
        &self,
        job_id: &str,
        timeout: Duration,
    ) -> Result<Option<JobSnapshot>, JobsError> {
        if let Some(live) = self.inner.live(job_id) {
            let mut state = live.state.subscribe();
            let _ =
                tokio::time::timeout(timeout, state.wait_for(|state| state.status.is_terminal()))
                    .await;
            let snapshot = live.snapshot();
            return Ok(snapshot.status.is_terminal().then_some(snapshot));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let snapshot = self.status(job_id).await?;
            match snapshot {
                Some(snapshot) if snapshot.status.is_terminal() => return Ok(Some(snapshot)),
                Some(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep_until(
                        deadline.min(tokio::time::Instant::now() + FOREIGN_POLL),
                    )
                    .await;
                }
                _ => return Ok(None),
            }
        }
    }

    /// Long-poll: returns when the job's status changes, a progress event with `seq > after_seq`
    /// exists, or `timeout` passes.
    pub async fn wait_for_change(
        &self,
        job_id: &str,
        after_seq: i64,
        timeout: Duration,
    ) -> Result<(), JobsError> {
        if let Some(live) = self.inner.live(job_id) {
            let mut state = live.state.subscribe();
            let initial = state.borrow().status;
            let _ = tokio::time::timeout(
                timeout,
                state.wait_for(|state| {
                    state.status != initial
                        || state.last_seq > after_seq
                        || state.status.is_terminal()
                }),
            )
            .await;
            return Ok(());
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let initial = self.status(job_id).await?.map(|snapshot| snapshot.status);
        while tokio::time::Instant::now() < deadline {
            let status = self.status(job_id).await?.map(|snapshot| snapshot.status);
            if status != initial || status.is_none_or(JobStatus::is_terminal) {
                return Ok(());
            }
            let job = job_id.to_owned();
            let last = blocking(&self.inner.store, move |store| store.last_event_seq(&job)).await?;
            if last > after_seq {
                return Ok(());
            }
            tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + FOREIGN_POLL))
                .await;
        }
        Ok(())
    }

    /// Live progress of a job this process runs (`None` for unknown or other processes' jobs).
    pub fn subscribe(&self, job_id: &str) -> Option<broadcast::Receiver<ProgressEvent>> {
        self.inner
            .live(job_id)
            .map(|live| live.progress.subscribe())
    }

    /// The job's current state, or `None` if no such job exists.
    pub async fn status(&self, job_id: &str) -> Result<Option<JobSnapshot>, JobsError> {
        if let Some(live) = self.inner.live(job_id) {
            return Ok(Some(live.snapshot()));
        }
        let job = job_id.to_owned();
        let record = blocking(&self.inner.store, move |store| store.job(&job)).await?;
        Ok(record.map(snapshot_of))
    }

    /// Progress events with `seq > after_seq`, oldest first.
    pub async fn progress(
        &self,
        job_id: &str,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<ProgressEvent>, JobsError> {
        let job = job_id.to_owned();
        let stored = blocking(&self.inner.store, move |store| {
            store.events(&job, after_seq, limit)
        })
        .await;
        match stored {
            Ok(events) => Ok(events
                .into_iter()
                .map(|event| ProgressEvent {
                    seq: event.seq,
                    ts_ms: event.at_ms,
                    kind: event.kind,
                    message: event.message,
                })
                .collect()),
            Err(error) => match self.inner.live(job_id) {
                Some(live) => Ok(live
                    .recent()
                    .iter()
                    .filter(|event| event.seq > after_seq)
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                    .cloned()
                    .collect()),
                None => Err(error),
            },
        }
    }

    /// The job's state and a page of each output stream.
    pub async fn result(
        &self,
        job_id: &str,
        paging: OutputPaging,
    ) -> Result<Option<JobResult>, JobsError> {
        let Some(snapshot) = self.status(job_id).await? else {
            return Ok(None);
        };
        let job = job_id.to_owned();
        let pages = blocking(&self.inner.store, move |store| {
            let stdout = store.output_page(
                &job,
                Stream::Stdout,
                paging.stdout_offset_chars,
                paging.max_chars,
            )?;
            let stderr = store.output_page(
                &job,
                Stream::Stderr,
                paging.stderr_offset_chars,
                paging.max_chars,
            )?;
            Ok((stdout, stderr))
        })
        .await;
        let (stdout, stderr) = match pages {
            Ok((stdout, stderr)) => (
                page(stdout.text, stdout.total_chars, paging.stdout_offset_chars),
                page(stderr.text, stderr.total_chars, paging.stderr_offset_chars),
            ),
            Err(error) => {
                let Some(live) = self.inner.live(job_id) else {
                    return Err(error);
                };
                let tails = live
                    .tails
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                let [out, err] = tails;
                (
                    tail_page(out, paging.max_chars),
                    tail_page(err, paging.max_chars),
                )
            }
        };
        Ok(Some(JobResult {
            snapshot,
            stdout,
            stderr,
        }))
    }

    /// Cancels a queued or running job: SIGTERM to its process group, SIGKILL after 5 s; the
    /// partial output is kept. Waits (up to a few seconds) until the job has ended.
    pub async fn cancel(&self, job_id: &str) -> Result<CancelOutcome, JobsError> {
        if let Some(live) = self.inner.live(job_id) {
            let status = live.state.borrow().status;
            if status.is_terminal() {
                return Ok(CancelOutcome::AlreadyFinished(status));
            }
            live.stop.send_replace(Some(Stop::Cancel));
            let mut state = live.state.subscribe();
            let _ = tokio::time::timeout(
                CANCEL_WAIT,
                state.wait_for(|state| state.status.is_terminal()),
            )
            .await;
            let status = live.state.borrow().status;
            return Ok(match status {
                JobStatus::Canceled | JobStatus::Queued | JobStatus::Running => {
                    CancelOutcome::Canceled
                }
                other @ (JobStatus::Completed | JobStatus::Failed | JobStatus::Orphaned) => {
                    CancelOutcome::AlreadyFinished(other)
                }
            });
        }
        let job = job_id.to_owned();
        let Some(record) = blocking(&self.inner.store, move |store| store.job(&job)).await? else {
            return Ok(CancelOutcome::NotFound);
        };
        if record.status.is_terminal() {
            return Ok(CancelOutcome::AlreadyFinished(record.status));
        }
        self.cancel_foreign(record).await
    }

    /// A job another gateway process runs: signal its group (if it is still ours to signal)
    /// and win the CAS; the owner's own final write then loses and keeps quiet.
    async fn cancel_foreign(&self, record: JobRecord) -> Result<CancelOutcome, JobsError> {
        if let Some(pgid) = crate::reconcile::live_group(&record) {
            sys::kill_group(pgid, sys::SIGTERM);
            tokio::spawn(async move {
                tokio::time::sleep(crate::run::KILL_GRACE).await;
                sys::kill_group(pgid, sys::SIGKILL);
            });
        }
        let finish = JobFinish {
            status: JobStatus::Canceled,
            exit_code: None,
            error: Some("canceled by request".to_owned()),
            error_category: Some("canceled".to_owned()),
            finished_at_ms: now_ms(),
            output_truncated: false,
            outcome: None,
            retention_days: self.inner.config.retention_days,
        };
        let id = record.id.clone();
        let from = record.status;
        let won = blocking(&self.inner.store, move |store| {
            store.finish_job(&id, from, &finish)
        })
        .await?;
        if won {
            return Ok(CancelOutcome::Canceled);
        }
        let id = record.id;
        let now = blocking(&self.inner.store, move |store| store.job(&id)).await?;
        Ok(now.map_or(CancelOutcome::NotFound, |record| {
            CancelOutcome::AlreadyFinished(record.status)
        }))
    }

    /// Jobs matching `filter`, newest first (this process's jobs in their freshest state).
    pub async fn list(&self, filter: JobFilter) -> Result<Vec<JobSnapshot>, JobsError> {
        let records = blocking(&self.inner.store, move |store| store.list_jobs(&filter)).await?;
        Ok(records
            .into_iter()
            .map(|record| match self.inner.live(&record.id) {
                Some(live) => live.snapshot(),
                None => snapshot_of(record),
            })
            .collect())
    }

    /// The flight-recorder row of the newest request with this correlation id.
    pub async fn request_by_correlation(
        &self,
        correlation_id: &str,
    ) -> Result<Option<RequestRecord>, JobsError> {
        let id = correlation_id.to_owned();
        blocking(&self.inner.store, move |store| {
            store.request_by_correlation(&id)
        })
        .await
    }

    /// Sessions, approvals and tool-call records.
    pub fn records(&self) -> Records {
        Records::new(Arc::clone(&self.inner.store))
    }

    /// Stops admitting, SIGTERMs running groups (SIGKILL after 3 s), waits for every job to be
    /// recorded, stops background work and releases this process's lock.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        if inner.closing.swap(true, Ordering::SeqCst) {
            return;
        }
        inner.scheduler.close();
        let live: Vec<Arc<LiveJob>> = inner.live_map().values().cloned().collect();
        for job in &live {
            job.stop.send_replace(Some(Stop::Shutdown));
        }
        let wait_all = async {
            loop {
                let notified = inner.tasks_done.notified();
                if inner.tasks.load(Ordering::SeqCst) == 0 {
                    break;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(10), wait_all)
            .await
            .is_err()
        {
            tracing::warn!("some jobs did not finish recording within 10 s of shutdown");
        }
        let background = inner
            .background
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(background) = background {
            background.stop().await;
        }
        let id = inner.instance_id.clone();
        let _ = blocking(&inner.store, move |store| store.remove_instance(&id)).await;
        let lock = inner
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        drop(lock);
    }

    /// Whether jobs run under the crash-safe supervisor (for `doctor`).
    pub async fn supervised(&self) -> bool {
        self.inner.supervisor().await.is_some()
    }

    /// Whether `shutdown` was called.
    pub fn is_closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }
}

/// `workingDir` must exist and be a directory; checked before anything is recorded.
fn check_working_dir(cwd: Option<&str>) -> Result<(), SubmitError> {
    let Some(cwd) = cwd else { return Ok(()) };
    match std::fs::metadata(cwd) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(SubmitError::WorkingDir(format!(
            "`{cwd}` is not a directory"
        ))),
        Err(error) => Err(SubmitError::WorkingDir(format!(
            "`{cwd}` cannot be used: {error}"
        ))),
    }
}

/// The dedup key of a spec (spec §2.5), including the prompt file's content.
fn request_key(spec: &gateway_provider::CommandSpec) -> String {
    let key = dedup_key(&DedupInput {
        provider: spec.provider.as_str(),
        program: &spec.program,
        argv: &spec.args,
        added_env: &spec.env,
        stdin: spec.stdin.as_deref(),
        cwd: spec.cwd.as_deref(),
        output_format: &spec.output_format,
    });
    match &spec.prompt_file {
        Some(content) => hex_sha256(format!("{key}|prompt_file:{content}").as_bytes()),
        None => key,
    }
}

fn page(text: String, total: u64, offset: u64) -> StreamPage {
    let end = offset + text.chars().count() as u64;
    let truncated = end < total;
    StreamPage {
        text,
        total_chars: total,
        truncated,
        next_offset_chars: truncated.then_some(end),
    }
}

/// From memory only the tail exists: say it is truncated when it is.
fn tail_page(tail: String, max_chars: u64) -> StreamPage {
    let total = tail.chars().count() as u64;
    let skip = total.saturating_sub(max_chars);
    let text: String = tail
        .chars()
        .skip(usize::try_from(skip).unwrap_or(0))
        .collect();
    StreamPage {
        text,
        total_chars: total,
        truncated: skip > 0,
        next_offset_chars: None,
    }
}
