//! Human-readable text of a report: the MCP text twin and the `validate` command's output.

use std::fmt::Write as _;

use crate::answer::cut;
use crate::compare::Comparison;
use crate::report::{ModelOutput, SynthesisStatus, ValidationReport};

/// A compact, plain-text rendering of `report` (no colours, no terminal control codes).
pub fn render_report(report: &ValidationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Validation {} · {} · intent {} · confidence {}",
        report.validation_id,
        report.status.as_str(),
        report.intent,
        report.confidence.as_str()
    );
    let request = &report.original_request;
    for (name, value) in [
        ("Question", &request.question),
        ("Content", &request.content),
        ("Focus", &request.focus),
    ] {
        if let Some(text) = value {
            let _ = writeln!(out, "{name}: {}", one_line(text, 160));
        }
    }
    out.push('\n');
    for output in &report.per_model_outputs {
        render_seat(&mut out, output);
    }
    let agreement = &report.disagreements;
    let _ = writeln!(out, "Agreement: {}", agreement.summary);
    for signal in agreement.signals.iter().filter(|signal| !signal.material) {
        let _ = writeln!(out, "  note: {}", signal.message);
    }
    let _ = writeln!(out, "Recommendation: {}", report.final_recommendation);
    if !report.limitations.is_empty() {
        out.push_str("Limitations:\n");
        for limitation in &report.limitations {
            let _ = writeln!(out, "  - {limitation}");
        }
    }
    render_synthesis(&mut out, report);
    if !report.job_ids.is_empty() {
        let _ = writeln!(out, "Jobs: {}", report.job_ids.join(", "));
    }
    out
}

fn render_seat(out: &mut String, output: &ModelOutput) {
    let verdict = output.verdict.as_deref().unwrap_or("(empty answer)");
    let class = match (output.verdict_class, output.verdict_source) {
        (Some(class), Some(source)) => format!(" [{}, {}]", class.as_str(), source.as_str()),
        (Some(_), None) => " [not comparable]".to_owned(),
        (None, _) => String::new(),
    };
    let _ = writeln!(
        out,
        "{:<8} {:<9} {}{class}",
        output.provider.as_str(),
        output.status.as_str(),
        one_line(verdict, 100)
    );
    if let Some(rationale) = &output.rationale {
        let _ = writeln!(out, "  {}", one_line(rationale, 300));
    }
    let answered = output.status == crate::report::SeatStatus::Completed;
    for risk in output.risks.iter().filter(|_| answered).take(5) {
        let _ = writeln!(out, "  risk: {}", one_line(risk, 160));
    }
    if let Some(step) = &output.next_step {
        let _ = writeln!(out, "  next: {}", one_line(step, 160));
    }
    out.push('\n');
}

fn render_synthesis(out: &mut String, report: &ValidationReport) {
    let synthesis = &report.synthesis;
    let status = match synthesis.status {
        SynthesisStatus::NotRequested => return,
        SynthesisStatus::WaitingForProviderResults => "waiting for provider results",
        SynthesisStatus::Running => "running",
        SynthesisStatus::Skipped => "skipped",
        SynthesisStatus::Completed => "completed",
        SynthesisStatus::Failed => "failed",
    };
    let judge = synthesis
        .judge_model
        .map(|judge| format!(" by {judge}"))
        .unwrap_or_default();
    let _ = writeln!(out, "Synthesis{judge}: {status}");
    for left in &synthesis.left_out {
        let _ = writeln!(out, "  left out {}: {}", left.provider, left.reason);
    }
    if let Some(note) = &synthesis.note {
        let _ = writeln!(out, "  {note}");
    }
    if let Some(response) = &synthesis.response {
        let _ = writeln!(out, "{}", cut(response.trim(), 6_000));
    }
}

/// Human text of a comparison.
pub fn render_comparison(comparison: &Comparison) -> String {
    let mut out = String::new();
    let verdict = match comparison.materially_different {
        Some(true) => "the answers differ materially",
        Some(false) => "no material difference",
        None => "the judge's reply could not be read as a comparison",
    };
    let _ = writeln!(out, "Comparison: {verdict}");
    if !comparison.summary.is_empty() {
        let _ = writeln!(out, "{}", comparison.summary.trim());
    }
    for agreement in &comparison.agreements {
        let _ = writeln!(out, "  agree: {}", one_line(agreement, 200));
    }
    for difference in &comparison.differences {
        let _ = writeln!(
            out,
            "  differ ({}) on {}: {}",
            difference.answers.join(", "),
            difference.topic,
            one_line(&difference.explanation, 300)
        );
    }
    if let Some(preferred) = &comparison.preferred {
        let _ = writeln!(out, "Preferred: {preferred}");
    }
    for group in &comparison.identical_groups {
        let _ = writeln!(out, "Identical: {}", group.join(" = "));
    }
    out
}

fn one_line(text: &str, max: usize) -> String {
    gateway_core::event::one_line(text, max)
}
