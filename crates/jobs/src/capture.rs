//! Turning a child's byte stream into stored text with bounded memory.
//!
//! Bytes are decoded as UTF-8 on line boundaries (a character split across reads is kept whole;
//! invalid bytes become U+FFFD). A line longer than [`FORCE_SPLIT`] is cut at a character
//! boundary. What is decoded goes through a [`StreamRedactor`] to a batch for the store (so a
//! secret cut in two by a read, a long line or a flush is still redacted whole) and to a
//! bounded tail kept in memory; stdout lines also go to the parser through a [`LineBuffer`],
//! which bounds a huge line and keeps it valid JSON.

use gateway_core::redact::StreamRedactor;
use gateway_provider::bounded::LineBuffer;
use gateway_store::{OutputChunk, Stream};

/// Undecoded bytes held back waiting for a newline before they are decoded anyway.
const FORCE_SPLIT: usize = 64 * 1024;
/// A batch this large is flushed at once rather than at the next tick.
pub(crate) const BATCH_FLUSH_BYTES: usize = 64 * 1024;
/// Characters of each stream kept in memory (the rest lives in SQLite).
const TAIL_CHARS: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct StreamCapture {
    stream: Stream,
    pending: Vec<u8>,
    /// `None` when redaction is off.
    redactor: Option<StreamRedactor>,
    batch: String,
    batch_bytes: u64,
    tail: String,
    /// Current partial line for the parser (bounded; the store keeps the line whole).
    line: LineBuffer,
    /// Raw bytes accepted.
    pub(crate) total_bytes: u64,
}

impl StreamCapture {
    pub(crate) fn new(stream: Stream, redact: bool) -> StreamCapture {
        StreamCapture {
            stream,
            pending: Vec::new(),
            redactor: redact.then(StreamRedactor::default),
            batch: String::new(),
            batch_bytes: 0,
            tail: String::new(),
            line: LineBuffer::default(),
            total_bytes: 0,
        }
    }

    /// Accepts raw bytes; returns the complete lines (for the parser).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.total_bytes += bytes.len() as u64;
        self.pending.extend_from_slice(bytes);
        let cut = match self.pending.iter().rposition(|byte| *byte == b'\n') {
            Some(newline) => newline + 1,
            None if self.pending.len() >= FORCE_SPLIT => utf8_boundary(&self.pending),
            None => return Vec::new(),
        };
        let rest = self.pending.split_off(cut);
        let raw = std::mem::replace(&mut self.pending, rest);
        self.accept(&raw)
    }

    /// Decodes whatever is left at EOF; returns the final partial line, if any.
    pub(crate) fn finish(&mut self) -> Vec<String> {
        let raw = std::mem::take(&mut self.pending);
        let mut lines = self.accept(&raw);
        if let Some(redactor) = self.redactor.as_mut() {
            redactor.finish(&mut self.batch);
        }
        if !self.line.is_empty() {
            lines.push(self.line.take());
        }
        lines
    }

    fn accept(&mut self, raw: &[u8]) -> Vec<String> {
        if raw.is_empty() {
            return Vec::new();
        }
        let text = String::from_utf8_lossy(raw);
        match self.redactor.as_mut() {
            Some(redactor) => redactor.push(&text, &mut self.batch),
            None => self.batch.push_str(&text),
        }
        self.batch_bytes += raw.len() as u64;
        self.push_tail(&text);
        let mut lines = Vec::new();
        let mut pieces = text.split('\n').peekable();
        while let Some(piece) = pieces.next() {
            self.line.push(piece);
            if pieces.peek().is_some() {
                lines.push(self.line.take());
            }
        }
        lines
    }

    fn push_tail(&mut self, text: &str) {
        self.tail.push_str(text);
        if self.tail.len() > TAIL_CHARS * 2 {
            let start = floor_char_boundary(&self.tail, self.tail.len() - TAIL_CHARS);
            self.tail.drain(..start);
        }
    }

    /// Bytes waiting in the batch.
    pub(crate) fn batch_len(&self) -> usize {
        self.batch.len()
    }

    /// Takes the batch as a chunk for the store.
    pub(crate) fn take_chunk(&mut self) -> Option<OutputChunk> {
        if self.batch.is_empty() {
            return None;
        }
        let chunk = OutputChunk {
            stream: self.stream,
            text: std::mem::take(&mut self.batch),
            bytes: std::mem::take(&mut self.batch_bytes),
        };
        Some(chunk)
    }

    /// The last part of the stream (at most about [`TAIL_CHARS`] × 2 bytes).
    pub(crate) fn tail(&self) -> &str {
        &self.tail
    }
}

/// The longest prefix of `bytes` that does not end inside a UTF-8 sequence (invalid bytes
/// before that are left for the lossy decoder).
fn utf8_boundary(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let byte = bytes[len - back];
        if byte < 0x80 {
            return len;
        }
        if byte >= 0xC0 {
            let need = if byte >= 0xF0 {
                4
            } else if byte >= 0xE0 {
                3
            } else {
                2
            };
            return if need > back { len - back } else { len };
        }
    }
    len
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    (0..=index)
        .rev()
        .find(|at| text.is_char_boundary(*at))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_split_across_reads_stay_whole_and_invalid_bytes_are_replaced() {
        let mut capture = StreamCapture::new(Stream::Stdout, false);
        let bytes = "héllo\nwörld\n".as_bytes();
        let mut lines = capture.push(&bytes[..2]);
        lines.extend(capture.push(&bytes[2..9]));
        lines.extend(capture.push(&bytes[9..]));
        lines.extend(capture.push(b"a\xffb\r\npartial"));
        lines.extend(capture.finish());
        assert_eq!(lines, ["héllo", "wörld", "a\u{fffd}b", "partial"]);
        let chunk = capture.take_chunk().map(|chunk| chunk.text);
        assert_eq!(
            chunk.as_deref(),
            Some("héllo\nwörld\na\u{fffd}b\r\npartial")
        );
        assert_eq!(capture.total_bytes, 26);
    }

    #[test]
    fn a_long_line_without_newline_is_flushed_at_a_character_boundary() {
        let mut capture = StreamCapture::new(Stream::Stdout, false);
        let text = "é".repeat(FORCE_SPLIT); // 2 bytes each
        let bytes = text.as_bytes();
        assert!(capture.push(&bytes[..FORCE_SPLIT + 1]).is_empty());
        assert_eq!(capture.batch_len(), FORCE_SPLIT);
        capture.push(&bytes[FORCE_SPLIT + 1..]);
        let lines = capture.finish();
        assert_eq!(lines.len(), 1);
        assert_eq!(
            capture.take_chunk().map(|chunk| chunk.text.len()),
            Some(bytes.len())
        );
    }

    #[test]
    fn a_huge_json_line_reaches_the_parser_bounded_and_still_json() {
        let mut capture = StreamCapture::new(Stream::Stdout, false);
        assert!(
            capture
                .push(b"{\"type\":\"result\",\"result\":\"")
                .is_empty()
        );
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..20 {
            assert!(capture.push(&chunk).is_empty());
            let _ = capture.take_chunk();
        }
        let lines = capture.push(b"\",\"session_id\":\"s\"}\n");
        assert_eq!(lines.len(), 1);
        assert!(lines[0].len() < 2 << 20, "{} bytes", lines[0].len());
        let value: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(value["session_id"], "s");
        assert_eq!(capture.total_bytes, 20 * (1 << 20) + 47);
    }
}
