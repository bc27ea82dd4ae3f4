//! A review seat's answer: one JSON object with a verdict, a summary and findings in a fixed
//! shape. Models wrap JSON in prose or fences and vary key case; the reader tolerates both, and
//! an answer it cannot read is reported as such (its text stays in `job_result`), never guessed.

use serde::{Deserialize, Serialize};

use crate::answer::cut;

/// Longest title and rationale kept per finding.
pub const TITLE_MAX_CHARS: usize = 200;
pub const RATIONALE_MAX_CHARS: usize = 1_200;
/// Most findings kept per seat.
pub const MAX_FINDINGS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A severity the reader did not recognise.
    Unrated,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Unrated => "unrated",
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    fn parse(text: &str) -> Severity {
        match text.trim().to_ascii_lowercase().as_str() {
            "critical" | "blocker" => Severity::Critical,
            "high" | "major" | "error" => Severity::High,
            "medium" | "moderate" | "warning" => Severity::Medium,
            "low" | "minor" => Severity::Low,
            "info" | "nit" | "note" | "informational" => Severity::Info,
            _ => Severity::Unrated,
        }
    }
}

/// One finding as a seat reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub file: String,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub severity: Severity,
    pub title: String,
    pub rationale: String,
}

/// What a seat's answer said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeatAnswer {
    pub verdict: Option<String>,
    pub summary: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(Deserialize)]
struct RawAnswer {
    verdict: Option<String>,
    summary: Option<String>,
    findings: Vec<RawFinding>,
}

#[derive(Deserialize)]
struct RawFinding {
    #[serde(alias = "path", alias = "filename")]
    file: Option<String>,
    #[serde(alias = "start_line", alias = "line", alias = "startline")]
    #[serde(rename = "startLine", default)]
    start_line: Option<u32>,
    #[serde(rename = "endLine", alias = "end_line", alias = "endline", default)]
    end_line: Option<u32>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(alias = "description", alias = "reason", default)]
    rationale: Option<String>,
}

/// Reads the answer's JSON object; `None` when there is none with a `findings` list.
pub fn parse_seat_answer(text: &str) -> Option<SeatAnswer> {
    let raw = json_object(text)?;
    let findings = raw
        .findings
        .into_iter()
        .filter_map(finding)
        .take(MAX_FINDINGS)
        .collect();
    Some(SeatAnswer {
        verdict: raw.verdict.map(|verdict| cut(verdict.trim(), 240)),
        summary: raw.summary.map(|summary| cut(summary.trim(), 600)),
        findings,
    })
}

fn finding(raw: RawFinding) -> Option<Finding> {
    let title = raw.title.filter(|title| !title.trim().is_empty())?;
    let file = raw
        .file
        .map(|file| normalise_path(&file))
        .unwrap_or_default();
    let start_line = raw.start_line.or(raw.end_line);
    let end_line = raw.end_line.or(start_line).max(start_line);
    Some(Finding {
        file,
        start_line,
        end_line,
        severity: Severity::parse(raw.severity.as_deref().unwrap_or_default()),
        title: cut(title.trim(), TITLE_MAX_CHARS),
        rationale: cut(
            raw.rationale.unwrap_or_default().trim(),
            RATIONALE_MAX_CHARS,
        ),
    })
}

/// `b/src/x.rs`, `./src/x.rs` and `src/x.rs` name the same file.
pub fn normalise_path(path: &str) -> String {
    let path = path.trim().trim_matches('`');
    let path = path
        .strip_prefix("b/")
        .or_else(|| path.strip_prefix("a/"))
        .unwrap_or(path);
    path.trim_start_matches("./").to_owned()
}

/// The first `{ … }` span of `text` that parses as an answer (fences and prose ignored).
fn json_object(text: &str) -> Option<RawAnswer> {
    let end = text.rfind('}')?;
    text.match_indices('{')
        .map(|(index, _)| index)
        .filter(|start| *start < end)
        .find_map(|start| serde_json::from_str::<RawAnswer>(&text[start..=end]).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fenced_json_with_loose_keys() {
        let text = "Here is my review.\n```json\n{\"verdict\": \"reject\", \"summary\": \"double charge\", \"findings\": [\n {\"path\": \"b/src/pay.rs\", \"line\": 12, \"severity\": \"HIGH\", \"title\": \"Retry double-charges\", \"description\": \"no idempotency key\"},\n {\"file\": \"./README.md\", \"severity\": \"whatever\", \"title\": \"Docs\"},\n {\"file\": \"x\", \"title\": \"  \"}\n]}\n```";
        let answer = parse_seat_answer(text);
        insta::assert_debug_snapshot!(answer);
    }

    #[test]
    fn no_json_is_no_answer() {
        assert_eq!(parse_seat_answer("LGTM, nothing to add."), None);
        assert_eq!(parse_seat_answer("{\"verdict\": \"approve\"}"), None);
        assert_eq!(
            parse_seat_answer("{\"verdict\": \"approve\", \"findings\": []}")
                .map(|a| a.findings.len()),
            Some(0)
        );
    }
}
