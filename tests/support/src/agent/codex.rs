//! `codex` (0.169.0): only `codex exec` is headless. `exec [opts] [resume <id>|--last] [PROMPT|-]`,
//! `--json` JSONL events, clap errors with exit 2, the git-repository check.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::args::{ArgError, Arity, Opt, Parsed, opt, parse};
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest};
use super::{Context, flag_before_dash_dash};

pub(super) const VERSION: &str = "codex-cli 0.169.0";

const TOP: &[Opt] = &[
    opt(&["--config", "-c"], Arity::Value),
    opt(&["--enable"], Arity::Value),
    opt(&["--disable"], Arity::Value),
    opt(&["--model", "-m"], Arity::Value),
    opt(&["--profile", "-p"], Arity::Value),
    opt(&["--sandbox", "-s"], Arity::Value),
    opt(&["--ask-for-approval", "-a"], Arity::Value),
    opt(&["--cd", "-C"], Arity::Value),
    opt(&["--add-dir"], Arity::Value),
    opt(&["--search"], Arity::Flag),
    opt(&["--oss"], Arity::Flag),
    opt(
        &["--dangerously-bypass-approvals-and-sandbox", "--yolo"],
        Arity::Flag,
    ),
    opt(&["--version", "-V"], Arity::Flag),
];

/// Options `exec` and `exec resume` share.
const SHARED: &[Opt] = &[
    opt(&["--config", "-c"], Arity::Value),
    opt(&["--enable"], Arity::Value),
    opt(&["--disable"], Arity::Value),
    opt(&["--strict-config"], Arity::Flag),
    opt(&["--model", "-m"], Arity::Value),
    opt(
        &["--dangerously-bypass-approvals-and-sandbox", "--yolo"],
        Arity::Flag,
    ),
    opt(&["--dangerously-bypass-hook-trust"], Arity::Flag),
    opt(&["--worktree"], Arity::Flag),
    opt(&["--thread-source"], Arity::Value),
    opt(&["--cyber-access-program"], Arity::Value),
    opt(&["--skip-git-repo-check"], Arity::Flag),
    opt(&["--trust"], Arity::Flag),
    opt(&["--ephemeral"], Arity::Flag),
    opt(&["--ignore-user-config"], Arity::Flag),
    opt(&["--ignore-rules"], Arity::Flag),
    opt(&["--output-schema"], Arity::Value),
    opt(&["--json"], Arity::Flag),
    opt(&["--help", "-h"], Arity::Flag),
    opt(&["--output-last-message", "-o"], Arity::Value),
];

const EXEC_ONLY: &[Opt] = &[
    opt(&["--image", "-i"], Arity::Variadic),
    opt(&["--oss"], Arity::Flag),
    opt(&["--local-provider"], Arity::Value),
    opt(&["--profile", "-p"], Arity::Value),
    opt(&["--sandbox", "-s"], Arity::Value),
    opt(&["--approve-for-me", "--not-so-yolo"], Arity::Flag),
    opt(&["--cd", "-C"], Arity::Value),
    opt(&["--add-dir"], Arity::Value),
    opt(&["--color"], Arity::Value),
];

const RESUME_ONLY: &[Opt] = &[
    opt(&["--last"], Arity::Flag),
    opt(&["--all"], Arity::Flag),
    opt(&["--image", "-i"], Arity::Value),
];

pub(super) fn is_version_request(args: &[String]) -> bool {
    args.first().is_some_and(|first| first != "exec")
        && flag_before_dash_dash(args, &["--version", "-V"])
}

fn clap_error(error: ArgError, usage: &str) -> Rejection {
    let message = match error {
        ArgError::Unknown(option) => format!("error: unexpected argument '{option}' found"),
        ArgError::MissingValue(option) => {
            format!("error: a value is required for '{option} <VALUE>' but none was supplied")
        }
    };
    Rejection::stderr(
        format!("{message}\n\nUsage: {usage}\n\nFor more information, try '--help'."),
        2,
    )
}

fn table(parts: &[&[Opt]]) -> Vec<Opt> {
    parts.iter().flat_map(|part| part.iter().copied()).collect()
}

pub(super) fn plan(args: &[String], context: &Context) -> Result<Plan, Rejection> {
    let (top, stop) =
        parse(args, TOP, true).map_err(|error| clap_error(error, "codex [OPTIONS] [PROMPT]"))?;
    let Some(exec_at) = stop.filter(|index| args[*index] == "exec" || args[*index] == "e") else {
        return Err(Rejection::stderr("Error: stdin is not a terminal", 1));
    };
    let rest = &args[exec_at + 1..];
    let exec_table = table(&[SHARED, EXEC_ONLY]);
    let usage = "codex exec [OPTIONS] [PROMPT] [COMMAND]";
    let (exec, stop) = parse(rest, &exec_table, true).map_err(|error| clap_error(error, usage))?;
    let (options, session, positionals) = match stop.map(|index| (index, rest[index].as_str())) {
        Some((index, "resume" | "fork")) => {
            let forking = rest[index] == "fork";
            let (sub, _) = parse(&rest[index + 1..], &table(&[SHARED, RESUME_ONLY]), false)
                .map_err(|error| {
                    clap_error(error, "codex exec resume [OPTIONS] [SESSION_ID] [PROMPT]")
                })?;
            let mut words = sub.positionals.clone();
            let session = if sub.has("--last") {
                SessionRequest::ResumeLatest
            } else if words.is_empty() {
                return Err(Rejection::stderr(
                    "Error: Specify a session id or use --last",
                    1,
                ));
            } else if forking {
                words.remove(0);
                SessionRequest::Fork
            } else {
                SessionRequest::Resume(words.remove(0))
            };
            (merge(&[&top, &exec, &sub]), session, words)
        }
        _ => {
            let (full, _) =
                parse(rest, &exec_table, false).map_err(|error| clap_error(error, usage))?;
            let words = full.positionals.clone();
            (merge(&[&top, &full]), SessionRequest::Fresh, words)
        }
    };
    check_options(&options, context)?;
    let prompt = match positionals.as_slice() {
        [] => PromptSource::Stdin,
        [word] if word == "-" => PromptSource::Stdin,
        [word] => PromptSource::Arg(word.clone()),
        [_, extra, ..] => {
            return Err(clap_error(ArgError::Unknown(extra.clone()), usage));
        }
    };
    let mut plan = Plan::new(
        if options.has("--json") {
            "json"
        } else {
            "text"
        },
        prompt,
    );
    plan.model = options.string("--model");
    plan.session = session;
    plan.side_file = options.string("--output-last-message").map(PathBuf::from);
    Ok(plan)
}

fn merge(parts: &[&Parsed]) -> Parsed {
    let mut merged = Parsed::default();
    for part in parts {
        merged.options.extend(part.options.iter().cloned());
    }
    merged
}

fn check_options(options: &Parsed, context: &Context) -> Result<(), Rejection> {
    if let Some(mode) = options.string("--sandbox") {
        if !["read-only", "workspace-write", "danger-full-access"].contains(&mode.as_str()) {
            return Err(Rejection::stderr(
                format!(
                    "error: invalid value '{mode}' for '--sandbox <SANDBOX_MODE>'\n  [possible values: read-only, workspace-write, danger-full-access]\n\nFor more information, try '--help'."
                ),
                2,
            ));
        }
        if options.has("--approve-for-me") {
            return Err(Rejection::stderr(
                "error: the argument '--approve-for-me' cannot be used with '--sandbox <SANDBOX_MODE>'",
                2,
            ));
        }
    }
    if let Some(schema) = options.string("--output-schema")
        && !context.resolve(&schema).is_file()
    {
        return Err(Rejection::stderr(
            format!(
                "Failed to read output schema file {schema}: No such file or directory (os error 2)"
            ),
            1,
        ));
    }
    let cwd = options
        .string("--cd")
        .map_or_else(|| context.cwd.clone(), |dir| context.resolve(&dir));
    if !options.has("--skip-git-repo-check") && !inside_git(&cwd) {
        return Err(Rejection::stderr(
            "Not inside a trusted directory and --skip-git-repo-check was not specified.",
            1,
        ));
    }
    Ok(())
}

fn inside_git(dir: &Path) -> bool {
    dir.ancestors()
        .any(|ancestor| ancestor.join(".git").exists())
}

pub(super) fn check_prompt(prompt: &str) -> Result<(), Rejection> {
    if prompt.trim().is_empty() {
        return Err(Rejection::stderr("No prompt provided via stdin.", 1));
    }
    Ok(())
}

pub(super) fn default_model() -> &'static str {
    "gpt-5.5-codex"
}

fn usage() -> Value {
    json!({"input_tokens": 12, "cached_input_tokens": 3, "cache_write_input_tokens": 0, "output_tokens": 5, "reasoning_output_tokens": 0})
}

fn header(answer: &Answer) -> String {
    format!(
        "OpenAI Codex v0.169.0 (research preview)\n--------\nworkdir: {}\nmodel: {}\nprovider: openai\napproval: never\nsandbox: read-only\nsession id: {}\n--------\nuser\n{}\n",
        answer.cwd, answer.model, answer.session_id, answer.prompt
    )
}

pub(super) fn render(plan: &Plan, answer: &Answer) -> Rendered {
    let last = answer.chunks.last().cloned().unwrap_or_default();
    let mut rendered = if plan.format == "json" {
        let mut lines = vec![
            json!({"type": "thread.started", "thread_id": answer.session_id}),
            json!({"type": "turn.started"}),
        ];
        for (index, chunk) in answer.chunks.iter().enumerate() {
            lines.push(json!({"type": "item.completed", "item": {"id": format!("item_{index}"), "type": "agent_message", "text": chunk}}));
        }
        lines.push(json!({"type": "turn.completed", "usage": usage()}));
        Rendered::json_lines(lines)
    } else {
        let mut rendered = Rendered::lines(vec![last.clone()]);
        rendered.stderr = format!("{}codex\n{last}\ntokens used\n17\n", header(answer));
        rendered
    };
    rendered.file = plan.side_file.clone().map(|path| (path, last));
    rendered
}

/// A 401 from the API (codex has no offline auth check): `turn.failed`, exit 1.
pub(super) fn auth_failure(plan: &Plan, answer: &Answer) -> Rendered {
    let message = "unexpected status 401 Unauthorized: Incorrect API key provided, url: https://api.openai.com/v1/responses";
    let mut rendered = if plan.format == "json" {
        Rendered::json_lines(vec![
            json!({"type": "thread.started", "thread_id": answer.session_id}),
            json!({"type": "turn.started"}),
            json!({"type": "error", "message": message}),
            json!({"type": "turn.failed", "error": {"message": message}}),
        ])
    } else {
        Rendered {
            stderr: format!("{}ERROR: {message}\n", header(answer)),
            ..Rendered::default()
        }
    };
    rendered.code = 1;
    rendered
}
