//! Reading a seat's answer into the four parts every reviewer prompt asks for: Verdict,
//! Rationale, Risks and Suggested next step.
//!
//! Models format headings in many ways (`## Verdict`, `**Verdict:** Approve`, `1. VERDICT -`,
//! `Risks` alone on a line), and sometimes skip them. The parser accepts all of these and never
//! fails: what it cannot place becomes the rationale.

use serde::{Deserialize, Serialize};

/// Longest verdict kept (a verdict is one line; the reference cuts at 240 too).
pub const VERDICT_MAX_CHARS: usize = 240;
/// Longest rationale kept inline in a report; the full answer stays in the job's output.
pub const RATIONALE_MAX_CHARS: usize = 1_800;
/// Longest single risk item.
pub const RISK_MAX_CHARS: usize = 300;
/// Most risk items kept per seat.
pub const MAX_RISKS: usize = 10;
/// Longest suggested next step kept.
pub const NEXT_STEP_MAX_CHARS: usize = 600;

/// The parts of one answer. Every part is optional: a model may answer free-form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedAnswer {
    pub verdict: Option<String>,
    pub rationale: Option<String>,
    pub risks: Vec<String>,
    pub next_step: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Verdict,
    Rationale,
    Risks,
    NextStep,
}

/// Heading names, longest first so "suggested next steps" wins over "next step".
const HEADINGS: &[(&str, Section)] = &[
    ("recommended next steps", Section::NextStep),
    ("recommended next step", Section::NextStep),
    ("suggested next steps", Section::NextStep),
    ("suggested next step", Section::NextStep),
    ("risks and concerns", Section::Risks),
    ("overall verdict", Section::Verdict),
    ("recommendations", Section::NextStep),
    ("justification", Section::Rationale),
    ("final verdict", Section::Verdict),
    ("recommendation", Section::NextStep),
    ("explanation", Section::Rationale),
    ("suggestions", Section::NextStep),
    ("next steps", Section::NextStep),
    ("my verdict", Section::Verdict),
    ("key risks", Section::Risks),
    ("rationale", Section::Rationale),
    ("reasoning", Section::Rationale),
    ("next step", Section::NextStep),
    ("concerns", Section::Risks),
    ("verdict", Section::Verdict),
    ("caveats", Section::Risks),
    ("reasons", Section::Rationale),
    ("reason", Section::Rationale),
    ("risks", Section::Risks),
    ("risk", Section::Risks),
];

/// Items that mean "no risks" rather than a risk called "None".
const NO_RISK_ITEMS: &[&str] = &[
    "none",
    "none.",
    "n/a",
    "na",
    "nothing",
    "no risks",
    "none identified",
    "no significant risks",
    "none found",
];

/// Line prefixes that mark a risk in an answer without a Risks section (the reference's rule).
const RISK_PREFIXES: &[&str] = &["risk", "concern", "caution", "limitation"];

/// Splits `text` into its parts.
pub fn parse_answer(text: &str) -> ParsedAnswer {
    let mut preamble: Vec<&str> = Vec::new();
    let mut sections: Vec<(Section, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if let Some((section, rest)) = heading(line) {
            sections.push((
                section,
                if rest.is_empty() {
                    Vec::new()
                } else {
                    vec![rest]
                },
            ));
        } else if let Some((_, lines)) = sections.last_mut() {
            lines.push(line);
        } else {
            preamble.push(line);
        }
    }
    let body = |wanted: Section| -> Vec<&str> {
        sections
            .iter()
            .filter(|(section, _)| *section == wanted)
            .flat_map(|(_, lines)| lines.iter().copied())
            .collect()
    };
    let rationale = if sections
        .iter()
        .any(|(section, _)| *section == Section::Rationale)
    {
        joined(&body(Section::Rationale))
    } else {
        joined(&preamble)
    };
    let risks = if sections
        .iter()
        .any(|(section, _)| *section == Section::Risks)
    {
        risk_items(&body(Section::Risks))
    } else {
        prefixed_risks(text)
    };
    ParsedAnswer {
        verdict: body(Section::Verdict)
            .iter()
            .map(|line| clean_item(line))
            .find(|line| !line.is_empty())
            .map(|line| cut(&line, VERDICT_MAX_CHARS)),
        rationale: rationale.map(|text| cut(&text, RATIONALE_MAX_CHARS)),
        risks,
        next_step: joined(&body(Section::NextStep)).map(|text| cut(&text, NEXT_STEP_MAX_CHARS)),
    }
}

/// Recognises a heading line; returns its section and any text on the same line after it.
fn heading(line: &str) -> Option<(Section, &str)> {
    let stripped = strip_marks(line);
    let lower = stripped.to_ascii_lowercase();
    let (name, section) = HEADINGS.iter().find(|(name, _)| lower.starts_with(name))?;
    let after = stripped.get(name.len()..)?;
    let after_marks = after.trim_start_matches(['*', '_', '`', ' ']);
    let rest = match after_marks.chars().next() {
        None => "",
        Some(':' | '-' | '\u{2013}' | '\u{2014}' | '=') => {
            &after_marks[after_marks.chars().next()?.len_utf8()..]
        }
        Some(_) => return None,
    };
    Some((*section, rest.trim_matches(['*', '_', '`', ' '])))
}

/// Drops what precedes a heading's name: whitespace, `#`, `>`, bullets, numbering, emphasis.
fn strip_marks(line: &str) -> &str {
    let line = line.trim().trim_start_matches(['#', '>', ' ', '\t']);
    let line = strip_list_marker(line);
    line.trim_start_matches(['*', '_', '`', ' '])
}

fn strip_list_marker(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix(['-', '+', '\u{2022}']) {
        return rest.trim_start();
    }
    if let Some(rest) = line.strip_prefix("* ") {
        return rest.trim_start();
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits)
        && let Some(rest) = line[digits..].strip_prefix(['.', ')'])
    {
        return rest.trim_start();
    }
    line
}

/// A list item or line without its bullet, emphasis and surrounding blanks.
fn clean_item(line: &str) -> String {
    strip_list_marker(line.trim())
        .trim_matches(['*', '_', '`', ' ', '\t'])
        .to_owned()
}

fn joined(lines: &[&str]) -> Option<String> {
    let text = lines.join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn risk_items(lines: &[&str]) -> Vec<String> {
    let items: Vec<String> = lines
        .iter()
        .map(|line| clean_item(line))
        .filter(|item| !item.is_empty())
        .collect();
    if items.len() == 1 && NO_RISK_ITEMS.contains(&items[0].to_ascii_lowercase().as_str()) {
        return Vec::new();
    }
    items
        .into_iter()
        .take(MAX_RISKS)
        .map(|item| cut(&item, RISK_MAX_CHARS))
        .collect()
}

fn prefixed_risks(text: &str) -> Vec<String> {
    text.lines()
        .map(clean_item)
        .filter(|item| {
            let lower = item.to_ascii_lowercase();
            RISK_PREFIXES
                .iter()
                .any(|prefix| starts_with_word(&lower, prefix))
        })
        .take(5)
        .map(|item| cut(&item, RISK_MAX_CHARS))
        .collect()
}

/// `text` starts with `word` or its plural, followed by a non-letter ("Risk:", "Risks -").
fn starts_with_word(text: &str, word: &str) -> bool {
    let Some(rest) = text.strip_prefix(word) else {
        return false;
    };
    let rest = rest.strip_prefix('s').unwrap_or(rest);
    !rest.starts_with(|c: char| c.is_alphabetic())
}

/// Cuts `text` to at most `max` characters on a char boundary, marking the cut with `...`.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn answer(
        verdict: Option<&str>,
        rationale: Option<&str>,
        risks: &[&str],
        next: Option<&str>,
    ) -> ParsedAnswer {
        ParsedAnswer {
            verdict: verdict.map(str::to_owned),
            rationale: rationale.map(str::to_owned),
            risks: risks.iter().map(|risk| (*risk).to_owned()).collect(),
            next_step: next.map(str::to_owned),
        }
    }

    #[test]
    fn parse_table() {
        let cases: &[(&str, ParsedAnswer)] = &[
            (
                "Verdict: Approve\nRationale: fine\nRisks:\n- a\n- b\nSuggested next step: ship",
                answer(Some("Approve"), Some("fine"), &["a", "b"], Some("ship")),
            ),
            (
                "## Verdict\n**Reject**\n\n## Rationale\nIt drops rows.\nTwice.\n\n## Risks\n* data loss\n\n## Suggested next steps\n1. add a test",
                answer(
                    Some("Reject"),
                    Some("It drops rows.\nTwice."),
                    &["data loss"],
                    Some("1. add a test"),
                ),
            ),
            (
                "**Verdict:** approve with nits\n**Rationale:** ok\n**Risks:** none\n**Next step:** merge",
                answer(Some("approve with nits"), Some("ok"), &[], Some("merge")),
            ),
            (
                "1. VERDICT - uncertain\n2. REASONING - no logs\n3. CONCERNS\n   - flaky\n4. RECOMMENDATION - rerun",
                answer(
                    Some("uncertain"),
                    Some("no logs"),
                    &["flaky"],
                    Some("rerun"),
                ),
            ),
            (
                "Just prose without any headings.\nRisk: it might be slow.",
                answer(
                    None,
                    Some("Just prose without any headings."),
                    &["it might be slow."],
                    None,
                ),
            ),
            (
                "Prose only.\n- Concern: the lock is global\nMore prose.",
                answer(
                    None,
                    Some("Prose only.\n- Concern: the lock is global\nMore prose."),
                    &["Concern: the lock is global"],
                    None,
                ),
            ),
            ("", answer(None, None, &[], None)),
            (
                "Intro line\nVerdict: True\nThe verdict is clear.",
                answer(Some("True"), Some("Intro line"), &[], None),
            ),
            (
                "Verdicts differ by file: ok\nRiskier paths exist.",
                answer(
                    None,
                    Some("Verdicts differ by file: ok\nRiskier paths exist."),
                    &[],
                    None,
                ),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&parse_answer(text), expected, "{text:?}");
        }
    }

    #[test]
    fn long_parts_are_cut() {
        let text = format!(
            "Verdict: {}\nRationale: {}",
            "a".repeat(500),
            "b".repeat(5000)
        );
        let parsed = parse_answer(&text);
        assert_eq!(
            parsed.verdict.as_deref().map(str::len),
            Some(VERDICT_MAX_CHARS)
        );
        assert_eq!(
            parsed.rationale.as_deref().map(|text| text.chars().count()),
            Some(RATIONALE_MAX_CHARS)
        );
        assert!(parsed.rationale.unwrap_or_default().ends_with("..."));
    }

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("ééééé", 4), "é...");
        assert_eq!(cut("abc", 3), "abc");
    }
}
