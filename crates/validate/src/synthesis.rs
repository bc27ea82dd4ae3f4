//! `synthesize_validation`: a judge reads the seats' answers and writes one synthesis.
//!
//! Only completed, non-empty answers are evidence; every other seat is listed in `leftOut`
//! with its reason, so the synthesis never silently counts a missing reviewer.

use gateway_core::ProviderId;

use crate::assemble::{RESPONSE_MAX_CHARS, is_usable};
use crate::prompt::fenced;
use crate::report::{LeftOut, ModelOutput, SeatStatus};
use crate::request::{Intent, OriginalRequest};
use crate::verdict::{VerdictClass, classify};

/// The heading under which the judge reads verdicts for answers that gave none.
const VERDICTS_HEADING: &str = "Verdicts:";

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
    prompt.push_str(&verdicts_request(intent, included));
    prompt
}

/// Asks the judge to read a verdict for each included answer that has no comparable one.
fn verdicts_request(intent: Intent, included: &[&ModelOutput]) -> String {
    let unresolved: Vec<&str> = included
        .iter()
        .filter(|output| output.verdict_source.is_none())
        .map(|output| output.provider.as_str())
        .collect();
    if unresolved.is_empty() || intent == Intent::AskModel {
        return String::new();
    }
    let allowed = match intent {
        Intent::Consensus => "true, false, uncertain",
        Intent::Validate | Intent::SecondOpinion | Intent::RedTeam | Intent::AskModel => {
            "approve, approve with changes, reject, uncertain"
        }
    };
    format!(
        "\n{VERDICTS_HEADING} these reviewers gave no verdict of their own: {}. After Limitations, \
         write the heading \"{VERDICTS_HEADING}\" and under it one line per reviewer, \
         `<reviewer>: <verdict>`, the verdict being one of {allowed}, as that reviewer's own \
         words support it; write `<reviewer>: unclear` when they do not settle it.",
        unresolved.join(", ")
    )
}

/// The verdicts a judge read under its `Verdicts:` heading (`claude: approve` lines), for the
/// providers it names; unclear or unknown lines are left out.
pub fn judged_verdicts(response: &str, intent: Intent) -> Vec<(ProviderId, VerdictClass)> {
    let Some((_, after)) = response.rsplit_once(VERDICTS_HEADING) else {
        return Vec::new();
    };
    after
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches(['-', '*', ' ']);
            let (name, verdict) = line.split_once(':')?;
            let provider: ProviderId = name.trim().trim_matches(['*', '`']).parse().ok()?;
            let class = classify(verdict, intent);
            (class != VerdictClass::Other).then_some((provider, class))
        })
        .collect()
}
