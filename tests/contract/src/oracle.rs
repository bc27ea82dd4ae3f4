//! The "no credentials, fast failure" oracle of provider-clis.md §6: with no login and no key,
//! every CLI that **accepted** its argv reaches its auth stage and fails in a recognisable way;
//! a CLI that **rejected** its argv fails earlier with its parser's error.

use gateway_core::ProviderId;

use crate::runner::CliRun;

/// What a no-credentials run says about the argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The CLI parsed the argv and went on to authenticate.
    Accepted,
    /// The CLI's parser refused the argv (the reason quotes it).
    Rejected(String),
    /// Neither signature: the suite cannot tell (a hang, a crash, a new message).
    Unclear(String),
}

/// The stdout line that proves codex parsed its argv (offline it then retries forever).
pub fn codex_started(line: &str) -> bool {
    line.contains("\"type\":\"thread.started\"")
}

/// Judges a run of `program` (the executable, so gemini's `agy` backend can differ).
pub fn no_credentials_verdict(provider: ProviderId, run: &CliRun) -> Verdict {
    let accepted = match provider {
        // stdout (JSON, stream-json or text) says "Not logged in"; exit 1.
        ProviderId::Claude => run.code == Some(1) && run.stdout.contains("Not logged in"),
        ProviderId::Codex => run.stdout.lines().any(codex_started),
        ProviderId::Gemini => run.code == Some(41),
        ProviderId::Grok => {
            run.code == Some(1)
                && (run.stdout.contains("Not signed in") || run.stderr.contains("Not signed in"))
        }
        ProviderId::Mistral => {
            run.code == Some(1) && run.stderr.contains("Missing MISTRAL_API_KEY")
        }
    };
    if accepted {
        return Verdict::Accepted;
    }
    let first_error = run
        .stderr
        .lines()
        .find(|line| {
            let line = line.trim_start();
            line.starts_with("error:")
                || line.starts_with("Error:")
                || line.contains("Unknown argument")
                || line.contains("Invalid values")
        })
        .map(str::to_owned);
    let parser_exit = match provider {
        ProviderId::Codex | ProviderId::Grok => run.code == Some(2),
        ProviderId::Claude | ProviderId::Gemini => run.code == Some(1),
        ProviderId::Mistral => matches!(run.code, Some(1 | 2)),
    };
    match first_error {
        Some(error) if parser_exit => Verdict::Rejected(error),
        Some(error) => Verdict::Unclear(format!("exit {:?}: {error}", run.code)),
        None => Verdict::Unclear(format!("exit {:?}, no signature", run.code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: Option<i32>, stdout: &str, stderr: &str) -> CliRun {
        CliRun {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
            ..CliRun::default()
        }
    }

    #[test]
    fn signatures_table() {
        let cases = [
            (
                ProviderId::Claude,
                run(
                    Some(1),
                    r#"{"result":"Not logged in · Please run /login"}"#,
                    "",
                ),
                true,
            ),
            (
                ProviderId::Claude,
                run(Some(1), "", "error: unknown option '--bogus'"),
                false,
            ),
            (
                ProviderId::Codex,
                run(
                    None,
                    "{\"type\":\"thread.started\",\"thread_id\":\"x\"}\n",
                    "",
                ),
                true,
            ),
            (
                ProviderId::Codex,
                run(
                    Some(2),
                    "",
                    "error: unexpected argument '--full-auto' found",
                ),
                false,
            ),
            (
                ProviderId::Gemini,
                run(Some(41), "", "{\"error\":{\"code\":41}}"),
                true,
            ),
            (
                ProviderId::Gemini,
                run(Some(1), "", "Unknown argument: bogus"),
                false,
            ),
            (
                ProviderId::Grok,
                run(
                    Some(1),
                    r#"{"type":"error","message":"Not signed in. …"}"#,
                    "",
                ),
                true,
            ),
            (
                ProviderId::Grok,
                run(Some(2), "", "error: invalid value"),
                false,
            ),
            (
                ProviderId::Mistral,
                run(
                    Some(1),
                    "",
                    "Error: Missing MISTRAL_API_KEY environment variable",
                ),
                true,
            ),
            (
                ProviderId::Mistral,
                run(Some(2), "", "Error: Agent 'plan' not found."),
                false,
            ),
        ];
        for (provider, run, accepted) in cases {
            let verdict = no_credentials_verdict(provider, &run);
            assert_eq!(
                verdict == Verdict::Accepted,
                accepted,
                "{provider}: {verdict:?}"
            );
            if !accepted {
                assert!(
                    matches!(verdict, Verdict::Rejected(_)),
                    "{provider}: {verdict:?}"
                );
            }
        }
    }
}
