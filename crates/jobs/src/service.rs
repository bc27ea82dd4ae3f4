//! [`JobService`]: submit, observe, cancel and list jobs; one instance shared by every MCP
//! session (`Clone` is an `Arc`).
//!
//! State protocol: the store is the durable truth, written by each job's supervisor. For jobs
//! this process started, a [`LiveJob`] fed by the supervisor's reports is the fresher view and
//! the completion signal; readers prefer it, so a job still answers when the database cannot
//! be written. Other processes' jobs are read from the store (and, with no signal to wait on,
//! polled).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gateway_core::JobStatus;
use gateway_core::dedup::{DedupInput, dedup_key, hex_sha256};
use gateway_store::{
    DedupPolicy, JobFilter, JobFinish, JobRecord, NewJob, RequestRecord, Store, StoreError,
    StoreOptions, Stream, SubmitOutcome, now_ms,
};
use tokio::sync::broadcast;

use crate::cancel::{self, Canceled};
use crate::host::{self, Hosting, LiveJob};
use crate::liveness::{Liveness, Presence};
use crate::reconcile::Background;
use crate::runner::wire::RunSpec;
use crate::{
    CancelOutcome, DedupedFrom, JobResult, JobSnapshot, JobsConfig, JobsError, OnExit,
    OutputPaging, ProgressEvent, Records, StreamPage, SubmitError, SubmitRequest, Submitted,
    default_idle_timeout,
};

/// How often a wait on a job without a live view re-reads the store.
const FOREIGN_POLL: Duration = Duration::from_millis(250);
/// How long `cancel` waits for the supervisor to report the end (SIGKILL comes after 5 s).
const CANCEL_WAIT: Duration = Duration::from_secs(8);
/// How long shutdown waits for jobs to be taken over (finish) or ended (cancel).
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

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
    live: Mutex<HashMap<String, Arc<LiveJob>>>,
    closing: AtomicBool,
    background: Mutex<Option<Background>>,
    /// How owners of this store prove they are alive (`None`: in memory).
    pub(crate) liveness: Option<Liveness>,
    presence: Mutex<Option<Presence>>,
    /// Where supervisors run, decided at the first job (see [`Inner::hosting`]).
    hosting: tokio::sync::OnceCell<Hosting>,
    /// Supervisor processes waiting for their next job.
    pub(crate) workers: crate::workers::Workers,
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

    /// Supervisor processes when the configured binary works and the store is a file; else
    /// threads of this process (jobs then end with it). Tried once, at the first job rather
    /// than at start: the probe's process spawns would cost cold start several milliseconds.
    async fn hosting(&self) -> &Hosting {
        self.hosting
            .get_or_init(|| async {
                let supervisor = match &self.config.supervisor {
                    Some(supervisor) if crate::config::supervisor_works(supervisor).await => {
                        Some(supervisor.clone())
                    }
                    Some(supervisor) => {
                        tracing::error!(
                            program = %supervisor.program.display(),
                            "the job supervisor does not run; jobs run on gateway threads and \
                             end when this gateway exits"
                        );
                        None
                    }
                    None => None,
                };
                match (supervisor, &self.liveness) {
                    (Some(supervisor), Some(_)) => Hosting::Process {
                        keeper: supervisor.keeper(),
                        supervisor,
                    },
                    (supervisor, _) => Hosting::Thread {
                        keeper: supervisor.as_ref().map(crate::SupervisorCommand::keeper),
                    },
                }
            })
            .await
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

    /// Whether jobs are canceled when this gateway goes away.
    async fn cancels_on_exit(&self) -> bool {
        self.config.on_exit == OnExit::Cancel
            || matches!(self.hosting().await, Hosting::Thread { .. })
    }

    fn run_spec(
        &self,
        job: &NewJob,
        request: &SubmitRequest,
        cancel_on_exit: bool,
        keeper: Option<crate::SupervisorCommand>,
    ) -> RunSpec {
        let millis = |duration: Duration| u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let config = &self.config;
        RunSpec {
            job_id: job.id.clone(),
            store: self.liveness.as_ref().map(|_| config.store.clone()),
            liveness: self.liveness.clone(),
            redact: config.redact,
            gateway_instance: self.instance_id.clone(),
            max_running: config.max_running,
            max_running_per_provider: config.max_running_per_provider,
            queue_timeout_ms: millis(config.queue_timeout),
            output_cap_bytes: config.output_cap_bytes,
            retention_days: config.retention_days,
            idle_timeout_ms: millis(
                request
                    .idle_timeout
                    .unwrap_or_else(|| default_idle_timeout(request.spec.provider)),
            ),
            wall_timeout_ms: millis(request.timeout.unwrap_or(config.job_timeout)),
            isolate_spawn_env: config.isolate_spawn_env,
            cancel_on_exit,
            keeper,
            spec: request.spec.clone(),
        }
    }
}

impl JobService {
    /// Opens the store, takes this process's lock, reconciles jobs of dead owners and starts
    /// the background tasks (heartbeat, reconcile, retention).
    pub async fn start(config: JobsConfig) -> Result<JobService, JobsError> {
        let options = StoreOptions {
            location: config.store.clone(),
            redact: config.redact,
        };
        let store = tokio::task::spawn_blocking(move || Store::open(&options))
            .await
            .map_err(|error| JobsError::Internal(error.to_string()))??;
        let store = Arc::new(store);
        let instance_id = uuid::Uuid::now_v7().to_string();
        let liveness = Liveness::of(&config.store, config.lease, &config.data_dir);
        let presence = match &liveness {
            Some(liveness) => {
                let (liveness, store, id) =
                    (liveness.clone(), Arc::clone(&store), instance_id.clone());
                let taken =
                    tokio::task::spawn_blocking(move || Presence::take(&liveness, &store, &id))
                        .await
                        .map_err(|error| JobsError::Internal(error.to_string()))??;
                Some(taken)
            }
            None => None,
        };
        let inner = Arc::new(Inner {
            config,
            store,
            instance_id,
            live: Mutex::new(HashMap::new()),
            closing: AtomicBool::new(false),
            background: Mutex::new(None),
            liveness,
            presence: Mutex::new(presence),
            hosting: tokio::sync::OnceCell::new(),
            workers: crate::workers::Workers::default(),
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

    /// How long finished jobs are kept (days).
    pub fn retention_days(&self) -> u32 {
        self.inner.config.retention_days
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
        let limits = gateway_store::SlotLimits {
            max_running: inner.config.max_running.max(1),
            max_per_provider: inner.config.max_running_per_provider.max(1),
        };
        let for_store = job.clone();
        // One trip to the store thread: the insert, and for a new job the load it sees.
        let (outcome, outlook) = blocking(&inner.store, move |store| {
            let outcome = store.submit_job(&for_store, policy)?;
            let outlook = match outcome {
                SubmitOutcome::Created => Some(store.outlook(&for_store.id, limits)?),
                SubmitOutcome::Deduplicated { .. }
                | SubmitOutcome::IdempotencyConflict { .. }
                | SubmitOutcome::OverBudget(_) => None,
            };
            Ok((outcome, outlook))
        })
        .await
        .map_err(|error| SubmitError::Store(error.to_string()))?;
        match outcome {
            SubmitOutcome::Deduplicated { job: found, age_ms } => {
                let status = inner
                    .live(&found.id)
                    .map_or(found.status, |live| live.snapshot().status);
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
            SubmitOutcome::OverBudget(status) => Err(SubmitError::OverBudget(status)),
            SubmitOutcome::Created => {
                let (runs_now, load) = outlook.ok_or_else(|| {
                    SubmitError::Store("the new job's load was not read".to_owned())
                })?;
                self.admit(job, request, runs_now, load).await
            }
        }
    }

    /// Hands a new job to a supervisor, unless the queue is full (`load` as the job saw it).
    async fn admit(
        &self,
        job: NewJob,
        request: SubmitRequest,
        runs_now: bool,
        load: gateway_store::Load,
    ) -> Result<Submitted, SubmitError> {
        let inner = &self.inner;
        if !runs_now && load.queued > inner.config.max_queued {
            let message = format!(
                "the gateway is at capacity for {} ({} running, {} of them {}, {} queued); retry later",
                job.provider,
                load.running,
                load.provider_running,
                job.provider,
                load.queued - 1
            );
            self.fail_unstarted(&job.id, &message, "at_capacity").await;
            return Err(SubmitError::AtCapacity(message));
        }
        let hosting = inner.hosting().await.clone();
        let keeper = match &hosting {
            Hosting::Process { keeper, .. } => Some(keeper.clone()),
            Hosting::Thread { keeper } => keeper.clone(),
        };
        let cancel_on_exit = inner.cancels_on_exit().await;
        let spec = inner.run_spec(&job, &request, cancel_on_exit, keeper);
        let live = Arc::new(LiveJob::new(
            job.id.clone(),
            job.correlation_id.clone(),
            job.provider.clone(),
            job.model.clone(),
            job.created_at_ms,
        ));
        inner.live_map().insert(job.id.clone(), Arc::clone(&live));
        // Off the caller's path: an async start answers as soon as the job is stored.
        let inner = Arc::clone(inner);
        tokio::spawn(async move {
            if let Err(problem) = host::start(&inner, &live, &hosting, spec).await {
                host::settle_lost(&inner, &live, Some(problem)).await;
                inner.forget_later(live.id.clone(), Duration::from_secs(120));
            }
        });
        Ok(Submitted {
            job_id: job.id,
            correlation_id: job.correlation_id,
            status: JobStatus::Queued,
            deduped_from: None,
        })
    }

    /// Ends a job that never reached a supervisor (CAS from `queued`).
    async fn fail_unstarted(&self, id: &str, message: &str, category: &str) {
        let finish = unstarted(
            message.to_owned(),
            category,
            self.inner.config.retention_days,
        );
        let id = id.to_owned();
        let _ = blocking(&self.inner.store, move |store| {
            store.finish_job(&id, JobStatus::Queued, &finish)
        })
        .await;
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
            let _ = tokio::time::timeout(timeout, state.wait_for(|state| state.ended)).await;
            if !live.state.borrow().ended {
                return Ok(None);
            }
            let found = self.status(job_id).await?;
            return Ok(found.filter(|snapshot| snapshot.status.is_terminal()));
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
                    state.status != initial || state.last_seq > after_seq || state.ended
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
            let ended = live.state.borrow().ended;
            let snapshot = live.snapshot();
            // An ended view is final; one whose supervisor died unsettled defers to the store.
            if ended == snapshot.status.is_terminal() {
                return Ok(Some(snapshot));
            }
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
                Some(live) => {
                    Ok(live.recent(after_seq, usize::try_from(limit).unwrap_or(usize::MAX)))
                }
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
                let tails = self.inner.live(job_id).and_then(|live| {
                    live.tails
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone()
                });
                let Some([out, err]) = tails else {
                    return Err(error);
                };
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

    /// Cancels a queued or running job, wherever its supervisor runs. A job this process
    /// started is told through its control pipe: the supervisor stops the CLI (SIGTERM, SIGKILL
    /// after 5 s) and records `canceled` with the partial output and outcome; the call waits for
    /// that. Any other job is marked `canceled` in the store (compare-and-swap, so a job that
    /// already ended stays as it ended) and its recorded process group gets SIGTERM; its
    /// supervisor sees the store within a second and escalates to SIGKILL after 5 s.
    pub async fn cancel(&self, job_id: &str) -> Result<CancelOutcome, JobsError> {
        if let Some(live) = self.inner.live(job_id) {
            if live.state.borrow().ended {
                let status = live.snapshot().status;
                if status.is_terminal() {
                    return Ok(CancelOutcome::AlreadyFinished(status));
                }
            } else if live.send_cancel() {
                let mut state = live.state.subscribe();
                let ended =
                    tokio::time::timeout(CANCEL_WAIT, state.wait_for(|state| state.ended)).await;
                if ended.is_ok() {
                    return Ok(match live.snapshot().status {
                        JobStatus::Canceled | JobStatus::Queued | JobStatus::Running => {
                            CancelOutcome::Canceled
                        }
                        other
                        @ (JobStatus::Completed | JobStatus::Failed | JobStatus::Orphaned) => {
                            CancelOutcome::AlreadyFinished(other)
                        }
                    });
                }
            }
        }
        let id = job_id.to_owned();
        let days = self.inner.config.retention_days;
        let outcome = blocking(&self.inner.store, move |store| {
            cancel::cancel_job(store, &id, days)
        })
        .await?;
        match outcome {
            Canceled::Canceled { .. } => {}
            Canceled::NotFound => return Ok(CancelOutcome::NotFound),
            Canceled::AlreadyFinished(status) => return Ok(CancelOutcome::AlreadyFinished(status)),
        }
        // A job of ours whose supervisor was not listening yet: it finds the row canceled when
        // it starts; wait for that, so this process's view agrees.
        if let Some(live) = self.inner.live(job_id) {
            let mut state = live.state.subscribe();
            let _ = tokio::time::timeout(CANCEL_WAIT, state.wait_for(|state| state.ended)).await;
        }
        Ok(CancelOutcome::Canceled)
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

    /// Stops admitting and lets go of the jobs: with `on_exit = finish` (the default) they run on
    /// under their supervisors once each has taken its job over; with `on_exit = cancel` (or
    /// jobs on gateway threads) they are canceled and recorded first. Then stops background
    /// work and releases this process's lock.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        if inner.closing.swap(true, Ordering::SeqCst) {
            return;
        }
        let live: Vec<Arc<LiveJob>> = inner.live_map().values().cloned().collect();
        let cancel = inner.cancels_on_exit().await;
        if cancel {
            for job in &live {
                job.send_exit(); // the supervisor cancels and records `canceled`
            }
        }
        let wait_all = async {
            for job in &live {
                let mut state = job.state.subscribe();
                let _ = state
                    .wait_for(|state| state.ended || (!cancel && state.adopted))
                    .await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_WAIT, wait_all).await.is_err() {
            tracing::warn!("some jobs were not taken over or recorded within 10 s of shutdown");
        }
        inner.workers.retire_all();
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
        let presence = inner
            .presence
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        // Dropping a lease writes to the store: off the async threads.
        let _ = tokio::task::spawn_blocking(move || drop(presence)).await;
    }

    /// Whether jobs run under detached supervisor processes (for `doctor`).
    pub async fn supervised(&self) -> bool {
        matches!(self.inner.hosting().await, Hosting::Process { .. })
    }

    /// Whether `shutdown` was called.
    pub fn is_closing(&self) -> bool {
        self.inner.closing.load(Ordering::SeqCst)
    }
}

/// The final row of a job that failed before any supervisor started it.
pub(crate) fn unstarted(error: String, category: &str, retention_days: u32) -> JobFinish {
    JobFinish {
        status: JobStatus::Failed,
        exit_code: None,
        error: Some(error),
        error_category: Some(category.to_owned()),
        finished_at_ms: now_ms(),
        output_truncated: false,
        outcome: None,
        retention_days,
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
