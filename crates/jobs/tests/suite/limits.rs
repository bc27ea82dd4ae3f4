use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::SubmitError;
use pretty_assertions::assert_eq;

use super::{LONG, harness_with, request, spec};

#[tokio::test]
async fn a_full_queue_is_a_retryable_at_capacity_error() {
    let h = harness_with(|config| {
        config.max_running = 1;
        config.max_queued = 1;
    })
    .await;
    let running = h
        .service
        .submit(request(spec("sleep", &["30"])))
        .await
        .unwrap();
    let queued = h
        .service
        .submit(request(spec("sleep", &["29"])))
        .await
        .unwrap();
    let error = h
        .service
        .submit(request(spec("sleep", &["28"])))
        .await
        .unwrap_err();
    let SubmitError::AtCapacity(message) = error else {
        panic!("{error:?}")
    };
    assert!(
        message.contains("at capacity for claude") && message.contains("retry later"),
        "{message}"
    );
    h.service.cancel(&queued.job_id).await.unwrap();
    h.service.cancel(&running.job_id).await.unwrap();
}

#[tokio::test]
async fn a_job_that_waits_past_the_queue_timeout_fails_as_at_capacity() {
    let h = harness_with(|config| {
        config.max_running = 1;
        config.queue_timeout = Duration::from_millis(200);
    })
    .await;
    let running = h
        .service
        .submit(request(spec("sleep", &["30"])))
        .await
        .unwrap();
    let waiting = h.service.submit(request(spec("true", &[]))).await.unwrap();
    let done = h
        .service
        .wait(&waiting.job_id, LONG)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    assert!(done.error.unwrap().starts_with("at capacity"));
    h.service.cancel(&running.job_id).await.unwrap();
}

#[tokio::test]
async fn a_provider_at_its_cap_does_not_block_other_providers() {
    let h = harness_with(|config| config.max_running_per_provider = 1).await;
    let claude = h
        .service
        .submit(request(spec("sleep", &["30"])))
        .await
        .unwrap();
    let second_claude = h.service.submit(request(spec("true", &[]))).await.unwrap();
    let mut codex_spec = spec("true", &[]);
    codex_spec.provider = gateway_core::ProviderId::Codex;
    let codex = h.service.submit(request(codex_spec)).await.unwrap();
    let done = h.service.wait(&codex.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(
        h.service
            .status(&second_claude.job_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        JobStatus::Queued
    );
    h.service.cancel(&claude.job_id).await.unwrap();
    let done = h
        .service
        .wait(&second_claude.job_id, LONG)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "the queued job ran once a slot freed"
    );
}
