//! Supervisor processes kept for the next job. A supervisor owns one job at a time; when it
//! reports `Idle` while its gateway lives, the gateway keeps it (up to `max_running` idle ones)
//! and hands it the next job, so the exec, the database open and the schema parse are paid once
//! per supervisor rather than once per job. An idle supervisor whose pipe closes (the gateway
//! exited, or it was retired) exits.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{BufReader, Lines};

use crate::{SupervisorCommand, supervisor};

/// One supervisor process and the gateway's ends of its pipes.
pub(crate) struct Worker {
    child: std::process::Child,
    /// Its stdin: specs, and a byte to cancel the job it owns.
    pub(crate) control: Arc<std::fs::File>,
    /// Its stdout: report lines.
    pub(crate) reports: Lines<BufReader<tokio::net::unix::pipe::Receiver>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Worker")
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts `supervisor run` in a process group of its own: no signal sent to the gateway's
    /// group (a terminal's Ctrl-C, a client killing its server's group) reaches it. No `setsid`
    /// pre-exec hook: that would force fork+exec of the whole gateway where posix_spawn is cheap.
    pub(crate) fn spawn(supervisor: &SupervisorCommand) -> Result<Worker, String> {
        use tokio::io::AsyncBufReadExt;
        let mut child = std::process::Command::new(&supervisor.program)
            .args(&supervisor.args)
            .arg(supervisor::RUN_ARG)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|error| format!("cannot start the job's supervisor: {error}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the job's supervisor has no pipes".to_owned());
        };
        let reports = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(stdout))
            .map_err(|error| format!("cannot watch the job's supervisor: {error}"))?;
        Ok(Worker {
            child,
            control: Arc::new(std::fs::File::from(OwnedFd::from(stdin))),
            reports: BufReader::new(reports).lines(),
        })
    }

    /// Hands the worker a job (off the async threads: a spec with a large prompt fills the pipe
    /// until the supervisor reads it). An error means the worker is gone.
    pub(crate) async fn send(&self, framed: Vec<u8>) -> std::io::Result<()> {
        let control = Arc::clone(&self.control);
        tokio::task::spawn_blocking(move || (&*control).write_all(&framed))
            .await
            .map_err(std::io::Error::other)?
    }

    /// Lets the worker go: its pipe closes, it exits, and it is reaped off the async threads.
    pub(crate) fn retire(self) {
        let Worker {
            mut child,
            control,
            reports,
        } = self;
        drop((control, reports));
        tokio::task::spawn_blocking(move || {
            let _ = child.wait();
        });
    }
}

/// How long supervisors beyond `max_running` stay idle before they are let go (they were
/// needed for a burst of queued jobs; each holds about 1 MB of its own memory).
const BURST_IDLE: Duration = Duration::from_secs(30);

/// Idle supervisors with the time each became idle, most recent last.
#[derive(Debug, Default)]
pub(crate) struct Workers {
    idle: Mutex<Vec<(Worker, Instant)>>,
}

impl Workers {
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(Worker, Instant)>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An idle worker, if any (the most recently idle: its caches are warm).
    pub(crate) fn take(&self) -> Option<Worker> {
        self.idle().pop().map(|(worker, _)| worker)
    }

    /// Keeps `worker` for the next job: up to `keep` of them, and up to `burst` while they were
    /// idle less than [`BURST_IDLE`] (the oldest beyond `keep` go first).
    pub(crate) fn put(&self, worker: Worker, keep: usize, burst: usize) {
        let now = Instant::now();
        let mut idle = self.idle();
        idle.push((worker, now));
        let mut gone = Vec::new();
        while idle.len() > burst
            || (idle.len() > keep
                && idle
                    .first()
                    .is_some_and(|(_, since)| now.duration_since(*since) > BURST_IDLE))
        {
            gone.push(idle.remove(0).0);
        }
        drop(idle);
        for worker in gone {
            worker.retire();
        }
    }

    /// Retires every idle worker (the gateway is shutting down).
    pub(crate) fn retire_all(&self) {
        let idle = std::mem::take(&mut *self.idle());
        for (worker, _) in idle {
            worker.retire();
        }
    }
}
