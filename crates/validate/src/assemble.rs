//! Report assembly: seat outcomes in, [`ValidationReport`] out. Pure, so that every rule of the
//! report (run status, signals, material disagreement, confidence, recommendation, limitations)
//! is table-tested without processes.
//!
//! The rules, in short:
//! * a seat that is skipped, pending, failed, canceled, orphaned or answered empty is a
//!   **material signal**: silence is never agreement;
//! * answering seats are compared on the *stance* of their [`VerdictClass`]; approve and approve
//!   with changes share a stance (a `verdict_nuance`, not material); any other difference is a
//!   `verdict_conflict`; a verdict we cannot classify is material too (except for `ask_model`,
//!   whose raw answers carry no verdict);
//! * confidence: `none` without a usable answer, `low` on material disagreement, `medium` with
//!   exactly one usable answer, `high` otherwise (the reference's rules, on classes).

use std::collections::BTreeSet;

use gateway_core::{JobStatus, ProviderId};

use crate::answer::{RATIONALE_MAX_CHARS, cut, parse_answer};
use crate::report::{
    Confidence, Disagreements, ModelOutput, RawJobReference, RunStatus, SCHEMA_VERSION, SeatStatus,
    Signal, SignalKind, Synthesis, ValidationReport,
};
use crate::request::{Intent, OriginalRequest};
use crate::verdict::{VerdictClass, classify};

/// Longest answer text carried inline in a report.
pub const RESPONSE_MAX_CHARS: usize = 20_000;

/// The fixed facts of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunHeader {
    pub validation_id: String,
    pub started_at_ms: i64,
    pub intent: Intent,
    pub request: OriginalRequest,
    pub read_only: bool,
}

/// A job of the run: where to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRef {
    pub job_id: String,
    pub correlation_id: String,
}

/// Where one seat (or the judge) stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SeatState {
    /// Never dispatched: not installed, at capacity, refused by the builder.
    Skipped { reason: String },
    /// Dispatched and not finished (queued or running).
    Pending { job: JobRef },
    /// Terminal.
    Finished {
        job: JobRef,
        status: JobStatus,
        text: String,
        error: Option<String>,
        exit_code: Option<i32>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub provider: ProviderId,
    pub model: Option<String>,
    pub state: SeatState,
    pub warning: Option<String>,
}

/// Builds the report from the header, the seats (in the order asked) and the synthesis part.
pub fn assemble(header: &RunHeader, seats: &[Seat], synthesis: Synthesis) -> ValidationReport {
    let outputs: Vec<ModelOutput> = seats
        .iter()
        .map(|seat| model_output(seat, header.intent))
        .collect();
    let signals = signals(&outputs, header.intent);
    let has_material_disagreement = signals.iter().any(|signal| signal.material);
    let usable = outputs.iter().filter(|output| is_usable(output)).count();
    let confidence = match (usable, has_material_disagreement) {
        (0, _) => Confidence::None,
        (_, true) => Confidence::Low,
        (1, false) => Confidence::Medium,
        (_, false) => Confidence::High,
    };
    let judge_pending = matches!(synthesis.status, crate::report::SynthesisStatus::Running);
    let status = run_status(&outputs, judge_pending);
    let mut job_ids: Vec<String> = outputs
        .iter()
        .filter_map(|output| output.job_id.clone())
        .collect();
    job_ids.extend(
        synthesis
            .raw_job_reference
            .as_ref()
            .map(|reference| reference.job_id.clone()),
    );
    ValidationReport {
        schema_version: SCHEMA_VERSION.to_owned(),
        validation_id: header.validation_id.clone(),
        status,
        started_at: rfc3339(header.started_at_ms),
        intent: header.intent,
        original_request: header.request.clone(),
        model_list: seats.iter().map(|seat| seat.provider).collect(),
        read_only: header.read_only,
        final_recommendation: recommendation(&outputs, &signals, header.intent),
        limitations: limitations(&outputs, header),
        disagreements: Disagreements {
            has_material_disagreement,
            summary: summary(&signals),
            signals,
        },
        per_model_outputs: outputs,
        confidence,
        job_ids,
        synthesis,
    }
}

/// A completed seat with a non-empty answer: the only kind that can agree or disagree.
pub fn is_usable(output: &ModelOutput) -> bool {
    output.status == SeatStatus::Completed && !output.empty_output
}

pub(crate) fn model_output(seat: &Seat, intent: Intent) -> ModelOutput {
    let mut output = ModelOutput {
        provider: seat.provider,
        model: seat.model.clone(),
        status: SeatStatus::Skipped,
        verdict: None,
        verdict_class: None,
        rationale: None,
        risks: Vec::new(),
        next_step: None,
        response: None,
        job_id: None,
        correlation_id: None,
        exit_code: None,
        warning: seat.warning.clone(),
        error: None,
        empty_output: false,
        raw_job_reference: None,
    };
    let job = match &seat.state {
        SeatState::Skipped { reason } => {
            output.verdict = Some("not_run".to_owned());
            output.rationale = Some(reason.clone());
            output.risks = vec![reason.clone()];
            output.error = Some(reason.clone());
            return output;
        }
        SeatState::Pending { job } => {
            output.status = SeatStatus::Running;
            output.verdict = Some("pending".to_owned());
            job
        }
        SeatState::Finished {
            job,
            status,
            text,
            error,
            exit_code,
        } => {
            output.exit_code = *exit_code;
            output.error = error.clone();
            fill_finished(&mut output, *status, text, intent);
            job
        }
    };
    output.job_id = Some(job.job_id.clone());
    output.correlation_id = Some(job.correlation_id.clone());
    output.raw_job_reference = Some(RawJobReference::new(&job.job_id, &job.correlation_id));
    output
}

fn fill_finished(output: &mut ModelOutput, status: JobStatus, text: &str, intent: Intent) {
    let (seat_status, verdict) = match status {
        JobStatus::Queued | JobStatus::Running => (SeatStatus::Running, "pending"),
        JobStatus::Completed => (SeatStatus::Completed, "answered"),
        JobStatus::Failed => (SeatStatus::Failed, "failed"),
        JobStatus::Canceled => (SeatStatus::Canceled, "canceled"),
        JobStatus::Orphaned => (SeatStatus::Orphaned, "orphaned"),
    };
    output.status = seat_status;
    output.verdict = Some(verdict.to_owned());
    let text = text.trim();
    if !text.is_empty() {
        output.response = Some(cut(text, RESPONSE_MAX_CHARS));
    }
    if seat_status != SeatStatus::Completed {
        output.rationale = output.error.clone().or_else(|| {
            output
                .response
                .as_deref()
                .map(|text| cut(text, RATIONALE_MAX_CHARS))
        });
        output.risks = output.error.iter().cloned().collect();
        return;
    }
    if text.is_empty() {
        output.empty_output = true;
        output.verdict = None;
        return;
    }
    let parsed = parse_answer(text);
    if let Some(verdict) = &parsed.verdict {
        output.verdict = Some(verdict.clone());
    }
    output.verdict_class = match intent {
        Intent::AskModel => parsed
            .verdict
            .as_deref()
            .map(|verdict| classify(verdict, intent)),
        Intent::Validate | Intent::SecondOpinion | Intent::RedTeam | Intent::Consensus => Some(
            parsed
                .verdict
                .as_deref()
                .map_or(VerdictClass::Other, |verdict| classify(verdict, intent)),
        ),
    };
    output.rationale = parsed.rationale;
    output.risks = parsed.risks;
    output.next_step = parsed.next_step;
}

fn run_status(outputs: &[ModelOutput], judge_pending: bool) -> RunStatus {
    let dispatched = outputs
        .iter()
        .any(|output| output.status != SeatStatus::Skipped);
    let skipped = outputs
        .iter()
        .any(|output| output.status == SeatStatus::Skipped);
    let pending = judge_pending
        || outputs
            .iter()
            .any(|output| output.status == SeatStatus::Running);
    match (dispatched, pending, skipped) {
        (false, _, _) => RunStatus::NotStarted,
        (true, true, true) => RunStatus::Partial,
        (true, true, false) => RunStatus::Running,
        (true, false, _) => RunStatus::Completed,
    }
}

fn signals(outputs: &[ModelOutput], intent: Intent) -> Vec<Signal> {
    let mut signals: Vec<Signal> = Vec::new();
    let usable = outputs.iter().filter(|output| is_usable(output));
    let mut compared: Vec<&ModelOutput> = Vec::new();
    for output in usable {
        match output.verdict_class {
            Some(VerdictClass::Other) if intent != Intent::AskModel => signals.push(Signal {
                kind: SignalKind::UnclassifiedVerdict,
                material: true,
                providers: vec![output.provider],
                message: match output.verdict.as_deref() {
                    Some("answered") | None => format!("{} gave no verdict line", output.provider),
                    Some(verdict) => format!(
                        "{}'s verdict {verdict:?} could not be classified",
                        output.provider
                    ),
                },
            }),
            Some(VerdictClass::Other) | None => {}
            Some(_) => compared.push(output),
        }
    }
    let stances: BTreeSet<&str> = compared
        .iter()
        .filter_map(|output| output.verdict_class.map(|class| class.stance().as_str()))
        .collect();
    let listing = compared
        .iter()
        .map(|output| {
            format!(
                "{}: {}",
                output.provider,
                output.verdict_class.map_or("?", VerdictClass::as_str)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let providers = || compared.iter().map(|output| output.provider).collect();
    if stances.len() > 1 {
        signals.push(Signal {
            kind: SignalKind::VerdictConflict,
            material: true,
            providers: providers(),
            message: format!("verdicts differ ({listing})"),
        });
    } else if compared
        .windows(2)
        .any(|pair| pair[0].verdict_class != pair[1].verdict_class)
    {
        signals.push(Signal {
            kind: SignalKind::VerdictNuance,
            material: false,
            providers: providers(),
            message: format!("same stance, different strength ({listing})"),
        });
    }
    signals.extend(outputs.iter().filter_map(seat_signal));
    signals
}

fn seat_signal(output: &ModelOutput) -> Option<Signal> {
    let provider = output.provider;
    let detail = output
        .error
        .as_deref()
        .map(|error| format!(": {}", cut(error, 200)))
        .unwrap_or_default();
    let (kind, message) = match output.status {
        SeatStatus::Completed if output.empty_output => (
            SignalKind::EmptyOutput,
            format!("{provider} answered with empty output"),
        ),
        SeatStatus::Completed => return None,
        SeatStatus::Running => (
            SignalKind::SeatPending,
            format!("{provider} has not answered yet"),
        ),
        SeatStatus::Failed => {
            let code = output
                .exit_code
                .map(|code| format!(" (exit {code})"))
                .unwrap_or_default();
            (
                SignalKind::SeatFailed,
                format!("{provider} failed{code}{detail}"),
            )
        }
        SeatStatus::Canceled => (SignalKind::SeatCanceled, format!("{provider} was canceled")),
        SeatStatus::Orphaned => (
            SignalKind::SeatOrphaned,
            format!("{provider} was cut off when its gateway stopped"),
        ),
        SeatStatus::Skipped => (
            SignalKind::SeatSkipped,
            format!("{provider} was not run{detail}"),
        ),
    };
    Some(Signal {
        kind,
        material: true,
        providers: vec![provider],
        message,
    })
}

fn summary(signals: &[Signal]) -> String {
    let material: Vec<&str> = signals
        .iter()
        .filter(|signal| signal.material)
        .map(|signal| signal.message.as_str())
        .collect();
    if material.is_empty() {
        return "No material disagreement.".to_owned();
    }
    format!("Material disagreement: {}.", material.join("; "))
}

fn recommendation(outputs: &[ModelOutput], signals: &[Signal], intent: Intent) -> String {
    let pending = outputs
        .iter()
        .filter(|output| output.status == SeatStatus::Running)
        .count();
    let usable: Vec<&ModelOutput> = outputs.iter().filter(|output| is_usable(output)).collect();
    if pending > 0 {
        return format!(
            "Waiting for {pending} of {} models; call job_status with this validationId for the final report.",
            outputs.len()
        );
    }
    if usable.is_empty() {
        return "No model gave a usable answer; check the seats' errors (or run `llm-cli-gateway doctor`) before relying on anything here.".to_owned();
    }
    if intent == Intent::AskModel {
        return format!(
            "See {}'s answer.",
            usable
                .iter()
                .map(|output| output.provider.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(conflict) = signals
        .iter()
        .find(|signal| signal.kind == SignalKind::VerdictConflict)
    {
        return format!(
            "The models disagree: {}. Read each rationale, or call synthesize_validation for a judge's view, before acting.",
            conflict.message
        );
    }
    let shared = usable.iter().find_map(|output| {
        output
            .verdict_class
            .filter(|class| *class != VerdictClass::Other)
    });
    let mut text = match shared {
        Some(class) => format!(
            "{} of {} models: {}.",
            usable.len(),
            outputs.len(),
            stance_label(&usable, class)
        ),
        None => format!(
            "{} of {} models answered, but no verdict could be compared.",
            usable.len(),
            outputs.len()
        ),
    };
    let missing = outputs.len() - usable.len();
    if missing > 0 {
        text.push_str(&format!(
            " {missing} seat(s) gave no usable answer; weigh this accordingly."
        ));
    }
    if let Some((provider, step)) = usable.iter().find_map(|output| {
        output
            .next_step
            .as_ref()
            .map(|step| (output.provider, step))
    }) {
        text.push_str(&format!(
            " Suggested next step ({provider}): {}",
            cut(step, 300)
        ));
    }
    text
}

fn stance_label(usable: &[&ModelOutput], class: VerdictClass) -> String {
    let with_changes: Vec<&str> = usable
        .iter()
        .filter(|output| output.verdict_class == Some(VerdictClass::ApproveWithChanges))
        .map(|output| output.provider.as_str())
        .collect();
    match class.stance() {
        VerdictClass::Approve if with_changes.is_empty() => "approve".to_owned(),
        VerdictClass::Approve => {
            format!("approve (changes suggested by {})", with_changes.join(", "))
        }
        other => other.as_str().to_owned(),
    }
}

fn limitations(outputs: &[ModelOutput], header: &RunHeader) -> Vec<String> {
    let mut limitations = Vec::new();
    if header.intent != Intent::AskModel {
        limitations.push(
            "Each model answered independently; agreement between models is evidence, not proof."
                .to_owned(),
        );
    }
    if !header.read_only {
        limitations.push(
            "Seats ran with their normal permissions (readOnly: false), not read-only.".to_owned(),
        );
    }
    for output in outputs {
        let provider = output.provider;
        match output.status {
            SeatStatus::Skipped
            | SeatStatus::Failed
            | SeatStatus::Canceled
            | SeatStatus::Orphaned => {
                let reason = output.error.as_deref().unwrap_or(output.status.as_str());
                limitations.push(format!(
                    "{provider} did not answer ({}): {}",
                    output.status.as_str(),
                    cut(reason, 200)
                ));
            }
            SeatStatus::Completed if output.empty_output => {
                limitations.push(format!(
                    "{provider} answered with empty output; it is not counted as agreement."
                ));
            }
            SeatStatus::Completed | SeatStatus::Running => {}
        }
    }
    if outputs.iter().filter(|output| is_usable(output)).count() == 1 && outputs.len() > 1 {
        limitations
            .push("Only one model answered, so there was nothing to compare it with.".to_owned());
    }
    if outputs.iter().any(|output| {
        output.rationale.as_deref().is_some_and(|text| {
            text.ends_with("...") && text.chars().count() >= RATIONALE_MAX_CHARS
        })
    }) {
        limitations.push(format!("Rationales are cut at {RATIONALE_MAX_CHARS} characters; job_result returns whole answers."));
    }
    limitations
}

/// Milliseconds since the Unix epoch as RFC 3339 UTC (`2026-11-21T22:10:27.123Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian), after H. Hinnant's public-domain algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[path = "assemble_tests.rs"]
mod tests;
