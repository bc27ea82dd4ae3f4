//! `grok` (xAI Grok Build 1.0.41): `-p/--single`, `--prompt-file` (a `*.json` file is read as
//! content blocks), `--prompt-json`; `--output-format plain|json|streaming-json|streaming-messages-json`;
//! clap errors exit 2; errors as `{"type":"error"}` on stdout.

use serde_json::{Value, json};

use super::args::{ArgError, Arity, Opt, opt};
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest, pretty};
use super::{flag_before_dash_dash, new_uuid, parse_or_reject};

pub(super) const VERSION: &str = "grok 1.0.41 (4220f3b224a6)";
const NOT_SIGNED_IN: &str = "Not signed in. To authenticate without a browser, run:\n  grok login --device-code\n\nAlternatively, set the XAI_API_KEY environment variable or run `grok login` on a machine with a browser.";
const FORMATS: &[&str] = &["plain", "json", "streaming-json", "streaming-messages-json"];
const MODES: &[&str] = &[
    "default",
    "acceptEdits",
    "auto",
    "dontAsk",
    "bypassPermissions",
    "plan",
];

const TABLE: &[Opt] = &[
    opt(&["--agent"], Arity::Value),
    opt(&["--agents"], Arity::Value),
    opt(&["--allow", "--allowedTools"], Arity::Value),
    opt(&["--always-approve", "--yolo"], Arity::Flag),
    opt(&["--continue", "-c"], Arity::Flag),
    opt(&["--cwd"], Arity::Value),
    opt(&["--debug"], Arity::Flag),
    opt(&["--debug-file"], Arity::Value),
    opt(&["--deny", "--disallowedTools"], Arity::Value),
    opt(&["--disable-web-search"], Arity::Flag),
    opt(&["--disallowed-tools"], Arity::Value),
    opt(&["--fork-session"], Arity::Flag),
    opt(&["--include-partial-messages"], Arity::Flag),
    opt(&["--json-schema"], Arity::Value),
    opt(&["--model", "-m"], Arity::Value),
    opt(&["--max-turns"], Arity::Value),
    opt(&["--minimal"], Arity::Flag),
    opt(&["--no-auto-update"], Arity::Flag),
    opt(&["--no-plan"], Arity::Flag),
    opt(&["--no-subagents"], Arity::Flag),
    opt(&["--output-format"], Arity::Value),
    opt(&["--single", "-p"], Arity::Value),
    opt(&["--permission-mode"], Arity::Value),
    opt(&["--prompt-file"], Arity::Value),
    opt(&["--prompt-json"], Arity::Value),
    opt(&["--resume", "-r"], Arity::Optional),
    opt(&["--reasoning-effort", "--effort"], Arity::Value),
    opt(&["--rules"], Arity::Value),
    opt(&["--session-id", "-s"], Arity::Value),
    opt(&["--sandbox"], Arity::Value),
    opt(
        &["--system-prompt-override", "--system-prompt"],
        Arity::Value,
    ),
    opt(&["--tools"], Arity::Value),
    opt(&["--fullscreen"], Arity::Flag),
    opt(&["--help", "-h"], Arity::Flag),
    opt(&["--leader-socket"], Arity::Value),
    opt(&["--no-alt-screen"], Arity::Flag),
    opt(&["--oauth"], Arity::Flag),
    opt(&["--restore-code"], Arity::Flag),
    opt(&["--worktree-ref"], Arity::Value),
    opt(&["--version", "-v"], Arity::Flag),
    opt(&["--verbatim"], Arity::Flag),
    opt(&["--worktree", "-w"], Arity::Optional),
];

pub(super) fn is_version_request(args: &[String]) -> bool {
    flag_before_dash_dash(args, &["--version", "-v"])
}

fn clap(message: String) -> Rejection {
    Rejection::stderr(
        format!(
            "{message}\n\nUsage: grok [OPTIONS] [COMMAND]\n\nFor more information, try '--help'."
        ),
        2,
    )
}

fn invalid(option: &str, value: &str, choices: &[&str]) -> Rejection {
    clap(format!(
        "error: invalid value '{value}' for '{option}'\n  [possible values: {}]",
        choices.join(", ")
    ))
}

pub(super) fn plan(args: &[String]) -> Result<Plan, Rejection> {
    let parsed = parse_or_reject(args, TABLE, |error| match error {
        ArgError::Unknown(option) => clap(format!("error: unexpected argument '{option}' found")),
        ArgError::MissingValue(option) => clap(format!(
            "error: a value is required for '{option} <VALUE>' but none was supplied"
        )),
    })?;
    let format = parsed
        .string("--output-format")
        .unwrap_or_else(|| "plain".to_owned());
    if !FORMATS.contains(&format.as_str()) {
        return Err(invalid("--output-format <OUTPUT_FORMAT>", &format, FORMATS));
    }
    if let Some(mode) = parsed.string("--permission-mode")
        && !MODES.contains(&mode.as_str())
    {
        return Err(invalid("--permission-mode <MODE>", &mode, MODES));
    }
    let prompt = if let Some(text) = parsed.string("--single") {
        PromptSource::Arg(text)
    } else if let Some(path) = parsed.string("--prompt-file") {
        PromptSource::File(path.into())
    } else if let Some(blocks) = parsed.string("--prompt-json") {
        PromptSource::Arg(
            content_text(&blocks)
                .map_err(|message| Rejection::stderr(format!("Error: {message}"), 1))?,
        )
    } else {
        return Err(Rejection::stderr(
            "Error: the interactive UI needs a terminal (fake-agent: no -p, --prompt-file or --prompt-json)",
            1,
        ));
    };
    let mut plan = Plan::new(&format, prompt);
    plan.model = parsed.string("--model");
    plan.session = if let Some(id) = parsed.string("--session-id") {
        if !super::is_uuid(&id) {
            return Err(Rejection::stderr(
                "Error: --session-id must be a valid UUID",
                1,
            ));
        }
        SessionRequest::NewWithId(id)
    } else {
        match parsed.value("--resume") {
            Some(_) if parsed.has("--fork-session") => SessionRequest::Fork,
            Some(Some(id)) => SessionRequest::Resume(id.to_owned()),
            Some(None) => SessionRequest::ResumeLatest,
            None if parsed.has("--continue") => SessionRequest::ResumeLatest,
            None => SessionRequest::Fresh,
        }
    };
    Ok(plan)
}

/// Text of a JSON prompt (`{"content": [{"type":"text","text":…}]}` or a string content).
fn content_text(raw: &str) -> Result<String, String> {
    let value: Value =
        serde_json::from_str(raw).map_err(|error| format!("invalid prompt JSON: {error}"))?;
    let Some(content) = value.get("content") else {
        return Err("JSON object must have a \"content\" field".to_owned());
    };
    Ok(match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|block| block.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    })
}

/// A prompt file named `*.json` holds content blocks; any other name is sent verbatim, whatever
/// its content (verified against grok 1.0.41 by the provider work).
pub(super) fn finish_prompt(source: &PromptSource, text: String) -> Result<String, Rejection> {
    let json_file = matches!(source, PromptSource::File(path) if path.extension().is_some_and(|ext| ext == "json"));
    let prompt = if json_file {
        content_text(&text).map_err(|message| Rejection::stderr(format!("Error: {message}"), 1))?
    } else {
        text
    };
    if prompt.trim().is_empty() {
        return Err(Rejection::stderr("Error: prompt is empty", 1));
    }
    Ok(prompt)
}

pub(super) fn default_model() -> &'static str {
    "grok-4.6"
}

fn usage() -> Value {
    json!({"input_tokens": 12, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0, "output_tokens": 5, "reasoning_tokens": 0, "total_tokens": 17})
}

fn model_usage(answer: &Answer) -> Value {
    json!({answer.model.clone(): {"inputTokens": 12, "outputTokens": 5, "cacheReadInputTokens": 0, "cacheCreationInputTokens": 0, "modelCalls": 1}})
}

fn commands() -> Value {
    json!({"type": "available_commands", "tools": ["run_terminal_command", "read_file", "search_replace", "list_dir", "grep", "write"], "commands": ["compact", "context", "session-info"]})
}

pub(super) fn render(plan: &Plan, answer: &Answer) -> Rendered {
    match plan.format.as_str() {
        "json" => {
            let body = json!({"text": answer.text(), "stopReason": "end_turn", "sessionId": answer.session_id, "requestId": new_uuid(),
                              "usage": usage(), "num_turns": 1, "modelUsage": model_usage(answer)});
            Rendered::lines(vec![pretty(&body)])
        }
        "streaming-json" => {
            let mut lines = vec![commands(), commands()];
            lines.extend(
                answer
                    .chunks
                    .iter()
                    .map(|chunk| json!({"type": "text", "data": chunk})),
            );
            lines.push(json!({"type": "usage", "usage": {"input_tokens": 12, "output_tokens": 5, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0, "reasoning_tokens": 0}}));
            lines.push(json!({"type": "end", "stopReason": "end_turn", "sessionId": answer.session_id, "requestId": new_uuid(),
                              "usage": usage(), "num_turns": 1, "modelUsage": model_usage(answer)}));
            Rendered::json_lines(lines)
        }
        "streaming-messages-json" => {
            let mut lines = vec![
                json!({"type": "system", "subtype": "init", "session_id": answer.session_id, "apiKeySource": "user", "model": answer.model,
                                        "cwd": answer.cwd, "permissionMode": "default", "tools": ["read_file", "write"], "slash_commands": [], "mcp_servers": [], "skills": [], "uuid": new_uuid()}),
            ];
            for chunk in &answer.chunks {
                lines.push(json!({"type": "assistant", "message": {"id": "msg_0", "type": "message", "role": "assistant", "model": answer.model,
                    "content": [{"type": "text", "text": chunk}], "stop_reason": "end_turn", "stop_sequence": null,
                    "usage": {"input_tokens": 12, "output_tokens": 5, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}},
                    "parent_tool_use_id": null, "session_id": answer.session_id, "uuid": new_uuid()}));
            }
            lines.push(json!({"type": "result", "subtype": "success", "is_error": false, "duration_ms": 46, "duration_api_ms": 6, "num_turns": 1,
                "result": answer.text(), "stop_reason": "end_turn", "total_cost_usd": 0.0,
                "usage": {"input_tokens": 12, "output_tokens": 5, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0, "server_tool_use": {"web_search_requests": 0}},
                "modelUsage": {answer.model.clone(): {"inputTokens": 12, "outputTokens": 5, "cacheReadInputTokens": 0, "cacheCreationInputTokens": 0, "webSearchRequests": 0, "costUSD": 0.0, "contextWindow": 256_000}},
                "session_id": answer.session_id, "uuid": new_uuid()}));
            Rendered::json_lines(lines)
        }
        _ => Rendered::lines(vec![answer.text()]),
    }
}

/// Not signed in: `{"type":"error"}` on stdout (JSON formats) and `Error: …` on stderr, exit 1.
pub(super) fn auth_failure(plan: &Plan) -> Rendered {
    let stdout = if plan.format == "plain" {
        Vec::new()
    } else {
        vec![json!({"type": "error", "message": NOT_SIGNED_IN}).to_string()]
    };
    Rendered {
        stdout,
        stderr: format!("Error: {NOT_SIGNED_IN}\n"),
        code: 1,
        file: None,
    }
}
