//! Verdict normalisation: a model's free-text verdict line becomes a [`VerdictClass`], so that
//! agreement is judged on meaning ("Approve" and "approve with nits" agree; "approve" and
//! "reject" do not) rather than on exact strings, which is what the reference compared.
//!
//! The classifier is deliberately small and predictable: the verdict line is split into words,
//! the **earliest** known phrase wins (the longest one when several start at the same word), a
//! negation just before it flips it, and a qualifier just after an approval ("with", "but",
//! "once" …) turns it into an approval with changes. Anything else is [`VerdictClass::Other`].

use serde::{Deserialize, Serialize};

use crate::request::Intent;

/// What a verdict means, independent of its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerdictClass {
    Approve,
    ApproveWithChanges,
    Reject,
    Uncertain,
    True,
    False,
    /// A verdict we could not read; compared with others by its normalised text.
    Other,
}

impl VerdictClass {
    pub const fn as_str(self) -> &'static str {
        match self {
            VerdictClass::Approve => "approve",
            VerdictClass::ApproveWithChanges => "approve_with_changes",
            VerdictClass::Reject => "reject",
            VerdictClass::Uncertain => "uncertain",
            VerdictClass::True => "true",
            VerdictClass::False => "false",
            VerdictClass::Other => "other",
        }
    }

    /// The stance used to decide material agreement: an approval with changes still approves.
    pub const fn stance(self) -> VerdictClass {
        match self {
            VerdictClass::Approve | VerdictClass::ApproveWithChanges => VerdictClass::Approve,
            VerdictClass::Reject
            | VerdictClass::Uncertain
            | VerdictClass::True
            | VerdictClass::False
            | VerdictClass::Other => self,
        }
    }
}

/// Words that negate the phrase right after them ("do **not** approve", "**not** correct").
pub(crate) const NEGATORS: &[&str] = &[
    "not",
    "don't",
    "dont",
    "cannot",
    "can't",
    "cant",
    "never",
    "isn't",
    "isnt",
    "won't",
    "wouldn't",
    "shouldn't",
    "doesn't",
];

/// Words between a negator and its phrase that soften rather than invert ("not entirely correct").
const SOFTENERS: &[&str] = &[
    "entirely",
    "fully",
    "completely",
    "quite",
    "totally",
    "wholly",
    "100%",
];

/// Words after an approval that attach conditions to it ("approve **with** nits", "LGTM **once** CI passes").
pub(crate) const QUALIFIERS: &[&str] = &[
    "with",
    "but",
    "after",
    "once",
    "provided",
    "pending",
    "if",
    "conditionally",
    "subject",
    "assuming",
    "except",
];

/// Words after a qualifier that cancel it ("approve with no changes").
pub(crate) const NO_CONDITION: &[&str] = &["no", "none", "zero", "nothing"];

/// Known phrases (space-separated words) and what they mean. Order does not matter: position in
/// the verdict, then phrase length, decide.
const PHRASES: &[(&str, VerdictClass)] = {
    use VerdictClass::{
        Approve as A, ApproveWithChanges as C, False as F, Reject as R, True as T, Uncertain as U,
    };
    &[
        ("approve", A),
        ("approved", A),
        ("approves", A),
        ("approval", A),
        ("accept", A),
        ("accepted", A),
        ("lgtm", A),
        ("looks good", A),
        ("looks correct", A),
        ("looks fine", A),
        ("looks right", A),
        ("correct", A),
        ("valid", A),
        ("sound", A),
        ("pass", A),
        ("passes", A),
        ("passed", A),
        ("ship it", A),
        ("ship", A),
        ("merge", A),
        ("good", A),
        ("ok", A),
        ("okay", A),
        ("fine", A),
        ("yes", A),
        ("agree", A),
        ("agreed", A),
        ("safe", A),
        ("no issues", A),
        ("no problems", A),
        ("no concerns", A),
        ("no blockers", A),
        ("no blocking", A),
        ("go", A),
        ("right", A),
        ("solid", A),
        ("request changes", C),
        ("requested changes", C),
        ("changes requested", C),
        ("changes required", C),
        ("needs changes", C),
        ("needs minor", C),
        ("minor changes", C),
        ("minor issues", C),
        ("nits", C),
        ("needs work", C),
        ("needs revision", C),
        ("revise", C),
        ("mostly", C),
        ("mostly correct", C),
        ("largely correct", C),
        ("almost", C),
        ("conditional", C),
        ("conditionally", C),
        ("partially correct", C),
        ("reject", R),
        ("rejected", R),
        ("rejects", R),
        ("disapprove", R),
        ("block", R),
        ("blocked", R),
        ("blocking", R),
        ("no go", R),
        ("incorrect", R),
        ("wrong", R),
        ("fail", R),
        ("fails", R),
        ("failed", R),
        ("unsafe", R),
        ("invalid", R),
        ("flawed", R),
        ("broken", R),
        ("needs major", R),
        ("major changes", R),
        ("unsound", R),
        ("no", R),
        ("mostly incorrect", R),
        ("mostly wrong", R),
        ("bad", R),
        ("uncertain", U),
        ("unclear", U),
        ("unsure", U),
        ("not sure", U),
        ("inconclusive", U),
        ("undetermined", U),
        ("indeterminate", U),
        ("cannot determine", U),
        ("can't determine", U),
        ("unable to determine", U),
        ("cannot tell", U),
        ("can't tell", U),
        ("cannot verify", U),
        ("can't verify", U),
        ("unable to verify", U),
        ("unverified", U),
        ("context dependent", U),
        ("depends", U),
        ("it depends", U),
        ("unknown", U),
        ("insufficient", U),
        ("not enough information", U),
        ("needs more information", U),
        ("mixed", U),
        ("partially", U),
        ("partly", U),
        ("maybe", U),
        ("possibly", U),
        ("partially true", U),
        ("partially false", U),
        ("true", T),
        ("accurate", T),
        ("mostly true", T),
        ("largely true", T),
        ("holds", T),
        ("confirmed", T),
        ("mostly accurate", T),
        ("false", F),
        ("inaccurate", F),
        ("untrue", F),
        ("mostly false", F),
        ("largely false", F),
        ("refuted", F),
        ("debunked", F),
        ("mostly inaccurate", F),
    ]
};

/// How many leading words of a verdict are searched; a verdict line states its verdict early.
const MAX_WORDS: usize = 24;

/// Classifies a verdict line for `intent`. Consensus reads approvals as `true` and rejections
/// as `false`; every other intent reads `true`/`false` as approve/reject.
pub fn classify(verdict: &str, intent: Intent) -> VerdictClass {
    let words = words(verdict);
    let class = raw_class(&words);
    match intent {
        Intent::Consensus => match class {
            VerdictClass::Approve | VerdictClass::ApproveWithChanges => VerdictClass::True,
            VerdictClass::Reject => VerdictClass::False,
            VerdictClass::True
            | VerdictClass::False
            | VerdictClass::Uncertain
            | VerdictClass::Other => class,
        },
        Intent::Validate | Intent::SecondOpinion | Intent::RedTeam | Intent::AskModel => {
            match class {
                VerdictClass::True => VerdictClass::Approve,
                VerdictClass::False => VerdictClass::Reject,
                VerdictClass::Approve
                | VerdictClass::ApproveWithChanges
                | VerdictClass::Reject
                | VerdictClass::Uncertain
                | VerdictClass::Other => class,
            }
        }
    }
}

/// The verdict's words as compared for [`VerdictClass::Other`] verdicts: lowercase, no markdown
/// or punctuation, single spaces.
pub fn normalized_text(verdict: &str) -> String {
    words(verdict).join(" ")
}

pub(crate) fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '%'))
        .map(|word| word.trim_matches('\''))
        .filter(|word| !word.is_empty())
        .take(MAX_WORDS)
        .map(str::to_owned)
        .collect()
}

fn raw_class(words: &[String]) -> VerdictClass {
    let Some((start, len, class)) = first_phrase(words) else {
        return VerdictClass::Other;
    };
    let negated = is_negated(words, start);
    match (class, negated) {
        (_, Some(true)) => soften(class),
        (_, Some(false)) => negate(class),
        (VerdictClass::Approve, None) if is_qualified(&words[start + len..]) => {
            VerdictClass::ApproveWithChanges
        }
        (_, None) => class,
    }
}

/// The earliest phrase (longest at equal start): `(start, word count, class)`.
fn first_phrase(words: &[String]) -> Option<(usize, usize, VerdictClass)> {
    (0..words.len()).find_map(|start| {
        PHRASES
            .iter()
            .filter_map(|(phrase, class)| {
                let parts: Vec<&str> = phrase.split(' ').collect();
                let window = words.get(start..start + parts.len())?;
                window
                    .iter()
                    .zip(&parts)
                    .all(|(word, part)| word == part)
                    .then_some((parts.len(), *class))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(len, class)| (start, len, class))
    })
}

/// `None` when not negated; `Some(softened)` when a negator precedes the phrase, directly
/// (`false`) or through a softener like "entirely" (`true`).
fn is_negated(words: &[String], start: usize) -> Option<bool> {
    let before = |back: usize| {
        start
            .checked_sub(back)
            .and_then(|index| words.get(index))
            .map(String::as_str)
    };
    match (before(2), before(1)) {
        (_, Some(word)) if NEGATORS.contains(&word) => Some(false),
        (Some(negator), Some(softener))
            if NEGATORS.contains(&negator) && SOFTENERS.contains(&softener) =>
        {
            Some(true)
        }
        _ => None,
    }
}

fn is_qualified(rest: &[String]) -> bool {
    match rest {
        [first, second, ..] if QUALIFIERS.contains(&first.as_str()) => {
            !NO_CONDITION.contains(&second.as_str())
        }
        [first] => QUALIFIERS.contains(&first.as_str()),
        _ => false,
    }
}

fn negate(class: VerdictClass) -> VerdictClass {
    match class {
        VerdictClass::Approve | VerdictClass::ApproveWithChanges => VerdictClass::Reject,
        VerdictClass::Reject => VerdictClass::Approve,
        VerdictClass::True => VerdictClass::False,
        VerdictClass::False => VerdictClass::True,
        VerdictClass::Uncertain | VerdictClass::Other => class,
    }
}

/// "Not entirely correct": a qualified approval, and an unsettled claim.
fn soften(class: VerdictClass) -> VerdictClass {
    match class {
        VerdictClass::Approve | VerdictClass::ApproveWithChanges => {
            VerdictClass::ApproveWithChanges
        }
        VerdictClass::True | VerdictClass::False => VerdictClass::Uncertain,
        VerdictClass::Reject | VerdictClass::Uncertain | VerdictClass::Other => class,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VerdictClass::*;

    #[test]
    fn classification_table() {
        let cases: &[(&str, VerdictClass)] = &[
            ("Approve", Approve),
            ("**APPROVE**", Approve),
            ("approved.", Approve),
            ("LGTM", Approve),
            ("Looks good to me", Approve),
            ("Correct", Approve),
            ("Yes", Approve),
            ("No issues found", Approve),
            ("Approve with nits", ApproveWithChanges),
            ("Approve, but fix the off-by-one first", ApproveWithChanges),
            ("Approve with changes", ApproveWithChanges),
            ("approve with no changes", Approve),
            ("LGTM once CI passes", ApproveWithChanges),
            ("Request changes", ApproveWithChanges),
            ("Changes requested: see risks", ApproveWithChanges),
            ("Mostly correct", ApproveWithChanges),
            ("Not entirely correct", ApproveWithChanges),
            ("Conditionally approve", ApproveWithChanges),
            ("Reject", Reject),
            ("REJECTED — the migration drops data", Reject),
            ("Do not approve", Reject),
            ("Don't merge this", Reject),
            ("Not correct", Reject),
            ("Incorrect", Reject),
            ("No", Reject),
            ("No-go", Reject),
            ("Not wrong", Approve),
            ("Uncertain", Uncertain),
            ("Not sure", Uncertain),
            ("Context-dependent: it depends on the OS", Uncertain),
            ("Inconclusive without the logs", Uncertain),
            ("True", Approve),
            ("False", Reject),
            ("42", Other),
            ("See below", Other),
            ("", Other),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text, Intent::Validate), *expected, "{text:?}");
        }
    }

    #[test]
    fn consensus_reads_claims() {
        let cases: &[(&str, VerdictClass)] = &[
            ("True", True),
            ("TRUE.", True),
            ("Mostly true", True),
            ("Correct", True),
            ("Yes", True),
            ("False", False),
            ("Mostly false", False),
            ("Not true", False),
            ("Incorrect", False),
            ("Partially true", Uncertain),
            ("Not entirely true", Uncertain),
            ("Uncertain", Uncertain),
            ("Context dependent", Uncertain),
            ("Banana", Other),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(text, Intent::Consensus), *expected, "{text:?}");
        }
    }

    #[test]
    fn stances_merge_only_approvals() {
        assert_eq!(ApproveWithChanges.stance(), Approve.stance());
        assert_ne!(Approve.stance(), Reject.stance());
        assert_ne!(Uncertain.stance(), Approve.stance());
    }

    #[test]
    fn normalized_text_drops_markdown_and_case() {
        assert_eq!(normalized_text("**See  Below!**"), "see below");
    }
}
