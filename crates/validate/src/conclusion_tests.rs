//! The audit of every sentence a report can say (issue 19, item 4): every combination of seat
//! outcomes — verdict classes × sources × seat statuses — for 1 to 5 seats is assembled, and an
//! independent oracle checks each count, claim and name in the JSON and the text.

use gateway_core::JobStatus;
use gateway_core::ProviderId::{self, Claude, Codex, Gemini, Grok, Mistral};
use pretty_assertions::assert_eq;

use crate::assemble::{JobRef, RunHeader, Seat, SeatState, assemble};
use crate::render::render_report;
use crate::report::{Confidence, Synthesis, SynthesisStatus, ValidationReport, VerdictSource};
use crate::request::{Intent, OriginalRequest};
use crate::verdict::VerdictClass::{self, *};

const PROVIDERS: [ProviderId; 5] = [Claude, Codex, Gemini, Grok, Mistral];

/// One seat's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Stated(VerdictClass),
    Inferred(VerdictClass),
    /// Answered in prose without a verdict line or an explicit verdict word.
    NoVerdictLine,
    /// A verdict line that cannot be classified.
    Unclassifiable,
    /// No verdict line, but the judge read one (only with a completed synthesis).
    Judged(VerdictClass),
    Empty,
    Failed,
    Skipped,
    Canceled,
    Orphaned,
    Pending,
}

use Outcome::*;

const REVIEW_OUTCOMES: [Outcome; 16] = [
    Stated(Approve),
    Stated(ApproveWithChanges),
    Stated(Reject),
    Stated(Uncertain),
    Inferred(Approve),
    Inferred(ApproveWithChanges),
    Inferred(Reject),
    Inferred(Uncertain),
    NoVerdictLine,
    Unclassifiable,
    Empty,
    Failed,
    Skipped,
    Canceled,
    Orphaned,
    Pending,
];

fn header(intent: Intent) -> RunHeader {
    RunHeader {
        validation_id: "val-audit".to_owned(),
        started_at_ms: 1_795_000_000_000,
        intent,
        request: OriginalRequest {
            question: Some("Is it safe to retry the payment call on 502?".to_owned()),
            ..OriginalRequest::default()
        },
        read_only: true,
    }
}

fn word(class: VerdictClass) -> &'static str {
    match class {
        Approve => "approve",
        ApproveWithChanges => "approve with changes",
        Reject => "reject",
        Uncertain => "uncertain",
        True => "true",
        False => "false",
        Other => "42",
    }
}

fn inferred_text(class: VerdictClass) -> &'static str {
    match class {
        Approve => "I approve. The call is idempotent.",
        ApproveWithChanges => "I would approve this with minor changes: add a backoff.",
        Reject => "REJECT. Retrying on 502 can double-charge.",
        Uncertain => "I'm uncertain: it depends on the proxy.",
        True => "True. It holds.",
        False => "False. It does not hold.",
        Other => "Hmm.",
    }
}

fn seat(provider: ProviderId, outcome: Outcome) -> Seat {
    let job = JobRef {
        job_id: format!("job-{provider}"),
        correlation_id: format!("validation-val-audit-{provider}"),
    };
    let finished = |status: JobStatus, text: &str, error: Option<&str>| SeatState::Finished {
        job: job.clone(),
        status,
        text: text.to_owned(),
        error: error.map(str::to_owned),
        exit_code: Some(i32::from(status == JobStatus::Failed)),
    };
    let state = match outcome {
        Stated(class) => finished(
            JobStatus::Completed,
            &format!("Verdict: {}\nRationale: checked.\nRisks: none", word(class)),
            None,
        ),
        Inferred(class) => finished(JobStatus::Completed, inferred_text(class), None),
        NoVerdictLine | Judged(_) => finished(
            JobStatus::Completed,
            "Yes, it is safe to retry here because the handler dedups.",
            None,
        ),
        Unclassifiable => finished(JobStatus::Completed, "Verdict: 42\nRationale: x", None),
        Empty => finished(JobStatus::Completed, " \n", None),
        Failed => finished(JobStatus::Failed, "", Some("not logged in")),
        Canceled => finished(JobStatus::Canceled, "", None),
        Orphaned => finished(JobStatus::Orphaned, "", None),
        Skipped => SeatState::Skipped {
            reason: format!("`{provider}` is not installed"),
        },
        Pending => SeatState::Pending { job },
    };
    Seat {
        provider,
        model: None,
        state,
        warning: None,
    }
}

/// A completed synthesis whose judge read a verdict for every `Judged` seat.
fn synthesis(seats: &[(ProviderId, Outcome)]) -> Synthesis {
    let lines: Vec<String> = seats
        .iter()
        .filter_map(|(provider, outcome)| match outcome {
            Judged(class) => Some(format!("- {provider}: {}", word(*class))),
            _ => None,
        })
        .collect();
    if lines.is_empty() {
        return Synthesis::not_requested();
    }
    let mut synthesis = Synthesis::not_requested();
    synthesis.status = SynthesisStatus::Completed;
    synthesis.judge_model = Some(Claude);
    synthesis.included = seats.iter().map(|(provider, _)| *provider).collect();
    synthesis.response = Some(format!(
        "Summary: mixed.\nVerdicts:\n{}\nRecommendation: read them.",
        lines.join("\n")
    ));
    synthesis
}

/// What the report must say, computed from the outcomes alone.
struct Oracle {
    asked: usize,
    /// (class, seats with their source) in order of first appearance.
    groups: Vec<(VerdictClass, Vec<(ProviderId, VerdictSource)>)>,
    unresolved: Vec<ProviderId>,
    missing: Vec<ProviderId>,
    pending: usize,
}

impl Oracle {
    fn new(seats: &[(ProviderId, Outcome)]) -> Oracle {
        let mut oracle = Oracle {
            asked: seats.len(),
            groups: Vec::new(),
            unresolved: Vec::new(),
            missing: Vec::new(),
            pending: 0,
        };
        for (provider, outcome) in seats {
            let comparable = match outcome {
                Stated(class) => Some((*class, VerdictSource::Stated)),
                Inferred(class) => Some((*class, VerdictSource::Inferred)),
                Judged(class) => Some((*class, VerdictSource::Judged)),
                NoVerdictLine | Unclassifiable => {
                    oracle.unresolved.push(*provider);
                    None
                }
                Empty | Failed | Skipped | Canceled | Orphaned | Pending => {
                    oracle.missing.push(*provider);
                    oracle.pending += usize::from(*outcome == Pending);
                    None
                }
            };
            if let Some((class, source)) = comparable {
                match oracle.groups.iter_mut().find(|(known, _)| *known == class) {
                    Some((_, members)) => members.push((*provider, source)),
                    None => oracle.groups.push((class, vec![(*provider, source)])),
                }
            }
        }
        oracle
    }

    fn comparable(&self) -> usize {
        self.groups.iter().map(|(_, members)| members.len()).sum()
    }

    fn usable(&self) -> usize {
        self.asked - self.missing.len()
    }

    fn conflict(&self) -> bool {
        self.comparable() >= 2
            && self
                .groups
                .iter()
                .any(|(class, _)| class.stance() != self.groups[0].0.stance())
    }

    fn agree(&self) -> bool {
        self.comparable() >= 2 && !self.conflict()
    }

    fn confidence(&self) -> Confidence {
        if self.usable() == 0 {
            Confidence::None
        } else if self.asked == 1 && self.comparable() == 1 {
            Confidence::Medium
        } else if self.agree() && self.missing.is_empty() && self.unresolved.is_empty() {
            Confidence::High
        } else {
            Confidence::Low
        }
    }

    /// "2 of 3 approve: claude, codex (inferred)" for each group.
    fn clauses(&self) -> Vec<String> {
        self.groups
            .iter()
            .map(|(class, members)| {
                let names: Vec<String> = members
                    .iter()
                    .map(|(provider, source)| match source {
                        VerdictSource::Stated => provider.to_string(),
                        VerdictSource::Inferred => format!("{provider} (inferred)"),
                        VerdictSource::Judged => format!("{provider} (judged)"),
                    })
                    .collect();
                format!(
                    "{} of {} {}: {}",
                    members.len(),
                    self.asked,
                    crate::conclusion::class_phrase(*class),
                    names.join(", ")
                )
            })
            .collect()
    }
}

/// Every "N of M" in `text`: M is the seats asked and N a count the oracle knows.
fn check_counts(text: &str, oracle: &Oracle, case: &str) {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut allowed: Vec<usize> = oracle.groups.iter().map(|(_, m)| m.len()).collect();
    allowed.extend([oracle.comparable(), oracle.pending, oracle.missing.len()]);
    for window in words.windows(3) {
        let [n, "of", m] = window else { continue };
        let (Ok(n), Ok(m)) = (
            n.parse::<usize>(),
            m.trim_end_matches([',', ';', '.', ':', ')'])
                .parse::<usize>(),
        ) else {
            continue;
        };
        assert_eq!(m, oracle.asked, "{case}: `{n} of {m}` in {text:?}");
        assert!(
            allowed.contains(&n),
            "{case}: `{n} of {m}` is no true count in {text:?}"
        );
    }
}

fn audit(seats: &[(ProviderId, Outcome)], intent: Intent) {
    let case = format!("{seats:?}");
    let built: Vec<Seat> = seats.iter().map(|(p, o)| seat(*p, *o)).collect();
    let report = assemble(&header(intent), &built, synthesis(seats));
    let oracle = Oracle::new(seats);
    check_structure(&report, &oracle, &case);
    check_sentences(&report, &oracle, seats, &case);
}

fn check_structure(report: &ValidationReport, oracle: &Oracle, case: &str) {
    let tally = &report.verdicts;
    let groups: Vec<(VerdictClass, Vec<(ProviderId, VerdictSource)>)> = tally
        .groups
        .iter()
        .map(|g| {
            (
                g.class,
                g.seats.iter().map(|s| (s.provider, s.source)).collect(),
            )
        })
        .collect();
    assert_eq!(groups, oracle.groups, "{case}");
    assert_eq!(tally.asked, oracle.asked, "{case}");
    assert_eq!(tally.comparable, oracle.comparable(), "{case}");
    assert_eq!(tally.not_answered, oracle.missing, "{case}");
    let unresolved: Vec<ProviderId> = tally.unresolved.iter().map(|u| u.provider).collect();
    assert_eq!(unresolved, oracle.unresolved, "{case}");
    assert_eq!(
        report.disagreements.has_material_disagreement,
        oracle.conflict(),
        "{case}"
    );
    assert_eq!(report.confidence, oracle.confidence(), "{case}");
}

fn check_sentences(
    report: &ValidationReport,
    oracle: &Oracle,
    seats: &[(ProviderId, Outcome)],
    case: &str,
) {
    let summary = &report.disagreements.summary;
    let recommendation = &report.final_recommendation;
    let text = render_report(report);
    let said = format!("{summary}\n{recommendation}");
    for sentence in [summary, recommendation, &text] {
        check_counts(sentence, oracle, case);
    }
    let claims_conflict = [
        "Material disagreement",
        "models disagree",
        "verdicts differ",
    ]
    .iter()
    .any(|phrase| said.contains(phrase));
    assert_eq!(claims_conflict, oracle.conflict(), "{case}: {said}");
    assert_eq!(
        said.contains("No disagreement"),
        oracle.agree(),
        "{case}: {said}"
    );
    let not_comparable = oracle.asked > 1 && oracle.comparable() < 2;
    assert_eq!(
        summary.contains("Not comparable"),
        not_comparable,
        "{case}: {summary}"
    );
    if oracle.comparable() > 0 && oracle.asked > 1 || oracle.agree() {
        for clause in oracle.clauses() {
            assert!(
                summary.contains(&clause),
                "{case}: {clause:?} missing from {summary}"
            );
        }
    }
    if oracle.pending > 0 {
        let waiting = format!("Waiting for {} of {}", oracle.pending, oracle.asked);
        assert!(
            recommendation.starts_with(&waiting),
            "{case}: {recommendation}"
        );
    } else if oracle.usable() == 0 {
        assert!(
            recommendation.starts_with("No model gave a usable answer"),
            "{case}"
        );
    } else if not_comparable {
        assert!(
            recommendation.starts_with("The verdicts are not comparable"),
            "{case}"
        );
    }
    for (provider, outcome) in seats {
        check_seat_sentences(&said, &text, *provider, *outcome, case);
    }
}

/// What is said about one seat is what happened to it.
fn check_seat_sentences(
    said: &str,
    text: &str,
    provider: ProviderId,
    outcome: Outcome,
    case: &str,
) {
    let facts = [
        (
            format!("{provider} (inferred)"),
            matches!(outcome, Inferred(_)),
        ),
        (format!("{provider} (judged)"), matches!(outcome, Judged(_))),
        (
            format!("{provider} gave no verdict line"),
            outcome == NoVerdictLine,
        ),
        (
            format!("{provider} gave the verdict \"42\""),
            outcome == Unclassifiable,
        ),
        (format!("{provider} failed"), outcome == Failed),
        (format!("{provider} was not run"), outcome == Skipped),
        (format!("{provider} was canceled"), outcome == Canceled),
        (format!("{provider} was cut off"), outcome == Orphaned),
        (
            format!("{provider} answered with empty output"),
            outcome == Empty,
        ),
    ];
    for (phrase, true_of_seat) in facts {
        if said.contains(&phrase) {
            assert!(
                true_of_seat,
                "{case}: says {phrase:?} of a seat that was {outcome:?}"
            );
        }
    }
    let source = match outcome {
        Stated(class) => Some((class, "stated")),
        Inferred(class) => Some((class, "inferred")),
        Judged(class) => Some((class, "judged")),
        _ => None,
    };
    if let Some((class, source)) = source {
        let mark = format!("[{}, {source}]", class.as_str());
        assert!(text.contains(&mark), "{case}: {mark} missing from\n{text}");
    }
}

/// Multisets of `outcomes` of size `size`, seats in provider order.
fn combinations(outcomes: &[Outcome], size: usize) -> Vec<Vec<Outcome>> {
    fn go(
        outcomes: &[Outcome],
        size: usize,
        from: usize,
        acc: &mut Vec<Outcome>,
        out: &mut Vec<Vec<Outcome>>,
    ) {
        if acc.len() == size {
            out.push(acc.clone());
            return;
        }
        for index in from..outcomes.len() {
            acc.push(outcomes[index]);
            go(outcomes, size, index, acc, out);
            acc.pop();
        }
    }
    let mut out = Vec::new();
    go(outcomes, size, 0, &mut Vec::new(), &mut out);
    out
}

fn audit_all(outcomes: &[Outcome], intent: Intent, max_seats: usize) -> usize {
    let mut audited = 0;
    for size in 1..=max_seats {
        for combination in combinations(outcomes, size) {
            let seats: Vec<(ProviderId, Outcome)> =
                PROVIDERS.iter().copied().zip(combination).collect();
            audit(&seats, intent);
            audited += 1;
            if size == max_seats {
                continue;
            }
            // The same outcomes in reverse seat order: order must not change any truth.
            let reversed: Vec<(ProviderId, Outcome)> = PROVIDERS
                .iter()
                .copied()
                .zip(seats.iter().rev().map(|(_, outcome)| *outcome))
                .collect();
            audit(&reversed, intent);
            audited += 1;
        }
    }
    audited
}

#[test]
fn every_sentence_is_true_for_every_review_outcome_of_one_to_five_seats() {
    let audited = audit_all(&REVIEW_OUTCOMES, Intent::Validate, 5);
    assert_eq!(audited, 2 * (16 + 136 + 816 + 3876) + 15504);
}

#[test]
fn every_sentence_is_true_for_consensus_and_judged_verdicts() {
    let consensus = [
        Stated(True),
        Stated(False),
        Stated(Uncertain),
        Inferred(True),
        Inferred(False),
        NoVerdictLine,
        Failed,
        Pending,
    ];
    audit_all(&consensus, Intent::Consensus, 4);
    let judged = [
        Stated(Approve),
        Inferred(Reject),
        Judged(Approve),
        Judged(Reject),
        NoVerdictLine,
        Failed,
    ];
    audit_all(&judged, Intent::SecondOpinion, 4);
}

fn report_of(seats: &[(ProviderId, &str)]) -> ValidationReport {
    let built: Vec<Seat> = seats
        .iter()
        .map(|(provider, text)| {
            let mut built = seat(*provider, Stated(Approve));
            built.state = SeatState::Finished {
                job: JobRef {
                    job_id: format!("job-{provider}"),
                    correlation_id: format!("validation-val-audit-{provider}"),
                },
                status: JobStatus::Completed,
                text: (*text).to_owned(),
                error: None,
                exit_code: Some(0),
            };
            built
        })
        .collect();
    assemble(
        &header(Intent::Validate),
        &built,
        Synthesis::not_requested(),
    )
}

/// The first case: one stated approve, one prose approval with changes, one prose
/// rejection. Before: "3 of 3 models: approve."
#[test]
fn one_approve_one_with_changes_one_reject_is_reported_as_such() {
    let report = report_of(&[
        (
            Claude,
            "Verdict: APPROVE — the handler dedups on the idempotency key.\nRationale: keys are stored first.",
        ),
        (
            Codex,
            "I would approve this with minor changes: cap the retries at three and add jitter.",
        ),
        (
            Gemini,
            "REJECT. Retrying on 502 can double-charge when the first attempt committed.",
        ),
    ]);
    assert_eq!(report.confidence, Confidence::Low);
    insta::assert_json_snapshot!("issue_case_mixed_verdicts", report.verdicts);
    insta::assert_snapshot!("issue_case_mixed_verdicts_text", render_report(&report));
}

/// The second case: three prose agreements. Before: "Material disagreement".
#[test]
fn prose_agreement_without_verdicts_is_not_called_disagreement() {
    let report = report_of(&[
        (
            Claude,
            "Yes, it is safe to retry: the endpoint is idempotent.",
        ),
        (Codex, "Safe to retry — the server dedups by key."),
        (
            Gemini,
            "Retrying is fine here because the key is checked first.",
        ),
    ]);
    assert!(!report.disagreements.has_material_disagreement);
    assert_eq!(report.confidence, Confidence::Low);
    insta::assert_snapshot!("issue_case_prose_agreement_text", render_report(&report));
}
