//! One JSON document printed over many lines (the `json` formats of claude, grok and gemini),
//! buffered until it is whole.

use gateway_core::AgentEvent;
use serde_json::Value;

use super::unrecognized;

/// Largest document buffered before it is given up as garbage (each line is already bounded by
/// the engine; this bounds their number).
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// What one line did to the document.
#[derive(Debug)]
pub(crate) enum Fed {
    /// A blank line outside a document: nothing to report.
    Skipped,
    /// Added; the document is not complete yet.
    Buffered,
    /// Not part of a document (or the document grew too large): report it as it is.
    Unrecognized(AgentEvent),
    /// The document is complete; the buffer is empty again.
    Complete(Value),
}

/// Lines of a document not yet complete.
#[derive(Debug)]
pub(crate) struct JsonDocument {
    text: String,
    lines: usize,
    openers: &'static [char],
    closers: &'static [char],
}

impl JsonDocument {
    /// A document that is one object.
    pub(crate) fn object() -> Self {
        JsonDocument::new(&['{'], &['}'])
    }

    /// A document that is an object or an array.
    pub(crate) fn object_or_array() -> Self {
        JsonDocument::new(&['{', '['], &['}', ']'])
    }

    fn new(openers: &'static [char], closers: &'static [char]) -> Self {
        JsonDocument {
            text: String::new(),
            lines: 0,
            openers,
            closers,
        }
    }

    /// Adds `line`, and parses the document when the line could close it (it ends with a
    /// closing bracket and the text so far is valid JSON).
    pub(crate) fn feed(&mut self, line: &str) -> Fed {
        let fed = self.push(line);
        if !matches!(fed, Fed::Buffered) || !line.trim().ends_with(self.closers) {
            return fed;
        }
        let Ok(document) = serde_json::from_str::<Value>(&self.text) else {
            return Fed::Buffered;
        };
        self.clear();
        Fed::Complete(document)
    }

    /// Adds `line` without trying to parse (for callers with their own rule for the end).
    pub(crate) fn push(&mut self, line: &str) -> Fed {
        let trimmed = line.trim();
        if self.text.is_empty() && !trimmed.starts_with(self.openers) {
            return if trimmed.is_empty() {
                Fed::Skipped
            } else {
                Fed::Unrecognized(unrecognized(line))
            };
        }
        self.text.push_str(line);
        self.text.push('\n');
        self.lines += 1;
        if self.text.len() > MAX_BYTES {
            return Fed::Unrecognized(unrecognized(&self.take()));
        }
        Fed::Buffered
    }

    /// The text buffered so far.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// How many lines are buffered.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Empties the buffer.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.lines = 0;
    }

    /// Empties the buffer, returning what it held.
    pub(crate) fn take(&mut self) -> String {
        self.lines = 0;
        std::mem::take(&mut self.text)
    }
}
