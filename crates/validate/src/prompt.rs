//! The prompt each seat receives, one template per [`Intent`].
//!
//! Every reviewer prompt (all intents except `ask_model`) tells the model that it is one of
//! several reviewers who work independently, that it must not touch anything, and that it must
//! answer under four fixed headings, which [`crate::answer`] then reads back. The caller's
//! material is fenced in tags so that instructions inside it read as material, not as orders.

use crate::request::{DEFAULT_FOCUS, Intent, OriginalRequest, RiskLevel};

/// The heading block every reviewer prompt ends with; `verdicts` lists the allowed verdicts.
fn answer_format(verdicts: &str) -> String {
    format!(
        "Reply in plain text using exactly these four headings, in this order:\n\
         Verdict: one line, one of: {verdicts}.\n\
         Rationale: why, in a few short paragraphs; cite the specific parts of the material you rely on.\n\
         Risks: a bulleted list of concrete risks or mistakes (write \"none\" if you found none).\n\
         Suggested next step: the single most useful thing to do next."
    )
}

const REVIEWER_ROLE: &str = "You are one reviewer on a panel. The others review the same material separately and you \
     will not see their answers, so do not guess what they think and do not claim agreement: \
     give only your own judgement. Work read-only: inspect whatever you need, but do not edit \
     files, run commands that change anything, or ask follow-up questions. If you cannot tell, \
     say so rather than guessing.";

const REVIEW_VERDICTS: &str = "approve, approve with changes, reject, uncertain";

/// The prompt for one seat of a run with `intent` over `request`.
pub fn seat_prompt(intent: Intent, request: &OriginalRequest) -> String {
    let question = request.question.as_deref().unwrap_or_default();
    let content = request.content.as_deref().unwrap_or_default();
    match intent {
        Intent::AskModel => question.to_owned(),
        Intent::Validate => {
            let focus = request
                .focus
                .as_deref()
                .filter(|focus| !focus.trim().is_empty())
                .unwrap_or(DEFAULT_FOCUS);
            reviewer(
                &format!(
                    "Task: answer the question below as a careful reviewer and judge whether the \
                     plan, claim or premise it describes holds up: \"approve\" if it does as stated, \
                     \"approve with changes\" if it does once corrected, \"reject\" if it does not. \
                     Pay most attention to: {focus}."
                ),
                &[("question", question)],
                REVIEW_VERDICTS,
            )
        }
        Intent::SecondOpinion => {
            let focus = request
                .focus
                .as_deref()
                .filter(|focus| !focus.trim().is_empty())
                .unwrap_or(DEFAULT_FOCUS);
            let mut material = Vec::new();
            if !question.trim().is_empty() {
                material.push(("original_question", question));
            }
            material.push(("answer_under_review", content));
            reviewer(
                &format!(
                    "Task: give a second opinion on the answer below: is it right, complete and safe \
                     to act on? Judge the answer, not its style. Focus: {focus}."
                ),
                &material,
                REVIEW_VERDICTS,
            )
        }
        Intent::RedTeam => reviewer(
            red_team_task(request.risk_level.unwrap_or_default()),
            &[("content", content)],
            REVIEW_VERDICTS,
        ),
        Intent::Consensus => reviewer(
            "Task: decide whether the claim below is true. Answer \"uncertain\" when it cannot be \
             settled from what you know or when it depends on context, and say on what.",
            &[("claim", question)],
            "true, false, uncertain",
        ),
    }
}

fn red_team_task(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Normal => {
            "Task: act as a red team. Look for the ways the content below is wrong, fails, can be \
             abused or misleads; rank what you find by impact. Verdict \"reject\" means it should \
             not go ahead as it is."
        }
        RiskLevel::High => {
            "Task: act as a hostile, thorough red team; assume a motivated attacker and an unlucky \
             production day. Hunt for security holes, data loss, silent failures, race conditions \
             and wrong assumptions in the content below, and rank them by impact. Be specific and \
             do not soften findings. Verdict \"reject\" means it should not go ahead as it is."
        }
    }
}

fn reviewer(task: &str, material: &[(&str, &str)], verdicts: &str) -> String {
    let mut prompt = format!("{REVIEWER_ROLE}\n\n{task}\n\n");
    for (tag, text) in material {
        prompt.push_str(&fenced(tag, text));
        prompt.push_str("\n\n");
    }
    prompt.push_str(&answer_format(verdicts));
    prompt
}

/// `text` between `<tag>` and `</tag>` lines; the material is passed through unchanged.
pub(crate) fn fenced(tag: &str, text: &str) -> String {
    format!("<{tag}>\n{}\n</{tag}>", text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        question: Option<&str>,
        content: Option<&str>,
        focus: Option<&str>,
        risk: Option<RiskLevel>,
    ) -> OriginalRequest {
        OriginalRequest {
            question: question.map(str::to_owned),
            content: content.map(str::to_owned),
            focus: focus.map(str::to_owned),
            risk_level: risk,
        }
    }

    #[test]
    fn validate_prompt() {
        insta::assert_snapshot!(seat_prompt(
            Intent::Validate,
            &request(Some("Is SQLite WAL safe over NFS?"), None, None, None)
        ));
    }

    #[test]
    fn second_opinion_prompt() {
        insta::assert_snapshot!(seat_prompt(
            Intent::SecondOpinion,
            &request(
                Some("How do I undo a commit?"),
                Some("git reset --hard HEAD~1"),
                Some("data loss"),
                None
            )
        ));
    }

    #[test]
    fn red_team_prompts() {
        insta::assert_snapshot!(
            "red_team_normal",
            seat_prompt(
                Intent::RedTeam,
                &request(None, Some("fn main() {}"), None, None)
            )
        );
        insta::assert_snapshot!(
            "red_team_high",
            seat_prompt(
                Intent::RedTeam,
                &request(None, Some("fn main() {}"), None, Some(RiskLevel::High))
            )
        );
    }

    #[test]
    fn consensus_prompt() {
        insta::assert_snapshot!(seat_prompt(
            Intent::Consensus,
            &request(Some("Rust has a GC."), None, None, None)
        ));
    }

    #[test]
    fn ask_model_is_verbatim() {
        let question = "--weird question starting with dashes";
        assert_eq!(
            seat_prompt(Intent::AskModel, &request(Some(question), None, None, None)),
            question
        );
    }

    #[test]
    fn every_reviewer_prompt_states_independence_and_headings() {
        let material = request(Some("q"), Some("c"), None, None);
        for intent in [
            Intent::Validate,
            Intent::SecondOpinion,
            Intent::RedTeam,
            Intent::Consensus,
        ] {
            let prompt = seat_prompt(intent, &material);
            for needle in [
                "one reviewer",
                "read-only",
                "Verdict:",
                "Rationale:",
                "Risks:",
                "Suggested next step:",
            ] {
                assert!(prompt.contains(needle), "{intent}: missing {needle:?}");
            }
        }
    }
}
