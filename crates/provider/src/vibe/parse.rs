//! Parsers for vibe's `streaming` (one journal entry per line), `json` (an array of the same
//! entries printed at exit; a partial array when vibe is stopped) and `text` output.
//!
//! Journal entries (`vibe/app_server/models.py` in 3.0.2, camelCase on the wire) have a `type`:
//! `message` (role user/assistant/system, `content[]` blocks), `reasoning`, `effect` (a tool
//! call: `detail.kind` shell/file_edit/file_write/…, `state.status`), `callback`, `checkpoint`
//! and `notice`. stdout carries **no usage, cost or errors**: errors are text on stderr, exit
//! codes are 0 finished, 1 usage/config error, 2 infrastructure failure, 3 stopped (limit or
//! signal). Usage and cost exist only in `--output-dir`'s `export.json` (see [`apply_export`]).

use gateway_core::{AgentEvent, ExitInfo, RunOutcome, Usage};
use serde_json::{Map, Value};

use crate::parse::fields::{str_field, summarize_parameters};
use crate::parse::stderr::{capped, describe_exit, strip_ansi};
use crate::parse::{OutputParser, TextParser, object_line, unrecognized};

/// Vibe's exit code when a run stopped early (a limit, `--time-limit`, or SIGTERM).
const EXIT_STOPPED: i32 = 3;

pub(super) fn parser(format: &str) -> Box<dyn OutputParser> {
    match format {
        "json" => Box::new(JsonArrayParser::default()),
        "text" => Box::new(VibeTextParser {
            inner: TextParser::new(text_error),
        }),
        _ => Box::new(StreamingParser::default()),
    }
}

/// Maps journal entries to events and remembers what the outcome needs.
#[derive(Default)]
struct Entries {
    outcome: RunOutcome,
    answer: Option<String>,
}

impl Entries {
    fn map(&mut self, entry: &Map<String, Value>, raw: &str) -> Vec<AgentEvent> {
        let mut events = Vec::new();
        if self.outcome.session_id.is_none()
            && let Some(id) = str_field(entry, "sessionId")
        {
            self.outcome.session_id = Some(id.to_owned());
            events.push(AgentEvent::Session {
                session_id: id.to_owned(),
                model: None,
            });
        }
        match str_field(entry, "type") {
            Some("message") => events.extend(self.message(entry)),
            Some("reasoning") => events.extend(
                str_field(entry, "text")
                    .filter(|text| !text.trim().is_empty())
                    .map(|text| AgentEvent::Thinking {
                        text: text.to_owned(),
                    }),
            ),
            Some("effect") => events.extend(effect_events(entry)),
            Some("callback") => events.push(AgentEvent::ToolUse {
                name: "callback".to_owned(),
                summary: str_field(entry, "title").unwrap_or_default().to_owned(),
            }),
            Some("notice") => events.extend(notice_event(entry)),
            Some("checkpoint") => {}
            _ => events.push(unrecognized(raw)),
        }
        events
    }

    fn message(&mut self, entry: &Map<String, Value>) -> Option<AgentEvent> {
        if str_field(entry, "role") != Some("assistant") {
            return None;
        }
        let outcome = entry.get("outcome").unwrap_or(&Value::Null);
        if outcome.get("type").and_then(Value::as_str) == Some("discarded") {
            let cause = outcome
                .get("cause")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            return Some(AgentEvent::Error {
                message: format!("assistant output discarded: {cause}"),
                fatal: false,
            });
        }
        let text = message_text(entry);
        if text.is_empty() {
            return None;
        }
        self.answer = Some(text.clone());
        Some(AgentEvent::Text { text, delta: false })
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let mut outcome = std::mem::take(&mut self.outcome);
        outcome.text = self.answer.take().unwrap_or_default();
        apply_exit(&mut outcome, exit, stderr_tail);
        outcome
    }
}

/// `--output text`: the answer as printed, plus vibe's stop reason from stderr.
struct VibeTextParser {
    inner: TextParser,
}

impl OutputParser for VibeTextParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        self.inner.feed_line(line)
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let mut outcome = self.inner.finish(exit, stderr_tail);
        outcome.stop_reason = stop_reason(exit, stderr_tail);
        outcome
    }
}

/// `--output streaming`: one entry object per line.
#[derive(Default)]
struct StreamingParser {
    entries: Entries,
}

impl OutputParser for StreamingParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        object_line(line, |entry| self.entries.map(&entry, line))
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        self.entries.finish(exit, stderr_tail)
    }
}

/// `--output json`: the array is parsed element by element as lines arrive, so a partial array
/// (vibe stopped mid-run) still yields every complete entry.
#[derive(Default)]
struct JsonArrayParser {
    entries: Entries,
    /// Text after `[` not yet consumed as whole entries.
    pending: String,
    state: ArrayState,
}

#[derive(Default, PartialEq)]
enum ArrayState {
    #[default]
    BeforeArray,
    InArray,
    /// After `]`, or after text that is not an array of entries.
    Done,
}

impl OutputParser for JsonArrayParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        match self.state {
            ArrayState::BeforeArray => match line.trim_start().strip_prefix('[') {
                Some(rest) => {
                    self.state = ArrayState::InArray;
                    self.pending.push_str(rest);
                    self.pending.push('\n');
                    self.drain()
                }
                None if line.trim().is_empty() => Vec::new(),
                None => vec![unrecognized(line)],
            },
            ArrayState::InArray => {
                self.pending.push_str(line);
                self.pending.push('\n');
                // Only a line that closes something can complete an entry.
                if line.contains(['}', ']']) {
                    self.drain()
                } else {
                    Vec::new()
                }
            }
            ArrayState::Done if line.trim().is_empty() => Vec::new(),
            ArrayState::Done => vec![unrecognized(line)],
        }
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        self.entries.finish(exit, stderr_tail)
    }
}

impl JsonArrayParser {
    /// Consumes every complete entry at the front of `pending`.
    fn drain(&mut self) -> Vec<AgentEvent> {
        let mut events = Vec::new();
        loop {
            let rest = self
                .pending
                .trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            if let Some(after) = rest.strip_prefix(']') {
                if !after.trim().is_empty() {
                    events.push(unrecognized(after.trim()));
                }
                self.state = ArrayState::Done;
                self.pending.clear();
                return events;
            }
            if rest.is_empty() {
                self.pending.clear();
                return events;
            }
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            match values.next() {
                Some(Ok(value)) => {
                    let raw = &rest[..values.byte_offset()];
                    match &value {
                        Value::Object(entry) => events.extend(self.entries.map(entry, raw)),
                        _ => events.push(unrecognized(raw)),
                    }
                    self.pending = rest[values.byte_offset()..].to_owned();
                }
                Some(Err(err)) if err.is_eof() => return events,
                _ => {
                    events.push(unrecognized(rest));
                    self.pending.clear();
                    self.state = ArrayState::Done;
                    return events;
                }
            }
        }
    }
}

/// Text blocks joined the way vibe itself joins them.
fn message_text(entry: &Map<String, Value>) -> String {
    let blocks = entry
        .get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let texts: Vec<&str> = blocks
        .iter()
        .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .collect();
    texts.join("\n\n")
}

/// A tool call: shell commands and file writes get their own event kinds.
fn effect_events(entry: &Map<String, Value>) -> Vec<AgentEvent> {
    let detail = entry.get("detail").unwrap_or(&Value::Null);
    let input = detail.get("input").unwrap_or(&Value::Null);
    let tool = detail
        .get("toolName")
        .and_then(Value::as_str)
        .unwrap_or("tool");
    let path = input
        .get("filePath")
        .or_else(|| input.get("file"))
        .and_then(Value::as_str);
    let mut events = vec![match (detail.get("kind").and_then(Value::as_str), path) {
        (Some("shell"), _) if input.get("command").and_then(Value::as_str).is_some() => {
            AgentEvent::CommandRun {
                command: input
                    .get("command")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                exit_code: None,
            }
        }
        (Some("file_edit"), Some(path)) => AgentEvent::FileChange {
            path: path.to_owned(),
            kind: "edit".to_owned(),
        },
        (Some("file_write"), Some(path)) => AgentEvent::FileChange {
            path: path.to_owned(),
            kind: "write".to_owned(),
        },
        _ => AgentEvent::ToolUse {
            name: tool.to_owned(),
            summary: str_field(entry, "title")
                .map_or_else(|| summarize_parameters(input), str::to_owned),
        },
    }];
    let state = entry.get("state").unwrap_or(&Value::Null);
    if state.get("status").and_then(Value::as_str) == Some("failed") {
        let message = state
            .get("error")
            .and_then(|error| error.get("message"))
            .and_then(Value::as_str);
        events.push(AgentEvent::Error {
            message: format!("{tool} failed: {}", message.unwrap_or("unknown error")),
            fatal: false,
        });
    }
    events
}

fn notice_event(entry: &Map<String, Value>) -> Option<AgentEvent> {
    match str_field(entry, "level") {
        Some("error" | "warning") => Some(AgentEvent::Error {
            message: str_field(entry, "message")
                .unwrap_or("vibe notice")
                .to_owned(),
            fatal: false,
        }),
        _ => None,
    }
}

/// Exit code and stderr decide failure: vibe prints errors only there.
fn apply_exit(outcome: &mut RunOutcome, exit: ExitInfo, stderr_tail: &str) {
    outcome.stop_reason = stop_reason(exit, stderr_tail);
    if let Some(error) = text_error(exit, stderr_tail, "") {
        outcome.is_error = true;
        outcome.error = Some(error);
    }
}

/// `Stopped: terminated` (SIGTERM), `Stopped: deadline` (`--time-limit`), …: the same words as
/// export.json's `outcome`; a bare exit 3 is some limit.
fn stop_reason(exit: ExitInfo, stderr_tail: &str) -> Option<String> {
    let clean = strip_ansi(stderr_tail);
    let stopped = clean
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("Stopped:"))
        .map(str::trim);
    match stopped {
        Some(reason) if !reason.is_empty() => Some(reason.to_owned()),
        _ if exit.code == Some(EXIT_STOPPED) => Some("limit".to_owned()),
        _ => None,
    }
}

/// The error vibe printed (`Error: …`, or clap's `error: …`), else a description of the exit.
fn text_error(exit: ExitInfo, stderr_tail: &str, _text: &str) -> Option<String> {
    if exit.success() {
        return None;
    }
    let clean = strip_ansi(stderr_tail);
    let lines: Vec<&str> = clean.lines().map(str::trim).collect();
    if let Some(line) = lines
        .iter()
        .rev()
        .find_map(|line| line.strip_prefix("Error: "))
    {
        return Some(capped(line));
    }
    if let Some(line) = lines.iter().find(|line| line.starts_with("error: ")) {
        return Some(capped(&format!("vibe rejected its arguments: {line}")));
    }
    if exit.code == Some(EXIT_STOPPED) {
        let reason = stop_reason(exit, stderr_tail).unwrap_or_else(|| "limit".to_owned());
        return Some(format!(
            "vibe stopped early: {reason} (maxTurns, maxPrice, maxTokens, timeLimit or a signal)"
        ));
    }
    Some(describe_exit("vibe", exit, stderr_tail))
}

/// Merges vibe's `--output-dir` `export.json` (the only place with usage, cost and a structured
/// error) into an outcome parsed from stdout. Returns false when the text is not an export.
pub fn apply_export(outcome: &mut RunOutcome, export_json: &str) -> bool {
    let Ok(Value::Object(export)) = serde_json::from_str::<Value>(export_json) else {
        return false;
    };
    if let Some(usage) = export.get("usage") {
        let field = |key: &str| usage.get(key).and_then(Value::as_u64);
        let cached = field("cached_input_tokens");
        outcome.usage.merge(Usage {
            input_tokens: field("input_tokens")
                .map(|input| input.saturating_sub(cached.unwrap_or(0))),
            output_tokens: field("output_tokens"),
            cache_read_tokens: cached,
            cache_creation_tokens: None,
        });
    }
    if let Some(cost) = export.get("cost_usd").and_then(Value::as_f64) {
        outcome.cost_usd = Some(cost);
    }
    if outcome.session_id.is_none() {
        outcome.session_id = str_field(&export, "session_id").map(str::to_owned);
    }
    if let Some(stop) = str_field(&export, "outcome").filter(|outcome| *outcome != "finished") {
        outcome.stop_reason = Some(stop.to_owned());
    }
    if let Some(message) = export
        .get("error")
        .and_then(|error| error.get("message"))
        .and_then(Value::as_str)
    {
        outcome.is_error = true;
        outcome.error = Some(message.to_owned());
    }
    true
}
