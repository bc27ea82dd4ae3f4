//! What a provider CLI said while it ran ([`AgentEvent`]) and what it came to ([`RunOutcome`]).
//!
//! Parsers in `gateway-provider` produce these from each CLI's own output format; the job engine
//! stores events for progress paging and the outcome for results and the flight recorder.

use serde::{Deserialize, Serialize};

/// Token counts as the CLI reported them. `None` means the CLI did not say (vibe reports no
/// usage on stdout), which is different from zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Usage {
    /// Prompt tokens that were not served from cache.
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    pub cache_creation_tokens: Option<u64>,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }

    /// Fills fields that `self` lacks from `other`; later reports win where both have a value.
    pub fn merge(&mut self, other: Usage) {
        self.input_tokens = other.input_tokens.or(self.input_tokens);
        self.output_tokens = other.output_tokens.or(self.output_tokens);
        self.cache_read_tokens = other.cache_read_tokens.or(self.cache_read_tokens);
        self.cache_creation_tokens = other.cache_creation_tokens.or(self.cache_creation_tokens);
    }
}

/// One meaningful thing a CLI reported while running, already mapped from its own format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// The CLI announced its session (and often its model).
    Session {
        session_id: String,
        model: Option<String>,
    },
    /// Answer text. `delta` is true for a streamed fragment of a longer message.
    Text { text: String, delta: bool },
    /// Reasoning / thinking text, kept apart from the answer.
    Thinking { text: String },
    /// The agent called a tool (name plus a short, human-readable summary of the input).
    ToolUse { name: String, summary: String },
    /// The agent ran a shell command.
    CommandRun {
        command: String,
        exit_code: Option<i32>,
    },
    /// The agent changed a file (`kind`: add, update, delete …).
    FileChange { path: String, kind: String },
    /// A token-count report (cumulative or per turn, as the CLI gives it).
    Usage { usage: Usage },
    /// An error. `fatal` is false for notices the CLI recovers from (codex "Reconnecting…").
    Error { message: String, fatal: bool },
    /// A line we could not map: unknown event types, garbage, plain text in a JSON stream.
    /// Kept (truncated) so nothing is silently lost.
    Unrecognized { raw: String },
}

impl AgentEvent {
    /// The `kind` column value used by the store.
    pub fn kind(&self) -> &'static str {
        match self {
            AgentEvent::Session { .. } => "session",
            AgentEvent::Text { .. } => "text",
            AgentEvent::Thinking { .. } => "thinking",
            AgentEvent::ToolUse { .. } => "tool_use",
            AgentEvent::CommandRun { .. } => "command_run",
            AgentEvent::FileChange { .. } => "file_change",
            AgentEvent::Usage { .. } => "usage",
            AgentEvent::Error { .. } => "error",
            AgentEvent::Unrecognized { .. } => "unrecognized",
        }
    }

    /// A one-line human message for progress notifications and `llm_job_status` paging.
    pub fn message(&self) -> String {
        match self {
            AgentEvent::Session { session_id, model } => match model {
                Some(model) => format!("session {session_id} ({model})"),
                None => format!("session {session_id}"),
            },
            AgentEvent::Text { text, .. } => one_line(text, 160),
            AgentEvent::Thinking { text } => format!("thinking: {}", one_line(text, 140)),
            AgentEvent::ToolUse { name, summary } if summary.is_empty() => format!("tool {name}"),
            AgentEvent::ToolUse { name, summary } => {
                format!("tool {name}: {}", one_line(summary, 140))
            }
            AgentEvent::CommandRun { command, exit_code } => match exit_code {
                Some(code) => format!("ran `{}` (exit {code})", one_line(command, 140)),
                None => format!("running `{}`", one_line(command, 140)),
            },
            AgentEvent::FileChange { path, kind } => format!("{kind} {path}"),
            AgentEvent::Usage { usage } => format!(
                "tokens in {} out {}",
                usage.input_tokens.unwrap_or(0),
                usage.output_tokens.unwrap_or(0)
            ),
            AgentEvent::Error {
                message,
                fatal: true,
            } => format!("error: {}", one_line(message, 160)),
            AgentEvent::Error {
                message,
                fatal: false,
            } => {
                format!("notice: {}", one_line(message, 160))
            }
            AgentEvent::Unrecognized { raw } => one_line(raw, 120),
        }
    }
}

/// Collapses whitespace and cuts at `max` characters (on a char boundary), adding `…`.
pub fn one_line(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// What a finished run came to, parsed from the CLI's output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RunOutcome {
    /// The final answer text (empty when the CLI gave none).
    pub text: String,
    /// The CLI's native session id, usable to resume.
    pub session_id: Option<String>,
    /// The model the CLI reports it used.
    pub model: Option<String>,
    pub usage: Usage,
    pub cost_usd: Option<f64>,
    /// `cost_usd` is the store's estimate from the price table (the CLI reported none).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
    pub stop_reason: Option<String>,
    /// The CLI's own output says the run failed (auth, API error, turn limit …), whatever the
    /// exit code.
    pub is_error: bool,
    /// The error message the CLI gave, when `is_error`.
    pub error: Option<String>,
}

/// How the process ended, as the parser needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitInfo {
    pub const fn success(&self) -> bool {
        matches!(self.code, Some(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_cuts_on_char_boundaries() {
        assert_eq!(one_line("a\n  b\tc", 10), "a b c");
        assert_eq!(one_line("ééééé", 3), "éé…");
    }

    #[test]
    fn usage_merge_prefers_later_values() {
        let mut usage = Usage {
            input_tokens: Some(1),
            output_tokens: Some(2),
            ..Usage::default()
        };
        usage.merge(Usage {
            output_tokens: Some(5),
            cache_read_tokens: Some(3),
            ..Usage::default()
        });
        assert_eq!(
            usage,
            Usage {
                input_tokens: Some(1),
                output_tokens: Some(5),
                cache_read_tokens: Some(3),
                cache_creation_tokens: None
            }
        );
    }
}
