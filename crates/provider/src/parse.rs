//! The parser seam: stdout goes in a line at a time, [`AgentEvent`]s come out, and
//! [`RunOutcome`] sums the run up at exit. Parsers never panic and never fail: a line they cannot
//! map becomes [`AgentEvent::Unrecognized`].
//!
//! The submodules hold what more than one provider reads: JSON field lookups, plain text, a
//! multi-line JSON document, the Claude-compatible SDK messages and stderr's failure lines.

pub(crate) mod document;
pub(crate) mod fields;
pub(crate) mod messages;
pub(crate) mod stderr;
pub(crate) mod text;

use gateway_core::{AgentEvent, ExitInfo, RunOutcome};
use serde_json::{Map, Value};

pub(crate) use self::messages::MessagesParser;
pub(crate) use self::text::TextParser;

/// Longest raw text kept in an [`AgentEvent::Unrecognized`].
pub const UNRECOGNIZED_MAX_CHARS: usize = 2_000;

/// A stateful mapper from one CLI output format to gateway events.
pub trait OutputParser: Send {
    /// Feeds one complete line of stdout, without its trailing newline.
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent>;

    /// Sums the run up once the process has exited. `stderr_tail` is the last part of stderr
    /// (gemini writes its JSON errors there; vibe writes all of its errors there).
    fn finish(&mut self, exit: ExitInfo, stderr_tail: &str) -> RunOutcome;
}

/// An [`AgentEvent::Unrecognized`] with the raw text cut to a bounded size.
pub fn unrecognized(line: &str) -> AgentEvent {
    let raw: String = line.chars().take(UNRECOGNIZED_MAX_CHARS).collect();
    AgentEvent::Unrecognized { raw }
}

/// One line of a streaming format (a JSON object per line), handed to `handle` as an object: a
/// blank line yields nothing, anything but an object is unrecognized.
pub(crate) fn object_line(
    line: &str,
    handle: impl FnOnce(Map<String, Value>) -> Vec<AgentEvent>,
) -> Vec<AgentEvent> {
    if line.trim().is_empty() {
        return Vec::new();
    }
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(object)) => handle(object),
        _ => vec![unrecognized(line)],
    }
}

/// Longest error message taken from stderr by [`failure_message`].
pub const FAILURE_MESSAGE_MAX_CHARS: usize = 1_000;

/// Why a run failed when its stdout did not say: the most telling line of `stderr_tail` (the
/// last one starting with `error`, any case, else the last non-blank one), or how the process
/// ended. CLIs print parse errors (`error: unknown option …`) and fatal notices there.
pub fn failure_message(exit: ExitInfo, stderr_tail: &str) -> String {
    let lines: Vec<&str> = stderr_tail
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let telling = lines
        .iter()
        .rev()
        .find(|line| {
            line.get(..5)
                .is_some_and(|head| head.eq_ignore_ascii_case("error"))
        })
        .or_else(|| lines.last());
    if let Some(line) = telling {
        return line.chars().take(FAILURE_MESSAGE_MAX_CHARS).collect();
    }
    match (exit.code, exit.signal) {
        (Some(code), _) => format!("exited with code {code} without reporting a result"),
        (None, Some(signal)) => format!("killed by signal {signal} before reporting a result"),
        (None, None) => "ended without reporting a result".to_owned(),
    }
}

/// Splits a byte stream into lines across read boundaries, decoding UTF-8 correctly even when a
/// multi-byte character is split between two reads. Invalid bytes become U+FFFD; never panics.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    pub fn new() -> Self {
        LineSplitter::default()
    }

    /// Appends `chunk` and returns every line it completed (without `\n` or a trailing `\r`).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(chunk);
        let mut lines = Vec::new();
        let mut start = 0;
        while let Some(offset) = self.pending[start..].iter().position(|byte| *byte == b'\n') {
            let end = start + offset;
            lines.push(decode_line(&self.pending[start..end]));
            start = end + 1;
        }
        self.pending.drain(..start);
        lines
    }

    /// The final partial line at EOF, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.pending.is_empty() {
            return None;
        }
        let line = decode_line(&self.pending);
        self.pending.clear();
        Some(line)
    }

    /// Bytes held back waiting for a newline (bounded by the caller's output cap).
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

fn decode_line(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_across_reads_and_keeps_multibyte_characters_whole() {
        let mut splitter = LineSplitter::new();
        let text = "héllo\nwörld\r\npartial";
        let bytes = text.as_bytes();
        // 'é' is two bytes at index 1..3; cut inside it.
        let mut lines = splitter.push(&bytes[..2]);
        lines.extend(splitter.push(&bytes[2..]));
        assert_eq!(lines, vec!["héllo".to_owned(), "wörld".to_owned()]);
        assert_eq!(splitter.finish(), Some("partial".to_owned()));
        assert_eq!(splitter.finish(), None);
    }

    #[test]
    fn failure_message_prefers_error_lines_then_the_exit() {
        let exit = ExitInfo {
            code: Some(2),
            signal: None,
        };
        let clap =
            "error: unexpected argument '-a' found\n\n  tip: use '-- -a'\n\nUsage: codex exec\n";
        assert_eq!(
            failure_message(exit, clap),
            "error: unexpected argument '-a' found"
        );
        assert_eq!(
            failure_message(exit, "No conversation found\n\n"),
            "No conversation found"
        );
        assert_eq!(
            failure_message(exit, " \n"),
            "exited with code 2 without reporting a result"
        );
        let killed = ExitInfo {
            code: None,
            signal: Some(15),
        };
        assert_eq!(
            failure_message(killed, ""),
            "killed by signal 15 before reporting a result"
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let mut splitter = LineSplitter::new();
        assert_eq!(splitter.push(b"a\xffb\n"), vec!["a\u{fffd}b".to_owned()]);
    }
}
