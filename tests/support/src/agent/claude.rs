//! `claude` (Claude Code 2.1.330): `-p` print mode, `--output-format text|json|stream-json`,
//! stream-json needs `--verbose`; errors and auth failures as the real CLI prints them.

use serde_json::{Value, json};

use super::args::{Arity, Opt, opt};
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest};
use super::{Context, new_uuid, parse_or_reject};

pub(super) const VERSION: &str = "2.1.330 (Claude Code)";
const DEFAULT_MODEL: &str = "claude-sonnet-4-5";
const NOT_LOGGED_IN: &str = "Not logged in · Please run /login";

const TABLE: &[Opt] = &[
    opt(&["--print", "-p"], Arity::Flag),
    opt(&["--output-format"], Arity::Value),
    opt(&["--input-format"], Arity::Value),
    opt(&["--verbose"], Arity::Flag),
    opt(&["--include-partial-messages"], Arity::Flag),
    opt(&["--include-hook-events"], Arity::Flag),
    opt(&["--replay-user-messages"], Arity::Flag),
    opt(&["--model"], Arity::Value),
    opt(&["--fallback-model"], Arity::Value),
    opt(&["--resume", "-r"], Arity::Optional),
    opt(&["--continue", "-c"], Arity::Flag),
    opt(&["--session-id"], Arity::Value),
    opt(&["--fork-session"], Arity::Flag),
    opt(&["--no-session-persistence"], Arity::Flag),
    opt(&["--permission-mode"], Arity::Value),
    opt(&["--permission-prompt-tool"], Arity::Value),
    opt(&["--permission-prompts"], Arity::Value),
    opt(&["--dangerously-skip-permissions"], Arity::Flag),
    opt(&["--allow-dangerously-skip-permissions"], Arity::Flag),
    opt(&["--allowedTools", "--allowed-tools"], Arity::Variadic),
    opt(
        &["--disallowedTools", "--disallowed-tools"],
        Arity::Variadic,
    ),
    opt(&["--tools"], Arity::Variadic),
    opt(&["--mcp-config"], Arity::Variadic),
    opt(&["--strict-mcp-config"], Arity::Flag),
    opt(&["--system-prompt"], Arity::Value),
    opt(&["--system-prompt-file"], Arity::Value),
    opt(&["--append-system-prompt"], Arity::Value),
    opt(&["--append-system-prompt-file"], Arity::Value),
    opt(&["--max-turns"], Arity::Value),
    opt(&["--max-budget-usd"], Arity::Value),
    opt(&["--agent"], Arity::Value),
    opt(&["--agents"], Arity::Value),
    opt(&["--effort"], Arity::Value),
    opt(&["--add-dir"], Arity::Variadic),
    opt(&["--json-schema"], Arity::Value),
    opt(&["--settings"], Arity::Value),
    opt(&["--setting-sources"], Arity::Value),
    opt(&["--bare"], Arity::Flag),
    opt(&["--betas"], Arity::Variadic),
    opt(&["--debug", "-d"], Arity::Optional),
    opt(&["--debug-file"], Arity::Value),
    opt(&["--disable-slash-commands"], Arity::Flag),
    opt(&["--name", "-n"], Arity::Value),
    opt(&["--plugin-dir"], Arity::Value),
    opt(&["--safe-mode"], Arity::Flag),
    opt(&["--ide"], Arity::Flag),
    opt(&["--worktree", "-w"], Arity::Optional),
    opt(&["--autocompact"], Arity::Value),
    opt(&["--ax-screen-reader"], Arity::Flag),
    opt(&["--background", "--bg"], Arity::Flag),
    opt(&["--brief"], Arity::Flag),
    opt(&["--chrome"], Arity::Flag),
    opt(&["--no-chrome"], Arity::Flag),
    opt(&["--cloud"], Arity::Optional),
    opt(&["--desktop"], Arity::Flag),
    opt(&["--environment"], Arity::Value),
    opt(&["--exclude-dynamic-system-prompt-sections"], Arity::Flag),
    opt(&["--file"], Arity::Variadic),
    opt(&["--forward-subagent-text"], Arity::Flag),
    opt(&["--from-pr"], Arity::Optional),
    opt(&["--help", "-h"], Arity::Flag),
    opt(&["--plugin-url"], Arity::Value),
    opt(&["--prompt-suggestions"], Arity::Optional),
    opt(&["--remote-control"], Arity::Optional),
    opt(&["--remote-control-session-name-prefix"], Arity::Value),
    opt(&["--restricted"], Arity::Flag),
    opt(&["--system-prompt-snapshot"], Arity::Value),
    opt(&["--teleport"], Arity::Optional),
    opt(&["--tmux"], Arity::Flag),
    opt(&["--version", "-v"], Arity::Flag),
];

const PERMISSION_MODES: &[&str] = &[
    "acceptEdits",
    "auto",
    "bypassPermissions",
    "manual",
    "dontAsk",
    "plan",
    "default",
];

pub(super) fn is_version_request(args: &[String]) -> bool {
    super::flag_before_dash_dash(args, &["--version", "-v"])
}

pub(super) fn plan(args: &[String], context: &Context) -> Result<Plan, Rejection> {
    let parsed = parse_or_reject(args, TABLE, |error| match error {
        super::args::ArgError::Unknown(option) => {
            Rejection::stderr(format!("error: unknown option '{option}'"), 1)
        }
        super::args::ArgError::MissingValue(option) => Rejection::stderr(
            format!("error: option '{option} <value>' argument missing"),
            1,
        ),
    })?;
    let format = parsed
        .string("--output-format")
        .unwrap_or_else(|| "text".to_owned());
    if !["text", "json", "stream-json"].contains(&format.as_str()) {
        return Err(Rejection::stderr(
            format!(
                "error: option '--output-format <format>' argument '{format}' is invalid. Allowed choices are text, json, stream-json."
            ),
            1,
        ));
    }
    if !parsed.has("--print") {
        return Err(Rejection::stderr(
            "Error: Raw mode is not supported on the current process.stdin (fake-agent: claude without -p/--print starts the interactive UI)",
            1,
        ));
    }
    let verbose = parsed.has("--verbose");
    if format == "stream-json" && !verbose {
        return Err(Rejection::stderr(
            "Error: When using --print, --output-format=stream-json requires --verbose",
            1,
        ));
    }
    let partial = parsed.has("--include-partial-messages");
    if partial && format != "stream-json" {
        return Err(Rejection::stderr(
            "Error: --include-partial-messages requires --print and --output-format=stream-json.",
            1,
        ));
    }
    if let Some(mode) = parsed.string("--permission-mode")
        && !PERMISSION_MODES.contains(&mode.as_str())
    {
        return Err(Rejection::stderr(
            format!(
                "error: option '--permission-mode <mode>' argument '{mode}' is invalid. Allowed choices are acceptEdits, auto, bypassPermissions, manual, dontAsk, plan."
            ),
            1,
        ));
    }
    let bypass = parsed.has("--dangerously-skip-permissions")
        || parsed.has("--allow-dangerously-skip-permissions")
        || parsed.string("--permission-mode").as_deref() == Some("bypassPermissions");
    if bypass && context.is_root && context.env("IS_SANDBOX").as_deref() != Some("1") {
        return Err(Rejection::stderr(
            "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons",
            1,
        ));
    }
    let session = session(&parsed)?;
    let prompt = match parsed.positionals.as_slice() {
        [] => PromptSource::Stdin,
        words => PromptSource::Arg(words.join(" ")),
    };
    let mut plan = Plan::new(&format, prompt);
    plan.model = parsed.string("--model");
    plan.session = session;
    plan.verbose = verbose;
    plan.partial = partial;
    Ok(plan)
}

fn session(parsed: &super::args::Parsed) -> Result<SessionRequest, Rejection> {
    if let Some(id) = parsed.string("--session-id") {
        if !super::is_uuid(&id) {
            return Err(Rejection::stderr(
                "Error: Invalid session ID. Must be a valid UUID.",
                1,
            ));
        }
        return Ok(SessionRequest::NewWithId(id));
    }
    let fork = parsed.has("--fork-session");
    match parsed.value("--resume") {
        Some(_) if fork => Ok(SessionRequest::Fork),
        Some(Some(id)) => Ok(SessionRequest::Resume(id.to_owned())),
        Some(None) => Ok(SessionRequest::ResumeLatest),
        None if parsed.has("--continue") => Ok(SessionRequest::ResumeLatest),
        None => Ok(SessionRequest::Fresh),
    }
}

/// claude refuses an empty prompt in print mode.
pub(super) fn check_prompt(prompt: &str) -> Result<(), Rejection> {
    if prompt.trim().is_empty() {
        return Err(Rejection::stderr(
            "Error: Input must be provided either through stdin or as a prompt argument when using --print",
            1,
        ));
    }
    Ok(())
}

pub(super) fn default_model() -> &'static str {
    DEFAULT_MODEL
}

pub(super) fn render(plan: &Plan, answer: &Answer) -> Rendered {
    match plan.format.as_str() {
        "json" if plan.verbose => {
            let mut messages = vec![init(answer, "ANTHROPIC_API_KEY")];
            messages.extend(answer.chunks.iter().map(|chunk| assistant(answer, chunk)));
            messages.push(result(answer, false, &answer.text()));
            Rendered::lines(vec![Value::Array(messages).to_string()])
        }
        "json" => Rendered::json_lines(vec![result(answer, false, &answer.text())]),
        "stream-json" => Rendered::json_lines(stream(plan, answer)),
        _ => Rendered::lines(vec![answer.text()]),
    }
}

fn stream(plan: &Plan, answer: &Answer) -> Vec<Value> {
    let mut lines = vec![init(answer, "ANTHROPIC_API_KEY")];
    lines.push(json!({"type": "system", "subtype": "status", "status": "requesting", "session_id": answer.session_id, "uuid": new_uuid()}));
    if plan.partial {
        lines.push(stream_event(
            answer,
            json!({"type": "message_start", "message": message(answer, json!([]), 1)}),
        ));
        lines.push(stream_event(answer, json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
        for chunk in &answer.chunks {
            lines.push(stream_event(answer, json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": chunk}})));
        }
        lines.push(assistant(answer, &answer.text()));
        lines.push(stream_event(
            answer,
            json!({"type": "content_block_stop", "index": 0}),
        ));
        lines.push(stream_event(answer, json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 5}})));
        lines.push(stream_event(answer, json!({"type": "message_stop"})));
    } else {
        lines.extend(answer.chunks.iter().map(|chunk| assistant(answer, chunk)));
    }
    lines.push(result(answer, false, &answer.text()));
    lines
}

fn init(answer: &Answer, key_source: &str) -> Value {
    json!({
        "type": "system", "subtype": "init", "cwd": answer.cwd, "session_id": answer.session_id,
        "tools": ["Task", "Bash", "Edit", "Read", "Write", "WebFetch", "WebSearch"],
        "mcp_servers": [], "model": answer.model, "permissionMode": "default",
        "slash_commands": ["compact", "context", "init"], "apiKeySource": key_source,
        "claude_code_version": "2.1.330", "output_style": "default",
        "agents": ["claude", "Explore", "general-purpose", "Plan", "statusline-setup"],
        "skills": [], "plugins": [], "uuid": new_uuid(),
    })
}

fn message(answer: &Answer, content: Value, output_tokens: u64) -> Value {
    json!({
        "id": "msg_fake", "type": "message", "role": "assistant", "model": answer.model,
        "content": content, "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": output_tokens, "cache_read_input_tokens": 3, "cache_creation_input_tokens": 0},
    })
}

fn assistant(answer: &Answer, text: &str) -> Value {
    json!({
        "type": "assistant", "message": message(answer, json!([{"type": "text", "text": text}]), 1),
        "parent_tool_use_id": null, "session_id": answer.session_id, "uuid": new_uuid(),
    })
}

fn stream_event(answer: &Answer, event: Value) -> Value {
    json!({"type": "stream_event", "event": event, "session_id": answer.session_id, "parent_tool_use_id": null, "uuid": new_uuid()})
}

fn result(answer: &Answer, is_error: bool, text: &str) -> Value {
    let (input, output, cache_read, cost) = if is_error {
        (0, 0, 0, 0.0)
    } else {
        (12, 5, 3, 0.000_111_9)
    };
    let model_usage = if is_error {
        json!({})
    } else {
        json!({answer.model.clone(): {"inputTokens": 12, "outputTokens": 5, "cacheReadInputTokens": 3, "cacheCreationInputTokens": 0, "webSearchRequests": 0, "costUSD": cost, "contextWindow": 200_000, "maxOutputTokens": 32_000}})
    };
    json!({
        "type": "result", "subtype": "success", "is_error": is_error,
        "duration_ms": 200, "duration_api_ms": 25, "num_turns": 1, "result": text,
        "stop_reason": if is_error { "stop_sequence" } else { "end_turn" },
        "session_id": answer.session_id, "total_cost_usd": cost,
        "usage": {"input_tokens": input, "cache_creation_input_tokens": 0, "cache_read_input_tokens": cache_read, "output_tokens": output,
                  "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0}, "service_tier": "standard"},
        "modelUsage": model_usage, "permission_denials": [],
        "terminal_reason": if is_error { "api_error" } else { "completed" },
        "api_error_status": null, "uuid": new_uuid(),
    })
}

/// No credentials: `Not logged in` in the requested format, exit 1.
pub(super) fn auth_failure(plan: &Plan, answer: &Answer) -> Rendered {
    let mut rendered = match plan.format.as_str() {
        "json" => Rendered::json_lines(vec![result(answer, true, NOT_LOGGED_IN)]),
        "stream-json" => {
            let mut failed = assistant(answer, NOT_LOGGED_IN);
            failed["message"]["model"] = json!("<synthetic>");
            failed["error"] = json!("authentication_failed");
            failed["is_api_error_message"] = json!(true);
            Rendered::json_lines(vec![
                init(answer, "none"),
                failed,
                result(answer, true, NOT_LOGGED_IN),
            ])
        }
        _ => Rendered::lines(vec![NOT_LOGGED_IN.to_owned()]),
    };
    rendered.code = 1;
    rendered
}
