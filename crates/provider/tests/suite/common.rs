//! Helpers every provider suite shares: requests, exit states, argv tables, and feeding output
//! through a parser the way the job engine does.

use std::path::Path;

use gateway_core::{AgentEvent, ExitInfo, RunOutcome};
use gateway_provider::request::{RunRequest, SessionMode};
use gateway_provider::{
    CommandSpec, LineSplitter, OutputParser, ProviderOptions, build, parser_for,
};
use proptest::prelude::*;
use serde_json::json;

pub(super) const UUID: &str = "d0f2b5b6-08af-47de-89ad-c7866de14c05";
pub(super) const OK: ExitInfo = ExitInfo {
    code: Some(0),
    signal: None,
};
pub(super) const FAILED: ExitInfo = ExitInfo {
    code: Some(1),
    signal: None,
};
pub(super) const KILLED: ExitInfo = ExitInfo {
    code: None,
    signal: Some(15),
};

pub(super) fn request(options: ProviderOptions) -> RunRequest {
    RunRequest {
        prompt: "say ok".to_owned(),
        model: None,
        session: SessionMode::Fresh,
        working_dir: None,
        options,
    }
}

/// One readable block per planned command: argv (prompt hidden), prompt channel, env, cwd.
pub(super) fn render(spec: &CommandSpec, prompt: &str) -> String {
    let args: Vec<String> = spec
        .display_args(prompt)
        .into_iter()
        .map(|arg| {
            if arg.is_empty() || arg.contains([' ', '"', '\n']) {
                format!("{arg:?}")
            } else {
                arg
            }
        })
        .collect();
    let mut out = format!("{} {}\n", spec.program, args.join(" "));
    let stdin = spec.stdin.as_ref().map(String::len);
    let file = spec.prompt_file.as_ref().map(String::len);
    out.push_str(&format!(
        "prompt via {} ({} bytes; stdin {stdin:?}, file {file:?}); format {}",
        spec.prompt_via.as_str(),
        spec.prompt_bytes,
        spec.output_format
    ));
    for (key, value) in &spec.env {
        out.push_str(&format!("; env {key}={value}"));
    }
    if let Some(cwd) = &spec.cwd {
        out.push_str(&format!("; cwd {cwd}"));
    }
    out
}

/// Builds every case and renders argv or the error, for one table snapshot.
pub(super) fn table(cases: Vec<(&str, RunRequest)>) -> String {
    cases
        .into_iter()
        .map(|(name, request)| match build(&request) {
            Ok(spec) => format!("## {name}\n{}\n", render(&spec, &request.prompt)),
            Err(error) => format!("## {name}\nERROR {error}\n"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Feeds `stdout` through a [`LineSplitter`] in `chunk`-byte reads, as the job engine does.
pub(super) fn run_bytes(
    spec: &CommandSpec,
    stdout: &[u8],
    chunk: usize,
    exit: ExitInfo,
    stderr: &str,
) -> (Vec<AgentEvent>, RunOutcome) {
    feed_in_chunks(parser_for(spec).as_mut(), stdout, chunk, exit, stderr)
}

pub(super) fn run(
    spec: &CommandSpec,
    stdout: &str,
    exit: ExitInfo,
    stderr: &str,
) -> (Vec<AgentEvent>, RunOutcome) {
    run_bytes(spec, stdout.as_bytes(), 4096, exit, stderr)
}

/// Events one per line, then the outcome, as JSON.
pub(super) fn describe(events: &[AgentEvent], outcome: &RunOutcome) -> String {
    let mut out: Vec<String> = events
        .iter()
        .map(|event| serde_json::to_string(event).unwrap())
        .collect();
    out.push(serde_json::to_string_pretty(outcome).unwrap());
    out.join("\n")
}

/// How each captured run ended: `_ok` runs exited 0; runs that retried forever were killed.
pub(super) fn fixture_exit(path: &Path) -> ExitInfo {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.contains("_ok") {
        OK
    } else if name.contains("offline") || name.contains("api_retry") {
        KILLED
    } else {
        FAILED
    }
}

/// A spec whose only job is to select the parser for `format`.
pub(super) fn spec_for(options: ProviderOptions) -> CommandSpec {
    build(&request(options)).unwrap()
}

/// One block per case: the argv as a JSON array (prompt hidden), how the prompt travels, env;
/// or the error. JSON arrays keep every argument boundary visible.
pub(super) fn plan(cases: Vec<(&str, RunRequest)>) -> String {
    let blocks: Vec<String> = cases
        .into_iter()
        .map(|(name, request)| match build(&request) {
            Ok(spec) => {
                let args = serde_json::to_string(&spec.display_args(&request.prompt)).unwrap();
                let env = serde_json::to_string(&spec.env).unwrap();
                format!(
                    "## {name}\n{} {args}\nprompt via {} ({} bytes, stdin {:?}); format {}; env {env}; cwd {:?}\n",
                    spec.program,
                    spec.prompt_via.as_str(),
                    spec.prompt_bytes,
                    spec.stdin.as_ref().map(String::len),
                    spec.output_format,
                    spec.cwd,
                )
            }
            Err(error) => format!("## {name}\nERROR {error}\n"),
        })
        .collect();
    blocks.join("\n")
}

/// Exit status from a fixture's `.exit` file: `0`, `144`, `signal 15`.
fn exit_info(text: &str) -> ExitInfo {
    let text = text.trim();
    match text.strip_prefix("signal ") {
        Some(signal) => ExitInfo {
            code: None,
            signal: Some(signal.parse().unwrap()),
        },
        None => ExitInfo {
            code: Some(text.parse().unwrap_or(0)),
            signal: None,
        },
    }
}

/// Feeds `stdout` through a [`LineSplitter`] in awkward 7-byte reads (splitting lines and
/// multi-byte characters), then the final partial line, then finishes.
pub(super) fn feed(
    parser: &mut dyn OutputParser,
    stdout: &[u8],
    exit: ExitInfo,
    stderr: &str,
) -> (Vec<AgentEvent>, RunOutcome) {
    feed_in_chunks(parser, stdout, 7, exit, stderr)
}

fn feed_in_chunks(
    parser: &mut dyn OutputParser,
    stdout: &[u8],
    chunk: usize,
    exit: ExitInfo,
    stderr: &str,
) -> (Vec<AgentEvent>, RunOutcome) {
    let mut splitter = LineSplitter::new();
    let mut events = Vec::new();
    for piece in stdout.chunks(chunk.max(1)) {
        for line in splitter.push(piece) {
            events.extend(parser.feed_line(&line));
        }
    }
    if let Some(line) = splitter.finish() {
        events.extend(parser.feed_line(&line));
    }
    let outcome = parser.finish(exit, stderr);
    (events, outcome)
}

/// Reads `<case>.stdout` with its `.stderr` and `.exit` siblings and parses it; the format is
/// the case name's prefix (`stream-json__ok` → `stream-json`; `synthetic-` is skipped).
pub(super) fn feed_fixture(
    path: &Path,
    make: impl Fn(&str) -> Box<dyn OutputParser>,
) -> serde_json::Value {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    let format = stem
        .trim_start_matches("synthetic-")
        .split("__")
        .next()
        .unwrap();
    let stdout = std::fs::read(path).unwrap();
    let stderr = std::fs::read_to_string(path.with_extension("stderr")).unwrap_or_default();
    let exit = exit_info(&std::fs::read_to_string(path.with_extension("exit")).unwrap_or_default());
    let mut parser = make(format);
    let (events, outcome) = feed(parser.as_mut(), &stdout, exit, &stderr);
    json!({ "format": format, "exit": format!("{exit:?}"), "events": events, "outcome": outcome })
}

/// Garbage, JSON of the right shape with wrong types, and truncated real lines.
pub(super) fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[{}\\[\\]\":,a-z0-9 ]{0,40}",
        (
            prop::sample::select(vec![
                "system", "assistant", "user", "result", "stream_event", "error", "text", "end", "usage", "tool_call",
                "thread.started", "turn.completed", "turn.failed", "item.completed", "item.started", "plan", "bogus",
            ]),
            prop::sample::select(vec!["init", "api_retry", "success", "error_max_turns", "content_block_delta", "agent_message", "command_execution", "file_change"]),
            any::<i64>(),
        )
            .prop_map(|(kind, sub, number)| {
                json!({"type": kind, "subtype": sub, "is_error": number % 2 == 0, "result": number, "usage": {"input_tokens": number},
                    "event": {"type": sub, "delta": {"type": "text_delta", "text": number}}, "item": {"type": sub, "text": [number], "changes": "x", "exit_code": number},
                    "message": {"content": [{"type": "text", "text": null}, {"type": "tool_use", "input": number}]}, "data": number, "modelUsage": [], "errors": number})
                .to_string()
            }),
        any::<String>().prop_map(|text| format!("{{\"type\":\"text\",\"data\":{}", serde_json::Value::String(text))),
    ]
}
