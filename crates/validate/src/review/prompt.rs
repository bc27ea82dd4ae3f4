//! The prompt of a review seat: the reviewer's role, the diff fenced as material, and the fixed
//! JSON answer shape that [`crate::review::findings`] reads back.

use crate::prompt::fenced;

const ROLE: &str = "You are one reviewer on a panel. The others review the same change separately and you \
     will not see their answers: give only your own judgement. Work read-only: your working \
     directory is the repository, and you may read any file in it for context, but do not edit \
     files, run commands that change anything, or ask follow-up questions.";

const ANSWER_SHAPE: &str = r#"Reply with exactly one JSON object in a ```json fence, and nothing after it:
{"verdict": "approve" | "approve with changes" | "reject" | "uncertain",
 "summary": "one or two sentences on the change as a whole",
 "findings": [{"file": "path as in the diff", "startLine": 12, "endLine": 14,
   "severity": "critical" | "high" | "medium" | "low" | "info",
   "title": "the problem in a few words", "rationale": "why it is a problem, citing the code"}]}
Line numbers are those of the new version of the file. Report only real problems the change
introduces or exposes, one finding per problem; an empty findings list is a valid answer."#;

/// The prompt for one review seat over `diff` (`target` says what it is).
pub fn review_prompt(target: &str, focus: Option<&str>, diff: &str) -> String {
    let focus = focus
        .filter(|focus| !focus.trim().is_empty())
        .map(|focus| format!(" Pay most attention to: {focus}."))
        .unwrap_or_default();
    format!(
        "{ROLE}\n\nTask: review the change below, a git diff of {target}, for correctness, safety and \
         maintainability.{focus}\n\n{}\n\n{ANSWER_SHAPE}",
        fenced("diff", diff)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_prompt_snapshot() {
        insta::assert_snapshot!(review_prompt(
            "staged changes",
            Some("double charging"),
            "diff --git a/x b/x\n+retry()\n"
        ));
    }
}
