//! Redaction of a stream that arrives in pieces.
//!
//! Redacting each piece on its own misses a secret that a piece boundary cuts in two: neither
//! half matches a rule. [`StreamRedactor`] holds back the end of the stream until nothing held
//! can still become, or still be part of, a secret, so what it lets out is redacted exactly as
//! the whole stream would be, for any split. What it holds:
//! - of the last, unfinished line: its last [`ALWAYS_HOLD`] bytes (a trigger or a short secret
//!   cut in two), and from a little before its first trigger within [`LOOKBACK`] bytes (an
//!   incomplete secret: `sk-ant-` with too few characters yet, an unclosed JSON `"token": "…`);
//! - from the start of every rule match that reaches into the held part (a complete match that
//!   may grow: a `password=` value, a private key block waiting for its END line).
//!
//! Finished lines go out at once, so a job's output stays live.
//!
//! A match longer than [`MAX_HOLD`] is let out cut (memory is bounded): no real secret is that
//! long.

use super::{may_hold_secret, redact, rule_spans, trigger_starts};

/// Bytes always held back: longer than every trigger plus the name before it.
const ALWAYS_HOLD: usize = 256;
/// How far back a trigger holds output: the longest incomplete secret covered.
const LOOKBACK: usize = 8 * 1024;
/// Held before a trigger: the variable name in front of `_TOKEN`, a URL's scheme.
const NAME_SLACK: usize = 128;
/// The most held at once.
const MAX_HOLD: usize = 1024 * 1024;

/// Redacts text pushed in pieces as if it had arrived whole.
#[derive(Debug, Default)]
pub struct StreamRedactor {
    held: String,
}

impl StreamRedactor {
    /// Takes the next piece; appends to `out` the redacted text that is now safe to let out.
    pub fn push(&mut self, piece: &str, out: &mut String) {
        self.held.push_str(piece);
        let cut = safe_cut(&self.held);
        if cut > 0 {
            out.push_str(&redact(&self.held[..cut]));
            self.held.drain(..cut);
        }
    }

    /// The stream ended: appends the rest, redacted.
    pub fn finish(&mut self, out: &mut String) {
        out.push_str(&redact(&self.held));
        self.held.clear();
    }

    /// Bytes held back, not yet let out.
    pub fn held_len(&self) -> usize {
        self.held.len()
    }
}

/// The longest prefix of `text` that no later text can change the redaction of.
fn safe_cut(text: &str) -> usize {
    let len = text.len();
    let mut cut = len.saturating_sub(ALWAYS_HOLD);
    let lookback = floor_char_boundary(text, len.saturating_sub(LOOKBACK));
    let window = &text[lookback..];
    if may_hold_secret(window)
        && let Some(first) = trigger_starts(window).first()
    {
        cut = cut.min((lookback + first).saturating_sub(NAME_SLACK));
    }
    // Complete lines go out at once (live output stays live): only a private key block spans
    // lines, and its match reaches the end of the text until its END line arrives.
    if let Some(newline) = text.rfind('\n') {
        cut = cut.max(newline + 1);
    }
    if may_hold_secret(text) {
        let spans = rule_spans(text);
        // A span that reaches the end may still grow (a key block whose BEGIN line just
        // ended); spans of different rules overlap, so lowering the cut out of one can land in
        // another.
        while let Some(span) = spans
            .iter()
            .find(|span| span.start < cut && (span.end > cut || span.end == len))
        {
            cut = span.start;
        }
    }
    floor_char_boundary(text, cut.max(len.saturating_sub(MAX_HOLD)))
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    (0..=index.min(text.len()))
        .rev()
        .find(|at| text.is_char_boundary(*at))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One secret per rule, as a CLI could print it, and the part that must never be stored.
    const SECRETS: &[(&str, &str)] = &[
        (
            "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUv",
            "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        ),
        (
            "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        ),
        (
            "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "1234567890abcdefghijklmnop",
        ),
        (
            "xai-AbCdEfGhIjKlMnOpQrStUvWx123",
            "AbCdEfGhIjKlMnOpQrStUvWx",
        ),
        (
            "MISTRAL_API_KEY=AbCdEfGhIjKlMnOpQr12",
            "AbCdEfGhIjKlMnOpQr12",
        ),
        ("AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"),
        (
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "abcdefghijklmnopqrstuvwxyz0123456789",
        ),
        (
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
            "11ABCDEFG0123456789_abcdefghij",
        ),
        ("sk_live_AbCdEfGhIjKlMnOpQr1234", "AbCdEfGhIjKlMnOpQr1234"),
        ("rk_live_AbCdEfGhIjKlMnOpQr1234", "AbCdEfGhIjKlMnOpQr1234"),
        (
            "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
            "AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
        ),
        ("xoxb-1234567890-abcdefghij", "1234567890-abcdefghij"),
        ("xoxp-1234567890-abcdefghij", "1234567890-abcdefghij"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlX2hlcmU",
            "eyJzdWIiOiIxMjM0NSJ9",
        ),
        (
            "Authorization: Bearer abc123def456ghi789",
            "abc123def456ghi789",
        ),
        (
            "postgres://admin:hunter2secret@db.example.com/x",
            "hunter2secret",
        ),
        ("GEMINI_API_KEY=whatever1234", "whatever1234"),
        (
            "login password=hunter2-correct-horse ok",
            "hunter2-correct-horse",
        ),
        ("pwd=Tr0ub4dor&3x", "Tr0ub4dor"),
        ("passwd: s3cr3t-v4lue-here", "s3cr3t-v4lue-here"),
        ("token: abcd1234efgh5678", "abcd1234efgh5678"),
        (
            r#"{"password": "a long passphrase with spaces 123"}"#,
            "a long passphrase with spaces 123",
        ),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecretbody\nQ29udGludWVk\n-----END RSA PRIVATE KEY-----",
            "MIIEpAIBAAKCAQEAsecretbody",
        ),
    ];

    fn pushed(pieces: &[&str]) -> String {
        let mut redactor = StreamRedactor::default();
        let mut out = String::new();
        for piece in pieces {
            redactor.push(piece, &mut out);
        }
        redactor.finish(&mut out);
        out
    }

    /// `text` cut at the given byte offsets (moved down to character boundaries).
    fn split_at<'a>(text: &'a str, offsets: &[usize]) -> Vec<&'a str> {
        let mut cuts: Vec<usize> = offsets
            .iter()
            .map(|offset| floor_char_boundary(text, *offset % (text.len() + 1)))
            .collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in cuts {
            pieces.push(&text[from..cut]);
            from = cut;
        }
        pieces.push(&text[from..]);
        pieces
    }

    #[test]
    fn every_rule_example_is_redacted_whole() {
        for (secret, inner) in SECRETS {
            let redacted = redact(secret);
            assert!(!redacted.contains(inner), "not redacted: {secret}");
        }
    }

    #[test]
    fn a_key_across_a_64_kib_boundary_is_redacted() {
        let key = SECRETS[0].0;
        let text = format!("x ANSWER={}~{key}~END", "A".repeat(65530));
        // The piece boundary falls 20 bytes into the key, as a 64 KiB read did in the probe.
        let at = text.find("sk-ant-").unwrap() + 20;
        let pieces = split_at(&text, &[at]);
        let out = pushed(&pieces);
        assert!(!out.contains(SECRETS[0].1));
        assert_eq!(out, redact(&text));
        // Each piece on its own leaks: the regression this guards.
        let alone: String = pieces.iter().map(|piece| redact(piece)).collect();
        assert!(alone.contains("AbCdEfGhIj"));
    }

    #[test]
    fn finished_lines_go_out_at_once_and_a_long_line_with_a_short_hold() {
        let mut redactor = StreamRedactor::default();
        let mut out = String::new();
        let line = "The answer is forty-two; nothing secret here at all.\n";
        for _ in 0..100 {
            redactor.push(line, &mut out);
            assert_eq!(redactor.held_len(), 0);
        }
        redactor.push(&line.repeat(100).replace('\n', " "), &mut out);
        assert!(redactor.held_len() <= ALWAYS_HOLD);
        redactor.push("ok\n", &mut out);
        assert_eq!(redactor.held_len(), 0);
        redactor.finish(&mut out);
        let expected = line.repeat(100) + &line.repeat(100).replace('\n', " ") + "ok\n";
        assert_eq!(out, expected);
    }

    /// Each line its own piece: a key block whose BEGIN line arrives alone (it matches up to
    /// the end of what has arrived) must not let its body out.
    #[test]
    fn a_stream_arriving_a_line_at_a_time_redacts_like_the_whole() {
        let text: String = SECRETS
            .iter()
            .map(|(secret, _)| format!("note {secret}\n"))
            .collect();
        let pieces: Vec<&str> = text.split_inclusive('\n').collect();
        let out = pushed(&pieces);
        for (secret, inner) in SECRETS {
            assert!(!out.contains(inner), "leaked {secret}");
        }
        assert_eq!(out, redact(&text));
    }

    #[test]
    fn an_endless_key_block_is_held_at_most_max_hold() {
        let mut redactor = StreamRedactor::default();
        let mut out = String::new();
        redactor.push("-----BEGIN PRIVATE KEY-----\n", &mut out);
        let body = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n".repeat(1000);
        for _ in 0..30 {
            redactor.push(&body, &mut out);
        }
        assert!(redactor.held_len() <= MAX_HOLD);
        assert!(out.starts_with("[REDACTED:private_key]"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any split of a stream holding every kind of secret redacts as the whole would.
        #[test]
        fn any_split_redacts_like_the_whole(
            offsets in proptest::collection::vec(0usize..100_000, 1..8),
            filler in 0usize..3000,
        ) {
            let pad = "lorem ipsum dolor sit amet ".repeat(filler / 27 + 1);
            let mut text = String::new();
            for (secret, _) in SECRETS {
                text.push_str(&pad[..filler]);
                text.push(' ');
                text.push_str(secret);
                text.push_str(" \n");
            }
            let out = pushed(&split_at(&text, &offsets));
            for (secret, inner) in SECRETS {
                prop_assert!(!out.contains(inner), "leaked {}", secret);
            }
            prop_assert_eq!(out, redact(&text).into_owned());
        }

        /// The same for every secret alone, cut at every possible point inside it.
        #[test]
        fn a_cut_anywhere_inside_a_secret_is_redacted(index in 0usize..SECRETS.len(), at in 0usize..200) {
            let (secret, inner) = SECRETS[index];
            let text = format!("before {secret} after");
            let out = pushed(&split_at(&text, &[at]));
            prop_assert!(!out.contains(inner), "leaked {}", secret);
            prop_assert_eq!(out, redact(&text).into_owned());
        }
    }
}
