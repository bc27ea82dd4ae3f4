//! `synthesize_validation`: a judge reads the seats' answers and writes one synthesis.
//!
//! Only completed, non-empty answers are evidence; every other seat is listed in `leftOut`
//! with its reason, so the synthesis never silently counts a missing reviewer.

use crate::assemble::{RESPONSE_MAX_CHARS, is_usable};
use crate::prompt::fenced;
use crate::report::{LeftOut, ModelOutput, SeatStatus};
use crate::request::{Intent, OriginalRequest};

/// Splits seat outputs into the judge's evidence and the left-out list.
pub fn select_evidence(outputs: &[ModelOutput]) -> (Vec<&ModelOutput>, Vec<LeftOut>) {
    let mut included = Vec::new();
    let mut left_out = Vec::new();
    for output in outputs {
        if is_usable(output) && output.response.is_some() {
            included.push(output);
            continue;
        }
        let reason = match output.status {
            SeatStatus::Completed => "answered with empty output".to_owned(),
            SeatStatus::Running => "still running".to_owned(),
            SeatStatus::Failed
            | SeatStatus::Canceled
            | SeatStatus::Orphaned
            | SeatStatus::Skipped => match output.error.as_deref() {
                Some(error) => format!(
                    "{}: {}",
                    output.status.as_str(),
                    crate::answer::cut(error, 200)
                ),
                None => output.status.as_str().to_owned(),
            },
        };
        left_out.push(LeftOut {
            provider: output.provider,
            reason,
        });
    }
    (included, left_out)
}

/// The judge prompt over `included` answers to the run's request.
pub fn synthesis_prompt(
    intent: Intent,
    request: &OriginalRequest,
    included: &[&ModelOutput],
) -> String {
    let mut prompt = format!(
        "You are the judge of a review panel. Below are the original request (a {} task) and the \
         answers of {} reviewers who worked independently. Build your synthesis only from these \
         answers: do not add findings of your own, and say where they are thin. Do not modify any \
         files or run commands that change anything.\n\n",
        intent.as_str().replace('_', " "),
        included.len()
    );
    for (tag, value) in [
        ("question", &request.question),
        ("content", &request.content),
        ("focus", &request.focus),
    ] {
        if let Some(text) = value.as_deref().filter(|text| !text.trim().is_empty()) {
            prompt.push_str(&fenced(tag, text));
            prompt.push_str("\n\n");
        }
    }
    for output in included {
        let tag = format!("answer_from_{}", output.provider);
        let mut text = output.response.clone().unwrap_or_default();
        if text.chars().count() >= RESPONSE_MAX_CHARS {
            text.push_str("\n[answer cut for length]");
        }
        prompt.push_str(&fenced(&tag, &text));
        prompt.push_str("\n\n");
    }
    prompt.push_str(
        "Reply in plain text under these headings, in this order:\n\
         Summary: what the panel concluded, in two or three sentences.\n\
         Agreements: the points the reviewers share.\n\
         Disagreements: where they differ, who said what, and which side the evidence favours.\n\
         Recommendation: what to do now.\n\
         Confidence: low, medium or high, with one sentence on why.\n\
         Limitations: what this synthesis cannot tell (missing reviewers, thin evidence).",
    );
    prompt
}
