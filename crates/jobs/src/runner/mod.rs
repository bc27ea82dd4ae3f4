//! A job's supervisor: owns one job from the queue to its final row (spec decision 7).
//!
//! It waits for a slot (admission is counted in the store, so the limits hold across every
//! process), starts the CLI under a group keeper in a new process group, captures and parses its
//! output, enforces the time-outs and the output cap, and writes chunks, events and the outcome
//! to the store itself. It normally runs as its own detached process (the supervisor binary's
//! `run` mode), so a job outlives the gateway that started it; while that gateway lives it gets
//! reports on a pipe. Without a usable supervisor binary, or with an in-memory store, the same
//! code runs on a thread of the gateway, and such jobs end with it.

mod conclusion;
mod recorder;
mod slot;
mod watch;
pub(crate) mod wire;

use std::os::fd::AsFd;
use std::process::Child;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::JobStatus;
use gateway_store::{RunningInfo, SlotLimits, Store, StoreOptions, now_ms};

pub(crate) use conclusion::{CANCELED_BY_REQUEST, Conclusion};
use conclusion::{Ended, failed};
use recorder::Recorder;
pub(crate) use watch::{CANCEL_BYTE, Control, EXIT_BYTE, KILL_GRACE};
use wire::{Ending, Report, Reporter, RunSpec};

use crate::liveness::{Beat, Liveness, Presence};
use crate::spawn::{self, SpawnError};
use crate::sys;

/// The supervisor process's `run` mode: specs on stdin (which stays open between them as the
/// control pipe), reports on stdout. It owns one job at a time and, while its gateway lives,
/// takes the next one it is handed (so the exec, the database open and the schema parse are
/// paid once per supervisor, not once per job); it exits when stdin closes between jobs.
/// Returns the process exit code.
pub(crate) fn run_process() -> i32 {
    let (Ok(control), Ok(report)) = (
        std::io::stdin().as_fd().try_clone_to_owned(),
        std::io::stdout().as_fd().try_clone_to_owned(),
    ) else {
        return 2;
    };
    let mut control = Control {
        fd: Some(std::fs::File::from(control)),
        cancel_on_exit: false,
    };
    let mut reporter = Reporter::new(std::fs::File::from(report));
    let mut opened: Option<(gateway_store::Location, Arc<Store>)> = None;
    let mut identity: Option<Identity> = None;
    while let Some(file) = control.fd.as_mut() {
        let spec = match wire::read_spec(file) {
            Ok(Some(spec)) => spec,
            Ok(None) => return 0,
            Err(problem) => {
                refuse(&mut reporter, problem);
                return 2;
            }
        };
        let store = match open_for(&mut opened, &spec) {
            Ok(store) => store,
            Err(problem) => {
                refuse(&mut reporter, problem);
                return 1;
            }
        };
        control.cancel_on_exit = spec.cancel_on_exit;
        reporter = own_one(&store, &spec, &mut control, reporter, &mut identity);
        reporter.send(&Report::Idle);
        reporter.flush();
    }
    0
}

/// The store of `spec`'s database, opened once per supervisor.
fn open_for(
    opened: &mut Option<(gateway_store::Location, Arc<Store>)>,
    spec: &RunSpec,
) -> Result<Arc<Store>, String> {
    let Some(location) = spec.store.clone() else {
        return Err("a supervisor process needs a stored database".to_owned());
    };
    if let Some((open_location, store)) = opened.as_ref()
        && *open_location == location
    {
        return Ok(Arc::clone(store));
    }
    let store = Store::open(&StoreOptions {
        location: location.clone(),
        redact: spec.redact,
    })
    .map_err(|error| format!("the job's supervisor cannot open the database: {error}"))?;
    let store = Arc::new(store);
    *opened = Some((location, Arc::clone(&store)));
    Ok(store)
}

/// A supervisor process as a job owner: one presence (lock file or lease) for its whole life,
/// held while it owns a job and between jobs, so that a job costs no lock file of its own. The
/// presence is what tells every other process that the owner of a `running` row is alive.
struct Identity {
    id: String,
    liveness: Liveness,
    _presence: Presence,
}

/// One job in a supervisor process: the owner's lock (taken with the first job), then [`run`].
/// Gives the reporter back for the next job.
fn own_one(
    store: &Arc<Store>,
    spec: &RunSpec,
    control: &mut Control,
    mut reporter: Reporter,
    identity: &mut Option<Identity>,
) -> Reporter {
    let Some(liveness) = spec.liveness.clone() else {
        return reporter;
    };
    if identity
        .as_ref()
        .is_none_or(|held| held.liveness != liveness)
    {
        let id = format!("supervisor-{}", uuid::Uuid::now_v7());
        match Presence::take(&liveness, store, &id) {
            Ok(presence) => {
                *identity = Some(Identity {
                    id,
                    liveness,
                    _presence: presence,
                });
            }
            Err(error) => {
                refuse(
                    &mut reporter,
                    format!("the job's supervisor cannot register as the job's owner: {error}"),
                );
                return reporter;
            }
        }
    }
    let Some(held) = identity.as_ref() else {
        return reporter;
    };
    let owner = Owner {
        id: held.id.clone(),
        adopt_from: Some(spec.gateway_instance.clone()),
        forks_keeper: true,
        beat: Beat::of(Some(&held.liveness), &held.id),
    };
    run(store, spec, control, reporter, &owner, Some(&held.liveness))
}

/// The supervisor could not even start: say why to the gateway, which fails the job.
fn refuse(reporter: &mut Reporter, problem: String) {
    reporter.send(&Report::End(Box::new(Ending {
        status: JobStatus::Failed,
        exit_code: None,
        error: Some(problem),
        finished_at_ms: now_ms(),
        outcome: None,
        unstored_tails: None,
    })));
    reporter.flush();
}

fn report_stored(store: &Store, job_id: &str, reporter: &mut Reporter) {
    if let Ok(Some(record)) = store.job(job_id) {
        reporter.send(&Report::End(Box::new(Ending::from_record(record))));
        reporter.flush();
    }
}

/// Who owns the job while it runs.
pub(crate) struct Owner {
    /// The `owner_instance` the job gets (a supervisor process: its own id, whose lock it holds).
    pub(crate) id: String,
    /// The gateway to take a queued job over from (a supervisor process); `None` on a gateway
    /// thread, which owns its jobs as the gateway.
    pub(crate) adopt_from: Option<String>,
    /// Whether the keeper is forked from this process ([`crate::supervisor::keep_forked`]): in a
    /// single-threaded supervisor process; a gateway thread execs the keeper binary instead.
    pub(crate) forks_keeper: bool,
    /// The lease heartbeat of a supervisor process on a shared store (a gateway beats for
    /// itself, from its background task).
    pub(crate) beat: Option<Beat>,
}

/// Owns the job: slot, start, capture, final row, then wakes the queued jobs that can now run.
/// `liveness` names where queued supervisors listen for that (none for an in-memory store).
pub(crate) fn run(
    store: &Arc<Store>,
    spec: &RunSpec,
    control: &mut Control,
    reporter: Reporter,
    owner: &Owner,
    liveness: Option<&Liveness>,
) -> Reporter {
    if let Some(beat) = &owner.beat {
        // Fresh before the job is adopted: an idle spell may have outlasted the lease.
        beat.beat_if_due(store);
    }
    let wake_dir = liveness.map(Liveness::wake_dir);
    let limits = SlotLimits {
        max_running: spec.max_running.max(1),
        max_per_provider: spec.max_running_per_provider.max(1),
    };
    let mut recorder = Recorder::new(
        Arc::clone(store),
        spec.job_id.clone(),
        reporter,
        spec.output_cap_bytes,
        spec.retention_days,
    );
    recorder.beat.clone_from(&owner.beat);
    let waited = slot::wait(
        store,
        spec,
        limits,
        control,
        owner,
        &mut recorder.reporter,
        liveness,
    );
    match waited {
        Ok(()) => {
            run_admitted(&mut recorder, spec, control, owner.forks_keeper);
            if let Some(dir) = wake_dir {
                slot::wake_admissible(store, limits, dir);
            }
        }
        Err(Some(conclusion)) => recorder.conclude(JobStatus::Queued, &conclusion, None),
        Err(None) => report_stored(store, &spec.job_id, &mut recorder.reporter),
    }
    recorder.into_reporter()
}

fn run_admitted(
    recorder: &mut Recorder,
    spec: &RunSpec,
    control: &mut Control,
    forks_keeper: bool,
) {
    let started_at_ms = now_ms();
    recorder.reporter.send(&Report::Running { started_at_ms });
    let (mut child, prepared) = match start(spec, forks_keeper) {
        Ok(started) => started,
        Err(conclusion) => {
            return recorder.conclude(JobStatus::Running, &conclusion, None);
        }
    };
    let pid = child.id();
    let info = RunningInfo {
        pid: i64::from(pid),
        pgid: i64::from(pid),
        proc_start_ticks: sys::proc_start_ticks(i64::from(pid)),
        started_at_ms,
    };
    if let Ok(false) = recorder.store().record_process(&spec.job_id, info) {
        // A cancel ended the row between the claim and the spawn: stop at once.
        sys::kill_group(i32::try_from(pid).unwrap_or(0), sys::SIGKILL);
        let _ = child.wait();
    }
    recorder.lifecycle(format!("started `{}` (pid {pid})", spec.spec.program));
    let limits = watch::Limits {
        idle: Duration::from_millis(spec.idle_timeout_ms),
        wall: Duration::from_millis(spec.wall_timeout_ms),
    };
    let parser = gateway_provider::parser_for(&spec.spec);
    let mut watched = watch::watch(recorder, &mut child, control, parser, &limits);
    // What stdout lacks (vibe's usage and cost), from the file the CLI left; then the private
    // directory goes.
    if let Some(problem) = spawn::apply_export(&spec.spec, &prepared, &mut watched.outcome) {
        recorder.lifecycle(format!(
            "ignoring the CLI's export file (no usage or cost for this job): {problem}"
        ));
    }
    drop(prepared);
    let conclusion = conclusion::conclude(
        &Ended {
            cause: watched.cause,
            code: watched.exit.and_then(|status| status.code()),
            signal: watched
                .exit
                .and_then(|status| std::os::unix::process::ExitStatusExt::signal(&status)),
            outcome: &watched.outcome,
            stderr_tail: recorder.stderr.tail(),
        },
        conclusion::Limits {
            idle: limits.idle,
            wall: limits.wall,
            cap_bytes: spec.output_cap_bytes,
        },
    );
    recorder.conclude(JobStatus::Running, &conclusion, Some(watched.outcome));
}

/// Prepares the private directory and starts the keeper (or the CLI) in a new process group.
fn start(spec: &RunSpec, forks_keeper: bool) -> Result<(Child, spawn::Prepared), Conclusion> {
    let prepared =
        spawn::prepare(&spec.job_id, &spec.spec).map_err(spawn_failure(&spec.spec.program))?;
    let keeper = match (&spec.keeper, forks_keeper) {
        (_, true) => spawn::Keeper::Forked,
        (Some(keeper), false) => spawn::Keeper::Exec(keeper),
        (None, false) => spawn::Keeper::None,
    };
    let command = spawn::command(&spec.spec, &prepared, keeper, spec.isolate_spawn_env);
    let child = spawn::spawn(command, spec.spec.stdin.as_deref())
        .map_err(spawn_failure(&spec.spec.program))?;
    Ok((child, prepared))
}

fn spawn_failure(program: &str) -> impl Fn(SpawnError) -> Conclusion + '_ {
    move |error| match error {
        SpawnError::NotFound => failed(
            Some(gateway_core::exit::NOT_FOUND),
            format!(
                "`{program}` was not found on PATH; install it, or run `llm-cli-gateway doctor` to see what is missing"
            ),
            "not_found",
        ),
        SpawnError::Other(message) => failed(
            None,
            format!("could not start `{program}`: {message}"),
            "spawn",
        ),
    }
}
