//! Review reports from seat outcomes: merged findings with true corroboration counts, single
//! findings kept, failed and unreadable seats reported.

use gateway_core::JobStatus;
use gateway_core::ProviderId::{self, Claude, Codex, Gemini, Grok};
use pretty_assertions::assert_eq;

use super::*;
use crate::assemble::JobRef;
use crate::review::diff::DiffStats;

fn header() -> ReviewHeader {
    ReviewHeader {
        review_id: "val-review".to_owned(),
        started_at_ms: 1_795_000_000_000,
        working_dir: "/repo".to_owned(),
        target: DiffTarget::Base("main".to_owned()),
        focus: None,
        diff: DiffStats {
            bytes: 420,
            files: vec!["src/pay.rs".to_owned()],
            added_lines: 6,
            removed_lines: 1,
        },
    }
}

fn seat(provider: ProviderId, status: JobStatus, text: &str) -> Seat {
    Seat {
        provider,
        model: None,
        state: SeatState::Finished {
            job: JobRef {
                job_id: format!("job-{provider}"),
                correlation_id: format!("review-val-review-{provider}"),
            },
            status,
            text: text.to_owned(),
            error: (status == JobStatus::Failed).then(|| "not logged in".to_owned()),
            exit_code: Some(i32::from(status == JobStatus::Failed)),
        },
        warning: None,
    }
}

const CLAUDE: &str = r#"```json
{"verdict": "reject", "summary": "Retries can double-charge.", "findings": [
 {"file": "src/pay.rs", "startLine": 10, "endLine": 12, "severity": "high", "title": "Retry double-charges the customer", "rationale": "no idempotency key"},
 {"file": "src/pay.rs", "startLine": 3, "endLine": 3, "severity": "low", "title": "Magic retry count", "rationale": "name it"}]}
```"#;

const CODEX: &str = r#"{"verdict": "approve with changes", "summary": "Add a key.", "findings": [
 {"file": "b/src/pay.rs", "startLine": 11, "severity": "critical", "title": "Double charge on retry", "rationale": "POST is not idempotent"}]}"#;

#[test]
fn merged_findings_count_seats_keep_singles_and_list_failures() {
    let seats = [
        seat(Claude, JobStatus::Completed, CLAUDE),
        seat(Codex, JobStatus::Completed, CODEX),
        seat(Gemini, JobStatus::Failed, ""),
        seat(Grok, JobStatus::Completed, "Looks fine to me overall."),
    ];
    let report = assemble_review(&header(), &seats);
    let findings: Vec<(&str, usize, usize, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.title.as_str(),
                f.corroboration,
                f.reviewers,
                f.label.as_str(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        vec![
            (
                "Double charge on retry",
                2,
                4,
                "corroborated by 2 of 4 models (claude, codex)"
            ),
            (
                "Magic retry count",
                1,
                4,
                "reported by 1 of 4 models (claude)"
            ),
        ]
    );
    assert_eq!(report.verdicts.not_answered, vec![Gemini]);
    assert!(
        report.has_material_disagreement,
        "reject vs approve with changes"
    );
    assert_eq!(report.confidence, Confidence::Low);
    assert!(
        report.signals.iter().any(|s| s
            .message
            .starts_with("grok answered without a readable findings object")),
        "{:?}",
        report.signals
    );
    insta::assert_json_snapshot!("review_report", report);
    insta::assert_snapshot!("review_text", crate::review::render::render_review(&report));
}

#[test]
fn a_running_review_waits_and_nothing_read_says_so() {
    let mut pending = seat(Claude, JobStatus::Completed, CLAUDE);
    pending.state = SeatState::Pending {
        job: JobRef {
            job_id: "job-claude".to_owned(),
            correlation_id: "review-val-review-claude".to_owned(),
        },
    };
    let report = assemble_review(
        &header(),
        &[pending, seat(Codex, JobStatus::Completed, CODEX)],
    );
    assert_eq!(report.status, RunStatus::Running);
    assert!(
        report
            .final_recommendation
            .starts_with("Waiting for 1 of 2 models"),
        "{}",
        report.final_recommendation
    );

    let report = assemble_review(&header(), &[seat(Codex, JobStatus::Failed, "")]);
    assert!(report.findings.is_empty());
    assert_eq!(report.confidence, Confidence::None);
    assert!(
        report
            .final_recommendation
            .starts_with("No model returned readable findings")
    );
}
