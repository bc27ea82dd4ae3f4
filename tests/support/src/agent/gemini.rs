//! `gemini` (Gemini CLI 0.61.0): `-p/--prompt` (stdin appended), `-o text|json|stream-json`,
//! yargs errors, `--skip-trust`, and JSON errors on **stderr** with the real exit codes.

use serde_json::{Value, json};

use super::args::{ArgError, Arity, Opt, opt};
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest, pretty};
use super::{Context, flag_before_dash_dash, parse_or_reject};

pub(super) const VERSION: &str = "0.61.0";
const NO_AUTH: &str = "Please set an Auth method in your {HOME}/.gemini/settings.json or specify one of the following environment variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA";

const TABLE: &[Opt] = &[
    opt(&["--debug", "-d"], Arity::Flag),
    opt(&["--model", "-m"], Arity::Value),
    opt(&["--prompt", "-p"], Arity::Value),
    opt(&["--prompt-interactive", "-i"], Arity::Value),
    opt(&["--skip-trust"], Arity::Flag),
    opt(&["--worktree", "-w"], Arity::Optional),
    opt(&["--sandbox", "-s"], Arity::Flag),
    opt(&["--yolo", "-y"], Arity::Flag),
    opt(&["--approval-mode"], Arity::Value),
    opt(&["--policy"], Arity::Value),
    opt(&["--admin-policy"], Arity::Value),
    opt(&["--allowed-mcp-server-names"], Arity::Value),
    opt(&["--allowed-tools"], Arity::Value),
    opt(&["--extensions", "-e"], Arity::Value),
    opt(&["--resume", "-r"], Arity::Value),
    opt(&["--session-file"], Arity::Value),
    opt(&["--session-id"], Arity::Value),
    opt(&["--include-directories"], Arity::Value),
    opt(&["--screen-reader"], Arity::Flag),
    opt(&["--output-format", "-o"], Arity::Value),
    opt(&["--raw-output"], Arity::Flag),
    opt(&["--accept-raw-output-risk"], Arity::Flag),
    opt(&["--acp"], Arity::Flag),
    opt(&["--experimental-acp"], Arity::Flag),
    opt(&["--delete-session"], Arity::Value),
    opt(&["--list-extensions", "-l"], Arity::Flag),
    opt(&["--list-sessions"], Arity::Flag),
    opt(&["--help", "-h"], Arity::Flag),
    opt(&["--version", "-v"], Arity::Flag),
];

pub(super) fn is_version_request(args: &[String]) -> bool {
    flag_before_dash_dash(args, &["--version", "-v"])
}

fn yargs(message: String) -> Rejection {
    Rejection::stderr(
        format!(
            "Usage: gemini [options] [command]\n\nGemini CLI - Defaults to interactive mode. Use -p/--prompt for non-interactive (headless) mode.\n\n{message}"
        ),
        1,
    )
}

pub(super) fn plan(args: &[String], context: &Context) -> Result<Plan, Rejection> {
    let parsed = parse_or_reject(args, TABLE, |error| match error {
        ArgError::Unknown(option) => yargs(format!(
            "Unknown argument: {}",
            option.trim_start_matches('-')
        )),
        ArgError::MissingValue(option) => yargs(format!(
            "Not enough arguments following: {}",
            option.trim_start_matches('-')
        )),
    })?;
    let format = parsed
        .string("--output-format")
        .unwrap_or_else(|| "text".to_owned());
    choice("output-format", &format, &["text", "json", "stream-json"])?;
    if let Some(mode) = parsed.string("--approval-mode") {
        choice(
            "approval-mode",
            &mode,
            &["default", "auto_edit", "yolo", "plan"],
        )?;
        if parsed.has("--yolo") {
            return Err(yargs("Cannot use both --yolo (-y) and --approval-mode together. Use --approval-mode=yolo instead.".into()));
        }
    }
    let positional = (!parsed.positionals.is_empty()).then(|| parsed.positionals.join(" "));
    let prompt = match (parsed.string("--prompt"), positional) {
        (Some(_), Some(_)) => {
            return Err(yargs(
                "Cannot use both a positional prompt and the --prompt (-p) flag together".into(),
            ));
        }
        (Some(text), None) => PromptSource::ArgThenStdin(text),
        (None, Some(text)) => PromptSource::ArgThenStdin(text),
        (None, None) => PromptSource::Stdin,
    };
    let mut plan = Plan::new(&format, prompt);
    for dir in parsed
        .all("--include-directories")
        .iter()
        .flat_map(|value| value.split(','))
    {
        if !context.resolve(dir.trim()).is_dir() {
            return Err(fatal(
                &plan,
                &format!("Directory does not exist: {}", dir.trim()),
                1,
            ));
        }
    }
    let trusted = parsed.has("--skip-trust")
        || context.env("GEMINI_CLI_TRUST_WORKSPACE").as_deref() == Some("true");
    if !trusted {
        let message = "Gemini CLI is not running in a trusted directory. To proceed, either use `--skip-trust`, set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment variable, or trust this directory in interactive mode.";
        return Err(fatal(&plan, message, 55));
    }
    plan.model = parsed.string("--model");
    plan.session = match (parsed.string("--session-id"), parsed.string("--resume")) {
        (Some(id), _) => SessionRequest::NewWithId(id),
        (None, Some(id)) if super::is_uuid(&id) => SessionRequest::Resume(id),
        (None, Some(_)) => SessionRequest::ResumeLatest,
        (None, None) => SessionRequest::Fresh,
    };
    Ok(plan)
}

fn choice(name: &str, value: &str, choices: &[&str]) -> Result<(), Rejection> {
    if choices.contains(&value) {
        return Ok(());
    }
    let listed = choices
        .iter()
        .map(|choice| format!("\"{choice}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Err(yargs(format!(
        "Invalid values:\n  Argument: {name}, Given: \"{value}\", Choices: {listed}"
    )))
}

/// A fatal error: JSON `{session_id, error}` on stderr in the JSON formats, text otherwise.
fn fatal(plan: &Plan, message: &str, code: i32) -> Rejection {
    if plan.format == "text" {
        Rejection::stderr(message, code)
    } else {
        fatal_json(message, code)
    }
}

pub(super) fn check_prompt(plan: &Plan, prompt: &str) -> Result<(), Rejection> {
    if prompt.trim().is_empty() {
        let message = "No input provided via stdin. Input can be provided by piping data into gemini or using the --prompt option.";
        return Err(fatal(plan, message, 42));
    }
    Ok(())
}

fn fatal_json(message: &str, code: i32) -> Rejection {
    Rejection::stderr(
        pretty(
            &json!({"session_id": super::new_uuid(), "error": {"type": "Error", "message": message, "code": code}}),
        ),
        code,
    )
}

pub(super) fn default_model() -> &'static str {
    "gemini-2.5-pro"
}

fn tokens() -> Value {
    json!({"input": 9, "prompt": 12, "candidates": 5, "total": 17, "cached": 3, "thoughts": 0, "tool": 0})
}

fn stream_stats(answer: &Answer) -> Value {
    let per_model = json!({"total_tokens": 17, "input_tokens": 12, "output_tokens": 5, "cached": 3, "input": 9});
    json!({"total_tokens": 17, "input_tokens": 12, "output_tokens": 5, "cached": 3, "input": 9, "duration_ms": 60, "tool_calls": 0,
           "models": {answer.model.clone(): per_model}})
}

pub(super) fn render(plan: &Plan, answer: &Answer, requested_model: Option<&str>) -> Rendered {
    match plan.format.as_str() {
        "json" => {
            let api = json!({"totalRequests": 1, "totalErrors": 0, "totalLatencyMs": 50, "errorsByType": {}});
            let model = json!({"api": api, "tokens": tokens(), "roles": {"main": {"totalRequests": 1, "totalErrors": 0, "totalLatencyMs": 50, "tokens": tokens()}}});
            let body = json!({
                "session_id": answer.session_id,
                "response": answer.text(),
                "stats": {
                    "models": {answer.model.clone(): model},
                    "tools": {"totalCalls": 0, "totalSuccess": 0, "totalFail": 0, "totalDurationMs": 0,
                              "totalDecisions": {"accept": 0, "reject": 0, "modify": 0, "auto_accept": 0}, "byName": {}},
                    "files": {"totalLinesAdded": 0, "totalLinesRemoved": 0},
                },
            });
            Rendered::lines(vec![pretty(&body)])
        }
        "stream-json" => {
            let mut lines = vec![
                json!({"type": "init", "timestamp": super::timestamp(), "session_id": answer.session_id, "model": requested_model.unwrap_or("auto")}),
                json!({"type": "message", "timestamp": super::timestamp(), "role": "user", "content": answer.prompt}),
            ];
            for chunk in &answer.chunks {
                lines.push(json!({"type": "message", "timestamp": super::timestamp(), "role": "assistant", "content": chunk, "delta": true}));
            }
            lines.push(json!({"type": "result", "timestamp": super::timestamp(), "status": "success", "stats": stream_stats(answer)}));
            Rendered::json_lines(lines)
        }
        _ => Rendered::lines(vec![answer.text()]),
    }
}

/// No auth method: exit 41, the message (JSON on stderr in the JSON formats).
pub(super) fn auth_failure(plan: &Plan, context: &Context) -> Rendered {
    let message = NO_AUTH.replace("{HOME}", &context.env("HOME").unwrap_or_default());
    let rejection = fatal(plan, &message, 41);
    Rendered {
        stderr: rejection.stderr,
        code: 41,
        ..Rendered::default()
    }
}
