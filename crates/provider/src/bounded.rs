//! Bounded memory for what the parse path holds. A CLI may print a 200 MB answer, and the real
//! CLIs then print it *twice*: as text events and again inside one final JSON line (claude's
//! `result`, gemini's `response`). The whole stream is stored (SQLite, `jobs://`); in memory the
//! gateway keeps only a head, so RSS stays flat (spec §5: ≤ 64 MB while streaming 200 MB).
//!
//! Two tools: [`BoundedText`] for the answer a parser accumulates, and [`LineBuffer`], which
//! assembles a stdout line for the parser and, once the line grows huge, keeps it *valid JSON*
//! by eliding the tails of long string values — so the fields after the giant answer (session
//! id, usage, cost) still parse.

/// Most answer text a parser keeps (the MCP reply inlines far less, 100,000 characters).
pub const ANSWER_MAX_BYTES: usize = 1024 * 1024;

/// Text that keeps its first `limit` bytes (on a character boundary) and counts the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText {
    text: String,
    limit: usize,
    dropped: u64,
}

impl Default for BoundedText {
    fn default() -> Self {
        BoundedText::new(ANSWER_MAX_BYTES)
    }
}

impl BoundedText {
    pub fn new(limit: usize) -> Self {
        BoundedText {
            text: String::new(),
            limit,
            dropped: 0,
        }
    }

    pub fn push_str(&mut self, text: &str) {
        let room = self.limit.saturating_sub(self.text.len());
        let cut = floor_char_boundary(text, room.min(text.len()));
        self.text.push_str(&text[..cut]);
        self.dropped += (text.len() - cut) as u64;
    }

    pub fn push(&mut self, character: char) {
        let mut buffer = [0_u8; 4];
        self.push_str(character.encode_utf8(&mut buffer));
    }

    /// True when nothing was pushed (or only empty strings).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.dropped == 0
    }

    /// Bytes pushed but not kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Takes the text, with a note saying how much was not kept; leaves `self` empty.
    pub fn take(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        let dropped = std::mem::take(&mut self.dropped);
        with_note(text, dropped)
    }

    /// [`take`](Self::take) with trailing whitespace of the kept text trimmed.
    pub fn take_trimmed(&mut self) -> String {
        let mut text = std::mem::take(&mut self.text);
        text.truncate(text.trim_end().len());
        let dropped = std::mem::take(&mut self.dropped);
        with_note(text, dropped)
    }
}

fn with_note(mut text: String, dropped: u64) -> String {
    if dropped > 0 {
        text.push_str(&elision_note(dropped));
    }
    text
}

/// What replaces text that was not kept. No quote or backslash, so it is valid inside a JSON
/// string as is.
pub fn elision_note(dropped: u64) -> String {
    format!(
        " …[llm-cli-gateway: {dropped} more bytes not kept in memory; the job's stored stdout has them all]"
    )
}

/// Limits of a [`LineBuffer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineLimits {
    /// Lines up to this many bytes reach the parser untouched.
    pub verbatim_max: usize,
    /// Past `verbatim_max`, each JSON string value keeps this many bytes.
    pub string_keep: usize,
    /// A JSON line that still grows past this (pathological structure) is cut, like plain text.
    pub json_line_max: usize,
}

impl Default for LineLimits {
    fn default() -> Self {
        LineLimits {
            verbatim_max: ANSWER_MAX_BYTES,
            string_keep: ANSWER_MAX_BYTES,
            json_line_max: 4 * ANSWER_MAX_BYTES,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Verbatim,
    /// Copying JSON and eliding long strings.
    Json,
    /// Keeping nothing more of this line.
    Cut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    /// Hex digits of a `\uXXXX` still to come.
    Hex(u8),
}

/// Where the JSON scanner is, so a line can arrive in any number of pieces.
#[derive(Debug, Clone, Copy)]
struct Scan {
    in_string: bool,
    escape: Escape,
    kept_in_string: usize,
    dropped_in_string: u64,
}

impl Scan {
    const START: Scan = Scan {
        in_string: false,
        escape: Escape::None,
        kept_in_string: 0,
        dropped_in_string: 0,
    };
}

/// Assembles one line of a CLI's stdout from decoded pieces, in bounded memory.
///
/// Up to [`LineLimits::verbatim_max`] bytes the line is kept as is. Past that, a line that looks
/// like JSON (starts with `{`, `[` or `"` — the last for pretty-printed members) keeps its
/// structure and the head of every string value, with [`elision_note`] where a tail was dropped,
/// so it still parses; any other line is cut. Lines are assumed to hold one JSON value or a
/// pretty-printed part of one.
#[derive(Debug)]
pub struct LineBuffer {
    line: Vec<u8>,
    limits: LineLimits,
    mode: Mode,
    scan: Scan,
    /// Bytes of this line not kept.
    dropped: u64,
}

impl Default for LineBuffer {
    fn default() -> Self {
        LineBuffer::new(LineLimits::default())
    }
}

impl LineBuffer {
    pub fn new(limits: LineLimits) -> Self {
        LineBuffer {
            line: Vec::new(),
            limits,
            mode: Mode::Verbatim,
            scan: Scan::START,
            dropped: 0,
        }
    }

    /// Appends a piece of the current line (`piece` holds no `\n`).
    pub fn push(&mut self, piece: &str) {
        match self.mode {
            Mode::Verbatim if self.line.len() + piece.len() <= self.limits.verbatim_max => {
                self.line.extend_from_slice(piece.as_bytes());
            }
            Mode::Verbatim => self.outgrow_verbatim(piece),
            Mode::Json => self.push_json(piece.as_bytes()),
            Mode::Cut => self.dropped += piece.len() as u64,
        }
    }

    /// True when nothing of the current line has arrived.
    pub fn is_empty(&self) -> bool {
        self.line.is_empty() && self.dropped == 0
    }

    /// Bytes of the current line not kept so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Ends the line: returns it (without a trailing `\r`) and starts the next one.
    pub fn take(&mut self) -> String {
        let mut bytes = std::mem::take(&mut self.line);
        if self.mode == Mode::Verbatim && bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        self.mode = Mode::Verbatim;
        self.scan = Scan::START;
        self.dropped = 0;
        // Cuts happen on character boundaries of valid text, so this is never lossy in practice.
        String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    fn outgrow_verbatim(&mut self, piece: &str) {
        let first = self
            .line
            .iter()
            .chain(piece.as_bytes())
            .find(|byte| !byte.is_ascii_whitespace());
        if matches!(first, Some(b'{' | b'[' | b'"')) {
            self.mode = Mode::Json;
            let held = std::mem::take(&mut self.line);
            self.push_json(&held);
            self.push(piece); // in Json mode now, or Cut if `held` alone hit the hard limit
        } else {
            let room = self.limits.verbatim_max.saturating_sub(self.line.len());
            let cut = floor_char_boundary(piece, room.min(piece.len()));
            self.line.extend_from_slice(&piece.as_bytes()[..cut]);
            self.cut((piece.len() - cut) as u64);
        }
    }

    fn cut(&mut self, dropped: u64) {
        self.mode = Mode::Cut;
        self.dropped += dropped;
    }

    /// Copies JSON text, dropping string content past `string_keep`. `bytes` is valid UTF-8
    /// (a whole `&str`), so a cut before a non-continuation byte is a character boundary.
    fn push_json(&mut self, bytes: &[u8]) {
        let mut index = 0;
        while index < bytes.len() {
            if self.scan.in_string && self.scan.dropped_in_string > 0 {
                index += self.skip_dropped(&bytes[index..]);
                continue;
            }
            let byte = bytes[index];
            index += 1;
            if !self.scan.in_string {
                if byte == b'"' {
                    self.scan.in_string = true;
                    self.scan.kept_in_string = 0;
                }
                self.line.push(byte);
            } else if self.scan.kept_in_string >= self.limits.string_keep
                && self.scan.escape == Escape::None
                && !is_continuation(byte)
                && byte != b'"'
            {
                self.scan.dropped_in_string = 1;
                self.dropped += 1;
                self.scan.escape = if byte == b'\\' {
                    Escape::Backslash
                } else {
                    Escape::None
                };
            } else {
                self.keep_string_byte(byte);
            }
            if self.line.len() > self.limits.json_line_max {
                let over = (self.line.len() - self.limits.json_line_max) as u64;
                self.line.truncate(self.limits.json_line_max);
                self.cut(over + (bytes.len() - index) as u64);
                return;
            }
        }
    }

    fn keep_string_byte(&mut self, byte: u8) {
        let closes = self.scan.escape == Escape::None && byte == b'"';
        self.scan.escape = next_escape(self.scan.escape, byte);
        if closes {
            self.scan = Scan::START;
        } else {
            self.scan.kept_in_string += 1;
        }
        self.line.push(byte);
    }

    /// Skips string content being dropped; returns how many bytes it consumed. Ends the string
    /// (writing the note and the closing quote) when an unescaped quote arrives.
    fn skip_dropped(&mut self, bytes: &[u8]) -> usize {
        let mut index = 0;
        while index < bytes.len() {
            if self.scan.escape == Escape::None {
                // Fast path: jump to the next byte that can change the state.
                match bytes[index..]
                    .iter()
                    .position(|byte| matches!(byte, b'"' | b'\\'))
                {
                    Some(offset) => {
                        self.scan.dropped_in_string += offset as u64;
                        self.dropped += offset as u64;
                        index += offset;
                    }
                    None => {
                        let rest = (bytes.len() - index) as u64;
                        self.scan.dropped_in_string += rest;
                        self.dropped += rest;
                        return bytes.len();
                    }
                }
            }
            let byte = bytes[index];
            index += 1;
            if self.scan.escape == Escape::None && byte == b'"' {
                let note = elision_note(self.scan.dropped_in_string);
                self.line.extend_from_slice(note.as_bytes());
                self.line.push(b'"');
                self.scan = Scan::START;
                return index;
            }
            self.scan.escape = next_escape(self.scan.escape, byte);
            self.scan.dropped_in_string += 1;
            self.dropped += 1;
        }
        index
    }
}

/// The escape state after `byte` inside a JSON string.
fn next_escape(escape: Escape, byte: u8) -> Escape {
    match escape {
        Escape::None if byte == b'\\' => Escape::Backslash,
        Escape::None => Escape::None,
        Escape::Backslash if byte == b'u' => Escape::Hex(4),
        Escape::Backslash | Escape::Hex(0 | 1) => Escape::None,
        Escape::Hex(left) => Escape::Hex(left - 1),
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// The largest index ≤ `index` that is a character boundary of `text`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests;
