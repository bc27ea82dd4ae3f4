//! The `review-report.v1` document and its assembly from seat outcomes. Pure: the verdict
//! counts, signals and confidence come from [`crate::conclusion`] (the same audited sentences as
//! validation reports), the findings from [`crate::review::merge`].

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::answer::cut;
use crate::assemble::{Seat, SeatState, is_usable, model_output, rfc3339, run_status};
use crate::conclusion::{conclude, not_answered_text, tally_text};
use crate::report::{
    Confidence, ModelOutput, RawJobReference, RunStatus, SeatStatus, Signal, SignalKind,
    TallyOutcome, VerdictSource, VerdictTally,
};
use crate::request::Intent;
use crate::review::diff::{DiffStats, DiffTarget};
use crate::review::findings::{Finding, parse_seat_answer};
use crate::review::merge::{LINE_SLACK, MergedFinding, merge_findings};
use crate::verdict::{VerdictClass, classify};

/// `schemaVersion` of every review report.
pub const REVIEW_SCHEMA_VERSION: &str = "review-report.v1";

/// The fixed facts of a review run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewHeader {
    pub review_id: String,
    pub started_at_ms: i64,
    pub working_dir: String,
    pub target: DiffTarget,
    pub focus: Option<String>,
    pub diff: DiffStats,
}

/// One review run as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReviewReport {
    pub schema_version: String,
    pub review_id: String,
    pub status: RunStatus,
    pub started_at: String,
    pub working_dir: String,
    pub target: DiffTarget,
    /// The target in words ("uncommitted changes against HEAD").
    pub target_description: String,
    pub focus: Option<String>,
    pub diff: DiffStats,
    /// The providers asked, in order, skipped ones included.
    pub model_list: Vec<ProviderId>,
    pub seats: Vec<ReviewSeat>,
    /// Merged findings, most corroborated and most severe first; single-seat ones included.
    pub findings: Vec<MergedFinding>,
    /// Who holds which overall verdict.
    pub verdicts: VerdictTally,
    /// True only when two or more comparable verdicts differ in stance.
    pub has_material_disagreement: bool,
    pub summary: String,
    pub signals: Vec<Signal>,
    pub confidence: Confidence,
    pub final_recommendation: String,
    pub limitations: Vec<String>,
    pub job_ids: Vec<String>,
}

/// One reviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReviewSeat {
    pub provider: ProviderId,
    pub model: Option<String>,
    pub status: SeatStatus,
    /// Whether the answer's findings object could be read (its findings are merged).
    pub findings_read: bool,
    /// Findings this seat reported.
    pub finding_count: usize,
    pub verdict: Option<String>,
    pub verdict_class: Option<VerdictClass>,
    pub verdict_source: Option<VerdictSource>,
    pub summary: Option<String>,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub warning: Option<String>,
    pub raw_job_reference: Option<RawJobReference>,
}

/// Builds the report from the header and the seats (in the order asked).
pub fn assemble_review(header: &ReviewHeader, seats: &[Seat]) -> ReviewReport {
    let mut outputs = Vec::with_capacity(seats.len());
    let mut review_seats = Vec::with_capacity(seats.len());
    let mut read: Vec<(ProviderId, Vec<Finding>)> = Vec::new();
    for seat in seats {
        let (output, review_seat, findings) = read_seat(seat);
        if let Some(findings) = findings {
            read.push((seat.provider, findings));
        }
        outputs.push(output);
        review_seats.push(review_seat);
    }
    let conclusion = conclude(&outputs, Intent::Validate);
    let mut signals = conclusion.signals;
    signals.extend(unreadable_signals(&review_seats));
    let confidence = match signals.iter().any(|signal| signal.material) {
        true => conclusion.confidence.min(Confidence::Low),
        false => conclusion.confidence,
    };
    let findings = merge_findings(&read, seats.len());
    ReviewReport {
        schema_version: REVIEW_SCHEMA_VERSION.to_owned(),
        review_id: header.review_id.clone(),
        status: run_status(&outputs, false),
        started_at: rfc3339(header.started_at_ms),
        working_dir: header.working_dir.clone(),
        target_description: header.target.describe(),
        target: header.target.clone(),
        focus: header.focus.clone(),
        diff: header.diff.clone(),
        model_list: seats.iter().map(|seat| seat.provider).collect(),
        final_recommendation: recommendation(&outputs, &conclusion.tally, &findings, read.len()),
        limitations: limitations(header, &review_seats),
        seats: review_seats,
        findings,
        verdicts: conclusion.tally,
        has_material_disagreement: conclusion.has_material_disagreement,
        summary: conclusion.summary,
        signals,
        confidence,
        job_ids: outputs
            .iter()
            .filter_map(|output| output.job_id.clone())
            .collect(),
    }
}

/// The seat as a validation output (for the audited counts), as a review seat, and its
/// findings when its answer could be read.
fn read_seat(seat: &Seat) -> (ModelOutput, ReviewSeat, Option<Vec<Finding>>) {
    let mut output = model_output(seat, Intent::Validate);
    let parsed = match &seat.state {
        SeatState::Finished { text, .. } if is_usable(&output) => parse_seat_answer(text),
        SeatState::Finished { .. } | SeatState::Pending { .. } | SeatState::Skipped { .. } => None,
    };
    if let Some(verdict) = parsed.as_ref().and_then(|answer| answer.verdict.as_deref()) {
        let class = classify(verdict, Intent::Validate);
        output.verdict = Some(verdict.to_owned());
        output.verdict_class = Some(class);
        output.verdict_source = (class != VerdictClass::Other).then_some(VerdictSource::Stated);
    }
    let review_seat = ReviewSeat {
        provider: seat.provider,
        model: output.model.clone(),
        status: output.status,
        findings_read: parsed.is_some(),
        finding_count: parsed.as_ref().map_or(0, |answer| answer.findings.len()),
        verdict: output.verdict.clone(),
        verdict_class: output.verdict_class,
        verdict_source: output.verdict_source,
        summary: parsed.as_ref().and_then(|answer| answer.summary.clone()),
        exit_code: output.exit_code,
        error: output.error.clone(),
        warning: output.warning.clone(),
        raw_job_reference: output.raw_job_reference.clone(),
    };
    (output, review_seat, parsed.map(|answer| answer.findings))
}

fn unreadable_signals(seats: &[ReviewSeat]) -> Vec<Signal> {
    seats
        .iter()
        .filter(|seat| seat.status == SeatStatus::Completed && !seat.findings_read)
        .map(|seat| Signal {
            kind: SignalKind::UnclassifiedVerdict,
            material: true,
            providers: vec![seat.provider],
            message: format!(
                "{} answered without a readable findings object; its findings are not merged (job_result has its answer)",
                seat.provider
            ),
        })
        .collect()
}

fn recommendation(
    outputs: &[ModelOutput],
    tally: &VerdictTally,
    findings: &[MergedFinding],
    reviewers: usize,
) -> String {
    let pending = outputs
        .iter()
        .filter(|output| output.status == SeatStatus::Running)
        .count();
    if pending > 0 {
        return format!(
            "Waiting for {pending} of {} models; call job_status with this reviewId for the final report.",
            outputs.len()
        );
    }
    if reviewers == 0 {
        return "No model returned readable findings; check the seats' errors (job_result, or `llm-cli-gateway doctor`) before relying on anything here.".to_owned();
    }
    let corroborated = findings
        .iter()
        .filter(|finding| finding.corroboration > 1)
        .count();
    let mut text = format!(
        "{} finding(s) from the {reviewers} of {} models whose findings could be read: {corroborated} corroborated by more than one model, {} reported by one (kept; check each).",
        findings.len(),
        tally.asked,
        findings.len() - corroborated
    );
    let verdicts = match tally.outcome {
        TallyOutcome::NotComparable | TallyOutcome::NotApplicable => format!(
            " Overall verdicts are not comparable: {} of {} reviewers gave one{}.",
            tally.comparable,
            tally.asked,
            match tally.comparable {
                0 => String::new(),
                _ => format!(" ({})", tally_text(tally)),
            }
        ),
        TallyOutcome::Conflict => format!(" The reviewers disagree: {}.", tally_text(tally)),
        TallyOutcome::Agree | TallyOutcome::SameStance | TallyOutcome::Single => {
            format!(" Verdicts: {}.", tally_text(tally))
        }
    };
    text.push_str(&verdicts);
    if let Some(missing) = not_answered_text(tally) {
        text.push_str(&format!(" {missing}."));
    }
    text
}

fn limitations(header: &ReviewHeader, seats: &[ReviewSeat]) -> Vec<String> {
    let mut limitations = vec![
        "Each model reviewed independently; corroboration is evidence, not proof.".to_owned(),
        format!(
            "Findings are merged when they name the same file, lines within {LINE_SLACK} of each other and share title keywords; a missed merge shows one issue twice, it never hides one."
        ),
    ];
    if header.target == DiffTarget::WorkingTree {
        limitations.push(
            "Untracked files are not in `git diff HEAD`; `git add -N <file>` them to include them."
                .to_owned(),
        );
    }
    for seat in seats {
        let reason = seat
            .error
            .as_deref()
            .map(|error| format!(": {}", cut(error, 200)));
        match seat.status {
            SeatStatus::Skipped
            | SeatStatus::Failed
            | SeatStatus::Canceled
            | SeatStatus::Orphaned => {
                limitations.push(format!(
                    "{} did not review ({}){}",
                    seat.provider,
                    seat.status.as_str(),
                    reason.unwrap_or_default()
                ));
            }
            SeatStatus::Completed | SeatStatus::Running => {}
        }
    }
    limitations
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
