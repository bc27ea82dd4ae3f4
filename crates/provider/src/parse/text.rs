//! Plain text output (claude `text`, grok `plain`, gemini `text`, agy, vibe `text`): every line
//! is answer text, and only how the run ended can say it failed.

use gateway_core::{AgentEvent, ExitInfo, RunOutcome};

use super::{OutputParser, failure_message};
use crate::bounded::BoundedText;

/// Reads a run's error, if any, from its exit, its stderr tail and the answer text; each CLI
/// reports failure its own way.
pub(crate) type ErrorFrom = fn(ExitInfo, &str, &str) -> Option<String>;

/// The answer as printed, with the error the provider's [`ErrorFrom`] finds.
#[derive(Debug)]
pub(crate) struct TextParser {
    text: BoundedText,
    error_from: ErrorFrom,
}

impl TextParser {
    pub(crate) fn new(error_from: ErrorFrom) -> Self {
        TextParser {
            text: BoundedText::default(),
            error_from,
        }
    }
}

impl Default for TextParser {
    /// A failed exit is the only error; its message comes from [`failure_message`].
    fn default() -> Self {
        TextParser::new(failed_exit)
    }
}

fn failed_exit(exit: ExitInfo, stderr_tail: &str, _text: &str) -> Option<String> {
    (!exit.success()).then(|| failure_message(exit, stderr_tail))
}

impl OutputParser for TextParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(line);
        if line.trim().is_empty() {
            return Vec::new();
        }
        vec![AgentEvent::Text {
            text: line.to_owned(),
            delta: true,
        }]
    }

    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome {
        let text = self.text.take_trimmed();
        let error = (self.error_from)(exit, stderr_tail, &text);
        RunOutcome {
            is_error: error.is_some(),
            error,
            text,
            ..RunOutcome::default()
        }
    }
}
