//! The gateway's side of a job: starting its supervisor and following the supervisor's reports
//! into a [`LiveJob`], the fresher in-memory view that sync calls and long-polls wait on.
//!
//! A supervisor runs as a detached process (a process group of its own, so it outlives the
//! gateway)
//! or, without a working supervisor binary or with an in-memory store, on a thread of the
//! gateway. Either way it gets the same pipes: the spec and then control bytes in, reports out.

use std::collections::VecDeque;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};

use gateway_core::{JobStatus, RunOutcome};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::sync::{broadcast, watch};

use crate::runner::wire::{Ending, Report, Reporter, RunSpec, encode_spec};
use crate::runner::{self, Control};
use crate::service::{Inner, blocking, unstarted};
use crate::workers::Worker;
use crate::{JobSnapshot, ProgressEvent, SupervisorCommand, reconcile};

/// Progress events kept in memory per job (the store keeps them all, up to its own cap).
const EVENT_RING: usize = 256;
/// How long a finished job stays in memory (the store has it after that).
const KEEP_FINISHED: std::time::Duration = std::time::Duration::from_secs(120);
/// … unless the store refused it, then memory is all this process has.
const KEEP_FINISHED_UNSTORED: std::time::Duration = std::time::Duration::from_secs(3_600);

/// Where supervisors run.
#[derive(Debug, Clone)]
pub(crate) enum Hosting {
    /// A detached supervisor process per job.
    Process {
        supervisor: SupervisorCommand,
        /// The keeper in front of each CLI, found once ([`SupervisorCommand::keeper`]).
        keeper: SupervisorCommand,
    },
    /// A gateway thread per job; the CLI runs under the keeper when one is given.
    Thread { keeper: Option<SupervisorCommand> },
}

/// The in-memory view of a job this process started. Only its follower task writes `state`.
#[derive(Debug)]
pub(crate) struct LiveJob {
    pub(crate) id: String,
    pub(crate) correlation_id: String,
    pub(crate) provider: String,
    pub(crate) model: Option<String>,
    pub(crate) created_at_ms: i64,
    pub(crate) state: watch::Sender<LiveState>,
    pub(crate) progress: broadcast::Sender<ProgressEvent>,
    recent: Mutex<VecDeque<ProgressEvent>>,
    /// Stdout and stderr tails, when the store refused the output.
    pub(crate) tails: Mutex<Option<[String; 2]>>,
    /// The control pipe to the supervisor: a byte cancels, closing it says "gateway gone".
    control: Mutex<Option<Arc<std::fs::File>>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct LiveState {
    pub(crate) status: Option<JobStatus>,
    pub(crate) exit_code: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) started_at_ms: Option<i64>,
    pub(crate) finished_at_ms: Option<i64>,
    pub(crate) outcome: Option<RunOutcome>,
    pub(crate) last_seq: i64,
    /// The supervisor owns the job (the gateway may exit without touching it).
    pub(crate) adopted: bool,
    /// The final state is known (reported, or read from the store after the supervisor died).
    pub(crate) ended: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LiveJob {
    pub(crate) fn new(
        id: String,
        correlation_id: String,
        provider: String,
        model: Option<String>,
        created_at_ms: i64,
    ) -> LiveJob {
        LiveJob {
            id,
            correlation_id,
            provider,
            model,
            created_at_ms,
            state: watch::channel(LiveState {
                status: Some(JobStatus::Queued),
                ..LiveState::default()
            })
            .0,
            progress: broadcast::channel(256).0,
            recent: Mutex::new(VecDeque::new()),
            tails: Mutex::new(None),
            control: Mutex::new(None),
        }
    }

    pub(crate) fn snapshot(&self) -> JobSnapshot {
        let state = self.state.borrow();
        let status = state.status.unwrap_or(JobStatus::Queued);
        JobSnapshot {
            job_id: self.id.clone(),
            correlation_id: self.correlation_id.clone(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            status,
            exit_code: state.exit_code,
            error: state.error.clone(),
            created_at_ms: self.created_at_ms,
            started_at_ms: state.started_at_ms,
            finished_at_ms: state.finished_at_ms,
            outcome: if status.is_terminal() {
                state.outcome.clone()
            } else {
                None
            },
        }
    }

    pub(crate) fn recent(&self, after_seq: i64, limit: usize) -> Vec<ProgressEvent> {
        lock(&self.recent)
            .iter()
            .filter(|event| event.seq > after_seq)
            .take(limit)
            .cloned()
            .collect()
    }

    fn remember(&self, event: &ProgressEvent) {
        let mut recent = lock(&self.recent);
        if recent.len() == EVENT_RING {
            recent.pop_front();
        }
        recent.push_back(event.clone());
    }

    /// Asks the supervisor to cancel; `false` when there is no pipe to it any more.
    pub(crate) fn send_cancel(&self) -> bool {
        self.send(runner::CANCEL_BYTE)
    }

    /// Tells the supervisor the gateway is exiting (it cancels when `on_exit = cancel`).
    pub(crate) fn send_exit(&self) -> bool {
        self.send(runner::EXIT_BYTE)
    }

    fn send(&self, byte: u8) -> bool {
        lock(&self.control)
            .as_ref()
            .is_some_and(|pipe| (&**pipe).write_all(&[byte]).is_ok())
    }

    /// Closes the control pipe: the supervisor reads "gateway gone".
    pub(crate) fn release(&self) {
        lock(&self.control).take();
    }

    fn apply(&self, report: Report) {
        match report {
            Report::Adopted => self.state.send_modify(|state| state.adopted = true),
            Report::Running { started_at_ms } => self.state.send_modify(|state| {
                state.adopted = true;
                state.status = Some(JobStatus::Running);
                state.started_at_ms = Some(started_at_ms);
            }),
            Report::Event(event) => {
                self.remember(&event);
                let seq = event.seq;
                let _ = self.progress.send(event);
                self.state
                    .send_modify(|state| state.last_seq = state.last_seq.max(seq));
            }
            Report::StoreFailed { error } => tracing::warn!(
                job = %self.id,
                %error,
                "cannot write the job to the database; keeping it in memory"
            ),
            Report::End(ending) => self.end(*ending),
            Report::Idle => {}
        }
    }

    fn end(&self, ending: Ending) {
        if let Some(tails) = ending.unstored_tails {
            *lock(&self.tails) = Some(tails);
        }
        self.state.send_modify(|state| {
            state.status = Some(ending.status);
            state.exit_code = ending.exit_code;
            state.error = ending.error;
            state.finished_at_ms = Some(ending.finished_at_ms);
            state.outcome = ending.outcome;
            state.ended = true;
        });
    }
}

/// Starts the job's supervisor and the task that follows its reports.
pub(crate) async fn start(
    inner: &Arc<Inner>,
    live: &Arc<LiveJob>,
    hosting: &Hosting,
    spec: RunSpec,
) -> Result<(), String> {
    match hosting {
        Hosting::Process { supervisor, .. } => start_process(inner, live, supervisor, &spec).await,
        Hosting::Thread { .. } => start_thread(inner, live, spec),
    }
}

async fn start_process(
    inner: &Arc<Inner>,
    live: &Arc<LiveJob>,
    supervisor: &SupervisorCommand,
    spec: &RunSpec,
) -> Result<(), String> {
    let framed = encode_spec(spec).map_err(|error| error.to_string())?;
    // An idle supervisor first; one that died meanwhile is retired and a fresh one started.
    let mut worker = match inner.workers.take() {
        Some(idle) => idle,
        None => spawn_worker(supervisor).await?,
    };
    if worker.send(framed.clone()).await.is_err() {
        worker.retire();
        worker = spawn_worker(supervisor).await?;
        worker
            .send(framed)
            .await
            .map_err(|error| format!("cannot hand the job to its supervisor: {error}"))?;
    }
    *lock(&live.control) = Some(Arc::clone(&worker.control));
    let (inner, live) = (Arc::clone(inner), Arc::clone(live));
    tokio::spawn(async move {
        let idle = apply_reports(&live, &mut worker.reports).await;
        settle(&inner, &live).await;
        if idle && !inner.is_closing() {
            let keep = inner.config.max_running.max(1);
            inner
                .workers
                .put(worker, keep, keep + inner.config.max_queued);
        } else {
            worker.retire();
        }
    });
    Ok(())
}

/// A new supervisor process, spawned off the async threads (a spawn blocks for a moment, and
/// an async start should not wait behind it).
async fn spawn_worker(supervisor: &SupervisorCommand) -> Result<Worker, String> {
    let supervisor = supervisor.clone();
    tokio::task::spawn_blocking(move || Worker::spawn(&supervisor))
        .await
        .map_err(|error| format!("cannot start the job's supervisor: {error}"))?
}

fn start_thread(inner: &Arc<Inner>, live: &Arc<LiveJob>, spec: RunSpec) -> Result<(), String> {
    let pipes = std::io::pipe().and_then(|control| Ok((control, std::io::pipe()?)));
    let ((control_read, control_write), (report_read, report_write)) =
        pipes.map_err(|error| format!("cannot make the job's pipes: {error}"))?;
    let reports = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(report_read))
        .map_err(|error| format!("cannot watch the job's pipe: {error}"))?;
    *lock(&live.control) = Some(Arc::new(std::fs::File::from(OwnedFd::from(control_write))));
    // A thread's jobs stay the gateway's own: nothing to take over.
    live.state.send_modify(|state| state.adopted = true);
    let store = Arc::clone(&inner.store);
    let owner = runner::Owner {
        id: inner.instance_id.clone(),
        adopt_from: None,
        forks_keeper: false,
        beat: None,
    };
    let liveness = inner.liveness.clone();
    std::thread::Builder::new()
        .name(format!("job-{}", spec.job_id))
        .spawn(move || {
            let mut control = Control {
                fd: Some(std::fs::File::from(OwnedFd::from(control_read))),
                cancel_on_exit: true,
            };
            let reporter = Reporter::new(std::fs::File::from(OwnedFd::from(report_write)));
            runner::run(
                &store,
                &spec,
                &mut control,
                reporter,
                &owner,
                liveness.as_ref(),
            );
        })
        .map_err(|error| format!("cannot start the job's thread: {error}"))?;
    let (inner, live) = (Arc::clone(inner), Arc::clone(live));
    tokio::spawn(async move {
        let mut reports = BufReader::new(reports).lines();
        apply_reports(&live, &mut reports).await;
        settle(&inner, &live).await;
    });
    Ok(())
}

/// Applies a job's reports to `live` until its supervisor says it is idle (`true`) or its pipe
/// closes (`false`: it exited, or was a thread that finished).
async fn apply_reports(
    live: &LiveJob,
    reports: &mut Lines<BufReader<tokio::net::unix::pipe::Receiver>>,
) -> bool {
    while let Ok(Some(line)) = reports.next_line().await {
        match serde_json::from_str::<Report>(&line) {
            Ok(Report::Idle) => return true,
            Ok(report) => live.apply(report),
            Err(error) => tracing::warn!(job = %live.id, %error, "unreadable supervisor report"),
        }
    }
    false
}

/// After the reports: a job its supervisor never took over, or left without a final report
/// (it died), is settled from the store; then the live view is kept a while and dropped.
async fn settle(inner: &Arc<Inner>, live: &Arc<LiveJob>) {
    let (ended, adopted) = {
        let state = live.state.borrow();
        (state.ended, state.adopted)
    };
    if !ended || !adopted {
        let reported = live.state.borrow().error.clone();
        settle_lost(inner, live, reported).await;
    }
    live.release();
    let keep = if lock(&live.tails).is_some() {
        KEEP_FINISHED_UNSTORED
    } else {
        KEEP_FINISHED
    };
    inner.forget_later(live.id.clone(), keep);
}

/// The supervisor went away without a final report, or without ever taking the job over (it
/// could not start: `reported` says why): fail a job it never took over, orphan one it owned
/// (its lock is free now), and mirror what the store then says.
pub(crate) async fn settle_lost(inner: &Arc<Inner>, live: &LiveJob, reported: Option<String>) {
    let id = live.id.clone();
    let gateway = inner.instance_id.clone();
    let days = inner.config.retention_days;
    let liveness = inner.liveness.clone();
    let record = blocking(&inner.store, move |store| {
        if let Some(job) = store.job(&id)? {
            if job.status == JobStatus::Queued && job.owner_instance == gateway {
                let error = reported.unwrap_or_else(|| {
                    "the job's supervisor exited before it started the job".to_owned()
                });
                store.finish_job(&id, JobStatus::Queued, &unstarted(error, "spawn", days))?;
            } else if let Some(liveness) = &liveness {
                reconcile::reconcile_store(store, liveness, &gateway, days)?;
            }
        }
        store.job(&id)
    })
    .await;
    if let Ok(Some(record)) = record
        && record.status.is_terminal()
    {
        live.end(Ending::from_record(record));
        return;
    }
    live.state.send_modify(|state| state.ended = true);
}
