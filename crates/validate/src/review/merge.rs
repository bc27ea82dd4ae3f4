//! Merging findings across seats: two findings from different seats are one when they point at
//! the same place (same file; line ranges within [`LINE_SLACK`] lines, or both file-level) and
//! the same issue (their titles share at least half of the shorter title's keywords).
//!
//! The rule leans towards keeping findings apart: merging too eagerly would claim corroboration
//! that did not happen, while a missed merge only shows two findings where one would do. A seat
//! contributes at most one finding to a merged finding, so "corroborated by N" counts seats.
//! Nothing is dropped for lack of consensus.

use std::collections::BTreeSet;

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::review::findings::{Finding, Severity};

/// How far apart two line ranges may be and still be "the same place".
pub const LINE_SLACK: u32 = 3;

/// One finding after merging, with who reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MergedFinding {
    /// `F1`, `F2` … in report order.
    pub id: String,
    pub file: String,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    /// The highest severity any seat gave.
    pub severity: Severity,
    /// The title of the first seat to report it at that severity.
    pub title: String,
    /// Seats that reported it (N of "corroborated by N of M").
    pub corroboration: usize,
    /// Seats asked (M), failed and skipped ones included, so a count never overstates.
    pub reviewers: usize,
    /// "corroborated by 2 of 3 models (claude, codex)" or "reported by 1 of 3 models (codex)".
    pub label: String,
    /// Each seat's own report of it.
    pub reports: Vec<SeatReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SeatReport {
    pub provider: ProviderId,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Merges the findings of the seats whose answers were read, in seat order; `asked` is the M of
/// "N of M", every seat of the run.
pub fn merge_findings(seats: &[(ProviderId, Vec<Finding>)], asked: usize) -> Vec<MergedFinding> {
    let mut clusters: Vec<Vec<SeatReport>> = Vec::new();
    for (provider, findings) in seats {
        for finding in findings {
            let home = clusters.iter_mut().find(|cluster| {
                cluster.iter().all(|report| report.provider != *provider)
                    && cluster
                        .iter()
                        .any(|report| same_issue(&report.finding, finding))
            });
            let report = SeatReport {
                provider: *provider,
                finding: finding.clone(),
            };
            match home {
                Some(cluster) => cluster.push(report),
                None => clusters.push(vec![report]),
            }
        }
    }
    let mut merged: Vec<MergedFinding> = clusters
        .into_iter()
        .map(|cluster| merged(cluster, asked))
        .collect();
    merged.sort_by(|a, b| {
        (b.corroboration, b.severity)
            .cmp(&(a.corroboration, a.severity))
            .then_with(|| (&a.file, a.start_line).cmp(&(&b.file, b.start_line)))
    });
    for (index, finding) in merged.iter_mut().enumerate() {
        finding.id = format!("F{}", index + 1);
    }
    merged
}

fn merged(reports: Vec<SeatReport>, reviewers: usize) -> MergedFinding {
    let severity = reports
        .iter()
        .map(|report| report.finding.severity)
        .max()
        .unwrap_or(Severity::Unrated);
    let lead = reports
        .iter()
        .find(|report| report.finding.severity == severity)
        .or(reports.first());
    let providers: Vec<&str> = reports
        .iter()
        .map(|report| report.provider.as_str())
        .collect();
    let verb = if reports.len() > 1 {
        "corroborated"
    } else {
        "reported"
    };
    MergedFinding {
        id: String::new(),
        file: lead
            .map(|report| report.finding.file.clone())
            .unwrap_or_default(),
        start_line: reports
            .iter()
            .filter_map(|report| report.finding.start_line)
            .min(),
        end_line: reports
            .iter()
            .filter_map(|report| report.finding.end_line)
            .max(),
        severity,
        title: lead
            .map(|report| report.finding.title.clone())
            .unwrap_or_default(),
        corroboration: reports.len(),
        reviewers,
        label: format!(
            "{verb} by {} of {reviewers} models ({})",
            reports.len(),
            providers.join(", ")
        ),
        reports,
    }
}

/// Same file, same place, same issue.
pub fn same_issue(a: &Finding, b: &Finding) -> bool {
    a.file == b.file && same_place(a, b) && similar_titles(&a.title, &b.title)
}

fn same_place(a: &Finding, b: &Finding) -> bool {
    match (a.start_line, a.end_line, b.start_line, b.end_line) {
        (Some(a_start), Some(a_end), Some(b_start), Some(b_end)) => {
            a_start <= b_end.saturating_add(LINE_SLACK)
                && b_start <= a_end.saturating_add(LINE_SLACK)
        }
        (None, _, None, _) => true,
        _ => false,
    }
}

/// Words too common to tell issues apart.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "may",
    "can",
    "could",
    "might",
    "not",
    "are",
    "was",
    "this",
    "that",
    "from",
    "into",
    "when",
    "without",
    "missing",
    "possible",
    "potential",
    "issue",
    "bug",
    "problem",
    "use",
    "used",
    "uses",
    "using",
];

fn keywords(title: &str) -> BTreeSet<String> {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.len() >= 3 && !STOP_WORDS.contains(word))
        .map(stem)
        .collect()
}

/// A crude stem so that "charge", "charges", "charged" and "charging" meet, and so do
/// "retry", "retries" and "retried".
fn stem(word: &str) -> String {
    let mut root = word;
    for suffix in ["ing", "ed", "s"] {
        if let Some(shorter) = root
            .strip_suffix(suffix)
            .filter(|shorter| shorter.len() >= 3)
        {
            root = shorter;
            break;
        }
    }
    let root = root
        .strip_suffix('e')
        .filter(|shorter| shorter.len() >= 3)
        .unwrap_or(root);
    match root.strip_suffix('i') {
        Some(stem) => format!("{stem}y"),
        None => root.to_owned(),
    }
}

fn similar_titles(a: &str, b: &str) -> bool {
    let (a, b) = (keywords(a), keywords(b));
    let shorter = a.len().min(b.len());
    shorter > 0 && a.intersection(&b).count() * 2 >= shorter
}

#[cfg(test)]
mod tests {
    use gateway_core::ProviderId::{Claude, Codex, Gemini};

    use super::*;

    fn at(file: &str, lines: Option<(u32, u32)>, severity: Severity, title: &str) -> Finding {
        Finding {
            file: file.to_owned(),
            start_line: lines.map(|(start, _)| start),
            end_line: lines.map(|(_, end)| end),
            severity,
            title: title.to_owned(),
            rationale: format!("because {title}"),
        }
    }

    #[test]
    fn same_issue_table() {
        let base = at(
            "src/pay.rs",
            Some((10, 14)),
            Severity::High,
            "Retry double-charges the customer",
        );
        let cases: &[(Finding, bool)] = &[
            (
                at(
                    "src/pay.rs",
                    Some((12, 12)),
                    Severity::Medium,
                    "Double charge on retry",
                ),
                true,
            ),
            (
                at(
                    "src/pay.rs",
                    Some((17, 18)),
                    Severity::Low,
                    "retries charge twice",
                ),
                true,
            ),
            (
                at(
                    "src/pay.rs",
                    Some((30, 31)),
                    Severity::High,
                    "Retry double-charges",
                ),
                false,
            ),
            (
                at(
                    "src/other.rs",
                    Some((10, 14)),
                    Severity::High,
                    "Retry double-charges",
                ),
                false,
            ),
            (
                at(
                    "src/pay.rs",
                    Some((11, 11)),
                    Severity::Low,
                    "Log line leaks the card number",
                ),
                false,
            ),
            (
                at("src/pay.rs", None, Severity::Low, "Retry double-charges"),
                false,
            ),
        ];
        for (other, expected) in cases {
            assert_eq!(same_issue(&base, other), *expected, "{other:?}");
        }
    }

    #[test]
    fn merges_across_seats_counts_seats_and_keeps_singles() {
        let seats = vec![
            (
                Claude,
                vec![
                    at(
                        "src/pay.rs",
                        Some((10, 14)),
                        Severity::High,
                        "Retry double-charges the customer",
                    ),
                    at(
                        "src/pay.rs",
                        Some((40, 40)),
                        Severity::Low,
                        "Magic number for retry count",
                    ),
                ],
            ),
            (
                Codex,
                vec![
                    at(
                        "src/pay.rs",
                        Some((12, 12)),
                        Severity::Critical,
                        "Double charge on retry",
                    ),
                    // A second, similar finding of the same seat does not corroborate itself.
                    at(
                        "src/pay.rs",
                        Some((13, 13)),
                        Severity::Low,
                        "retry charges twice",
                    ),
                ],
            ),
            (
                Gemini,
                vec![at(
                    "src/pay.rs",
                    Some((11, 11)),
                    Severity::Medium,
                    "Charges twice when retried",
                )],
            ),
        ];
        let merged = merge_findings(&seats, 4);
        insta::assert_json_snapshot!(merged);
        let counts: Vec<(usize, usize)> = merged
            .iter()
            .map(|f| (f.corroboration, f.reviewers))
            .collect();
        assert_eq!(counts, vec![(3, 4), (1, 4), (1, 4)]);
    }
}
