//! Everything a supervisor writes: captured streams, progress events, the final row, and the
//! matching reports to the gateway. Output reaches the store in batches (every 250 ms or
//! 64 KiB, and at once at exit); what a full or failing disk refuses is kept in memory
//! (bounded) and written with the next batch that goes through.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_core::{AgentEvent, JobStatus, RunOutcome};
use gateway_store::{JobFinish, NewEvent, OutputChunk, Store, StoreError, Stream, now_ms};

use super::conclusion::Conclusion;
use super::wire::{Ending, Report, Reporter};
use crate::ProgressEvent;
use crate::capture::{BATCH_FLUSH_BYTES, StreamCapture};

/// Store flush period for output and events.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Events stored per job; beyond this only the gateway's live view sees them.
const MAX_STORED_EVENTS: usize = 10_000;
/// Output held in memory while the store refuses writes (a full or failing disk).
const UNSTORED_MAX_BYTES: usize = 8 * 1024 * 1024;
/// How often a final row the store refused is tried again, and for how long.
const STORE_RETRY_EVERY: Duration = Duration::from_secs(2);
const STORE_RETRY_FOR: Duration = Duration::from_secs(3_600);

pub(crate) struct Recorder {
    store: Arc<Store>,
    pub(crate) job_id: String,
    pub(crate) reporter: Reporter,
    stdout: StreamCapture,
    pub(crate) stderr: StreamCapture,
    cap_bytes: u64,
    retention_days: u32,
    events: Vec<NewEvent>,
    seq: i64,
    stored_events: usize,
    events_truncated: bool,
    /// The output cap was reached.
    pub(crate) truncated: bool,
    store_failed: bool,
    unstored: Unstored,
    pub(crate) last_flush: Instant,
    /// The owner's lease heartbeat, pushed while the job runs (supervisor processes on a
    /// shared store).
    pub(crate) beat: Option<crate::liveness::Beat>,
}

/// Output and events not yet in the store, in order; output beyond [`UNSTORED_MAX_BYTES`] is
/// dropped (and the job marked truncated) so a long outage cannot exhaust memory.
#[derive(Default)]
struct Unstored {
    chunks: Vec<OutputChunk>,
    events: Vec<NewEvent>,
    lost_bytes: u64,
}

impl Unstored {
    /// Puts a failed batch back (it is older than anything queued after it).
    fn keep(&mut self, chunks: Vec<OutputChunk>, events: Vec<NewEvent>) {
        let mut bytes = 0;
        let mut kept = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            if bytes + chunk.text.len() <= UNSTORED_MAX_BYTES {
                bytes += chunk.text.len();
                kept.push(chunk);
            } else {
                self.lost_bytes += chunk.bytes;
            }
        }
        self.chunks = kept;
        self.events = events;
    }

    /// The kept batch followed by `chunks` and `events`.
    fn with(
        &mut self,
        chunks: Vec<OutputChunk>,
        events: Vec<NewEvent>,
    ) -> (Vec<OutputChunk>, Vec<NewEvent>) {
        let mut all_chunks = std::mem::take(&mut self.chunks);
        all_chunks.extend(chunks);
        let mut all_events = std::mem::take(&mut self.events);
        all_events.extend(events);
        (all_chunks, all_events)
    }
}

impl Recorder {
    pub(crate) fn new(
        store: Arc<Store>,
        job_id: String,
        reporter: Reporter,
        cap_bytes: u64,
        retention_days: u32,
    ) -> Recorder {
        let redact = store.redacts();
        Recorder {
            store,
            job_id,
            reporter,
            stdout: StreamCapture::new(Stream::Stdout, redact),
            stderr: StreamCapture::new(Stream::Stderr, redact),
            cap_bytes,
            retention_days,
            events: Vec::new(),
            seq: 0,
            stored_events: 0,
            events_truncated: false,
            truncated: false,
            store_failed: false,
            unstored: Unstored::default(),
            last_flush: Instant::now(),
            beat: None,
        }
    }

    /// The reporter back, for the supervisor's next job.
    pub(crate) fn into_reporter(self) -> Reporter {
        self.reporter
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Takes bytes up to the output cap (stdout + stderr); returns completed stdout lines.
    pub(crate) fn accept(&mut self, stream: Stream, bytes: &[u8]) -> Vec<String> {
        let used = self.stdout.total_bytes + self.stderr.total_bytes;
        let room = self.cap_bytes.saturating_sub(used);
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

    /// Decodes what is left in both streams; returns stdout's last lines.
    pub(crate) fn finish_streams(&mut self) -> Vec<String> {
        self.stderr.finish();
        self.stdout.finish()
    }

    pub(crate) fn batch_full(&self) -> bool {
        self.stdout.batch_len() + self.stderr.batch_len() >= BATCH_FLUSH_BYTES
    }

    pub(crate) fn event(&mut self, event: &AgentEvent) {
        self.push_event(event.kind(), event.message());
    }

    pub(crate) fn lifecycle(&mut self, message: String) {
        self.push_event("lifecycle", message);
    }

    /// Reports the event to the gateway and queues it for the store (which redacts it).
    fn push_event(&mut self, kind: &str, message: String) {
        self.seq += 1;
        let event = ProgressEvent {
            seq: self.seq,
            ts_ms: now_ms(),
            kind: kind.to_owned(),
            message,
        };
        self.reporter.send(&Report::Event(event.clone()));
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
    }

    /// Writes what has accumulated; a refused batch is kept for the next try.
    pub(crate) fn flush(&mut self) {
        self.last_flush = Instant::now();
        self.reporter.flush();
        let (chunks, events) = self.take_batch();
        if chunks.is_empty() && events.is_empty() && !self.events_truncated {
            return;
        }
        match self
            .store
            .append(&self.job_id, &chunks, &events, self.events_truncated)
        {
            Ok(()) => self.store_failed = false,
            Err(error) => {
                self.unstored.keep(chunks, events);
                self.refused(&error);
            }
        }
    }

    fn take_batch(&mut self) -> (Vec<OutputChunk>, Vec<NewEvent>) {
        let fresh: Vec<_> = [self.stdout.take_chunk(), self.stderr.take_chunk()]
            .into_iter()
            .flatten()
            .collect();
        let fresh_events = std::mem::take(&mut self.events);
        self.unstored.with(fresh, fresh_events)
    }

    fn refused(&mut self, error: &StoreError) {
        if !self.store_failed {
            self.reporter.send(&Report::StoreFailed {
                error: error.to_string(),
            });
        }
        self.store_failed = true;
    }

    /// True when the store says someone else ended the job (a cancel from any process).
    /// A store error counts as "no": the job goes on.
    pub(crate) fn ended_elsewhere(&self) -> bool {
        matches!(self.store.job(&self.job_id), Ok(Some(job)) if job.status.is_terminal())
    }

    /// Writes the final row (CAS from `from`) with the last output, reports the end, and keeps
    /// retrying while the store refuses (the gateway already has the result from the report).
    pub(crate) fn conclude(
        &mut self,
        from: JobStatus,
        conclusion: &Conclusion,
        outcome: Option<RunOutcome>,
    ) {
        self.lifecycle(match &conclusion.error {
            Some(error) => format!("{}: {error}", conclusion.status),
            None => format!(
                "{} (exit {})",
                conclusion.status,
                conclusion.exit_code.unwrap_or(0)
            ),
        });
        let (chunks, events) = self.take_batch();
        let mut finish = JobFinish {
            status: conclusion.status,
            exit_code: conclusion.exit_code,
            error: conclusion.error.clone(),
            error_category: conclusion.category.map(str::to_owned),
            finished_at_ms: now_ms(),
            output_truncated: self.truncated || self.unstored.lost_bytes > 0,
            outcome,
            retention_days: self.retention_days,
        };
        let (job_id, events_truncated) = (self.job_id.clone(), self.events_truncated);
        let write = |store: &Store, finish: &mut JobFinish| {
            store.finish_job_with_output(&job_id, from, finish, &chunks, &events, events_truncated)
        };
        // The store fills in an estimated cost, so the report carries it too.
        let first = write(&self.store, &mut finish);
        let ending = match &first {
            Ok(false) => self.stored_ending(),
            Ok(true) | Err(_) => None,
        }
        .unwrap_or_else(|| Ending {
            status: finish.status,
            exit_code: finish.exit_code,
            error: finish.error.clone(),
            finished_at_ms: finish.finished_at_ms,
            outcome: finish.outcome.clone(),
            unstored_tails: first
                .is_err()
                .then(|| [self.stdout.tail().to_owned(), self.stderr.tail().to_owned()]),
        });
        self.reporter.send(&Report::End(Box::new(ending)));
        self.reporter.flush();
        if first.is_err() {
            let deadline = Instant::now() + STORE_RETRY_FOR;
            while Instant::now() < deadline {
                std::thread::sleep(STORE_RETRY_EVERY);
                // The database file is gone (deleted, its disk unmounted): nobody can read it.
                let gone = self.store.path().is_some_and(|path| !path.exists());
                if gone || write(&self.store, &mut finish).is_ok() {
                    return;
                }
            }
        }
    }

    /// The row as another writer ended it (a cancel won the race).
    fn stored_ending(&self) -> Option<Ending> {
        let record = self.store.job(&self.job_id).ok().flatten()?;
        Some(Ending::from_record(record))
    }
}
