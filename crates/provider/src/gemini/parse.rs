//! Parsers for Gemini CLI's `stream-json`, `json` and `text` output and for `agy`'s text.
//!
//! Gemini CLI writes its fatal errors to **stderr** (a pretty-printed `{"session_id","error"}`
//! object in json modes, a stack trace with the API's JSON in text mode) and exits with its own
//! code (41 auth, 42 input, 44 sandbox, 52 config, 53 turn limit, 54 tool, 55 untrusted
//! directory, 130 cancelled) or the HTTP status mod 256 (400 → 144). `finish` reads the error from
//! the stderr tail when stdout did not carry one.

use gateway_core::{AgentEvent, ExitInfo, RunOutcome, Usage};
use serde_json::Value;

use crate::bounded::BoundedText;
use crate::parse::document::{Fed, JsonDocument};
use crate::parse::fields::{str_field, summarize_parameters};
use crate::parse::stderr::{capped, describe_exit, last_meaningful_line, strip_ansi};
use crate::parse::text::TextParser;
use crate::parse::{OutputParser, object_line, unrecognized};

/// Gemini CLI's exit code for "turn limit reached".
const EXIT_TURN_LIMIT: i32 = 53;

pub(crate) fn parser(format: &str, program: &str) -> Box<dyn OutputParser> {
    let name = program.rsplit('/').next().unwrap_or(program);
    if name == "agy" {
        return Box::new(TextParser::new(agy_error));
    }
    match format {
        "json" => Box::new(JsonParser::default()),
        "text" => Box::new(TextParser::new(gemini_text_error)),
        _ => Box::new(StreamJsonParser::default()),
    }
}

/// `--output-format stream-json`: one event object per line.
#[derive(Default)]
struct StreamJsonParser {
    outcome: RunOutcome,
    text: BoundedText,
    saw_result: bool,
}

impl OutputParser for StreamJsonParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        object_line(line, |event| self.on_event(&event, line))
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let mut outcome = std::mem::take(&mut self.outcome);
        outcome.text = self.text.take();
        if !self.saw_result {
            apply_stderr_error(&mut outcome, exit, stderr_tail);
        }
        mark_failed_exit(&mut outcome, "gemini", exit, stderr_tail);
        outcome
    }
}

impl StreamJsonParser {
    fn on_event(&mut self, event: &serde_json::Map<String, Value>, line: &str) -> Vec<AgentEvent> {
        match str_field(event, "type") {
            Some("init") => self.on_init(event),
            Some("message") => self.on_message(event, line),
            Some("tool_use") => vec![tool_use_event(event)],
            Some("tool_result") => tool_result_events(event),
            Some("error") => self.on_error(event),
            Some("result") => self.on_result(event),
            _ => vec![unrecognized(line)],
        }
    }

    fn on_init(&mut self, event: &serde_json::Map<String, Value>) -> Vec<AgentEvent> {
        let model = str_field(event, "model").map(str::to_owned);
        self.outcome.model.clone_from(&model);
        match str_field(event, "session_id") {
            Some(id) => {
                self.outcome.session_id = Some(id.to_owned());
                vec![AgentEvent::Session {
                    session_id: id.to_owned(),
                    model,
                }]
            }
            None => Vec::new(),
        }
    }

    fn on_message(
        &mut self,
        event: &serde_json::Map<String, Value>,
        line: &str,
    ) -> Vec<AgentEvent> {
        match (str_field(event, "role"), str_field(event, "content")) {
            // The CLI echoes the prompt back; it is not part of the answer.
            (Some("user"), _) => Vec::new(),
            (Some("assistant"), Some(content)) => {
                self.text.push_str(content);
                let delta = event.get("delta").and_then(Value::as_bool).unwrap_or(false);
                vec![AgentEvent::Text {
                    text: content.to_owned(),
                    delta,
                }]
            }
            _ => vec![unrecognized(line)],
        }
    }

    /// Non-fatal by itself: the `result` line (or the exit) says whether the run failed.
    fn on_error(&mut self, event: &serde_json::Map<String, Value>) -> Vec<AgentEvent> {
        let message = str_field(event, "message")
            .unwrap_or("unknown error")
            .to_owned();
        if message.contains("Maximum session turns exceeded") {
            self.outcome.stop_reason = Some("max_turns".to_owned());
        }
        vec![AgentEvent::Error {
            message,
            fatal: false,
        }]
    }

    fn on_result(&mut self, event: &serde_json::Map<String, Value>) -> Vec<AgentEvent> {
        self.saw_result = true;
        let mut events = Vec::new();
        if let Some(stats) = event.get("stats") {
            let usage = stream_usage(stats);
            if !usage.is_empty() {
                self.outcome.usage = usage;
                events.push(AgentEvent::Usage { usage });
            }
            if let Some(model) = busiest_model(stats.get("models"), "output_tokens") {
                self.outcome.model = Some(model);
            }
        }
        if str_field(event, "status") != Some("success") {
            let message = event
                .get("error")
                .and_then(|error| error.get("message"))
                .and_then(Value::as_str)
                .map_or_else(
                    || "gemini reported an unsuccessful result".to_owned(),
                    humanize_api_error,
                );
            self.outcome.is_error = true;
            self.outcome.error = Some(message.clone());
            events.push(AgentEvent::Error {
                message,
                fatal: true,
            });
        }
        events
    }
}

/// `--output-format json`: one pretty-printed object, printed at the end. Lines are buffered
/// until the top-level object closes (a `}` in column 0) or a one-line object ends.
struct JsonParser {
    document: JsonDocument,
    outcome: RunOutcome,
    saw_result: bool,
}

impl Default for JsonParser {
    fn default() -> Self {
        JsonParser {
            document: JsonDocument::object(),
            outcome: RunOutcome::default(),
            saw_result: false,
        }
    }
}

impl OutputParser for JsonParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        match self.document.push(line) {
            Fed::Buffered => {}
            Fed::Unrecognized(event) => return vec![event],
            Fed::Skipped | Fed::Complete(_) => return Vec::new(),
        }
        // A one-line object closes on its own line.
        let closes =
            line.starts_with('}') || (self.document.lines() == 1 && line.trim_end().ends_with('}'));
        if closes { self.try_parse() } else { Vec::new() }
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        if !self.document.text().trim().is_empty() {
            self.try_parse();
        }
        let mut outcome = std::mem::take(&mut self.outcome);
        if !self.saw_result {
            apply_stderr_error(&mut outcome, exit, stderr_tail);
        }
        mark_failed_exit(&mut outcome, "gemini", exit, stderr_tail);
        outcome
    }
}

impl JsonParser {
    fn try_parse(&mut self) -> Vec<AgentEvent> {
        let parsed = serde_json::from_str::<Value>(self.document.text());
        if matches!(&parsed, Err(err) if err.is_eof()) {
            return Vec::new();
        }
        match parsed {
            Ok(Value::Object(object)) => {
                self.document.clear();
                self.on_object(&object)
            }
            _ => vec![unrecognized(&self.document.take())],
        }
    }

    fn on_object(&mut self, object: &serde_json::Map<String, Value>) -> Vec<AgentEvent> {
        self.saw_result = true;
        let mut events = Vec::new();
        let model = object
            .get("stats")
            .and_then(|stats| main_model(stats.get("models")));
        self.outcome.model.clone_from(&model);
        if let Some(id) = str_field(object, "session_id") {
            self.outcome.session_id = Some(id.to_owned());
            events.push(AgentEvent::Session {
                session_id: id.to_owned(),
                model,
            });
        }
        if let Some(response) = str_field(object, "response") {
            self.outcome.text = response.to_owned();
            events.push(AgentEvent::Text {
                text: response.to_owned(),
                delta: false,
            });
        }
        if let Some(usage) = object
            .get("stats")
            .map(json_usage)
            .filter(|usage| !usage.is_empty())
        {
            self.outcome.usage = usage;
            events.push(AgentEvent::Usage { usage });
        }
        if let Some(error) = object.get("error") {
            let message = error_message(error);
            self.outcome.is_error = true;
            self.outcome.error = Some(message.clone());
            events.push(AgentEvent::Error {
                message,
                fatal: true,
            });
        }
        events
    }
}

fn gemini_text_error(exit: ExitInfo, stderr_tail: &str, _text: &str) -> Option<String> {
    if exit.success() {
        return None;
    }
    Some(stderr_error(stderr_tail).map_or_else(
        || describe_exit("gemini", exit, stderr_tail),
        |error| error.message,
    ))
}

/// agy is reported to print nothing at all when stdout is not a terminal (upstream issue); an
/// empty answer with exit 0 is therefore treated as a failure with that explanation.
fn agy_error(exit: ExitInfo, stderr_tail: &str, text: &str) -> Option<String> {
    if !exit.success() {
        return Some(describe_exit("agy", exit, stderr_tail));
    }
    text.trim().is_empty().then(|| {
        "agy exited successfully but printed no answer; agy is known to print nothing when its output is \
         not a terminal. Try the Gemini CLI backend (LLM_GATEWAY_GEMINI_BACKEND=gemini)"
            .to_owned()
    })
}

/// An error Gemini CLI wrote to stderr.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StderrError {
    pub(crate) message: String,
    pub(crate) code: Option<i64>,
    pub(crate) session_id: Option<String>,
}

/// Finds Gemini CLI's error in a stderr tail: the last `{"error": …}` object (json modes), else
/// an `ApiError: {…}` line (text mode), else the last meaningful line.
pub(crate) fn stderr_error(stderr_tail: &str) -> Option<StderrError> {
    let clean = strip_ansi(stderr_tail);
    if let Some(object) = last_error_object(&clean) {
        let error = object.get("error").unwrap_or(&Value::Null);
        return Some(StderrError {
            message: error_message(error),
            code: error.get("code").and_then(Value::as_i64),
            session_id: object
                .get("session_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    if let Some(line) = clean
        .lines()
        .rev()
        .find(|line| line.contains("ApiError: {"))
    {
        return Some(StderrError {
            message: humanize_api_error(line),
            code: None,
            session_id: None,
        });
    }
    last_meaningful_line(&clean).map(|line| StderrError {
        message: line,
        code: None,
        session_id: None,
    })
}

fn apply_stderr_error(outcome: &mut RunOutcome, exit: ExitInfo, stderr_tail: &str) {
    if exit.success() {
        return;
    }
    let Some(error) = stderr_error(stderr_tail) else {
        return;
    };
    if outcome.session_id.is_none() {
        outcome.session_id = error.session_id;
    }
    if error.code == Some(i64::from(EXIT_TURN_LIMIT)) || exit.code == Some(EXIT_TURN_LIMIT) {
        outcome.stop_reason = Some("max_turns".to_owned());
    }
    outcome.is_error = true;
    outcome.error = Some(error.message);
}

/// A non-zero exit is a failure even when the output looked fine (e.g. killed after the answer).
pub(crate) fn mark_failed_exit(
    outcome: &mut RunOutcome,
    program: &str,
    exit: ExitInfo,
    stderr_tail: &str,
) {
    if !exit.success() && !outcome.is_error {
        outcome.is_error = true;
        outcome.error = Some(describe_exit(program, exit, stderr_tail));
    }
}

/// The last JSON object with an `error` key that starts at the beginning of a line.
fn last_error_object(text: &str) -> Option<serde_json::Map<String, Value>> {
    let starts = text
        .match_indices('\n')
        .map(|(index, _)| index + 1)
        .chain(std::iter::once(0))
        .filter(|start| text[*start..].starts_with('{'));
    let mut found = None;
    for start in starts {
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        if let Some(Ok(Value::Object(object))) = values.next()
            && object.contains_key("error")
        {
            found = Some((start, object));
        }
    }
    found.map(|(_, object)| object)
}

/// `error.message` (unwrapping the API's JSON when the CLI embedded it as a string).
fn error_message(error: &Value) -> String {
    match error.get("message").and_then(Value::as_str) {
        Some(message) => humanize_api_error(message),
        None => error
            .as_str()
            .map_or_else(|| error.to_string(), str::to_owned),
    }
}

/// Gemini passes Google API errors through as raw JSON (`{"error":{"code":400,"message":…}}`,
/// sometimes wrapped as `[API Error: …]`); this turns them into "message (HTTP 400
/// INVALID_ARGUMENT)". Anything else is returned trimmed.
pub(crate) fn humanize_api_error(message: &str) -> String {
    capped(&humanize(message))
}

fn humanize(message: &str) -> String {
    let Some(start) = message.find('{') else {
        return message.trim().to_owned();
    };
    let mut values = serde_json::Deserializer::from_str(&message[start..]).into_iter::<Value>();
    let Some(Ok(value)) = values.next() else {
        return message.trim().to_owned();
    };
    let error = value.get("error").unwrap_or(&value);
    let Some(text) = error.get("message").and_then(Value::as_str) else {
        return message.trim().to_owned();
    };
    let code = error
        .get("code")
        .and_then(Value::as_i64)
        .map(|code| format!("HTTP {code}"));
    let status = error
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let detail: Vec<String> = code.into_iter().chain(status).collect();
    if detail.is_empty() {
        text.to_owned()
    } else {
        format!("{text} ({})", detail.join(" "))
    }
}

fn tool_use_event(event: &serde_json::Map<String, Value>) -> AgentEvent {
    let name = str_field(event, "tool_name").unwrap_or("tool").to_owned();
    let parameters = event.get("parameters").unwrap_or(&Value::Null);
    if name == "run_shell_command"
        && let Some(command) = parameters.get("command").and_then(Value::as_str)
    {
        return AgentEvent::CommandRun {
            command: command.to_owned(),
            exit_code: None,
        };
    }
    AgentEvent::ToolUse {
        name,
        summary: summarize_parameters(parameters),
    }
}

fn tool_result_events(event: &serde_json::Map<String, Value>) -> Vec<AgentEvent> {
    if str_field(event, "status") != Some("error") {
        return Vec::new();
    }
    let id = str_field(event, "tool_id").unwrap_or("?");
    let message = event
        .get("error")
        .map_or_else(|| "failed".to_owned(), error_message);
    vec![AgentEvent::Error {
        message: format!("tool {id}: {message}"),
        fatal: false,
    }]
}

fn u64_field(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

/// `result.stats` of stream-json: `input_tokens` includes cached tokens, `input` does not.
fn stream_usage(stats: &Value) -> Usage {
    let cached = u64_field(stats, "cached");
    let uncached = u64_field(stats, "input")
        .or_else(|| Some(u64_field(stats, "input_tokens")?.saturating_sub(cached.unwrap_or(0))));
    Usage {
        input_tokens: uncached,
        output_tokens: u64_field(stats, "output_tokens"),
        cache_read_tokens: cached,
        cache_creation_tokens: None,
    }
}

/// `stats` of json output: per-model `tokens.{input (uncached), candidates, cached}`, summed over
/// models (the router's request is billed too).
fn json_usage(stats: &Value) -> Usage {
    let Some(models) = stats.get("models").and_then(Value::as_object) else {
        return Usage::default();
    };
    let sum = |key: &str| -> Option<u64> {
        let values: Vec<u64> = models
            .values()
            .filter_map(|model| {
                model
                    .get("tokens")
                    .and_then(|tokens| u64_field(tokens, key))
            })
            .collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    Usage {
        input_tokens: sum("input"),
        output_tokens: sum("candidates"),
        cache_read_tokens: sum("cached"),
        cache_creation_tokens: None,
    }
}

/// json output: the model that served the `main` role, else the one with most output tokens.
fn main_model(models: Option<&Value>) -> Option<String> {
    let models = models?.as_object()?;
    models
        .iter()
        .find(|(_, model)| {
            model
                .get("roles")
                .and_then(|roles| roles.get("main"))
                .is_some()
        })
        .map(|(name, _)| name.clone())
        .or_else(|| {
            let tokens = models
                .iter()
                .map(|(name, model)| (name, model.get("tokens").cloned().unwrap_or(Value::Null)));
            busiest(tokens, "candidates")
        })
}

/// stream-json: the only model, else the one with most output tokens (none when all are zero).
fn busiest_model(models: Option<&Value>, key: &str) -> Option<String> {
    let models = models?.as_object()?;
    busiest(
        models.iter().map(|(name, model)| (name, model.clone())),
        key,
    )
}

fn busiest<'a>(models: impl Iterator<Item = (&'a String, Value)>, key: &str) -> Option<String> {
    let counted: Vec<(&String, u64)> = models
        .map(|(name, value)| (name, u64_field(&value, key).unwrap_or(0)))
        .collect();
    if let [(name, _)] = counted.as_slice() {
        return Some((*name).clone());
    }
    counted
        .iter()
        .filter(|(_, count)| *count > 0)
        .max_by_key(|(_, count)| *count)
        .map(|(name, _)| (*name).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_become_readable() {
        let raw = r#"[API Error: {"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}]"#;
        assert_eq!(
            humanize_api_error(raw),
            "API key not valid. (HTTP 400 INVALID_ARGUMENT)"
        );
        assert_eq!(humanize_api_error("  plain  "), "plain");
        assert_eq!(humanize_api_error("{not json"), "{not json");
    }
}
