//! The parser seam: stdout goes in a line at a time, [`AgentEvent`]s come out, and
//! [`RunOutcome`] sums the run up at exit. Parsers never panic and never fail: a line they cannot
//! map becomes [`AgentEvent::Unrecognized`].

use gateway_core::{AgentEvent, ExitInfo, RunOutcome};

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
    fn invalid_utf8_becomes_replacement_characters() {
        let mut splitter = LineSplitter::new();
        assert_eq!(splitter.push(b"a\xffb\n"), vec!["a\u{fffd}b".to_owned()]);
    }
}
