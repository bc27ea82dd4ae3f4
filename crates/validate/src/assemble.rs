//! Report assembly: seat outcomes in, [`ValidationReport`] out. Pure, so that every rule of the
//! report (run status, signals, material disagreement, confidence, recommendation, limitations)
//! is table-tested without processes.
//!
//! The rules, in short:
//! * a seat that is skipped, pending, failed, canceled, orphaned or answered empty is a
//!   **material signal**: silence is never agreement;
//! * a verdict is stated (a `Verdict:` line), inferred (an explicit verdict word in the first
//!   sentence, [`crate::infer`]) or judged (read by the synthesis judge); anything else is
//!   unresolved, a material signal, never a disagreement;
//! * what the verdicts say together, every sentence and count, comes from
//!   [`crate::conclusion`]: agreement or disagreement only over two or more comparable verdicts;
//! * confidence: `none` without a usable answer, `low` with any material signal, `medium` with
//!   exactly one usable answer, `high` otherwise.

use gateway_core::{JobStatus, ProviderId};

use crate::answer::{RATIONALE_MAX_CHARS, VERDICT_MAX_CHARS, cut, parse_answer};
use crate::conclusion::conclude;
use crate::infer::{first_sentence, infer_verdict};
use crate::report::{
    Disagreements, ModelOutput, RawJobReference, RunStatus, SCHEMA_VERSION, SeatStatus, Synthesis,
    ValidationReport, VerdictSource,
};
use crate::request::{Intent, OriginalRequest};
use crate::synthesis::judged_verdicts;
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
    let mut outputs: Vec<ModelOutput> = seats
        .iter()
        .map(|seat| model_output(seat, header.intent))
        .collect();
    apply_judged(&mut outputs, &synthesis, header.intent);
    let conclusion = conclude(&outputs, header.intent);
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
        final_recommendation: conclusion.recommendation,
        limitations: limitations(&outputs, header),
        disagreements: Disagreements {
            has_material_disagreement: conclusion.has_material_disagreement,
            summary: conclusion.summary,
            signals: conclusion.signals,
        },
        verdicts: conclusion.tally,
        per_model_outputs: outputs,
        confidence: conclusion.confidence,
        job_ids,
        synthesis,
    }
}

/// Gives each unresolved seat the verdict the synthesis judge read for it, marked `judged`.
fn apply_judged(outputs: &mut [ModelOutput], synthesis: &Synthesis, intent: Intent) {
    let Some(response) = synthesis.response.as_deref() else {
        return;
    };
    for (provider, class) in judged_verdicts(response, intent) {
        let unresolved = outputs.iter_mut().find(|output| {
            output.provider == provider
                && is_usable(output)
                && output.verdict_source.is_none()
                && synthesis.included.contains(&provider)
        });
        if let Some(output) = unresolved {
            output.verdict_class = Some(class);
            output.verdict_source = Some(VerdictSource::Judged);
        }
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
        verdict_source: None,
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
    let (verdict, class, source) = read_verdict(parsed.verdict.as_deref(), text, intent);
    if let Some(verdict) = verdict {
        output.verdict = Some(verdict);
    }
    output.verdict_class = class;
    output.verdict_source = source;
    output.rationale = parsed.rationale;
    output.risks = parsed.risks;
    output.next_step = parsed.next_step;
}

/// The verdict text, class and source of a completed answer: the stated `Verdict:` line when
/// there is one, else an inference from the first sentence (not for `ask_model`), else
/// [`VerdictClass::Other`] for reviewer intents (no source: nothing comparable).
fn read_verdict(
    stated: Option<&str>,
    text: &str,
    intent: Intent,
) -> (Option<String>, Option<VerdictClass>, Option<VerdictSource>) {
    if let Some(verdict) = stated {
        let class = classify(verdict, intent);
        let source = (class != VerdictClass::Other).then_some(VerdictSource::Stated);
        return (Some(verdict.to_owned()), Some(class), source);
    }
    if let Some(class) = infer_verdict(text, intent) {
        let sentence = first_sentence(text).map(|sentence| cut(&sentence, VERDICT_MAX_CHARS));
        return (sentence, Some(class), Some(VerdictSource::Inferred));
    }
    match intent {
        Intent::AskModel => (None, None, None),
        Intent::Validate | Intent::SecondOpinion | Intent::RedTeam | Intent::Consensus => {
            (None, Some(VerdictClass::Other), None)
        }
    }
}

pub(crate) fn run_status(outputs: &[ModelOutput], judge_pending: bool) -> RunStatus {
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
