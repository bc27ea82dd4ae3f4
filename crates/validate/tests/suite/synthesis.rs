//! `synthesize_validation` judges only completed, non-empty answers and says what it left out.

use std::time::Duration;

use gateway_core::ProviderId::{Claude, Codex, Gemini, Grok};
use gateway_validate::report::{LeftOut, SynthesisStatus};
use gateway_validate::{SeatChoice, SynthesizeSpec};
use pretty_assertions::assert_eq;

use super::harness::{Harness, answer};

fn spec(id: &str) -> SynthesizeSpec {
    SynthesizeSpec {
        validation_id: id.to_owned(),
        judge: Some(SeatChoice::provider(Grok)),
        read_only: None,
        working_dir: None,
        force_refresh: false,
        origin_tool: "synthesize_validation".to_owned(),
    }
}

#[tokio::test]
async fn the_judge_reads_only_usable_answers() {
    let (approve, reject) = (answer("Approve CLAUDE-SAYS"), answer("Reject CODEX-SAYS"));
    let harness = Harness::new(&[
        ("FAKE_AGENT_RESPONSE_CLAUDE", &approve),
        ("FAKE_AGENT_RESPONSE_CODEX", &reject),
        ("FAKE_AGENT_RESPONSE_GEMINI", ""),
        ("FAKE_AGENT_RESPONSE_GROK", "Summary: split decision."),
    ])
    .await;
    let (report, _) = harness.validate("q", &[Claude, Codex, Gemini]).await;
    let started = harness
        .validator
        .synthesize(spec(&report.validation_id))
        .await
        .unwrap();
    // The fake judge may already have answered by the time the report is assembled.
    assert!(
        matches!(
            started.synthesis.status,
            SynthesisStatus::Running | SynthesisStatus::Completed
        ),
        "{:?}",
        started.synthesis.status
    );
    assert_eq!(started.synthesis.included, vec![Claude, Codex]);
    assert_eq!(
        started.synthesis.left_out,
        vec![LeftOut {
            provider: Gemini,
            reason: "answered with empty output".to_owned()
        }]
    );
    assert_eq!(started.job_ids.len(), 4, "seats plus the judge");

    let (done, _) = harness.wait(&report.validation_id).await;
    assert_eq!(done.synthesis.status, SynthesisStatus::Completed);
    assert_eq!(
        done.synthesis.response.as_deref(),
        Some("Summary: split decision.")
    );
    let prompt = harness.run_of("grok").prompt.unwrap_or_default();
    assert!(
        prompt.contains("CLAUDE-SAYS") && prompt.contains("CODEX-SAYS"),
        "{prompt}"
    );
    assert!(!prompt.contains("answer_from_gemini"), "{prompt}");
}

#[tokio::test]
async fn no_usable_answer_skips_the_judge() {
    let harness = Harness::new(&[("FAKE_AGENT_EXIT_CODE", "1")]).await;
    let (report, _) = harness.validate("q", &[Claude]).await;
    let synthesized = harness
        .validator
        .synthesize(spec(&report.validation_id))
        .await
        .unwrap();
    assert_eq!(synthesized.synthesis.status, SynthesisStatus::Skipped);
    assert_eq!(synthesized.synthesis.left_out.len(), 1);
    assert!(harness.runs().iter().all(|call| call.name != "grok"));
}

#[tokio::test]
async fn a_running_run_waits_for_its_seats() {
    let harness = Harness::new(&[("FAKE_AGENT_SLEEP_BEFORE_MS", "3000")]).await;
    let started = harness
        .start(
            gateway_validate::Intent::Validate,
            super::harness::question_request("q"),
            &[Claude],
        )
        .await;
    let synthesized = harness
        .validator
        .synthesize(spec(&started.validation_id))
        .await
        .unwrap();
    assert_eq!(
        synthesized.synthesis.status,
        SynthesisStatus::WaitingForProviderResults
    );
    let _ = harness
        .validator
        .wait(&started.validation_id, Duration::from_secs(30), &|_| {})
        .await
        .unwrap();
}
