//! Parsers for grok's `json` (one pretty-printed object) and `streaming-json` (NDJSON of
//! ACP-derived updates ending in `end`) output, grok 1.0.41.
//!
//! Errors are `{"type":"error","message":…}` on **stdout** (plus `Error: …` on stderr, exit 1).
//! Keys are camelCase at the top (`sessionId`, `stopReason`) and snake_case inside `usage`,
//! whose `input_tokens` already excludes cache reads.

use gateway_core::{AgentEvent, ExitInfo, RunOutcome, Usage};
use serde_json::Value;

use crate::bounded::BoundedText;
use crate::parse::document::{Fed, JsonDocument};
use crate::parse::fields::{first_key, text_field, tool_summary, usage_of};
use crate::parse::{OutputParser, failure_message, object_line, unrecognized};

#[derive(Debug, Default)]
pub(crate) struct GrokParser {
    /// `json` mode: the pretty-printed document read so far.
    document: Option<JsonDocument>,
    text: BoundedText,
    session_id: Option<String>,
    model: Option<String>,
    usage: Usage,
    cost_usd: Option<f64>,
    stop_reason: Option<String>,
    error: Option<String>,
}

impl GrokParser {
    pub(crate) fn stream() -> Self {
        GrokParser::default()
    }

    pub(crate) fn json() -> Self {
        GrokParser {
            document: Some(JsonDocument::object()),
            ..GrokParser::default()
        }
    }

    fn feed_document_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(buffer) = self.document.as_mut() else {
            return Vec::new();
        };
        let document = match buffer.feed(line) {
            Fed::Skipped | Fed::Buffered => return Vec::new(),
            Fed::Unrecognized(event) => return vec![event],
            Fed::Complete(document) => document,
        };
        if document.get("type").is_some() {
            return self.handle(&document, line);
        }
        let mut events = Vec::new();
        if let Some(text) = text_field(&document, "text") {
            self.text.push_str(&text);
            events.push(AgentEvent::Text { text, delta: false });
        }
        events.extend(self.handle_end(&document));
        events
    }

    fn handle(&mut self, event: &Value, raw: &str) -> Vec<AgentEvent> {
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match kind {
            "text" => {
                let text = text_field(event, "data").unwrap_or_default();
                self.text.push_str(&text);
                vec![AgentEvent::Text { text, delta: true }]
            }
            "thought" => vec![AgentEvent::Thinking {
                text: text_field(event, "data").unwrap_or_default(),
            }],
            "tool_call" => vec![AgentEvent::ToolUse {
                name: text_field(event, "toolName")
                    .or_else(|| text_field(event, "kind"))
                    .unwrap_or_else(|| "tool".to_owned()),
                summary: text_field(event, "title")
                    .unwrap_or_else(|| tool_summary(event.get("rawInput").unwrap_or(&Value::Null))),
            }],
            "plan" => {
                let steps = event
                    .get("entries")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                vec![AgentEvent::ToolUse {
                    name: "plan".to_owned(),
                    summary: format!("{steps} steps"),
                }]
            }
            "usage" => {
                self.usage = usage_of(event.get("usage").unwrap_or(&Value::Null));
                vec![AgentEvent::Usage { usage: self.usage }]
            }
            "end" => self.handle_end(event),
            "error" => {
                let message = text_field(event, "message").unwrap_or_else(|| raw.to_owned());
                self.error = Some(message.clone());
                vec![AgentEvent::Error {
                    message,
                    fatal: true,
                }]
            }
            "max_turns_reached" => {
                let message = "grok reached the maximum number of turns".to_owned();
                self.error = Some(message.clone());
                self.stop_reason = Some("max_turns".to_owned());
                vec![AgentEvent::Error {
                    message,
                    fatal: true,
                }]
            }
            "available_commands" | "tool_call_update" => Vec::new(),
            _ if kind.starts_with("auto_compact") => Vec::new(),
            _ => vec![unrecognized(raw)],
        }
    }

    /// `end` (streaming) or the `json` document: session, model, usage, cost, stop reason.
    fn handle_end(&mut self, event: &Value) -> Vec<AgentEvent> {
        self.session_id = text_field(event, "sessionId").or(self.session_id.take());
        self.model = first_key(event.get("modelUsage")).or(self.model.take());
        self.stop_reason = text_field(event, "stopReason").or(self.stop_reason.take());
        self.cost_usd = event
            .get("total_cost_usd")
            .and_then(Value::as_f64)
            .or(self.cost_usd);
        if let Some(usage) = event.get("usage") {
            self.usage = usage_of(usage);
        }
        let mut events = Vec::new();
        if let Some(session_id) = &self.session_id {
            events.push(AgentEvent::Session {
                session_id: session_id.clone(),
                model: self.model.clone(),
            });
        }
        if !self.usage.is_empty() {
            events.push(AgentEvent::Usage { usage: self.usage });
        }
        events
    }
}

impl OutputParser for GrokParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if self.document.is_some() {
            return self.feed_document_line(line);
        }
        object_line(line, |event| self.handle(&Value::Object(event), line))
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let mut outcome = RunOutcome {
            text: self.text.take(),
            session_id: self.session_id.clone(),
            model: self.model.clone(),
            usage: self.usage,
            cost_usd: self.cost_usd,
            stop_reason: self.stop_reason.clone(),
            ..RunOutcome::default()
        };
        if self.error.is_some() || !exit.success() {
            outcome.is_error = true;
            outcome.error = Some(
                self.error
                    .clone()
                    .unwrap_or_else(|| failure_message(exit, stderr_tail)),
            );
        }
        outcome
    }
}
