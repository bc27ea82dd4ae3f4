//! Fan-out: every seat runs as a job, in parallel, read-only, and the report follows the rules.

use std::time::Instant;

use gateway_core::ProviderId::{Claude, Codex, Gemini, Grok, Mistral};
use gateway_validate::report::SignalKind;
use gateway_validate::{
    Confidence, Intent, OriginalRequest, RunStatus, SeatStatus, VerdictClass, VerdictSource,
};
use pretty_assertions::assert_eq;

use super::harness::{Harness, answer, question_request};

#[tokio::test]
async fn agreeing_seats_give_high_confidence_and_read_only_flags() {
    let (approve, nits) = (answer("Approve"), answer("Approve with nits"));
    let harness = Harness::new(&[
        ("FAKE_AGENT_RESPONSE_CLAUDE", &approve),
        ("FAKE_AGENT_RESPONSE_CODEX", &approve),
        ("FAKE_AGENT_RESPONSE_GEMINI", &nits),
    ])
    .await;
    let (report, _) = harness
        .validate("Is the migration safe?", &[Claude, Codex, Gemini])
        .await;
    let classes: Vec<Option<VerdictClass>> = report
        .per_model_outputs
        .iter()
        .map(|output| output.verdict_class)
        .collect();
    assert_eq!(
        classes,
        vec![
            Some(VerdictClass::Approve),
            Some(VerdictClass::Approve),
            Some(VerdictClass::ApproveWithChanges)
        ]
    );
    assert_eq!(report.status, RunStatus::Completed);
    assert!(
        !report.disagreements.has_material_disagreement,
        "{:?}",
        report.disagreements
    );
    assert_eq!(report.confidence, Confidence::High);

    let argv = |name: &str| harness.run_of(name).argv.join(" ");
    assert!(
        argv("claude").contains("--permission-mode plan"),
        "{}",
        argv("claude")
    );
    assert!(argv("codex").contains("-s read-only"), "{}", argv("codex"));
    assert!(
        argv("gemini").contains("--approval-mode plan"),
        "{}",
        argv("gemini")
    );
    let prompt = harness.run_of("codex").prompt.unwrap_or_default();
    assert!(
        prompt.contains("Is the migration safe?") && prompt.contains("one reviewer"),
        "{prompt}"
    );
}

#[tokio::test]
async fn grok_and_vibe_seats_are_read_only_too() {
    let harness = Harness::new(&[("FAKE_AGENT_RESPONSE", &answer("Approve"))]).await;
    let (report, _) = harness.validate("q", &[Grok, Mistral]).await;
    assert_eq!(report.confidence, Confidence::High, "{report:#?}");
    let grok = harness.run_of("grok").argv.join(" ");
    let vibe = harness.run_of("vibe").argv.join(" ");
    assert!(grok.contains("--permission-mode plan"), "{grok}");
    assert!(vibe.contains("--agent smart-approve"), "{vibe}");
    assert!(
        vibe.contains("--enabled-tools read_file") && vibe.contains("--enabled-tools grep"),
        "{vibe}"
    );
}

#[tokio::test]
async fn read_only_can_be_turned_off_per_call() {
    let harness = Harness::new(&[("FAKE_AGENT_RESPONSE", &answer("Approve"))]).await;
    let mut spec = super::harness::spec(Intent::Validate, question_request("q"), &[Claude, Codex]);
    spec.read_only = Some(false);
    let started = harness.validator.start(spec).await.unwrap();
    let (report, _) = harness.wait(&started.validation_id).await;
    assert!(!report.read_only);
    assert!(!harness.run_of("claude").argv.join(" ").contains("plan"));
    assert!(!harness.run_of("codex").argv.join(" ").contains("read-only"));
}

#[tokio::test]
async fn approve_versus_reject_is_a_material_disagreement() {
    let (approve, reject) = (answer("Approve"), answer("Reject: it drops the index"));
    let harness = Harness::new(&[
        ("FAKE_AGENT_RESPONSE_CLAUDE", &approve),
        ("FAKE_AGENT_RESPONSE_CODEX", &reject),
    ])
    .await;
    let (report, _) = harness.validate("q", &[Claude, Codex]).await;
    let kinds: Vec<SignalKind> = report
        .disagreements
        .signals
        .iter()
        .map(|signal| signal.kind)
        .collect();
    assert_eq!(kinds, vec![SignalKind::VerdictConflict]);
    assert!(report.disagreements.has_material_disagreement);
    assert_eq!(report.confidence, Confidence::Low);
    assert!(
        report.final_recommendation.contains("disagree"),
        "{}",
        report.final_recommendation
    );
}

/// Issue 19's first case through real jobs: a stated approval, a prose approval with changes
/// and a prose rejection are three different verdicts, not "3 of 3 approve".
#[tokio::test]
async fn prose_verdicts_are_inferred_and_counted_per_seat() {
    let harness = Harness::new(&[
        (
            "FAKE_AGENT_RESPONSE_CLAUDE",
            "Verdict: APPROVE\nRationale: keys are stored first.",
        ),
        (
            "FAKE_AGENT_RESPONSE_CODEX",
            "I would approve this with minor changes: cap the retries.",
        ),
        (
            "FAKE_AGENT_RESPONSE_GEMINI",
            "REJECT. Retrying on 502 can double-charge.",
        ),
    ])
    .await;
    let (report, _) = harness
        .validate("Retry on 502?", &[Claude, Codex, Gemini])
        .await;
    let read: Vec<(Option<VerdictClass>, Option<VerdictSource>)> = report
        .per_model_outputs
        .iter()
        .map(|output| (output.verdict_class, output.verdict_source))
        .collect();
    assert_eq!(
        read,
        vec![
            (Some(VerdictClass::Approve), Some(VerdictSource::Stated)),
            (
                Some(VerdictClass::ApproveWithChanges),
                Some(VerdictSource::Inferred)
            ),
            (Some(VerdictClass::Reject), Some(VerdictSource::Inferred)),
        ]
    );
    assert_eq!(report.confidence, Confidence::Low);
    assert!(report.disagreements.has_material_disagreement);
    assert_eq!(
        report.final_recommendation,
        "The models disagree: 1 of 3 approve: claude; 1 of 3 approve with changes: codex (inferred); \
         1 of 3 reject: gemini (inferred). Read each rationale, or call synthesize_validation for a \
         judge's view, before acting."
    );
}

#[tokio::test]
async fn empty_failed_and_missing_seats_are_signals_not_aborts() {
    let approve = answer("Approve");
    let harness = Harness::new(&[
        ("FAKE_AGENT_RESPONSE_CLAUDE", &approve),
        ("FAKE_AGENT_RESPONSE_CODEX", ""),
        ("FAKE_AGENT_EXIT_CODE_GROK", "1"),
    ])
    .await;
    harness.remove_cli("gemini");
    harness.remove_cli("agy");
    let (report, progress) = harness.validate("q", &[Claude, Codex, Gemini, Grok]).await;
    let statuses: Vec<(SeatStatus, bool)> = report
        .per_model_outputs
        .iter()
        .map(|output| (output.status, output.empty_output))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (SeatStatus::Completed, false),
            (SeatStatus::Completed, true),
            (SeatStatus::Skipped, false),
            (SeatStatus::Failed, false)
        ]
    );
    let kinds: Vec<SignalKind> = report
        .disagreements
        .signals
        .iter()
        .map(|signal| signal.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            SignalKind::NotComparable,
            SignalKind::EmptyOutput,
            SignalKind::SeatSkipped,
            SignalKind::SeatFailed
        ]
    );
    assert_eq!(report.confidence, Confidence::Low);
    assert_eq!(report.status, RunStatus::Completed);
    let gemini = &report.per_model_outputs[2];
    assert!(
        gemini
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("not installed"),
        "{gemini:?}"
    );
    assert_eq!(progress.len(), 3, "one progress event per dispatched seat");
}

#[tokio::test]
async fn default_seats_are_the_installed_ones_among_claude_codex_gemini() {
    let harness = Harness::new(&[("FAKE_AGENT_RESPONSE", &answer("Approve"))]).await;
    harness.remove_cli("gemini");
    harness.remove_cli("agy");
    let (report, _) = harness.validate("q", &[]).await;
    assert_eq!(report.model_list, vec![Claude, Codex]);
}

#[tokio::test]
async fn seats_run_in_parallel_and_report_progress() {
    let harness = Harness::new(&[
        ("FAKE_AGENT_SLEEP_BEFORE_MS", "1000"),
        ("FAKE_AGENT_RESPONSE", &answer("Approve")),
    ])
    .await;
    let began = Instant::now();
    let (report, progress) = harness
        .validate("slow question", &[Claude, Codex, Gemini])
        .await;
    let wall = began.elapsed().as_secs_f64();
    assert_eq!(report.status, RunStatus::Completed);
    let mut seat_total = 0.0;
    for output in &report.per_model_outputs {
        let snapshot = harness
            .validator
            .jobs()
            .status(output.job_id.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        let ran_ms = snapshot.finished_at_ms.unwrap() - snapshot.started_at_ms.unwrap();
        seat_total += ran_ms as f64 / 1000.0;
    }
    let ratio = wall / seat_total;
    assert!(
        ratio < 0.7,
        "wall {wall:.2}s vs {seat_total:.2}s of seat time: ratio {ratio:.2} (sequential would be ≥ 1)"
    );
    let messages: Vec<String> = progress
        .iter()
        .map(gateway_validate::SeatProgress::message)
        .collect();
    assert_eq!(messages.len(), 3);
    assert!(
        messages[0].starts_with("1/3 models answered"),
        "{messages:?}"
    );
    assert!(
        messages[2].starts_with("3/3 models answered"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn a_seat_at_capacity_is_skipped() {
    let harness = Harness::with_config(
        &[
            ("FAKE_AGENT_SLEEP_BEFORE_MS", "500"),
            ("FAKE_AGENT_RESPONSE", &answer("Approve")),
        ],
        |config| {
            config.max_running = 1;
            config.max_queued = 0;
        },
    )
    .await;
    let (report, _) = harness.validate("q", &[Claude, Codex]).await;
    let skipped: Vec<&str> = report
        .per_model_outputs
        .iter()
        .filter(|output| output.status == SeatStatus::Skipped)
        .filter_map(|output| output.error.as_deref())
        .collect();
    assert_eq!(skipped.len(), 1, "{report:#?}");
    assert!(skipped[0].contains("at capacity"), "{skipped:?}");
    assert_eq!(
        report
            .per_model_outputs
            .iter()
            .filter(|output| output.status == SeatStatus::Completed)
            .count(),
        1
    );
}

#[tokio::test]
async fn consensus_reads_true_and_false() {
    let (yes, no) = (answer("True"), answer("False"));
    let harness = Harness::new(&[
        ("FAKE_AGENT_RESPONSE_CLAUDE", &yes),
        ("FAKE_AGENT_RESPONSE_CODEX", &no),
    ])
    .await;
    let request = OriginalRequest {
        question: Some("The sky is green.".to_owned()),
        ..OriginalRequest::default()
    };
    let started = harness
        .start(Intent::Consensus, request, &[Claude, Codex])
        .await;
    let (report, _) = harness.wait(&started.validation_id).await;
    let classes: Vec<Option<VerdictClass>> = report
        .per_model_outputs
        .iter()
        .map(|output| output.verdict_class)
        .collect();
    assert_eq!(
        classes,
        vec![Some(VerdictClass::True), Some(VerdictClass::False)]
    );
    assert!(report.disagreements.has_material_disagreement);
}

#[tokio::test]
async fn missing_material_is_a_parameter_error() {
    let harness = Harness::new(&[]).await;
    let error = harness
        .validator
        .start(super::harness::spec(
            Intent::SecondOpinion,
            OriginalRequest::default(),
            &[Codex],
        ))
        .await
        .unwrap_err();
    assert!(error.is_caller_error());
    assert_eq!(error.to_string(), "invalid `answer`: is required");
}
