//! The parser for Claude Code's SDK messages (`json` and `stream-json`), which grok also speaks
//! as `streaming-messages-json`.
//!
//! Rules from the real CLI (2.1.330): auth and API failures arrive as a `result` with
//! `subtype:"success"` **and** `is_error:true` (the message in `result`), so `is_error` is read
//! first; error subtypes (`error_max_turns` …) carry `errors[]` and no `result`. With
//! `--include-partial-messages` every text arrives twice (deltas, then the whole `assistant`
//! message), so whole-message text is not re-emitted after deltas.

use gateway_core::{AgentEvent, ExitInfo, RunOutcome, Usage};
use serde_json::Value;

use super::document::{Fed, JsonDocument};
use super::fields::{first_key, text_field, tool_summary, usage_of};
use super::{OutputParser, failure_message, object_line, unrecognized};
use crate::bounded::BoundedText;

/// The final `result` message.
#[derive(Debug, Default)]
struct ResultMessage {
    text: Option<String>,
    is_error: bool,
    errors: Vec<String>,
    stop_reason: Option<String>,
    cost_usd: Option<f64>,
}

/// SDK messages, one per line (`stream-json`) or one document (`json`).
#[derive(Debug, Default)]
pub(crate) struct MessagesParser {
    /// `json` mode: the (possibly pretty-printed) document read so far.
    document: Option<JsonDocument>,
    session_id: Option<String>,
    model: Option<String>,
    usage: Usage,
    result: Option<ResultMessage>,
    /// Text of whole `assistant` messages, for runs that end without a result.
    assistant_text: BoundedText,
    /// Text from partial-message deltas.
    streamed_text: BoundedText,
    /// Deltas arrived since the last whole `assistant` message.
    deltas_pending: bool,
    /// A fatal `{"type":"error"}` line (grok), or an `assistant` message's `error` field.
    error: Option<String>,
}

impl MessagesParser {
    pub(crate) fn stream() -> Self {
        MessagesParser::default()
    }

    pub(crate) fn json() -> Self {
        MessagesParser {
            document: Some(JsonDocument::object_or_array()),
            ..MessagesParser::default()
        }
    }

    fn feed_json_document(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(document) = self.document.as_mut() else {
            return Vec::new();
        };
        match document.feed(line) {
            Fed::Skipped | Fed::Buffered => Vec::new(),
            Fed::Unrecognized(event) => vec![event],
            Fed::Complete(Value::Array(messages)) => messages
                .into_iter()
                .flat_map(|message| self.handle(message, line))
                .collect(),
            Fed::Complete(message) => self.handle(message, line),
        }
    }

    fn handle(&mut self, message: Value, raw: &str) -> Vec<AgentEvent> {
        if self.session_id.is_none() {
            self.session_id = text_field(&message, "session_id");
        }
        match message
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "system" => self.handle_system(&message, raw),
            "stream_event" => {
                self.handle_stream_event(message.get("event").unwrap_or(&Value::Null), raw)
            }
            "assistant" => self.handle_assistant(&message),
            "result" => self.handle_result(&message),
            "error" => {
                let text = text_field(&message, "message").unwrap_or_else(|| raw.to_owned());
                self.error = Some(text.clone());
                vec![AgentEvent::Error {
                    message: text,
                    fatal: true,
                }]
            }
            // Tool results echoed back, and SDK bookkeeping with nothing to report.
            "user" | "rate_limit_event" | "prompt_suggestion" | "tool_progress"
            | "tool_use_summary" | "auth_status" => Vec::new(),
            _ => vec![unrecognized(raw)],
        }
    }

    fn handle_system(&mut self, message: &Value, raw: &str) -> Vec<AgentEvent> {
        match message
            .get("subtype")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "init" => {
                self.model = text_field(message, "model").or(self.model.take());
                match &self.session_id {
                    Some(session_id) => {
                        vec![AgentEvent::Session {
                            session_id: session_id.clone(),
                            model: self.model.clone(),
                        }]
                    }
                    None => Vec::new(),
                }
            }
            "api_retry" => {
                let attempt = message
                    .get("attempt")
                    .and_then(Value::as_u64)
                    .unwrap_or_default();
                let max = message
                    .get("max_retries")
                    .and_then(Value::as_u64)
                    .unwrap_or_default();
                let cause = text_field(message, "error").unwrap_or_else(|| "unknown".to_owned());
                vec![AgentEvent::Error {
                    message: format!("API retry {attempt}/{max} ({cause})"),
                    fatal: false,
                }]
            }
            "status"
            | "session_title_changed"
            | "compact_boundary"
            | "hook_started"
            | "hook_progress"
            | "hook_response"
            | "task_started"
            | "task_progress"
            | "task_notification"
            | "files_persisted" => Vec::new(),
            _ => vec![unrecognized(raw)],
        }
    }

    fn handle_stream_event(&mut self, event: &Value, raw: &str) -> Vec<AgentEvent> {
        match event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "message_start" => {
                if self.model.is_none() {
                    self.model = event
                        .get("message")
                        .and_then(|message| text_field(message, "model"));
                }
                Vec::new()
            }
            "content_block_delta" => self.handle_delta(event.get("delta").unwrap_or(&Value::Null)),
            "content_block_start"
            | "content_block_stop"
            | "message_delta"
            | "message_stop"
            | "ping" => Vec::new(),
            _ => vec![unrecognized(raw)],
        }
    }

    fn handle_delta(&mut self, delta: &Value) -> Vec<AgentEvent> {
        match delta
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "text_delta" => {
                let text = text_field(delta, "text").unwrap_or_default();
                self.streamed_text.push_str(&text);
                self.deltas_pending = true;
                vec![AgentEvent::Text { text, delta: true }]
            }
            "thinking_delta" => {
                self.deltas_pending = true;
                vec![AgentEvent::Thinking {
                    text: text_field(delta, "thinking").unwrap_or_default(),
                }]
            }
            _ => Vec::new(),
        }
    }

    fn handle_assistant(&mut self, message: &Value) -> Vec<AgentEvent> {
        let body = message.get("message").unwrap_or(&Value::Null);
        if self.model.is_none() {
            self.model = text_field(body, "model").filter(|model| model != "<synthetic>");
        }
        if let Some(kind) = text_field(message, "error") {
            self.error = Some(kind);
        }
        let streamed = std::mem::take(&mut self.deltas_pending);
        let blocks = body
            .get("content")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut events = Vec::new();
        for block in blocks {
            match block
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
            {
                "text" => {
                    let text = text_field(block, "text").unwrap_or_default();
                    if !self.assistant_text.is_empty() {
                        self.assistant_text.push('\n');
                    }
                    self.assistant_text.push_str(&text);
                    if !streamed {
                        events.push(AgentEvent::Text { text, delta: false });
                    }
                }
                "thinking" if !streamed => {
                    events.push(AgentEvent::Thinking {
                        text: text_field(block, "thinking").unwrap_or_default(),
                    });
                }
                "tool_use" | "server_tool_use" => events.push(AgentEvent::ToolUse {
                    name: text_field(block, "name").unwrap_or_default(),
                    summary: tool_summary(block.get("input").unwrap_or(&Value::Null)),
                }),
                _ => {}
            }
        }
        events
    }

    fn handle_result(&mut self, message: &Value) -> Vec<AgentEvent> {
        let subtype = text_field(message, "subtype").unwrap_or_default();
        let is_error = message
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(subtype != "success");
        let terminal =
            text_field(message, "terminal_reason").filter(|reason| reason != "completed");
        let result = ResultMessage {
            text: text_field(message, "result"),
            is_error,
            errors: string_list(message.get("errors")),
            stop_reason: terminal.or_else(|| text_field(message, "stop_reason")),
            cost_usd: message.get("total_cost_usd").and_then(Value::as_f64),
        };
        if self.model.is_none() {
            self.model = first_key(message.get("modelUsage"));
        }
        self.usage = usage_of(message.get("usage").unwrap_or(&Value::Null));
        let mut events = Vec::new();
        if !self.usage.is_empty() {
            events.push(AgentEvent::Usage { usage: self.usage });
        }
        if is_error {
            let text = result_error(&result)
                .unwrap_or_else(|| format!("claude reported an error ({subtype})"));
            events.push(AgentEvent::Error {
                message: text,
                fatal: true,
            });
        }
        self.result = Some(result);
        events
    }

    fn partial_text(&mut self) -> String {
        if self.assistant_text.is_empty() {
            self.streamed_text.take()
        } else {
            self.assistant_text.take()
        }
    }
}

impl OutputParser for MessagesParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if self.document.is_some() {
            return self.feed_json_document(line);
        }
        object_line(line, |message| self.handle(Value::Object(message), line))
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let mut outcome = RunOutcome {
            session_id: self.session_id.clone(),
            model: self.model.clone(),
            usage: self.usage,
            ..RunOutcome::default()
        };
        match self.result.take() {
            Some(result) => {
                outcome.cost_usd = result.cost_usd;
                outcome.is_error = result.is_error;
                outcome.stop_reason = result.stop_reason.clone();
                if result.is_error {
                    // With errors[] the result text is absent and partial work is worth keeping;
                    // without, `result` holds the error message, not an answer.
                    outcome.text = if result.errors.is_empty() {
                        String::new()
                    } else {
                        self.partial_text()
                    };
                    outcome.error =
                        result_error(&result).or_else(|| Some(failure_message(exit, stderr_tail)));
                } else {
                    outcome.text = result.text.unwrap_or_else(|| self.partial_text());
                }
            }
            None => {
                outcome.text = self.partial_text();
                if self.error.is_some() || !exit.success() {
                    outcome.is_error = true;
                    outcome.error = Some(
                        self.error
                            .clone()
                            .unwrap_or_else(|| failure_message(exit, stderr_tail)),
                    );
                }
            }
        }
        outcome
    }
}

fn result_error(result: &ResultMessage) -> Option<String> {
    if !result.errors.is_empty() {
        return Some(result.errors.join("; "));
    }
    result.text.clone().filter(|text| !text.trim().is_empty())
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
