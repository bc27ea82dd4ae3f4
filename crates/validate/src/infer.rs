//! Verdicts read from answers that have no `Verdict:` line.
//!
//! Deliberately conservative: only the **first sentence** is read, and only an explicit verdict
//! word of the run's intent counts (`approve`, `reject`, `uncertain`; `true`, `false` for
//! consensus). Sentiment ("Yes, it is safe", "looks fine") is never read as a verdict: a wrong
//! inference would be a false agreement, the failure this module exists to avoid. Anything
//! doubtful — a question, a negation or hedge anywhere before the word, a condition in front of
//! it, words of two verdicts — infers nothing.

use crate::request::Intent;
use crate::verdict::{NEGATORS, NO_CONDITION, QUALIFIERS, VerdictClass, words};

/// Words that make the verdict after them tentative ("I **might** approve").
const HEDGES: &[&str] = &[
    "might",
    "may",
    "maybe",
    "perhaps",
    "possibly",
    "probably",
    "could",
    "likely",
    "tentatively",
];

/// Words that make the verdict after them conditional ("**If** the tests pass, approve").
const PRECONDITIONS: &[&str] = &["if", "unless", "once", "provided", "assuming", "when"];

/// Words after an approval that ask for changes even without a qualifier ("approve, minor nits").
const CHANGE_WORDS: &[&str] = &["changes", "change", "nits", "nit", "fixes", "fix", "tweaks"];

/// Longest first sentence read, in characters.
const MAX_SENTENCE_CHARS: usize = 300;

/// The explicit verdict of `text`'s first sentence for `intent`, if there is exactly one.
pub fn infer_verdict(text: &str, intent: Intent) -> Option<VerdictClass> {
    let families = families(intent)?;
    let sentence = first_sentence(text)?;
    let words = words(&sentence);
    let hits: Vec<(usize, VerdictClass)> = words
        .iter()
        .enumerate()
        .filter_map(|(index, word)| family_of(families, word).map(|class| (index, class)))
        .collect();
    let (index, class) = *hits.first()?;
    if hits.iter().any(|(_, other)| *other != class) {
        return None;
    }
    let before = &words[..index];
    let doubtful = |list: &[&str]| before.iter().any(|word| list.contains(&word.as_str()));
    if doubtful(NEGATORS) || doubtful(HEDGES) || doubtful(PRECONDITIONS) {
        return None;
    }
    match class {
        VerdictClass::Approve if asks_for_changes(&words[index + 1..]) => {
            Some(VerdictClass::ApproveWithChanges)
        }
        VerdictClass::Approve
        | VerdictClass::ApproveWithChanges
        | VerdictClass::Reject
        | VerdictClass::Uncertain
        | VerdictClass::True
        | VerdictClass::False
        | VerdictClass::Other => Some(class),
    }
}

/// The verdict words of an intent and what they mean; `None` for `ask_model` (no verdicts).
fn families(intent: Intent) -> Option<&'static [(&'static str, VerdictClass)]> {
    use VerdictClass::{Approve as A, False as F, Reject as R, True as T, Uncertain as U};
    match intent {
        Intent::Validate | Intent::SecondOpinion | Intent::RedTeam => Some(&[
            ("approve", A),
            ("approved", A),
            ("approves", A),
            ("approving", A),
            ("reject", R),
            ("rejected", R),
            ("rejects", R),
            ("rejecting", R),
            ("uncertain", U),
        ]),
        Intent::Consensus => Some(&[("true", T), ("false", F), ("uncertain", U)]),
        Intent::AskModel => None,
    }
}

fn family_of(families: &[(&str, VerdictClass)], word: &str) -> Option<VerdictClass> {
    families
        .iter()
        .find(|(known, _)| *known == word)
        .map(|(_, class)| *class)
}

/// A qualifier ("with", "once", "but" …) not followed by "no", or a word naming changes
/// not preceded by "no".
fn asks_for_changes(rest: &[String]) -> bool {
    rest.iter().enumerate().any(|(index, word)| {
        let next = rest.get(index + 1).map(String::as_str).unwrap_or_default();
        let previous = index
            .checked_sub(1)
            .and_then(|back| rest.get(back))
            .map(String::as_str)
            .unwrap_or_default();
        (QUALIFIERS.contains(&word.as_str()) && !NO_CONDITION.contains(&next))
            || (CHANGE_WORDS.contains(&word.as_str()) && !NO_CONDITION.contains(&previous))
    })
}

/// The answer's first sentence without leading markdown; `None` when it is a question or blank.
/// A sentence ends at a newline, `;`, or `.`/`!`/`?`/`:` followed by a space or the end.
pub fn first_sentence(text: &str) -> Option<String> {
    let text = text.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '#' | '*' | '_' | '>' | '-' | '`')
    });
    let mut chars = text.char_indices().peekable();
    let mut end = text.len();
    let mut question = false;
    while let Some((index, c)) = chars.next() {
        let at_break = chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        if c == '\n' || c == ';' || (matches!(c, '.' | '!' | '?' | ':') && at_break) {
            end = index;
            question = c == '?';
            break;
        }
    }
    let sentence: String = text[..end].chars().take(MAX_SENTENCE_CHARS).collect();
    let sentence = sentence.trim().trim_matches(['*', '_', '`']).trim();
    (!question && !sentence.is_empty()).then(|| sentence.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use VerdictClass::*;

    #[test]
    fn inference_table() {
        let cases: &[(&str, Intent, Option<VerdictClass>)] = &[
            // The first case.
            (
                "I would approve this with minor changes: add a jittered backoff.",
                Intent::Validate,
                Some(ApproveWithChanges),
            ),
            (
                "REJECT. Retrying on 502 can double-charge the customer.",
                Intent::Validate,
                Some(Reject),
            ),
            // The second case: agreement in prose is sentiment, not a verdict.
            ("Yes, it is safe to retry here.", Intent::Validate, None),
            (
                "Safe to retry: the call is idempotent.",
                Intent::Validate,
                None,
            ),
            ("Retrying is fine here because …", Intent::Validate, None),
            ("I approve.", Intent::Validate, Some(Approve)),
            (
                "**Approved** — nothing to add.",
                Intent::Validate,
                Some(Approve),
            ),
            (
                "Approve with no changes needed.",
                Intent::Validate,
                Some(Approve),
            ),
            (
                "Approved, with one nit.",
                Intent::Validate,
                Some(ApproveWithChanges),
            ),
            (
                "I'm uncertain: it depends on the proxy.",
                Intent::Validate,
                Some(Uncertain),
            ),
            ("I would not approve this.", Intent::Validate, None),
            (
                "This is not something I can approve.",
                Intent::Validate,
                None,
            ),
            ("I might approve it.", Intent::Validate, None),
            ("If the tests pass, approve.", Intent::Validate, None),
            ("Should we approve this?", Intent::Validate, None),
            (
                "Approve or reject depends on the SLA.",
                Intent::Validate,
                None,
            ),
            ("Looks good to me.", Intent::Validate, None),
            ("The claim is true for IPv4.", Intent::Consensus, Some(True)),
            ("False.", Intent::Consensus, Some(False)),
            (
                "It is not true that Rust has a GC.",
                Intent::Consensus,
                None,
            ),
            (
                "True or false depends on the version.",
                Intent::Consensus,
                None,
            ),
            ("I approve.", Intent::Consensus, None),
            ("True.", Intent::Validate, None),
            ("Approve", Intent::AskModel, None),
            ("", Intent::Validate, None),
            ("Verdict pending.\nI approve.", Intent::Validate, None),
        ];
        for (text, intent, expected) in cases {
            assert_eq!(
                infer_verdict(text, *intent),
                *expected,
                "{text:?} ({intent})"
            );
        }
    }

    #[test]
    fn first_sentence_stops_at_sentence_ends_only() {
        let cases: &[(&str, Option<&str>)] = &[
            ("REJECT. More.", Some("REJECT")),
            ("Use v1.2 here. Then", Some("Use v1.2 here")),
            ("## Approve\nbody", Some("Approve")),
            ("Why not?", None),
            ("   \n", None),
            ("a: b", Some("a")),
        ];
        for (text, expected) in cases {
            assert_eq!(first_sentence(text).as_deref(), *expected, "{text:?}");
        }
    }
}
