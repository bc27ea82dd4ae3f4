//! `agy` (Google Antigravity): **unverified** — no registry package exists, so this follows the
//! reference's facts only: `--print [PROMPT]` (stdin when bare), text output, `--conversation`,
//! `--continue`. Unknown flags are accepted (treated as booleans) rather than guessed at.

use super::args::{Arity, Opt, opt, parse};
use super::flag_before_dash_dash;
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest};

pub(super) const VERSION: &str = "1.1.13";

const TABLE: &[Opt] = &[
    opt(&["--print", "-p"], Arity::Optional),
    opt(&["--model", "-m"], Arity::Value),
    opt(&["--add-dir"], Arity::Value),
    opt(&["--sandbox"], Arity::Flag),
    opt(&["--mode"], Arity::Value),
    opt(&["--dangerously-skip-permissions"], Arity::Flag),
    opt(&["--project"], Arity::Value),
    opt(&["--new-project"], Arity::Flag),
    opt(&["--print-timeout"], Arity::Value),
    opt(&["--conversation"], Arity::Value),
    opt(&["--continue", "-c"], Arity::Flag),
    opt(&["--version", "-v"], Arity::Flag),
];

pub(super) fn is_version_request(args: &[String]) -> bool {
    flag_before_dash_dash(args, &["--version", "-v"])
}

pub(super) fn plan(args: &[String]) -> Result<Plan, Rejection> {
    // Lenient: drop options the table does not know before parsing.
    let mut known = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--" {
            known.push(arg.clone());
            known.extend(rest.by_ref().cloned());
            break;
        }
        let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
        if !arg.starts_with('-')
            || arg == "-"
            || TABLE.iter().any(|option| option.names.contains(&name))
        {
            known.push(arg.clone());
        }
    }
    let (parsed, _) = parse(&known, TABLE, false)
        .map_err(|error| Rejection::stderr(format!("Error: {error:?}"), 1))?;
    let positional = (!parsed.positionals.is_empty()).then(|| parsed.positionals.join(" "));
    let prompt = match (parsed.value("--print"), positional) {
        (Some(Some(text)), _) => PromptSource::Arg(text.to_owned()),
        (Some(None), Some(text)) => PromptSource::Arg(text),
        (Some(None), None) => PromptSource::Stdin,
        (None, _) => {
            return Err(Rejection::stderr(
                "Error: agy needs --print for headless use (fake-agent)",
                1,
            ));
        }
    };
    let mut plan = Plan::new("text", prompt);
    plan.model = parsed.string("--model");
    plan.session = match parsed.string("--conversation") {
        Some(id) => SessionRequest::Resume(id),
        None if parsed.has("--continue") => SessionRequest::ResumeLatest,
        None => SessionRequest::Fresh,
    };
    Ok(plan)
}

pub(super) fn check_prompt(prompt: &str) -> Result<(), Rejection> {
    if prompt.trim().is_empty() {
        return Err(Rejection::stderr("Error: no prompt given", 1));
    }
    Ok(())
}

pub(super) fn default_model() -> &'static str {
    "gemini-3-pro"
}

pub(super) fn render(answer: &Answer) -> Rendered {
    Rendered::lines(vec![answer.text()])
}

/// Invented shape (agy is unverified): a message on stderr, exit 1.
pub(super) fn auth_failure() -> Rendered {
    Rendered {
        stderr: "Error: not signed in. Run `agy` once interactively to sign in with Google.\n"
            .to_owned(),
        code: 1,
        ..Rendered::default()
    }
}
