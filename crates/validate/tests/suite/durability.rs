//! Runs outlive the process that started them.

use gateway_core::ProviderId::{Claude, Codex};
use gateway_validate::{Intent, RunStatus, SeatStatus, StatusView};
use pretty_assertions::assert_eq;

use super::harness::{Harness, answer, question_request};

#[tokio::test]
async fn a_finished_run_is_readable_after_a_restart() {
    let (approve, reject) = (answer("Approve"), answer("Reject"));
    let mut harness = Harness::new(&[
        ("FAKE_AGENT_RESPONSE_CLAUDE", &approve),
        ("FAKE_AGENT_RESPONSE_CODEX", &reject),
    ])
    .await;
    let (before, _) = harness.validate("q", &[Claude, Codex]).await;
    harness.restart().await;
    let after = harness
        .validator
        .report(&before.validation_id)
        .await
        .unwrap();
    assert_eq!(after, before);

    let StatusView::Validation(view) = harness
        .validator
        .status_of(&before.validation_id)
        .await
        .unwrap()
    else {
        panic!("a validation id must name a validation run");
    };
    assert_eq!(*view, before);
    let codex_job = before.per_model_outputs[1].job_id.clone().unwrap();
    let StatusView::Job(seat) = harness.validator.status_of(&codex_job).await.unwrap() else {
        panic!("a job id must name a job");
    };
    assert_eq!(seat.verdict.as_deref(), Some("Reject"));

    let results = harness
        .validator
        .result_of(&before.validation_id, Some(Codex), 200_000)
        .await
        .unwrap();
    assert_eq!(results.results.len(), 1);
    assert_eq!(results.results[0].response, reject);
    let by_job = harness
        .validator
        .result_of(&codex_job, None, 1_000)
        .await
        .unwrap();
    assert_eq!(
        by_job.validation_id.as_deref(),
        Some(before.validation_id.as_str())
    );
}

#[tokio::test]
async fn a_run_cut_by_a_restart_reports_its_seats_as_such() {
    let mut harness = Harness::new(&[("FAKE_AGENT_SLEEP_BEFORE_MS", "30000")]).await;
    let started = harness
        .start(Intent::Validate, question_request("q"), &[Claude, Codex])
        .await;
    assert!(
        matches!(started.status, RunStatus::Running),
        "{:?}",
        started.status
    );
    harness.restart().await;
    let report = harness
        .validator
        .report(&started.validation_id)
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Completed);
    for output in &report.per_model_outputs {
        assert!(
            matches!(
                output.status,
                SeatStatus::Canceled | SeatStatus::Orphaned | SeatStatus::Failed
            ),
            "{output:?}"
        );
    }
    // Nobody answered: nothing disagreed, and nothing can be relied on.
    assert!(!report.disagreements.has_material_disagreement);
    assert_eq!(
        report.verdicts.not_answered.len(),
        report.per_model_outputs.len()
    );
    assert_eq!(report.confidence, gateway_validate::Confidence::None);
}

#[tokio::test]
async fn unknown_ids_are_caller_errors() {
    let harness = Harness::new(&[]).await;
    let error = harness.validator.status_of("val-nope").await.unwrap_err();
    assert!(error.is_caller_error(), "{error}");
}
