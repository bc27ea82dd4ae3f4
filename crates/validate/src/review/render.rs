//! Human text of a review report: the MCP text twin and the `review` command's output.

use std::fmt::Write as _;

use gateway_core::event::one_line;

use crate::review::report::ReviewReport;

/// A compact plain-text rendering (no colours or terminal control codes).
pub fn render_review(report: &ReviewReport) -> String {
    let mut out = String::new();
    let diff = &report.diff;
    let _ = writeln!(
        out,
        "Review {} · {} · confidence {}\n{} in {} · {} file(s), +{} -{}",
        report.review_id,
        report.status.as_str(),
        report.confidence.as_str(),
        report.target_description,
        report.working_dir,
        diff.files.len(),
        diff.added_lines,
        diff.removed_lines
    );
    out.push('\n');
    for seat in &report.seats {
        let verdict = match (seat.verdict_class, seat.verdict_source) {
            (Some(class), Some(source)) => format!("{} ({})", class.as_str(), source.as_str()),
            (Some(_) | None, _) => "no comparable verdict".to_owned(),
        };
        let findings = match seat.findings_read {
            true => format!("{} finding(s)", seat.finding_count),
            false => "findings not read".to_owned(),
        };
        let _ = writeln!(
            out,
            "{:<8} {:<9} {verdict}; {findings}",
            seat.provider.as_str(),
            seat.status.as_str()
        );
        if let Some(error) = &seat.error {
            let _ = writeln!(out, "  error: {}", one_line(error, 200));
        }
    }
    out.push_str("\nFindings:\n");
    if report.findings.is_empty() {
        out.push_str("  (none)\n");
    }
    for finding in &report.findings {
        let lines = match (finding.start_line, finding.end_line) {
            (Some(start), Some(end)) if start != end => format!(":{start}-{end}"),
            (Some(start), _) => format!(":{start}"),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            out,
            "  {} [{}] {}{lines} {} — {}",
            finding.id,
            finding.severity.as_str(),
            finding.file,
            one_line(&finding.title, 120),
            finding.label
        );
    }
    let _ = writeln!(out, "\nAgreement: {}", report.summary);
    let _ = writeln!(out, "Recommendation: {}", report.final_recommendation);
    out.push_str("Limitations:\n");
    for limitation in &report.limitations {
        let _ = writeln!(out, "  - {limitation}");
    }
    if !report.job_ids.is_empty() {
        let _ = writeln!(out, "Jobs: {}", report.job_ids.join(", "));
    }
    out
}
