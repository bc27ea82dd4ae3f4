//! Parser for `codex exec --json` (JSONL of `ThreadEvent`s, codex-cli 0.169.0).
//!
//! Top-level `{"type":"error"}` lines are retry notices ("Reconnecting… 2/5") and not fatal;
//! only `turn.failed` ends the turn in failure. Usage comes from `turn.completed`, where
//! `input_tokens` *includes* `cached_input_tokens` (OpenAI convention), so the uncached count is
//! their difference. After `exec resume` the counts are cumulative for the thread.

use gateway_core::{AgentEvent, ExitInfo, RunOutcome, Usage};
use serde_json::Value;

use crate::parse::fields::{text_field, tool_summary};
use crate::parse::{OutputParser, failure_message, object_line, unrecognized};

#[derive(Debug, Default)]
pub(crate) struct CodexParser {
    thread_id: Option<String>,
    /// The last completed `agent_message`: codex's final answer.
    last_message: Option<String>,
    usage: Usage,
    turn_completed: bool,
    /// `turn.failed`'s message.
    failure: Option<String>,
    /// The last non-fatal notice, used when the process dies without `turn.failed`.
    last_notice: Option<String>,
}

impl CodexParser {
    fn handle(&mut self, event: &Value, raw: &str) -> Vec<AgentEvent> {
        match event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "thread.started" => match text_field(event, "thread_id") {
                Some(id) => {
                    self.thread_id = Some(id.clone());
                    vec![AgentEvent::Session {
                        session_id: id,
                        model: None,
                    }]
                }
                None => vec![unrecognized(raw)],
            },
            "turn.started" => Vec::new(),
            "turn.completed" => {
                self.turn_completed = true;
                self.usage = openai_usage(event.get("usage").unwrap_or(&Value::Null));
                vec![AgentEvent::Usage { usage: self.usage }]
            }
            "turn.failed" => {
                let error = event.get("error").unwrap_or(&Value::Null);
                let message = error
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| text_field(error, "message"))
                    .unwrap_or_else(|| "codex reported turn.failed".to_owned());
                self.failure = Some(message.clone());
                vec![AgentEvent::Error {
                    message,
                    fatal: true,
                }]
            }
            "error" => {
                let message = text_field(event, "message").unwrap_or_else(|| raw.to_owned());
                self.last_notice = Some(message.clone());
                vec![AgentEvent::Error {
                    message,
                    fatal: false,
                }]
            }
            kind @ ("item.started" | "item.updated" | "item.completed") => {
                let stage = kind.trim_start_matches("item.");
                self.handle_item(stage, event.get("item").unwrap_or(&Value::Null), raw)
            }
            _ => vec![unrecognized(raw)],
        }
    }

    fn handle_item(&mut self, stage: &str, item: &Value, raw: &str) -> Vec<AgentEvent> {
        let completed = stage == "completed";
        match item.get("type").and_then(Value::as_str).unwrap_or_default() {
            "agent_message" if completed => {
                let text = text_field(item, "text").unwrap_or_default();
                self.last_message = Some(text.clone());
                vec![AgentEvent::Text { text, delta: false }]
            }
            "reasoning" if completed => {
                vec![AgentEvent::Thinking {
                    text: text_field(item, "text").unwrap_or_default(),
                }]
            }
            "plan" if completed => vec![AgentEvent::Thinking {
                text: text_field(item, "text").unwrap_or_default(),
            }],
            "command_execution" if stage != "updated" => vec![AgentEvent::CommandRun {
                command: text_field(item, "command").unwrap_or_default(),
                exit_code: if completed {
                    item.get("exit_code")
                        .and_then(Value::as_i64)
                        .map(clamp_code)
                } else {
                    None
                },
            }],
            "file_change" if completed => item
                .get("changes")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|change| AgentEvent::FileChange {
                    path: text_field(change, "path").unwrap_or_default(),
                    kind: text_field(change, "kind").unwrap_or_default(),
                })
                .collect(),
            "mcp_tool_call" if stage == "started" => {
                let server = text_field(item, "server").unwrap_or_default();
                let tool = text_field(item, "tool").unwrap_or_default();
                vec![AgentEvent::ToolUse {
                    name: format!("{server}.{tool}"),
                    summary: tool_summary(item.get("arguments").unwrap_or(&Value::Null)),
                }]
            }
            "web_search" if completed => vec![AgentEvent::ToolUse {
                name: "web_search".to_owned(),
                summary: text_field(item, "query").unwrap_or_default(),
            }],
            "todo_list" if stage != "completed" => vec![todo_event(item)],
            "collab_tool_call" if stage == "started" => vec![AgentEvent::ToolUse {
                name: text_field(item, "tool").unwrap_or_else(|| "collab_tool_call".to_owned()),
                summary: String::new(),
            }],
            "error" => {
                let message = text_field(item, "message").unwrap_or_default();
                self.last_notice = Some(message.clone());
                vec![AgentEvent::Error {
                    message,
                    fatal: false,
                }]
            }
            "agent_message" | "reasoning" | "plan" | "command_execution" | "file_change"
            | "mcp_tool_call" | "web_search" | "todo_list" | "collab_tool_call" => Vec::new(),
            _ => vec![unrecognized(raw)],
        }
    }
}

impl OutputParser for CodexParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        object_line(line, |event| self.handle(&Value::Object(event), line))
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let mut outcome = RunOutcome {
            text: self.last_message.clone().unwrap_or_default(),
            session_id: self.thread_id.clone(),
            usage: self.usage,
            stop_reason: self.turn_completed.then(|| "completed".to_owned()),
            ..RunOutcome::default()
        };
        if let Some(failure) = &self.failure {
            outcome.is_error = true;
            outcome.error = Some(failure.clone());
            outcome.stop_reason = Some("failed".to_owned());
        } else if !exit.success() {
            outcome.is_error = true;
            // A stderr `error:` line beats the last retry notice, which beats stderr chatter
            // ("Reading prompt from stdin…").
            let from_stderr = failure_message(exit, stderr_tail);
            let stderr_says_error = from_stderr
                .get(..5)
                .is_some_and(|head| head.eq_ignore_ascii_case("error"));
            outcome.error = Some(match &self.last_notice {
                Some(notice) if !stderr_says_error => notice.clone(),
                _ => from_stderr,
            });
        }
        outcome
    }
}

/// OpenAI-style usage: `input_tokens` includes the cached ones, which are subtracted.
fn openai_usage(usage: &Value) -> Usage {
    let count = |key: &str| usage.get(key).and_then(Value::as_u64);
    let cached = count("cached_input_tokens").or_else(|| count("cache_read_input_tokens"));
    Usage {
        input_tokens: count("input_tokens").map(|input| input.saturating_sub(cached.unwrap_or(0))),
        output_tokens: count("output_tokens"),
        cache_read_tokens: cached,
        cache_creation_tokens: count("cache_write_input_tokens")
            .or_else(|| count("cache_creation_input_tokens")),
    }
}

fn todo_event(item: &Value) -> AgentEvent {
    let items = item
        .get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let done = items
        .iter()
        .filter(|entry| entry.get("completed").and_then(Value::as_bool) == Some(true))
        .count();
    AgentEvent::ToolUse {
        name: "todo_list".to_owned(),
        summary: format!("{done}/{} done", items.len()),
    }
}

fn clamp_code(code: i64) -> i32 {
    i32::try_from(code).unwrap_or(i32::MAX)
}
