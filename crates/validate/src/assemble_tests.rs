//! Table tests for every report rule, plus whole-report snapshots.

use gateway_core::JobStatus;
use gateway_core::ProviderId::{self, Claude, Codex, Gemini};
use pretty_assertions::assert_eq;

use super::*;
use crate::report::{Confidence, SignalKind as K, SynthesisStatus};

fn header(intent: Intent) -> RunHeader {
    RunHeader {
        validation_id: "val-1".to_owned(),
        started_at_ms: 1_795_000_000_000,
        intent,
        request: OriginalRequest {
            question: Some("Ship it?".to_owned()),
            ..OriginalRequest::default()
        },
        read_only: true,
    }
}

fn job(provider: ProviderId) -> JobRef {
    JobRef {
        job_id: format!("job-{provider}"),
        correlation_id: format!("validation-val-1-{provider}"),
    }
}

fn finished(
    provider: ProviderId,
    status: JobStatus,
    text: &str,
    error: Option<&str>,
    exit_code: Option<i32>,
) -> Seat {
    Seat {
        provider,
        model: None,
        state: SeatState::Finished {
            job: job(provider),
            status,
            text: text.to_owned(),
            error: error.map(str::to_owned),
            exit_code,
        },
        warning: None,
    }
}

fn says(provider: ProviderId, verdict: &str) -> Seat {
    finished(
        provider,
        JobStatus::Completed,
        &format!(
            "Verdict: {verdict}\nRationale: because {provider}\nRisks:\n- one\nSuggested next step: run tests"
        ),
        None,
        Some(0),
    )
}

fn empty(provider: ProviderId) -> Seat {
    finished(provider, JobStatus::Completed, "  \n", None, Some(0))
}

fn failed(provider: ProviderId) -> Seat {
    finished(
        provider,
        JobStatus::Failed,
        "",
        Some("not logged in"),
        Some(1),
    )
}

fn skipped(provider: ProviderId) -> Seat {
    Seat {
        provider,
        model: None,
        state: SeatState::Skipped {
            reason: "gemini is not installed".to_owned(),
        },
        warning: None,
    }
}

fn pending(provider: ProviderId) -> Seat {
    Seat {
        provider,
        model: None,
        state: SeatState::Pending { job: job(provider) },
        warning: None,
    }
}

/// (case, intent, seats, run status, material disagreement?, confidence, signal kinds)
type Case = (
    &'static str,
    Intent,
    Vec<Seat>,
    RunStatus,
    bool,
    Confidence,
    Vec<K>,
);

#[test]
fn report_rules_table() {
    use Confidence::{High, Low, Medium, None as NoConfidence};
    use Intent::{AskModel, Consensus, Validate};
    use RunStatus::{Completed, NotStarted, Partial, Running};
    let cases: Vec<Case> = vec![
        (
            "all agree",
            Validate,
            vec![says(Claude, "Approve"), says(Codex, "LGTM")],
            Completed,
            false,
            High,
            vec![],
        ),
        (
            "approve vs approve with nits is a nuance",
            Validate,
            vec![
                says(Claude, "Approve"),
                says(Codex, "Approve with nits"),
                says(Gemini, "**approved**"),
            ],
            Completed,
            false,
            High,
            vec![K::VerdictNuance],
        ),
        (
            "approve vs reject conflicts",
            Validate,
            vec![says(Claude, "Approve"), says(Codex, "Reject")],
            Completed,
            true,
            Low,
            vec![K::VerdictConflict],
        ),
        (
            "approve vs uncertain conflicts",
            Validate,
            vec![says(Claude, "Approve"), says(Codex, "Unclear")],
            Completed,
            true,
            Low,
            vec![K::VerdictConflict],
        ),
        (
            "an empty answer is a signal",
            Validate,
            vec![says(Claude, "Approve"), empty(Codex)],
            Completed,
            false,
            Low,
            vec![K::NotComparable, K::EmptyOutput],
        ),
        (
            "a failed seat is a signal",
            Validate,
            vec![says(Claude, "Approve"), failed(Codex)],
            Completed,
            false,
            Low,
            vec![K::NotComparable, K::SeatFailed],
        ),
        (
            "a skipped seat is a signal and partial while running",
            Validate,
            vec![pending(Claude), skipped(Gemini)],
            Partial,
            false,
            NoConfidence,
            vec![K::NotComparable, K::SeatPending, K::SeatSkipped],
        ),
        (
            "running",
            Validate,
            vec![pending(Claude), says(Codex, "Approve")],
            Running,
            false,
            Low,
            vec![K::NotComparable, K::SeatPending],
        ),
        (
            "nothing dispatched",
            Validate,
            vec![skipped(Claude), skipped(Codex)],
            NotStarted,
            false,
            NoConfidence,
            vec![K::NotComparable, K::SeatSkipped, K::SeatSkipped],
        ),
        (
            "all failed",
            Validate,
            vec![failed(Claude), failed(Codex)],
            Completed,
            false,
            NoConfidence,
            vec![K::NotComparable, K::SeatFailed, K::SeatFailed],
        ),
        (
            "one seat answers",
            Validate,
            vec![says(Claude, "Approve")],
            Completed,
            false,
            Medium,
            vec![],
        ),
        (
            "no verdict line",
            Validate,
            vec![
                says(Claude, "Approve"),
                finished(Codex, JobStatus::Completed, "I think so.", None, Some(0)),
            ],
            Completed,
            false,
            Low,
            vec![K::UnclassifiedVerdict, K::NotComparable],
        ),
        (
            "unreadable verdict",
            Validate,
            vec![says(Claude, "Approve"), says(Codex, "42")],
            Completed,
            false,
            Low,
            vec![K::UnclassifiedVerdict, K::NotComparable],
        ),
        (
            "consensus true vs mostly true",
            Consensus,
            vec![says(Claude, "True"), says(Codex, "Mostly true")],
            Completed,
            false,
            High,
            vec![],
        ),
        (
            "consensus true vs false",
            Consensus,
            vec![says(Claude, "True"), says(Codex, "False")],
            Completed,
            true,
            Low,
            vec![K::VerdictConflict],
        ),
        (
            "ask_model needs no verdict",
            AskModel,
            vec![finished(Claude, JobStatus::Completed, "42", None, Some(0))],
            Completed,
            false,
            Medium,
            vec![],
        ),
        (
            "canceled and orphaned are signals",
            Validate,
            vec![
                finished(Claude, JobStatus::Canceled, "", None, None),
                finished(Codex, JobStatus::Orphaned, "partial", None, None),
                says(Gemini, "Approve"),
            ],
            Completed,
            false,
            Low,
            vec![K::NotComparable, K::SeatCanceled, K::SeatOrphaned],
        ),
    ];
    for (name, intent, seats, status, material, confidence, kinds) in cases {
        let report = assemble(&header(intent), &seats, Synthesis::not_requested());
        let got_kinds: Vec<K> = report
            .disagreements
            .signals
            .iter()
            .map(|signal| signal.kind)
            .collect();
        assert_eq!(
            (
                report.status,
                report.disagreements.has_material_disagreement,
                report.confidence,
                got_kinds
            ),
            (status, material, confidence, kinds),
            "{name}"
        );
    }
}

#[test]
fn judge_running_keeps_the_run_open() {
    let mut synthesis = Synthesis::not_requested();
    synthesis.status = SynthesisStatus::Running;
    let report = assemble(
        &header(Intent::Validate),
        &[says(Claude, "Approve")],
        synthesis,
    );
    assert_eq!(report.status, RunStatus::Running);
}

#[test]
fn verdict_fields_follow_the_reference() {
    let seats = [
        says(Claude, "Approve with nits"),
        empty(Codex),
        failed(Gemini),
        pending(ProviderId::Grok),
        skipped(ProviderId::Mistral),
    ];
    let report = assemble(
        &header(Intent::Validate),
        &seats,
        Synthesis::not_requested(),
    );
    let verdicts: Vec<(Option<&str>, Option<VerdictClass>, bool)> = report
        .per_model_outputs
        .iter()
        .map(|output| {
            (
                output.verdict.as_deref(),
                output.verdict_class,
                output.empty_output,
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![
            (
                Some("Approve with nits"),
                Some(VerdictClass::ApproveWithChanges),
                false
            ),
            (None, None, true),
            (Some("failed"), None, false),
            (Some("pending"), None, false),
            (Some("not_run"), None, false),
        ]
    );
    assert_eq!(
        report.job_ids,
        vec!["job-claude", "job-codex", "job-gemini", "job-grok"]
    );
}

#[test]
fn disagreement_report_snapshot() {
    let seats = [
        says(Claude, "Approve"),
        says(Codex, "Reject — it drops the index"),
        failed(Gemini),
    ];
    let report = assemble(
        &header(Intent::Validate),
        &seats,
        Synthesis::not_requested(),
    );
    insta::assert_json_snapshot!(report);
    insta::assert_snapshot!("disagreement_text", crate::render::render_report(&report));
}

#[test]
fn agreement_report_text_snapshot() {
    let seats = [
        says(Claude, "Approve"),
        says(Codex, "Approve with changes"),
        skipped(Gemini),
    ];
    let report = assemble(
        &header(Intent::Validate),
        &seats,
        Synthesis::not_requested(),
    );
    insta::assert_snapshot!(crate::render::render_report(&report));
}

#[test]
fn rfc3339_formats_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
    assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
}
