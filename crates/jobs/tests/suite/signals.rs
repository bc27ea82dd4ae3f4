//! The CLI under the supervisor starts with the signal mask the gateway had, not the
//! supervisor's: std passes a parent's blocked signals on to its children, and a CLI that
//! inherited a blocked SIGTERM ignored cancel until the SIGKILL escalation 5 s later.

use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::CancelOutcome;
use pretty_assertions::assert_eq;

use super::{LONG, all_output, harness, request, script, spec};

/// Signals the supervisor blocks for itself, as bits of `/proc/<pid>/status` masks.
const SUPERVISOR_BLOCKS: [(&str, u32); 4] = [
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGTERM", 15),
    ("SIGCHLD", 17),
];

/// `grep` execs straight from the supervisor and prints its own mask: none of the signals the
/// supervisor waits on may be blocked in it.
#[tokio::test]
async fn the_cli_starts_with_none_of_the_supervisors_signals_blocked() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(spec("grep", &["^SigBlk:", "/proc/self/status"])))
        .await
        .unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed, "{done:?}");
    let stdout = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap()
        .stdout
        .text;
    let hex = stdout.trim().trim_start_matches("SigBlk:").trim();
    let mask = u64::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("{stdout:?}"));
    let blocked: Vec<&str> = SUPERVISOR_BLOCKS
        .iter()
        .filter(|(_, signal)| mask & (1 << (signal - 1)) != 0)
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(blocked, Vec::<&str>::new(), "CLI mask {hex}");
}

/// A CLI that dies of SIGTERM (`sleep`, exec'd so no shell stands between) is ended by the
/// cancel's SIGTERM, not by the SIGKILL that follows after the grace: the parsed outcome says
/// which signal ended it. (Before the fix it said signal 9 and the cancel took 5 s.)
#[tokio::test]
async fn cancel_ends_a_cli_that_heeds_sigterm_by_sigterm() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(script("echo ready; exec sleep 600")))
        .await
        .unwrap();
    let mut seq = 0;
    loop {
        let result = h
            .service
            .result(&job.job_id, all_output())
            .await
            .unwrap()
            .unwrap();
        if result.stdout.text.contains("ready") {
            break;
        }
        assert!(!result.snapshot.status.is_terminal(), "{result:?}");
        h.service
            .wait_for_change(&job.job_id, seq, Duration::from_millis(200))
            .await
            .unwrap();
        seq += 1;
    }
    assert_eq!(
        h.service.cancel(&job.job_id).await.unwrap(),
        CancelOutcome::Canceled
    );
    let done = h.service.status(&job.job_id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Canceled);
    let error = done.outcome.and_then(|outcome| outcome.error);
    assert_eq!(
        error.as_deref(),
        Some("killed by signal 15 before reporting a result")
    );
}
