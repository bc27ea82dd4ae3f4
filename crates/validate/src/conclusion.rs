//! What a report concludes from its seats: the verdict tally, the signals, the summary, the
//! recommendation and the confidence. Pure, and audited by a table test over every combination
//! of seat outcomes (`conclusion_tests.rs`).
//!
//! The rule every sentence follows: a count names its seats, and its `M` is the number of seats
//! asked. Agreement or disagreement is only ever stated over two or more comparable verdicts
//! (stated, inferred or judged); with fewer the report says the verdicts are not comparable and
//! why. A seat without a usable answer is missing evidence, never agreement or disagreement.

use gateway_core::ProviderId;

use crate::answer::cut;
use crate::assemble::is_usable;
use crate::infer::first_sentence;
use crate::report::{
    Confidence, ModelOutput, SeatStatus, Signal, SignalKind, TalliedSeat, TallyOutcome, Unresolved,
    VerdictGroup, VerdictSource, VerdictTally,
};
use crate::request::Intent;
use crate::verdict::VerdictClass;

/// The conclusion of a report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conclusion {
    pub(crate) tally: VerdictTally,
    pub(crate) signals: Vec<Signal>,
    pub(crate) summary: String,
    pub(crate) recommendation: String,
    pub(crate) confidence: Confidence,
    pub(crate) has_material_disagreement: bool,
}

/// Concludes over `outputs`, the seats in the order asked.
pub(crate) fn conclude(outputs: &[ModelOutput], intent: Intent) -> Conclusion {
    let tally = tally(outputs, intent);
    let signals = signals(outputs, &tally);
    let material = signals.iter().any(|signal| signal.material);
    let usable = outputs.iter().filter(|output| is_usable(output)).count();
    let confidence = match (usable, material) {
        (0, _) => Confidence::None,
        (_, true) => Confidence::Low,
        (1, false) => Confidence::Medium,
        (_, false) => Confidence::High,
    };
    Conclusion {
        summary: summary(&tally, &signals),
        recommendation: recommendation(outputs, &tally, intent),
        has_material_disagreement: tally.outcome == TallyOutcome::Conflict,
        tally,
        signals,
        confidence,
    }
}

/// Who holds which verdict.
pub fn tally(outputs: &[ModelOutput], intent: Intent) -> VerdictTally {
    let mut tally = VerdictTally {
        asked: outputs.len(),
        ..VerdictTally::default()
    };
    for output in outputs {
        if !is_usable(output) {
            tally.not_answered.push(output.provider);
            continue;
        }
        if intent == Intent::AskModel {
            continue;
        }
        match comparable(output) {
            Some((class, source)) => add(&mut tally.groups, class, output.provider, source),
            None => tally.unresolved.push(Unresolved {
                provider: output.provider,
                reason: unresolved_reason(output),
            }),
        }
    }
    tally.comparable = tally.groups.iter().map(|group| group.seats.len()).sum();
    tally.outcome = outcome(&tally, intent);
    tally
}

fn comparable(output: &ModelOutput) -> Option<(VerdictClass, VerdictSource)> {
    match (output.verdict_class, output.verdict_source) {
        (Some(VerdictClass::Other) | None, _) | (_, None) => None,
        (Some(class), Some(source)) => Some((class, source)),
    }
}

fn add(
    groups: &mut Vec<VerdictGroup>,
    class: VerdictClass,
    provider: ProviderId,
    source: VerdictSource,
) {
    let seat = TalliedSeat { provider, source };
    match groups.iter_mut().find(|group| group.class == class) {
        Some(group) => group.seats.push(seat),
        None => groups.push(VerdictGroup {
            class,
            seats: vec![seat],
        }),
    }
}

fn unresolved_reason(output: &ModelOutput) -> String {
    match output.verdict.as_deref() {
        Some("answered") | None => {
            let opening = output
                .response
                .as_deref()
                .and_then(first_sentence)
                .unwrap_or_else(|| output.response.clone().unwrap_or_default());
            format!(
                "gave no verdict line (its answer begins \"{}\")",
                cut(&gateway_core::event::one_line(&opening, 200), 60)
            )
        }
        Some(verdict) => format!(
            "gave the verdict \"{}\", which could not be classified",
            cut(verdict, 60)
        ),
    }
}

fn outcome(tally: &VerdictTally, intent: Intent) -> TallyOutcome {
    if intent == Intent::AskModel {
        return TallyOutcome::NotApplicable;
    }
    if tally.comparable < 2 {
        return if tally.asked == 1 && tally.comparable == 1 {
            TallyOutcome::Single
        } else {
            TallyOutcome::NotComparable
        };
    }
    let first_stance = tally.groups.first().map(|group| group.class.stance());
    if tally
        .groups
        .iter()
        .any(|group| Some(group.class.stance()) != first_stance)
    {
        TallyOutcome::Conflict
    } else if tally.groups.len() > 1 {
        TallyOutcome::SameStance
    } else {
        TallyOutcome::Agree
    }
}

/// "1 of 3 approve: claude; 1 of 3 reject: gemini (inferred)".
pub fn tally_text(tally: &VerdictTally) -> String {
    tally
        .groups
        .iter()
        .map(|group| {
            let seats = group
                .seats
                .iter()
                .map(|seat| seat_label(*seat))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{} of {} {}: {seats}",
                group.seats.len(),
                tally.asked,
                class_phrase(group.class)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn seat_label(seat: TalliedSeat) -> String {
    match seat.source {
        VerdictSource::Stated => seat.provider.as_str().to_owned(),
        VerdictSource::Inferred | VerdictSource::Judged => {
            format!("{} ({})", seat.provider, seat.source.as_str())
        }
    }
}

/// How a class reads after "N of M".
pub fn class_phrase(class: VerdictClass) -> &'static str {
    match class {
        VerdictClass::Approve => "approve",
        VerdictClass::ApproveWithChanges => "approve with changes",
        VerdictClass::Reject => "reject",
        VerdictClass::Uncertain => "uncertain",
        VerdictClass::True => "say true",
        VerdictClass::False => "say false",
        VerdictClass::Other => "gave other verdicts",
    }
}

/// "only 1 of 3 models gave a verdict that can be compared (…)".
fn not_comparable_text(tally: &VerdictTally) -> String {
    match tally.comparable {
        0 => format!(
            "none of the {} models gave a verdict that can be compared",
            tally.asked
        ),
        count => format!(
            "only {count} of {} models gave a verdict that can be compared ({})",
            tally.asked,
            tally_text(tally)
        ),
    }
}

fn signals(outputs: &[ModelOutput], tally: &VerdictTally) -> Vec<Signal> {
    let mut signals: Vec<Signal> = tally
        .unresolved
        .iter()
        .map(|seat| Signal {
            kind: SignalKind::UnclassifiedVerdict,
            material: true,
            providers: vec![seat.provider],
            message: format!("{} {}", seat.provider, seat.reason),
        })
        .collect();
    let compared = || {
        tally
            .groups
            .iter()
            .flat_map(|group| group.seats.iter().map(|seat| seat.provider))
            .collect()
    };
    let verdicts = match tally.outcome {
        TallyOutcome::Conflict => Some((
            SignalKind::VerdictConflict,
            true,
            compared(),
            format!("verdicts differ ({})", tally_text(tally)),
        )),
        TallyOutcome::SameStance => Some((
            SignalKind::VerdictNuance,
            false,
            compared(),
            format!("same stance, different strength ({})", tally_text(tally)),
        )),
        TallyOutcome::NotComparable if tally.asked > 1 => Some((
            SignalKind::NotComparable,
            true,
            compared(),
            not_comparable_text(tally),
        )),
        TallyOutcome::NotComparable
        | TallyOutcome::Agree
        | TallyOutcome::Single
        | TallyOutcome::NotApplicable => None,
    };
    signals.extend(verdicts.map(|(kind, material, providers, message)| Signal {
        kind,
        material,
        providers,
        message,
    }));
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

fn summary(tally: &VerdictTally, signals: &[Signal]) -> String {
    let others: Vec<&str> = signals
        .iter()
        .filter(|signal| {
            signal.material
                && !matches!(
                    signal.kind,
                    SignalKind::VerdictConflict | SignalKind::NotComparable
                )
        })
        .map(|signal| signal.message.as_str())
        .collect();
    let head = match tally.outcome {
        TallyOutcome::Conflict => {
            format!(
                "Material disagreement: verdicts differ ({})",
                tally_text(tally)
            )
        }
        TallyOutcome::NotComparable if tally.asked > 1 => {
            format!("Not comparable: {}", not_comparable_text(tally))
        }
        TallyOutcome::Agree | TallyOutcome::SameStance => {
            format!(
                "No disagreement among the comparable verdicts ({})",
                tally_text(tally)
            )
        }
        TallyOutcome::Single => format!("One model was asked ({})", tally_text(tally)),
        TallyOutcome::NotComparable | TallyOutcome::NotApplicable if others.is_empty() => {
            return "No verdicts to compare.".to_owned();
        }
        TallyOutcome::NotComparable | TallyOutcome::NotApplicable => {
            return format!("{}.", capitalised(&others.join("; ")));
        }
    };
    match others.is_empty() {
        true => format!("{head}."),
        false => format!("{head}. Also: {}.", others.join("; ")),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn recommendation(outputs: &[ModelOutput], tally: &VerdictTally, intent: Intent) -> String {
    let pending = outputs
        .iter()
        .filter(|output| output.status == SeatStatus::Running)
        .count();
    if pending > 0 {
        return format!(
            "Waiting for {pending} of {} models; call job_status with this validationId for the final report.",
            outputs.len()
        );
    }
    let usable: Vec<&ModelOutput> = outputs.iter().filter(|output| is_usable(output)).collect();
    if usable.is_empty() {
        return "No model gave a usable answer; check the seats' errors (or run `llm-cli-gateway doctor`) before relying on anything here.".to_owned();
    }
    if intent == Intent::AskModel {
        let names: Vec<&str> = usable
            .iter()
            .map(|output| output.provider.as_str())
            .collect();
        return format!("See {}'s answer.", names.join(", "));
    }
    let mut text = match tally.outcome {
        TallyOutcome::Conflict => format!(
            "The models disagree: {}. Read each rationale, or call synthesize_validation for a judge's view, before acting.",
            tally_text(tally)
        ),
        TallyOutcome::NotComparable | TallyOutcome::NotApplicable => format!(
            "The verdicts are not comparable: {}. Read the answers (job_result), or call synthesize_validation with a judgeModel to have one model read them.",
            not_comparable_text(tally)
        ),
        TallyOutcome::Agree | TallyOutcome::SameStance | TallyOutcome::Single => {
            format!("{}.", capitalised(&tally_text(tally)))
        }
    };
    for seat in &tally.unresolved {
        text.push_str(&format!(" {} {}.", seat.provider, seat.reason));
    }
    if let Some(missing) = not_answered_text(tally) {
        text.push_str(&format!(" {missing}; weigh this accordingly."));
    }
    let settled = matches!(
        tally.outcome,
        TallyOutcome::Agree | TallyOutcome::SameStance | TallyOutcome::Single
    );
    if let Some((provider, step)) = usable.iter().filter(|_| settled).find_map(|output| {
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

/// "N of M models gave no usable answer (a, b)", when any did not.
pub(crate) fn not_answered_text(tally: &VerdictTally) -> Option<String> {
    if tally.not_answered.is_empty() {
        return None;
    }
    let names: Vec<&str> = tally
        .not_answered
        .iter()
        .map(|provider| provider.as_str())
        .collect();
    Some(format!(
        "{} of {} models gave no usable answer ({})",
        names.len(),
        tally.asked,
        names.join(", ")
    ))
}

#[cfg(test)]
#[path = "conclusion_tests.rs"]
mod tests;
