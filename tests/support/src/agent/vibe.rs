//! `vibe` (Mistral Vibe 3.0.2): `-p/--prompt [PROMPT]` (stdin when bare), `--prompt-file`,
//! `--output text|json|streaming`, no `--model` (`VIBE_ACTIVE_MODEL`), clap errors exit 1,
//! errors as text on stderr, `--output-dir DIR/export.json`.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::args::{ArgError, Arity, Opt, opt};
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest, pretty};
use super::{Context, flag_before_dash_dash, parse_or_reject};

pub(super) const VERSION: &str = "vibe 3.0.2";
const BUILTIN_AGENTS: &[&str] = &["ask", "accept-edits", "smart-approve", "auto-approve"];

const TABLE: &[Opt] = &[
    opt(&["--help", "-h"], Arity::Flag),
    opt(&["--version", "-v"], Arity::Flag),
    opt(&["--workdir"], Arity::Value),
    opt(&["--continue", "-c"], Arity::Flag),
    opt(&["--resume"], Arity::Optional),
    opt(&["--setup"], Arity::Flag),
    opt(&["--prompt", "-p"], Arity::Optional),
    opt(&["--output"], Arity::Value),
    opt(&["--max-turns"], Arity::Value),
    opt(&["--max-price"], Arity::Value),
    opt(&["--max-tokens"], Arity::Value),
    opt(&["--time-limit"], Arity::Value),
    opt(&["--prompt-file"], Arity::Value),
    opt(&["--output-dir"], Arity::Value),
    opt(&["--agent"], Arity::Value),
    opt(&["--auto-approve", "--yolo"], Arity::Flag),
    opt(&["--smart-approve"], Arity::Flag),
    opt(&["--enabled-tools"], Arity::Value),
    opt(&["--disabled-tools"], Arity::Value),
    opt(&["--trust"], Arity::Flag),
    opt(&["--worktree"], Arity::Optional),
    opt(&["--add-dir"], Arity::Value),
    opt(&["--check-upgrade"], Arity::Flag),
];

pub(super) fn is_version_request(args: &[String]) -> bool {
    flag_before_dash_dash(args, &["--version", "-v"])
}

fn clap(message: String) -> Rejection {
    Rejection::stderr(
        format!(
            "{message}\n\nUsage: vibe [OPTIONS] [INITIAL_PROMPT] [COMMAND]\n\nFor more information, try '--help'."
        ),
        1,
    )
}

pub(super) fn plan(args: &[String], context: &Context) -> Result<Plan, Rejection> {
    let parsed = parse_or_reject(args, TABLE, |error| match error {
        ArgError::Unknown(option) => clap(format!("error: unexpected argument '{option}' found")),
        ArgError::MissingValue(option) => clap(format!(
            "error: a value is required for '{option} <VALUE>' but none was supplied"
        )),
    })?;
    let format = parsed
        .string("--output")
        .unwrap_or_else(|| "text".to_owned());
    if !["text", "json", "streaming"].contains(&format.as_str()) {
        return Err(clap(format!(
            "error: invalid value '{format}' for '--output <OUTPUT>'\n  [possible values: text, json, streaming]"
        )));
    }
    let positional = (!parsed.positionals.is_empty()).then(|| parsed.positionals.join(" "));
    let prompt = match (
        parsed.value("--prompt"),
        parsed.string("--prompt-file"),
        positional,
    ) {
        (_, Some(path), _) => PromptSource::File(path.into()),
        (Some(Some(text)), None, _) => PromptSource::Arg(text.to_owned()),
        (Some(None), None, Some(text)) => PromptSource::Arg(text),
        (Some(None), None, None) => PromptSource::Stdin,
        (None, None, _) => {
            return Err(Rejection::stderr(
                "Error: Interactive mode needs a terminal. Use -p/--prompt (or --prompt-file) for headless mode.",
                1,
            ));
        }
    };
    if let Some(agent) = parsed.string("--agent") {
        let custom = context
            .vibe_home()
            .join("agents")
            .join(format!("{agent}.toml"));
        if !BUILTIN_AGENTS.contains(&agent.as_str()) && !custom.is_file() {
            return Err(Rejection::stderr(
                format!("Error: Agent '{agent}' not found."),
                2,
            ));
        }
    }
    let mut plan = Plan::new(&format, prompt);
    plan.model = context.env("VIBE_ACTIVE_MODEL");
    plan.session = match parsed.value("--resume") {
        Some(Some(id)) => SessionRequest::Resume(id.to_owned()),
        Some(None) => {
            return Err(Rejection::stderr(
                "Error: Interactive mode needs a terminal (the session picker).",
                1,
            ));
        }
        None if parsed.has("--continue") => SessionRequest::ResumeLatest,
        None => SessionRequest::Fresh,
    };
    plan.side_file = parsed
        .string("--output-dir")
        .map(|dir| PathBuf::from(dir).join("export.json"));
    Ok(plan)
}

pub(super) fn check_prompt(prompt: &str) -> Result<(), Rejection> {
    if prompt.trim().is_empty() {
        return Err(Rejection::stderr(
            "Error: No prompt provided (empty -p and stdin).",
            1,
        ));
    }
    Ok(())
}

pub(super) fn default_model() -> &'static str {
    "mistral-vibe-cli-latest"
}

fn entry(answer: &Answer, role: &str, text: &str, index: usize) -> Value {
    let turn = format!("turn-{}", answer.session_id.replace('-', ""));
    let (id, source, input, outcome) = if role == "user" {
        (
            format!("user-{turn}-1"),
            "turn_start",
            Value::Null,
            Value::Null,
        )
    } else {
        (
            format!("assistant-{}-{index}", answer.session_id),
            "harness",
            json!(format!("user-{turn}-1")),
            json!({"type": "committed"}),
        )
    };
    json!({"id": id, "sessionId": answer.session_id, "turnId": turn, "inputEntryId": input, "createdAt": super::epoch_millis(),
           "updatedAt": super::epoch_millis(), "generationStatus": "completed", "relatedEntryId": null, "type": "message", "role": role,
           "content": [{"type": "text", "text": text}], "source": source, "userDisplayContent": null, "outcome": outcome})
}

fn export(answer: &Answer, error: Option<(&str, &str)>) -> String {
    let (outcome, error, usage, cost, code) = match error {
        None => (
            "finished",
            Value::Null,
            json!({"input_tokens": 12, "output_tokens": 5, "cached_input_tokens": 0, "total_tokens": 17}),
            5.55e-5,
            0,
        ),
        Some((message, code)) => (
            "config_error",
            json!({"message": message, "code": code}),
            json!({"input_tokens": 0, "output_tokens": 0, "cached_input_tokens": 0, "total_tokens": 0}),
            0.0,
            1,
        ),
    };
    pretty(
        &json!({"outcome": outcome, "stop_reason": null, "error": error, "session_id": answer.session_id, "usage": usage, "cost_usd": cost,
                   "steps": 1, "config": "<effective config elided>", "schema_version": 1, "vibe_version": "3.0.2", "journal_dir": "session",
                   "started_at": super::timestamp(), "ended_at": super::timestamp(),
                   "limits": {"max_turns": null, "max_price": null, "max_tokens": null, "time_limit_s": null}, "exit_code": code}),
    )
}

pub(super) fn render(plan: &Plan, answer: &Answer) -> Rendered {
    let mut entries = vec![entry(answer, "user", &answer.prompt, 0)];
    entries.extend(
        answer
            .chunks
            .iter()
            .enumerate()
            .map(|(index, chunk)| entry(answer, "assistant", chunk, index)),
    );
    let mut rendered = match plan.format.as_str() {
        "json" => Rendered::lines(vec![pretty(&Value::Array(entries))]),
        "streaming" => Rendered::json_lines(entries),
        _ => Rendered::lines(vec![answer.text()]),
    };
    rendered.file = plan
        .side_file
        .clone()
        .map(|path| (path, export(answer, None)));
    rendered
}

/// No `MISTRAL_API_KEY`: two lines on stderr, exit 1 (and a `config_error` export).
pub(super) fn auth_failure(plan: &Plan, answer: &Answer) -> Rendered {
    let message = "Missing MISTRAL_API_KEY environment variable for mistral provider";
    Rendered {
        stdout: Vec::new(),
        stderr: format!(
            "Reading API keys from the system keyring (set them as environment variables to skip this)\nError: {message}\n"
        ),
        code: 1,
        file: plan
            .side_file
            .clone()
            .map(|path| (path, export(answer, Some((message, "missing_api_key"))))),
    }
}
