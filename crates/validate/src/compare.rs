//! `compare_answers`: a judge model says which of several answers differ materially and why.
//! (The reference's tool of this name returned fixed JSON without asking anyone.)
//!
//! Answers that are identical once case and whitespace are ignored need no judge; otherwise the
//! judge gets the question and the answers labelled `A1`, `A2`, … and must reply with one JSON
//! object, which [`parse_comparison`] reads leniently (fences, prose around it, snake_case).

use serde::{Deserialize, Serialize};

use crate::answer::cut;
use crate::prompt::fenced;
use crate::report::Confidence;

/// `schemaVersion` of the comparison result.
pub const COMPARE_SCHEMA_VERSION: &str = "compare-answers.v1";

/// The label of the answer at `index` (0-based) as the judge and the result name it.
pub fn label(index: usize) -> String {
    format!("A{}", index + 1)
}

/// The judge's structured verdict over the answers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// Whether any two answers differ in substance; `None` when the judge's reply was unreadable.
    pub materially_different: Option<bool>,
    pub summary: String,
    /// Points all answers share.
    pub agreements: Vec<String>,
    pub differences: Vec<Difference>,
    /// Label of the answer the judge would rely on, if any.
    pub preferred: Option<String>,
    pub confidence: Option<Confidence>,
    /// False when the judge did not answer in the requested JSON; `summary` then holds its text.
    pub parsed: bool,
    /// Groups of labels whose answers are identical after normalising case and whitespace.
    pub identical_groups: Vec<Vec<String>>,
}

/// One material difference.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct Difference {
    /// Labels of the answers involved (`A1`, `A3`).
    pub answers: Vec<String>,
    pub topic: String,
    pub explanation: String,
}

/// The judge's JSON as asked for; every field optional and snake_case tolerated.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JudgeReply {
    #[serde(alias = "materialDifference")]
    materially_different: Option<bool>,
    #[serde(rename = "materiallyDifferent")]
    materially_different_camel: Option<bool>,
    summary: Option<String>,
    agreements: Vec<String>,
    differences: Vec<Difference>,
    preferred: Option<String>,
    confidence: Option<String>,
}

/// Label groups (only groups of two or more) of answers that are equal once normalised.
pub fn identical_groups(answers: &[String]) -> Vec<Vec<String>> {
    let normalized: Vec<String> = answers
        .iter()
        .map(|answer| {
            answer
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (index, text) in normalized.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|group| normalized[group[0]] == *text)
        {
            Some(group) => group.push(index),
            None => groups.push(vec![index]),
        }
    }
    groups
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| group.into_iter().map(label).collect())
        .collect()
}

/// The comparison when every answer is the same text: no judge needed.
pub fn all_identical(answers: &[String]) -> Option<Comparison> {
    let groups = identical_groups(answers);
    (groups.len() == 1 && groups[0].len() == answers.len()).then(|| Comparison {
        materially_different: Some(false),
        summary: "The answers are identical once case and whitespace are ignored.".to_owned(),
        agreements: Vec::new(),
        differences: Vec::new(),
        preferred: None,
        confidence: Some(Confidence::High),
        parsed: true,
        identical_groups: groups,
    })
}

/// The judge prompt.
pub fn compare_prompt(question: &str, answers: &[String]) -> String {
    let mut prompt = String::from(
        "You are the judge comparing several answers to the same question. Decide whether they \
         differ in substance: conclusions, facts, recommended actions, correctness or safety. \
         Differences of wording, order, length or style are not material. Do not modify any \
         files or run commands that change anything.\n\n",
    );
    prompt.push_str(&fenced("question", question));
    prompt.push_str("\n\n");
    for (index, answer) in answers.iter().enumerate() {
        prompt.push_str(&fenced(&label(index), answer));
        prompt.push_str("\n\n");
    }
    prompt.push_str(
        "Reply with exactly one JSON object and nothing else, in this shape:\n\
         {\"materiallyDifferent\": true|false, \"summary\": \"one or two sentences\", \
         \"agreements\": [\"point every answer makes\"], \"differences\": [{\"answers\": [\"A1\", \"A2\"], \
         \"topic\": \"what they differ on\", \"explanation\": \"how, and which is right if you can tell\"}], \
         \"preferred\": \"A1\" or null, \"confidence\": \"low\"|\"medium\"|\"high\"}",
    );
    prompt
}

/// Reads the judge's reply; never fails (an unreadable reply keeps its text in `summary`).
pub fn parse_comparison(reply: &str, answers: &[String]) -> Comparison {
    let identical_groups = identical_groups(answers);
    let Some(parsed) = json_object(reply) else {
        return Comparison {
            summary: cut(reply.trim(), 4_000),
            parsed: false,
            identical_groups,
            ..Comparison::default()
        };
    };
    let known = |label: &String| (1..=answers.len()).any(|number| *label == format!("A{number}"));
    Comparison {
        materially_different: parsed
            .materially_different_camel
            .or(parsed.materially_different),
        summary: parsed.summary.unwrap_or_default(),
        agreements: parsed.agreements,
        differences: parsed
            .differences
            .into_iter()
            .map(|difference| Difference {
                answers: difference
                    .answers
                    .into_iter()
                    .map(|label| label.trim().to_uppercase())
                    .collect(),
                ..difference
            })
            .collect(),
        preferred: parsed
            .preferred
            .map(|label| label.trim().to_uppercase())
            .filter(known),
        confidence: parsed.confidence.as_deref().and_then(confidence),
        parsed: true,
        identical_groups,
    }
}

/// The first `{ … }` span of `reply` that parses as the judge's object (fences and prose around
/// it are ignored).
fn json_object(reply: &str) -> Option<JudgeReply> {
    let starts = reply.match_indices('{').map(|(index, _)| index);
    let end = reply.rfind('}')?;
    starts
        .filter(|start| *start < end)
        .find_map(|start| serde_json::from_str::<JudgeReply>(&reply[start..=end]).ok())
}

fn confidence(text: &str) -> Option<Confidence> {
    match text.trim().to_ascii_lowercase().as_str() {
        "none" => Some(Confidence::None),
        "low" => Some(Confidence::Low),
        "medium" => Some(Confidence::Medium),
        "high" => Some(Confidence::High),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn answers(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|text| (*text).to_owned()).collect()
    }

    #[test]
    fn identical_answers_need_no_judge() {
        let same = answers(&["Use  WAL.", "use wal.", "USE WAL."]);
        assert_eq!(
            all_identical(&same).map(|comparison| comparison.materially_different),
            Some(Some(false))
        );
        let mixed = answers(&["a", "b", "A"]);
        assert_eq!(all_identical(&mixed), None);
        assert_eq!(
            identical_groups(&mixed),
            vec![vec!["A1".to_owned(), "A3".to_owned()]]
        );
    }

    #[test]
    fn parses_fenced_json_with_prose() {
        let reply = "Here you go:\n```json\n{\"materiallyDifferent\": true, \"summary\": \"A2 says drop the table\",\n \"agreements\": [\"both back up first\"],\n \"differences\": [{\"answers\": [\"a1\", \"A2\"], \"topic\": \"migration\", \"explanation\": \"A2 loses data\"}],\n \"preferred\": \"a1\", \"confidence\": \"High\"}\n```\nThanks.";
        let comparison = parse_comparison(reply, &answers(&["x", "y"]));
        insta::assert_json_snapshot!(comparison);
    }

    #[test]
    fn tolerates_snake_case_and_unknown_labels() {
        let reply = r#"{"materially_different": false, "summary": "same", "preferred": "A9"}"#;
        let comparison = parse_comparison(reply, &answers(&["x", "y"]));
        assert_eq!(comparison.materially_different, Some(false));
        assert_eq!(comparison.preferred, None);
        assert!(comparison.parsed);
    }

    #[test]
    fn unreadable_reply_keeps_the_text() {
        let comparison = parse_comparison("They differ a lot, honestly.", &answers(&["x", "y"]));
        assert!(!comparison.parsed);
        assert_eq!(comparison.materially_different, None);
        assert_eq!(comparison.summary, "They differ a lot, honestly.");
    }

    #[test]
    fn prompt_labels_every_answer() {
        insta::assert_snapshot!(compare_prompt(
            "Which port?",
            &answers(&["8080", "Port 80, behind a proxy"])
        ));
    }
}
