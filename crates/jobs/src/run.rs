//! One job's task: wait for a slot, spawn, capture, stop on time-outs / cap / cancel, record.
//!
//! The task is the only writer of its job's live state and rows, so event sequence numbers
//! and output offsets need no locking. Output reaches the store in batches (every 250 ms or
//! 64 KiB, and at once at exit); the completion signal is sent only after the final write.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::{AgentEvent, ExitInfo, JobStatus, RunOutcome, exit};
use gateway_provider::OutputParser;
use gateway_store::{JobFinish, NewEvent, OutputChunk, RunningInfo, Stream, now_ms};
use tokio::io::AsyncReadExt;
use tokio::time::{Instant, sleep, sleep_until};

use crate::capture::{BATCH_FLUSH_BYTES, StreamCapture};
use crate::scheduler::{Admission, Permit};
use crate::service::{Inner, LiveJob, Stop, blocking};
use crate::spawn::{self, SpawnError};
use crate::{ProgressEvent, SubmitRequest, default_idle_timeout, sys};

/// SIGTERM → SIGKILL grace for cancel and time-outs.
pub(crate) const KILL_GRACE: Duration = Duration::from_secs(5);
/// SIGTERM → SIGKILL grace at gateway shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// How long pipes may stay open after the process exited (a grandchild that escaped the group).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);
/// Store flush period for output and events.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// How often a running job checks whether another process (`llm-cli-gateway jobs cancel`)
/// marked it canceled in the store; the issue asks that the owner notices within a second.
const REMOTE_CANCEL_CHECK: Duration = Duration::from_secs(1);
/// Events stored per job; beyond this only the live broadcast sees them.
const MAX_STORED_EVENTS: usize = 10_000;
/// Output held in memory while the store refuses writes (a full or failing disk).
const UNSTORED_MAX_BYTES: usize = 8 * 1024 * 1024;
/// How often a final row the store refused is tried again.
const STORE_RETRY_EVERY: Duration = Duration::from_secs(2);
/// How long a finished job stays in memory (the store has it after that).
const KEEP_FINISHED: Duration = Duration::from_secs(120);
/// … unless the store failed, then memory is all there is.
const KEEP_FINISHED_UNSTORED: Duration = Duration::from_secs(3_600);

/// Why the gateway stopped the process (none: it ended by itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    Cancel,
    Shutdown,
    Idle,
    Wall,
    Cap,
}

/// How a job ended, ready for the store and the live view.
struct Conclusion {
    status: JobStatus,
    exit_code: Option<i32>,
    error: Option<String>,
    category: Option<&'static str>,
}

pub(crate) async fn run_job(
    inner: Arc<Inner>,
    live: Arc<LiveJob>,
    request: SubmitRequest,
    admission: Admission,
) {
    let from = JobStatus::Queued;
    let permit = match admission {
        Admission::Now(permit) => Some(permit),
        Admission::Queued(ticket) => wait_for_slot(&inner, &live, ticket).await,
    };
    match permit {
        Some(permit) => run_admitted(&inner, &live, &request, permit).await,
        None => {
            let stop = *live.stop.borrow();
            let conclusion = match stop {
                Some(Stop::Cancel) => cancelled(),
                Some(Stop::Shutdown) => Conclusion {
                    status: JobStatus::Failed,
                    exit_code: None,
                    error: Some("the gateway shut down before the job started".to_owned()),
                    category: Some("shutdown"),
                },
                None => Conclusion {
                    status: JobStatus::Failed,
                    exit_code: None,
                    error: Some(format!(
                        "at capacity: no slot within the {} s queue time-out; retry later",
                        inner.config.queue_timeout.as_secs()
                    )),
                    category: Some("at_capacity"),
                },
            };
            record_unstarted(&inner, &live, from, conclusion).await;
        }
    }
    inner.task_finished();
}

fn cancelled() -> Conclusion {
    Conclusion {
        status: JobStatus::Canceled,
        exit_code: None,
        error: Some("canceled by request".to_owned()),
        category: Some("canceled"),
    }
}

/// `None` when the queue time-out passed, the job was canceled, or the gateway is closing.
async fn wait_for_slot(
    inner: &Arc<Inner>,
    live: &LiveJob,
    mut ticket: crate::scheduler::Ticket,
) -> Option<Permit> {
    let mut stop = live.stop.subscribe();
    let outcome = tokio::select! {
        permit = inner.scheduler.wait(&mut ticket) => permit,
        _ = sleep(inner.config.queue_timeout) => None,
        () = async { let _ = stop.wait_for(Option::is_some).await; } => None,
    };
    if outcome.is_none() {
        inner.scheduler.abandon(ticket);
    }
    outcome
}

async fn record_unstarted(
    inner: &Arc<Inner>,
    live: &LiveJob,
    from: JobStatus,
    conclusion: Conclusion,
) {
    let mut recorder = Recorder::new(inner, live);
    recorder.lifecycle(format!(
        "{}: {}",
        conclusion.status,
        conclusion.error.clone().unwrap_or_default()
    ));
    recorder.conclude(from, conclusion, None, false).await;
}

async fn run_admitted(
    inner: &Arc<Inner>,
    live: &Arc<LiveJob>,
    request: &SubmitRequest,
    permit: Permit,
) {
    let spec = &request.spec;
    let supervisor = inner.supervisor().await;
    let started = spawn::prepare(spec).and_then(|prepared| {
        let command = spawn::command(spec, &prepared, supervisor, inner.config.isolate_spawn_env);
        spawn::spawn(command, spec.stdin.as_deref()).map(|child| (prepared, child))
    });
    let (prepared, mut child) = match started {
        Ok(started) => started,
        Err(error) => {
            let conclusion = match error {
                SpawnError::NotFound => Conclusion {
                    status: JobStatus::Failed,
                    exit_code: Some(exit::NOT_FOUND),
                    error: Some(format!(
                        "`{}` was not found on PATH; install it, or run `llm-cli-gateway doctor` to see what is missing",
                        spec.program
                    )),
                    category: Some("not_found"),
                },
                SpawnError::Other(message) => Conclusion {
                    status: JobStatus::Failed,
                    exit_code: None,
                    error: Some(format!("could not start `{}`: {message}", spec.program)),
                    category: Some("spawn"),
                },
            };
            record_unstarted(inner, live, JobStatus::Queued, conclusion).await;
            drop(permit);
            return;
        }
    };
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .unwrap_or(0);
    let mut group = GroupGuard(Some(pid));
    let info = RunningInfo {
        pid: i64::from(pid),
        pgid: i64::from(pid),
        proc_start_ticks: sys::proc_start_ticks(i64::from(pid)),
        started_at_ms: now_ms(),
    };
    let mut recorder = Recorder::new(inner, live);
    let id = live.id.clone();
    match blocking(&inner.store, move |store| store.mark_running(&id, info)).await {
        Ok(true) => {}
        Ok(false) => {
            // Someone (another process's cancel) ended the queued row first: stop at once.
            sys::kill_group(pid, sys::SIGKILL);
            let _ = child.wait().await;
            recorder.adopt_store_state().await;
            return;
        }
        Err(error) => {
            recorder.store_failed(&error);
            recorder.unstored_start = Some(info);
        }
    }
    live.state.send_modify(|state| {
        state.status = JobStatus::Running;
        state.started_at_ms = Some(info.started_at_ms);
    });
    recorder.lifecycle(format!("started `{}` (pid {pid})", spec.program));
    let parser = gateway_provider::parser_for(spec);
    let idle = request
        .idle_timeout
        .unwrap_or_else(|| default_idle_timeout(spec.provider));
    let mut ended = capture(
        &mut recorder,
        &mut child,
        pid,
        parser,
        idle,
        request.timeout,
    )
    .await;
    group.0 = None; // the loop killed the group's leftovers and reaped the leader
    // What stdout lacks (vibe's usage and cost), from the file the CLI left; then the private
    // directory goes.
    spawn::apply_export(spec, &prepared, &mut ended.outcome).await;
    drop(prepared);
    let conclusion = conclude(&ended, idle, request.timeout, inner.config.output_cap_bytes);
    recorder.lifecycle(match &conclusion.error {
        Some(error) => format!("{}: {error}", conclusion.status),
        None => format!(
            "{} (exit {})",
            conclusion.status,
            conclusion.exit_code.unwrap_or(0)
        ),
    });
    let truncated = recorder.truncated;
    recorder
        .conclude(
            JobStatus::Running,
            conclusion,
            Some(ended.outcome),
            truncated,
        )
        .await;
    drop(permit);
}

/// Kills the job's process group if the task is dropped mid-run (runtime shut down without
/// `shutdown()`): `kill_on_drop` alone would kill only the supervisor and leave the CLI behind.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            sys::kill_group(pgid, sys::SIGKILL);
        }
    }
}

struct Ended {
    cause: Option<Cause>,
    exit: Option<ExitStatus>,
    outcome: RunOutcome,
    stderr_tail: String,
}

/// The capture loop: reads both pipes, enforces the limits, waits for the exit.
async fn capture(
    recorder: &mut Recorder<'_>,
    child: &mut tokio::process::Child,
    pgid: i32,
    mut parser: Box<dyn OutputParser>,
    idle: Duration,
    wall: Option<Duration>,
) -> Ended {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (mut out_buf, mut err_buf) = (vec![0_u8; 32 * 1024], vec![0_u8; 32 * 1024]);
    let mut stop = recorder.live.stop.subscribe();
    let far = Instant::now() + Duration::from_secs(86_400 * 365);
    let idle_sleep = sleep(idle);
    let wall_sleep = sleep(wall.unwrap_or(Duration::from_secs(86_400 * 365)));
    let kill_sleep = sleep_until(far);
    let drain_sleep = sleep_until(far);
    tokio::pin!(idle_sleep, wall_sleep, kill_sleep, drain_sleep);
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut remote_check = tokio::time::interval(REMOTE_CANCEL_CHECK);
    remote_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut cause, mut exit, mut kill_armed) = (None, None, false);
    while exit.is_none() || stdout.is_some() || stderr.is_some() {
        let running = exit.is_none() && cause.is_none();
        tokio::select! {
            read = read_some(&mut stdout, &mut out_buf), if stdout.is_some() => match read {
                Some(count) => {
                    let lines = recorder.accept(Stream::Stdout, &out_buf[..count]);
                    for line in lines {
                        for event in parser.feed_line(&line) {
                            recorder.event(&event);
                        }
                    }
                    recorder.publish();
                    idle_sleep.as_mut().reset(Instant::now() + idle);
                }
                None => stdout = None,
            },
            read = read_some(&mut stderr, &mut err_buf), if stderr.is_some() => match read {
                Some(count) => {
                    recorder.accept(Stream::Stderr, &err_buf[..count]);
                    idle_sleep.as_mut().reset(Instant::now() + idle);
                }
                None => stderr = None,
            },
            status = child.wait(), if exit.is_none() => {
                exit = Some(status.unwrap_or_else(|_| ExitStatus::from_raw(1 << 8)));
                // Leftover grandchildren in the group end with the job.
                sys::kill_group(pgid, sys::SIGKILL);
                drain_sleep.as_mut().reset(Instant::now() + DRAIN_AFTER_EXIT);
            },
            () = &mut drain_sleep, if exit.is_some() => {
                stdout = None;
                stderr = None;
            },
            () = &mut idle_sleep, if running => {
                cause = Some(Cause::Idle);
                terminate(pgid, &mut kill_sleep, &mut kill_armed, KILL_GRACE);
            },
            () = &mut wall_sleep, if running && wall.is_some() => {
                cause = Some(Cause::Wall);
                terminate(pgid, &mut kill_sleep, &mut kill_armed, KILL_GRACE);
            },
            changed = stop.changed(), if running => {
                match changed.ok().and_then(|()| *stop.borrow()) {
                    Some(Stop::Cancel) => {
                        cause = Some(Cause::Cancel);
                        terminate(pgid, &mut kill_sleep, &mut kill_armed, KILL_GRACE);
                    }
                    Some(Stop::Shutdown) => {
                        cause = Some(Cause::Shutdown);
                        terminate(pgid, &mut kill_sleep, &mut kill_armed, SHUTDOWN_GRACE);
                    }
                    None => {}
                }
            },
            () = &mut kill_sleep, if kill_armed => {
                sys::kill_group(pgid, sys::SIGKILL);
                kill_armed = false;
            },
            _ = tick.tick() => recorder.flush().await,
            _ = remote_check.tick(), if running => {
                if recorder.canceled_in_store().await {
                    cause = Some(Cause::Cancel);
                    terminate(pgid, &mut kill_sleep, &mut kill_armed, KILL_GRACE);
                }
            },
        }
        if recorder.truncated && cause.is_none() && exit.is_none() {
            cause = Some(Cause::Cap);
            sys::kill_group(pgid, sys::SIGKILL);
        }
        if recorder.batch_full() {
            recorder.flush().await;
        }
    }
    for line in recorder.finish_streams() {
        for event in parser.feed_line(&line) {
            recorder.event(&event);
        }
    }
    let info = exit.map_or(
        ExitInfo {
            code: None,
            signal: None,
        },
        |status| ExitInfo {
            code: status.code(),
            signal: status.signal(),
        },
    );
    let stderr_tail = recorder.stderr.tail().to_owned();
    let outcome = parser.finish(info, &stderr_tail);
    Ended {
        cause,
        exit,
        outcome,
        stderr_tail,
    }
}

async fn read_some<R: tokio::io::AsyncRead + Unpin>(
    reader: &mut Option<R>,
    buf: &mut [u8],
) -> Option<usize> {
    let reader = reader.as_mut()?;
    match reader.read(buf).await {
        Ok(0) | Err(_) => None,
        Ok(count) => Some(count),
    }
}

fn terminate(
    pgid: i32,
    kill_sleep: &mut std::pin::Pin<&mut tokio::time::Sleep>,
    armed: &mut bool,
    grace: Duration,
) {
    sys::kill_group(pgid, sys::SIGTERM);
    kill_sleep.as_mut().reset(Instant::now() + grace);
    *armed = true;
}

fn conclude(ended: &Ended, idle: Duration, wall: Option<Duration>, cap: u64) -> Conclusion {
    let failed = |exit_code: Option<i32>, error: String, category: &'static str| Conclusion {
        status: JobStatus::Failed,
        exit_code,
        error: Some(error),
        category: Some(category),
    };
    match ended.cause {
        Some(Cause::Cancel) => cancelled(),
        Some(Cause::Shutdown) => failed(
            None,
            "the gateway shut down while the job ran".to_owned(),
            "shutdown",
        ),
        Some(Cause::Idle) => failed(
            Some(exit::IDLE_TIMEOUT),
            format!("no output for {} ms", idle.as_millis()),
            "idle_timeout",
        ),
        Some(Cause::Wall) => failed(
            Some(exit::WALL_TIMEOUT),
            format!(
                "timed out after {} ms (timeoutMs)",
                wall.unwrap_or_default().as_millis()
            ),
            "wall_timeout",
        ),
        Some(Cause::Cap) => failed(
            Some(exit::OUTPUT_CAP),
            format!(
                "output exceeded the {} cap; the process group was killed",
                human_bytes(cap)
            ),
            "output_cap",
        ),
        None => natural_end(ended),
    }
}

fn natural_end(ended: &Ended) -> Conclusion {
    let code = ended.exit.and_then(|status| status.code());
    let signal = ended.exit.and_then(|status| status.signal());
    let last_stderr = ended
        .stderr_tail
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    match (code, signal) {
        (Some(0), _) if !ended.outcome.is_error => Conclusion {
            status: JobStatus::Completed,
            exit_code: Some(0),
            error: None,
            category: None,
        },
        (Some(0), _) => Conclusion {
            status: JobStatus::Failed,
            exit_code: Some(0),
            error: Some(
                ended
                    .outcome
                    .error
                    .clone()
                    .unwrap_or_else(|| "the CLI reported an error".to_owned()),
            ),
            category: Some("cli_error"),
        },
        (Some(code), _) => Conclusion {
            status: JobStatus::Failed,
            exit_code: Some(code),
            // The parser's reading of the failure first (it knows the CLI), else stderr.
            error: Some(
                match ended.outcome.error.as_deref().unwrap_or(last_stderr) {
                    "" => format!("exited with code {code}"),
                    reason => format!(
                        "exited with code {code}: {}",
                        gateway_core::event::one_line(reason, 300)
                    ),
                },
            ),
            category: Some("exit_code"),
        },
        (None, signal) => Conclusion {
            status: JobStatus::Failed,
            exit_code: None,
            error: Some(format!("killed by signal {}", signal.unwrap_or(0))),
            category: Some("signal"),
        },
    }
}

fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Everything the task writes: captured streams, events, the final row.
struct Recorder<'a> {
    inner: &'a Arc<Inner>,
    live: &'a LiveJob,
    stdout: StreamCapture,
    stderr: StreamCapture,
    events: Vec<NewEvent>,
    seq: i64,
    stored_events: usize,
    events_truncated: bool,
    truncated: bool,
    store_failed: bool,
    /// Events pushed since the last `publish`.
    unpublished: bool,
    /// The output write started by the last `flush`, not yet awaited.
    in_flight: Option<tokio::task::JoinHandle<WriteResult>>,
    /// What the store refused (a full or failing disk), retried in order with the next write.
    unstored: Unstored,
    /// `mark_running` failed: retried before the next write, so the final row can end `running`.
    unstored_start: Option<RunningInfo>,
}

/// A batch write's result, with the batch handed back for a retry when it failed.
type WriteResult = (
    Result<(), gateway_store::StoreError>,
    Vec<OutputChunk>,
    Vec<NewEvent>,
);

/// Output and events not yet in the store, in order; output beyond [`UNSTORED_MAX_BYTES`] is
/// dropped (and the job marked truncated) so a long outage cannot exhaust memory.
#[derive(Default)]
struct Unstored {
    chunks: Vec<OutputChunk>,
    events: Vec<NewEvent>,
    bytes: usize,
    lost_bytes: u64,
}

impl Unstored {
    /// Puts a failed batch back in front of anything newer.
    fn keep(&mut self, chunks: Vec<OutputChunk>, events: Vec<NewEvent>) {
        let mut kept = Vec::with_capacity(chunks.len() + self.chunks.len());
        self.bytes = 0;
        for chunk in chunks.into_iter().chain(std::mem::take(&mut self.chunks)) {
            if self.bytes + chunk.text.len() <= UNSTORED_MAX_BYTES {
                self.bytes += chunk.text.len();
                kept.push(chunk);
            } else {
                self.lost_bytes += chunk.bytes;
            }
        }
        self.chunks = kept;
        let newer = std::mem::replace(&mut self.events, events);
        self.events.extend(newer);
    }

    /// The kept batch followed by `chunks` and `events`.
    fn with(
        &mut self,
        chunks: Vec<OutputChunk>,
        events: Vec<NewEvent>,
    ) -> (Vec<OutputChunk>, Vec<NewEvent>) {
        self.bytes = 0;
        let mut all_chunks = std::mem::take(&mut self.chunks);
        all_chunks.extend(chunks);
        let mut all_events = std::mem::take(&mut self.events);
        all_events.extend(events);
        (all_chunks, all_events)
    }
}

impl<'a> Recorder<'a> {
    fn new(inner: &'a Arc<Inner>, live: &'a LiveJob) -> Recorder<'a> {
        Recorder {
            inner,
            live,
            stdout: StreamCapture::new(Stream::Stdout),
            stderr: StreamCapture::new(Stream::Stderr),
            events: Vec::new(),
            seq: live.state.borrow().last_seq,
            stored_events: 0,
            events_truncated: false,
            truncated: false,
            store_failed: false,
            unpublished: false,
            in_flight: None,
            unstored: Unstored::default(),
            unstored_start: None,
        }
    }

    /// Takes bytes up to the output cap (stdout + stderr); returns completed stdout lines.
    fn accept(&mut self, stream: Stream, bytes: &[u8]) -> Vec<String> {
        let used = self.stdout.total_bytes + self.stderr.total_bytes;
        let room = self.inner.config.output_cap_bytes.saturating_sub(used);
        let take = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if take < bytes.len() {
            self.truncated = true;
        }
        if take == 0 {
            return Vec::new();
        }
        match stream {
            Stream::Stdout => self.stdout.push(&bytes[..take]),
            Stream::Stderr => {
                self.stderr.push(&bytes[..take]);
                Vec::new()
            }
        }
    }

    fn finish_streams(&mut self) -> Vec<String> {
        self.stderr.finish();
        self.stdout.finish()
    }

    fn batch_full(&self) -> bool {
        self.stdout.batch_len() + self.stderr.batch_len() >= BATCH_FLUSH_BYTES
    }

    fn event(&mut self, event: &AgentEvent) {
        self.push_event(event.kind(), event.message());
    }

    fn lifecycle(&mut self, message: String) {
        self.push_event("lifecycle", message);
        self.publish();
    }

    /// Broadcasts the event and queues it for the store (which redacts it on the way to disk;
    /// the live copy goes only to the caller who asked for this run).
    fn push_event(&mut self, kind: &str, message: String) {
        self.seq += 1;
        let event = ProgressEvent {
            seq: self.seq,
            ts_ms: now_ms(),
            kind: kind.to_owned(),
            message,
        };
        let _ = self.live.progress.send(event.clone());
        self.live.remember(&event);
        if self.stored_events < MAX_STORED_EVENTS {
            self.stored_events += 1;
            self.events.push(NewEvent {
                seq: event.seq,
                at_ms: event.ts_ms,
                kind: event.kind,
                message: event.message,
            });
        } else {
            self.events_truncated = true;
        }
        self.unpublished = true;
    }

    /// Tells long-pollers about new events: once per read, not once per event.
    fn publish(&mut self) {
        if std::mem::take(&mut self.unpublished) {
            let seq = self.seq;
            self.live.state.send_modify(|state| state.last_seq = seq);
        }
    }

    /// Starts writing what has accumulated. The previous write is awaited first, so writes stay
    /// in order and a slow disk slows the reader down (bounded memory) while reading and
    /// writing otherwise overlap.
    /// True when the store says this job was canceled by someone else (another process).
    /// A store error counts as "no": the local job goes on.
    async fn canceled_in_store(&self) -> bool {
        let id = self.live.id.clone();
        let store = Arc::clone(&self.inner.store);
        let status = tokio::task::spawn_blocking(move || store.job(&id)).await;
        matches!(status, Ok(Ok(Some(job))) if job.status == JobStatus::Canceled)
    }

    async fn flush(&mut self) {
        self.publish();
        self.settle().await;
        let fresh: Vec<_> = [self.stdout.take_chunk(), self.stderr.take_chunk()]
            .into_iter()
            .flatten()
            .collect();
        let fresh_events = std::mem::take(&mut self.events);
        let (chunks, events) = self.unstored.with(fresh, fresh_events);
        if chunks.is_empty() && events.is_empty() && !self.events_truncated {
            return;
        }
        if !self.store_started().await {
            self.unstored.keep(chunks, events);
            return;
        }
        let id = self.live.id.clone();
        let truncated = self.events_truncated;
        let store = Arc::clone(&self.inner.store);
        self.in_flight = Some(tokio::task::spawn_blocking(move || {
            let result = store.append(&id, &chunks, &events, truncated);
            (result, chunks, events)
        }));
    }

    /// Records the start if the store refused it before; false while it still refuses.
    async fn store_started(&mut self) -> bool {
        let Some(info) = self.unstored_start else {
            return true;
        };
        let id = self.live.id.clone();
        match blocking(&self.inner.store, move |store| {
            store.mark_running(&id, info)
        })
        .await
        {
            Ok(_) => {
                self.unstored_start = None;
                true
            }
            Err(_) => false,
        }
    }

    /// Waits for the write in flight; while the store fails, keeps the in-memory tails fresh.
    async fn settle(&mut self) {
        if let Some(write) = self.in_flight.take() {
            match write.await {
                Ok((Ok(()), _, _)) => {}
                Ok((Err(error), chunks, events)) => {
                    self.unstored.keep(chunks, events);
                    self.store_failed(&crate::JobsError::from(error));
                }
                Err(error) => self.store_failed(&crate::JobsError::Internal(format!(
                    "store task failed: {error}"
                ))),
            }
        }
        if self.store_failed {
            self.refresh_tails();
        }
    }

    /// Copies the stream tails where `result` finds them when the store cannot answer.
    fn refresh_tails(&self) {
        let mut tails = self
            .live
            .tails
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tails[0].clear();
        tails[0].push_str(self.stdout.tail());
        tails[1].clear();
        tails[1].push_str(self.stderr.tail());
    }

    fn store_failed(&mut self, error: &crate::JobsError) {
        if !self.store_failed {
            tracing::warn!(job = %self.live.id, %error, "cannot write the job to the database; keeping it in memory");
        }
        self.store_failed = true;
        self.live
            .state
            .send_modify(|state| state.store_failed = true);
    }

    /// Writes the final row (CAS from `from`), then signals completion.
    async fn conclude(
        mut self,
        from: JobStatus,
        conclusion: Conclusion,
        outcome: Option<RunOutcome>,
        truncated: bool,
    ) {
        self.publish();
        self.settle().await;
        self.refresh_tails();
        let fresh: Vec<_> = [self.stdout.take_chunk(), self.stderr.take_chunk()]
            .into_iter()
            .flatten()
            .collect();
        let fresh_events = std::mem::take(&mut self.events);
        let (chunks, events) = self.unstored.with(fresh, fresh_events);
        if self.unstored.lost_bytes > 0 {
            tracing::warn!(job = %self.live.id, lost_bytes = self.unstored.lost_bytes,
                "output the database refused for too long was not kept; the job is marked truncated");
        }
        let finished_at = now_ms();
        let final_row = FinalRow {
            from,
            finish: JobFinish {
                status: conclusion.status,
                exit_code: conclusion.exit_code,
                error: conclusion.error.clone(),
                error_category: conclusion.category.map(str::to_owned),
                finished_at_ms: finished_at,
                output_truncated: truncated || self.unstored.lost_bytes > 0,
                outcome: outcome.clone(),
                retention_days: self.inner.config.retention_days,
            },
            chunks,
            events,
            events_truncated: self.events_truncated,
        };
        let stored = if self.store_started().await {
            let id = self.live.id.clone();
            let row = final_row.clone();
            blocking(&self.inner.store, move |store| row.write(store, &id)).await
        } else {
            Err(crate::JobsError::Internal(
                "the job's start is not stored yet".to_owned(),
            ))
        };
        match stored {
            Ok(true) => {}
            Ok(false) => return self.adopt_store_state().await,
            Err(error) => {
                self.store_failed(&error);
                retry_final_row(
                    Arc::clone(self.inner),
                    self.live.id.clone(),
                    self.unstored_start,
                    final_row,
                );
            }
        }
        self.live.state.send_modify(|state| {
            state.status = conclusion.status;
            state.exit_code = conclusion.exit_code;
            state.error = conclusion.error;
            state.finished_at_ms = Some(finished_at);
            state.outcome = outcome;
        });
        self.forget();
    }

    /// Another writer ended the row first (a cancel from another process): mirror it.
    async fn adopt_store_state(self) {
        let id = self.live.id.clone();
        if let Ok(Some(record)) = blocking(&self.inner.store, move |store| store.job(&id)).await {
            self.live.state.send_modify(|state| {
                state.status = record.status;
                state.exit_code = record.exit_code;
                state.error = record.error;
                state.finished_at_ms = record.finished_at_ms;
            });
        }
        self.forget();
    }

    fn forget(&self) {
        let keep = if self.store_failed {
            KEEP_FINISHED_UNSTORED
        } else {
            KEEP_FINISHED
        };
        self.inner.forget_later(self.live.id.clone(), keep);
    }
}

/// The last write of a job: its remaining output and events and its terminal row, in one
/// transaction (a CAS from `from`).
#[derive(Clone)]
struct FinalRow {
    from: JobStatus,
    finish: JobFinish,
    chunks: Vec<OutputChunk>,
    events: Vec<NewEvent>,
    events_truncated: bool,
}

impl FinalRow {
    fn write(
        &self,
        store: &gateway_store::Store,
        id: &str,
    ) -> Result<bool, gateway_store::StoreError> {
        store.finish_job_with_output(
            id,
            self.from,
            &self.finish,
            &self.chunks,
            &self.events,
            self.events_truncated,
        )
    }
}

/// The store refused a job's final row (a full or failing disk): callers already have the
/// result from memory; keep trying in the background so the database ends up telling the truth
/// (otherwise the row stays `running`, and turns `orphaned` with part of its output after a
/// restart). Gives up when the in-memory copy is forgotten.
fn retry_final_row(inner: Arc<Inner>, id: String, start: Option<RunningInfo>, row: FinalRow) {
    tokio::spawn(async move {
        let deadline = Instant::now() + KEEP_FINISHED_UNSTORED;
        while Instant::now() < deadline && !inner.is_closing() {
            sleep(STORE_RETRY_EVERY).await;
            let (for_store, job, written) = (row.clone(), id.clone(), start);
            let result = blocking(&inner.store, move |store| {
                if let Some(info) = written {
                    store.mark_running(&job, info)?;
                }
                for_store.write(store, &job)
            })
            .await;
            if result.is_ok() {
                tracing::info!(job = %id, "the database took the job's final state after refusing it");
                return;
            }
        }
        tracing::warn!(job = %id, "gave up storing the job's final state; the database still shows it unfinished");
    });
}
