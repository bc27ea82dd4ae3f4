//! Writes rendered lines to stdout, expanding the filler and invalid-UTF-8 markers on the fly so
//! that `FAKE_AGENT_OUTPUT_BYTES=200000000` never holds 200 MB in memory.

use std::io::Write;
use std::time::Duration;

/// Stands for `n` bytes of filler text without newlines (safe inside a JSON string).
pub const FILLER_JSON: &str = "@@FAKE_FILLER_JSON:";
/// Stands for `n` bytes of filler text with a newline every 64 bytes (plain-text formats).
pub const FILLER_TEXT: &str = "@@FAKE_FILLER_TEXT:";
/// Replaced by the bytes `0xFF 0xFE` (never valid UTF-8).
pub const INVALID_UTF8: &str = "@@FAKE_INVALID_UTF8@@";
const MARKER_END: &str = "@@";
/// Largest filler piece one text event carries.
pub const FILLER_CHUNK: usize = 16 * 1024;
const PATTERN: &[u8] = b"lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do ";

/// A filler marker for `bytes` bytes.
pub fn filler(bytes: usize, plain_text: bool) -> String {
    let prefix = if plain_text { FILLER_TEXT } else { FILLER_JSON };
    format!("{prefix}{bytes}{MARKER_END}")
}

/// Splits `total` filler bytes into event-sized markers.
pub fn filler_chunks(total: usize, plain_text: bool) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut left = total;
    while left > 0 {
        let size = left.min(FILLER_CHUNK);
        chunks.push(filler(size, plain_text));
        left -= size;
    }
    chunks
}

/// Writes `line` with its markers expanded, then a newline.
pub fn write_line(out: &mut dyn Write, line: &str) -> std::io::Result<()> {
    let mut rest = line;
    while let Some(start) = rest.find("@@FAKE_") {
        out.write_all(&rest.as_bytes()[..start])?;
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix(INVALID_UTF8) {
            out.write_all(b"\xFF\xFE")?;
            rest = after;
        } else if let Some((bytes, plain, after)) = parse_filler(tail) {
            write_filler(out, bytes, plain)?;
            rest = after;
        } else {
            out.write_all(b"@@FAKE_")?;
            rest = &tail["@@FAKE_".len()..];
        }
    }
    out.write_all(rest.as_bytes())?;
    out.write_all(b"\n")
}

fn parse_filler(tail: &str) -> Option<(usize, bool, &str)> {
    let (body, plain) = if let Some(body) = tail.strip_prefix(FILLER_JSON) {
        (body, false)
    } else {
        (tail.strip_prefix(FILLER_TEXT)?, true)
    };
    let end = body.find(MARKER_END)?;
    let bytes = body[..end].parse().ok()?;
    Some((bytes, plain, &body[end + MARKER_END.len()..]))
}

fn write_filler(out: &mut dyn Write, bytes: usize, plain: bool) -> std::io::Result<()> {
    let mut block = PATTERN.to_vec();
    if plain && let Some(last) = block.last_mut() {
        *last = b'\n';
    }
    let mut left = bytes;
    while left > 0 {
        let take = left.min(block.len());
        out.write_all(&block[..take])?;
        left -= take;
    }
    Ok(())
}

/// Writes lines to stdout with an optional pause between them, flushing each so readers see
/// them as they come; or, when `buffered`, collects everything and writes it at the end.
pub struct LineWriter {
    between: Option<Duration>,
    buffered: bool,
    buffer: Vec<u8>,
    written: usize,
}

impl LineWriter {
    pub fn new(between: Option<Duration>, buffered: bool) -> LineWriter {
        LineWriter {
            between,
            buffered,
            buffer: Vec::new(),
            written: 0,
        }
    }

    pub fn line(&mut self, line: &str) -> std::io::Result<()> {
        if self.written > 0
            && let Some(pause) = self.between
        {
            std::thread::sleep(pause);
        }
        self.written += 1;
        if self.buffered {
            return write_line(&mut self.buffer, line);
        }
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
        write_line(&mut out, line)?;
        out.flush()
    }

    /// Writes what was buffered (no-op when streaming).
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        out.write_all(&self.buffer)?;
        self.buffer.clear();
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(line: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_line(&mut out, line).unwrap();
        out
    }

    #[test]
    fn markers_expand_to_exact_sizes_and_bytes() {
        let line = format!("{{\"text\":\"a{}b\"}}", filler(100, false));
        let out = expand(&line);
        assert_eq!(out.len(), line.len() - filler(100, false).len() + 100 + 1);
        assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok());
        assert_eq!(expand(&format!("x{INVALID_UTF8}y")), b"x\xFF\xFEy\n");
        let text = expand(&filler(130, true));
        assert_eq!(text.len(), 131);
        assert_eq!(text.iter().filter(|byte| **byte == b'\n').count(), 3);
        assert_eq!(expand("@@FAKE_other"), b"@@FAKE_other\n");
    }

    #[test]
    fn chunks_add_up() {
        let chunks = filler_chunks(FILLER_CHUNK * 2 + 5, false);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[2], filler(5, false));
        assert!(filler_chunks(0, true).is_empty());
    }
}
