use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::{CancelOutcome, SubmitError};
use pretty_assertions::assert_eq;

use super::{LONG, all_output, gone_within, harness, harness_with, request, script, spec};

#[tokio::test]
async fn silence_longer_than_the_idle_timeout_is_exit_125() {
    let h = harness().await;
    let mut job = request(script("echo before; exec sleep 30"));
    job.idle_timeout = Some(Duration::from_millis(300));
    let job = h.service.submit(job).await.unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.exit_code),
        (JobStatus::Failed, Some(125))
    );
    assert_eq!(done.error.as_deref(), Some("no output for 300 ms"));
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.stdout.text, "before\n");
}

#[tokio::test]
async fn the_wall_clock_limit_is_exit_124_even_with_steady_output() {
    let h = harness().await;
    let mut job = request(script("while true; do echo tick; sleep 0.05; done"));
    job.timeout = Some(Duration::from_millis(400));
    let job = h.service.submit(job).await.unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.exit_code),
        (JobStatus::Failed, Some(124))
    );
    assert_eq!(
        done.error.as_deref(),
        Some("timed out after 400 ms (timeoutMs)")
    );
}

#[tokio::test]
async fn output_past_the_cap_is_exit_126_and_stored_up_to_the_cap() {
    let h = harness_with(|config| config.output_cap_bytes = 100_000).await;
    let job = h
        .service
        .submit(request(spec("yes", &["0123456789"])))
        .await
        .unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.exit_code),
        (JobStatus::Failed, Some(126))
    );
    assert_eq!(
        done.error.as_deref(),
        Some("output exceeded the 100000 bytes cap; the process group was killed")
    );
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.stdout.total_chars, 100_000);
}

/// The CLI ignores SIGTERM and has a grandchild (which ignores it too): cancel still ends the
/// whole tree (SIGKILL after the grace) and keeps the partial output.
#[tokio::test]
async fn cancel_kills_the_whole_tree_and_keeps_partial_output() {
    let h = harness().await;
    let job = request(script(
        "trap '' TERM; sleep 600 & echo grandchild $!; echo parent $$; wait",
    ));
    let job = h.service.submit(job).await.unwrap();
    let mut pids = Vec::new();
    while pids.len() < 2 {
        h.service
            .wait_for_change(&job.job_id, 0, Duration::from_millis(100))
            .await
            .unwrap();
        let text = h
            .service
            .result(&job.job_id, all_output())
            .await
            .unwrap()
            .unwrap()
            .stdout
            .text;
        pids = text
            .lines()
            .filter_map(|line| line.split(' ').nth(1)?.parse::<i32>().ok())
            .collect();
    }
    assert_eq!(
        h.service.cancel(&job.job_id).await.unwrap(),
        CancelOutcome::Canceled
    );
    let done = h.service.status(&job.job_id).await.unwrap().unwrap();
    assert_eq!((done.status, done.exit_code), (JobStatus::Canceled, None));
    for pid in pids {
        assert!(
            gone_within(pid, Duration::from_secs(2)).await,
            "pid {pid} survived the cancel"
        );
    }
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        result.stdout.text.starts_with("grandchild "),
        "{}",
        result.stdout.text
    );
    assert_eq!(
        h.service.cancel(&job.job_id).await.unwrap(),
        CancelOutcome::AlreadyFinished(JobStatus::Canceled)
    );
    assert_eq!(
        h.service.cancel("no-such-job").await.unwrap(),
        CancelOutcome::NotFound
    );
}

#[tokio::test]
async fn a_queued_job_can_be_canceled_before_it_starts() {
    let h = harness_with(|config| config.max_running = 1).await;
    let blocker = h
        .service
        .submit(request(spec("sleep", &["30"])))
        .await
        .unwrap();
    let queued = h
        .service
        .submit(request(spec("echo", &["never"])))
        .await
        .unwrap();
    assert_eq!(
        h.service
            .status(&queued.job_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        JobStatus::Queued
    );
    assert_eq!(
        h.service.cancel(&queued.job_id).await.unwrap(),
        CancelOutcome::Canceled
    );
    let done = h.service.status(&queued.job_id).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.started_at_ms),
        (JobStatus::Canceled, None)
    );
    assert_eq!(
        h.service.cancel(&blocker.job_id).await.unwrap(),
        CancelOutcome::Canceled
    );
}

/// Waits until the job is `running`.
async fn until_running(service: &gateway_jobs::JobService, job_id: &str) {
    let mut state = None;
    while state != Some(JobStatus::Running) {
        service
            .wait_for_change(job_id, 0, Duration::from_millis(50))
            .await
            .unwrap();
        state = service
            .status(job_id)
            .await
            .unwrap()
            .map(|snapshot| snapshot.status);
    }
}

#[tokio::test]
async fn shutdown_leaves_running_jobs_to_finish_and_refuses_new_ones() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(script("sleep 1; echo finished")))
        .await
        .unwrap();
    until_running(&h.service, &job.job_id).await;
    h.service.shutdown().await;
    assert!(matches!(
        h.service.submit(request(spec("true", &[]))).await,
        Err(SubmitError::ShuttingDown)
    ));
    let later = gateway_jobs::JobService::start(super::config(h.dir.path()))
        .await
        .unwrap();
    let done = later.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    let result = later
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.stdout.text, "finished\n");
}

#[tokio::test]
async fn with_on_exit_cancel_shutdown_cancels_running_jobs() {
    let h = harness_with(|config| config.on_exit = gateway_jobs::OnExit::Cancel).await;
    let job = h
        .service
        .submit(request(spec("sleep", &["30"])))
        .await
        .unwrap();
    until_running(&h.service, &job.job_id).await;
    h.service.shutdown().await;
    let done = h.service.status(&job.job_id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Canceled);
    assert_eq!(
        done.error.as_deref(),
        Some("canceled: the gateway that started the job exited (on_exit = cancel)")
    );
}
