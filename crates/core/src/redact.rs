//! Redaction of secrets before anything reaches SQLite, logs or error messages (spec §2.9).
//!
//! Every rule is a regular expression plus the capture group that holds the secret; the rest of
//! the match (a variable name, `Bearer `, a URL's user) is kept so the redacted text still reads.
//! A [`RegexSet`] pre-filter makes the common case (no secret at all) one pass that borrows.
//! Rules err on the side of redacting, but ordinary prose must pass untouched (tested).

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use regex::{Captures, Regex, RegexSet};

mod stream;

pub use stream::StreamRedactor;

/// One kind of secret: the marker says `[REDACTED:<kind>]`.
struct Rule {
    kind: &'static str,
    pattern: &'static str,
    /// Capture group holding the secret (0 = the whole match).
    group: usize,
    /// Extra check on the captured secret, to keep prose from matching.
    accept: fn(&str) -> bool,
}

fn any(_: &str) -> bool {
    true
}

/// Tokens after `Bearer` must look machine-made: long, and not only letters.
fn token_like(secret: &str) -> bool {
    secret.len() >= 16
        && secret
            .chars()
            .any(|c| c.is_ascii_digit() || "-._~+/=".contains(c))
}

/// `name: value` is also how prose and YAML talk about tokens (`token: 12`), so the value
/// must look machine-made, as after `Bearer`.
fn value_like(secret: &str) -> bool {
    not_marker(secret) && token_like(secret)
}

/// Assignment values: anything but an empty value or a marker we already wrote.
fn not_marker(secret: &str) -> bool {
    !secret.is_empty() && !secret.starts_with("[REDACTED")
}

/// Order matters: specific key shapes first, generic assignments last. Word boundaries and
/// white space are ASCII (`(?-u:\b)`, `[ \t\r\n\x0B\x0C]`): secrets are ASCII, and the
/// Unicode classes made compiling the rules cost about 5 ms in every process that redacts —
/// every job's supervisor does.
const RULES: &[Rule] = &[
    Rule {
        kind: "private_key",
        pattern: r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:(?s:.)*?-----END [A-Z0-9 ]*PRIVATE KEY-----|(?s:.)*)",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "anthropic_key",
        pattern: r"(?-u:\b)sk-ant-[A-Za-z0-9_\-]{10,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "openai_key",
        pattern: r"(?-u:\b)sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "google_key",
        pattern: r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "xai_key",
        pattern: r"(?-u:\b)xai-[A-Za-z0-9_\-]{20,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "mistral_key",
        pattern: r#"(?-u:\b)MISTRAL_API_KEY[ \t\r\n\x0B\x0C]*[=:][ \t\r\n\x0B\x0C]*["']?([A-Za-z0-9_\-]{16,})"#,
        group: 1,
        accept: not_marker,
    },
    Rule {
        kind: "aws_key",
        pattern: r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "github_token",
        pattern: r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "stripe_key",
        pattern: r"(?-u:\b)[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "huggingface_token",
        pattern: r"(?-u:\b)hf_[A-Za-z0-9]{30,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "aws_secret",
        pattern: r#"(?i)(?-u:\b)aws_secret_access_key[ \t]*[=:][ \t]*["']?([A-Za-z0-9/+=]{30,})"#,
        group: 1,
        accept: not_marker,
    },
    Rule {
        kind: "slack_token",
        pattern: r"(?-u:\b)xox[abprs]-[A-Za-z0-9\-]{10,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "jwt",
        pattern: r"(?-u:\b)eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        group: 0,
        accept: any,
    },
    Rule {
        kind: "bearer",
        pattern: r"(?-u:\b)[Bb]earer[ \t\r\n\x0B\x0C]+([A-Za-z0-9\-._~+/]+=*)",
        group: 1,
        accept: token_like,
    },
    Rule {
        kind: "url_password",
        pattern: r"(?-u:\b)[a-zA-Z][a-zA-Z0-9+.\-]*://[^ \t\r\n\x0B\x0C:/@]+:([^ \t\r\n\x0B\x0C@/]+)@",
        group: 1,
        accept: not_marker,
    },
    Rule {
        kind: "secret_env",
        pattern: r"(?-u:\b)[A-Z][A-Z0-9_]*_(?:API_KEY|APIKEY|TOKEN|SECRET|PASSWORD)[ \t\r\n\x0B\x0C]*=[ \t\r\n\x0B\x0C]*([^ \t\r\n\x0B\x0C\x22'&,;]+)",
        group: 1,
        accept: not_marker,
    },
    Rule {
        kind: "secret_assignment",
        pattern: r"(?i)(?-u:\b)(?:password|passwd|pwd|api[_\-]?key|secret|token|access[_\-]?token|auth[_\-]?token|client[_\-]?secret)=([^ \t\r\n\x0B\x0C\x22'&,;]+)",
        group: 1,
        accept: not_marker,
    },
    Rule {
        kind: "secret_assignment",
        pattern: r"(?i)(?-u:\b)(?:password|passwd|pwd|api[_\-]?key|secret|token|access[_\-]?token|auth[_\-]?token|client[_\-]?secret):[ \t]*([^ \t\r\n\x0B\x0C\x22'&,;]+)",
        group: 1,
        accept: value_like,
    },
    Rule {
        kind: "secret_assignment",
        pattern: r#"(?i)"(?:password|passwd|pwd|api[_\-]?key|secret|token|access[_\-]?token|auth[_\-]?token|client[_\-]?secret)"[ \t\r\n\x0B\x0C]*:[ \t\r\n\x0B\x0C]*"([^"]+)""#,
        group: 1,
        accept: not_marker,
    },
];

/// Literals of which every rule needs at least one: text with none of them holds no secret and
/// is passed through without compiling the rules. Most output of a job has none, and every
/// job's supervisor is a fresh process that would otherwise compile them (about 2 ms). Matched
/// with the rules' own case sensitivity; keep in step with `RULES` (the tests check every
/// rule's examples against it).
const TRIGGERS: &[&str] = &[
    "PRIVATE KEY",
    "sk-",
    "AIza",
    "xai-",
    "MISTRAL_API_KEY",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "k_live_",
    "k_test_",
    "hf_",
    "xox",
    "eyJ",
    "earer",
    "://",
    "_API_KEY",
    "_APIKEY",
    "_TOKEN",
    "_SECRET",
    "_PASSWORD",
];

/// The same for the two case-insensitive `secret_assignment` rules.
const TRIGGERS_ANY_CASE: &[&str] = &[
    "password=",
    "passwd=",
    "pwd=",
    "key=",
    "secret=",
    "token=",
    "password:",
    "passwd:",
    "pwd:",
    "key:",
    "secret:",
    "token:",
    "password\"",
    "passwd\"",
    "pwd\"",
    "key\"",
    "secret\"",
    "token\"",
    "aws_secret_access_key",
];

static PREFILTER: LazyLock<Option<[aho_corasick::AhoCorasick; 2]>> = LazyLock::new(|| {
    let exact = aho_corasick::AhoCorasick::new(TRIGGERS).ok()?;
    let any_case = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(TRIGGERS_ANY_CASE)
        .ok()?;
    Some([exact, any_case])
});

/// False only when `text` certainly holds no secret (a failed build never says false).
fn may_hold_secret(text: &str) -> bool {
    PREFILTER
        .as_ref()
        .is_none_or(|[exact, any_case]| exact.is_match(text) || any_case.is_match(text))
}

/// Byte offsets in `text` where a trigger literal starts: a secret can only be there or a
/// little before (the variable name in front of `_TOKEN`, the scheme before `://`).
fn trigger_starts(text: &str) -> Vec<usize> {
    let Some([exact, any_case]) = PREFILTER.as_ref() else {
        return vec![0];
    };
    let mut starts: Vec<usize> = exact
        .find_iter(text)
        .chain(any_case.find_iter(text))
        .map(|found| found.start())
        .collect();
    starts.sort_unstable();
    starts
}

/// Byte ranges of `text` that some rule matches, whether or not its check accepts the match
/// (a refused match may still grow into a secret as more text arrives).
fn rule_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let compiled = &*COMPILED;
    let mut spans = Vec::new();
    for index in compiled.set.matches(text).iter() {
        let Some((rule, regex)) = compiled.rules.get(index) else {
            continue;
        };
        if let Some(regex) = regex.get_or_init(|| Regex::new(rule.pattern).ok()) {
            spans.extend(regex.find_iter(text).map(|found| found.range()));
        }
    }
    spans
}

struct Compiled {
    set: RegexSet,
    /// Each rule's own regex, compiled the first time the set says it matched (most text
    /// holds no secret, so most processes never compile any).
    rules: Vec<(&'static Rule, OnceLock<Option<Regex>>)>,
}

/// Compiled once. The patterns are constants covered by a test that checks all of them
/// compile, so an empty set here can only mean a bad edit caught by that test.
static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let set =
        RegexSet::new(RULES.iter().map(|rule| rule.pattern)).unwrap_or_else(|_| RegexSet::empty());
    let rules = RULES.iter().map(|rule| (rule, OnceLock::new())).collect();
    Compiled { set, rules }
});

/// Replaces every secret in `text` with a `[REDACTED:<kind>]` marker. Returns the input
/// unchanged (borrowed) when nothing matched.
pub fn redact(text: &str) -> Cow<'_, str> {
    if !may_hold_secret(text) {
        return Cow::Borrowed(text);
    }
    let compiled = &*COMPILED;
    let matched = compiled.set.matches(text);
    if !matched.matched_any() {
        return Cow::Borrowed(text);
    }
    let mut current = Cow::Borrowed(text);
    for index in matched.iter() {
        let Some((rule, regex)) = compiled.rules.get(index) else {
            continue;
        };
        let Some(regex) = regex.get_or_init(|| Regex::new(rule.pattern).ok()) else {
            continue;
        };
        let replaced = regex.replace_all(&current, |caps: &Captures<'_>| replace(rule, caps));
        // A rule whose check refused every match rebuilt the same text: keep the borrow.
        if let Cow::Owned(owned) = replaced
            && owned != *current
        {
            current = Cow::Owned(owned);
        }
    }
    current
}

fn replace(rule: &Rule, caps: &Captures<'_>) -> String {
    let (Some(whole), Some(secret)) = (caps.get(0), caps.get(rule.group)) else {
        return caps
            .get(0)
            .map_or_else(String::new, |m| m.as_str().to_owned());
    };
    if !(rule.accept)(secret.as_str()) {
        return whole.as_str().to_owned();
    }
    let start = secret.start() - whole.start();
    let end = secret.end() - whole.start();
    let text = whole.as_str();
    format!("{}[REDACTED:{}]{}", &text[..start], rule.kind, &text[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for rule in RULES {
            assert!(Regex::new(rule.pattern).is_ok(), "{}", rule.kind);
        }
        assert_eq!(COMPILED.rules.len(), RULES.len());
        assert_eq!(COMPILED.set.len(), RULES.len());
    }

    /// One row per kind: (input, expected output).
    #[test]
    fn redacts_every_kind() {
        let pem =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        let cases: &[(&str, String)] = &[
            (
                "key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123 end",
                "key [REDACTED:anthropic_key] end".to_owned(),
            ),
            (
                "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
                "[REDACTED:openai_key]".to_owned(),
            ),
            (
                "OPENAI=sk-abcdefghijklmnopqrstuvwx",
                "OPENAI=[REDACTED:openai_key]".to_owned(),
            ),
            (
                "k=AIzaSyA1234567890abcdefghijklmnopqrstuv",
                "k=[REDACTED:google_key]".to_owned(),
            ),
            (
                "xai-AbCdEfGhIjKlMnOpQrStUvWx123",
                "[REDACTED:xai_key]".to_owned(),
            ),
            (
                "MISTRAL_API_KEY=AbCdEfGhIjKlMnOpQr12",
                "MISTRAL_API_KEY=[REDACTED:mistral_key]".to_owned(),
            ),
            (
                &format!("a\n{pem}\nb"),
                "a\n[REDACTED:private_key]\nb".to_owned(),
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIEv cut mid-chunk",
                "[REDACTED:private_key]".to_owned(),
            ),
            (
                "t eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlX2hlcmU x",
                "t [REDACTED:jwt] x".to_owned(),
            ),
            (
                "Authorization: Bearer abc123def456ghi789",
                "Authorization: Bearer [REDACTED:bearer]".to_owned(),
            ),
            (
                "postgres://admin:hunter2@db.example.com/x",
                "postgres://admin:[REDACTED:url_password]@db.example.com/x".to_owned(),
            ),
            (
                "login password=hunter2 ok",
                "login password=[REDACTED:secret_assignment] ok".to_owned(),
            ),
            (
                "?api_key=abc123&x=1",
                "?api_key=[REDACTED:secret_assignment]&x=1".to_owned(),
            ),
            ("token=zzz", "token=[REDACTED:secret_assignment]".to_owned()),
            (
                r#"{"password": "hunter2"}"#,
                r#"{"password": "[REDACTED:secret_assignment]"}"#.to_owned(),
            ),
            (
                "GEMINI_API_KEY=whatever1",
                "GEMINI_API_KEY=[REDACTED:secret_env]".to_owned(),
            ),
            ("AKIAIOSFODNN7EXAMPLE", "[REDACTED:aws_key]".to_owned()),
            (
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "[REDACTED:github_token]".to_owned(),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected.as_str(), "input: {input}");
            // The prefilter must let every secret through to the rules.
            assert!(may_hold_secret(input), "prefilter hid: {input}");
            assert_eq!(
                redact_with_rules(input),
                expected.as_str(),
                "rules alone: {input}"
            );
        }
    }

    /// The rules without the prefilter, to show the prefilter changes nothing it lets pass.
    fn redact_with_rules(text: &str) -> String {
        let mut spaced = String::from(" sk- ");
        spaced.push_str(text);
        redact(&spaced)
            .strip_prefix(" sk- ")
            .map(str::to_owned)
            .unwrap_or_default()
    }

    #[test]
    fn every_rule_example_passes_the_prefilter() {
        let examples = [
            "-----BEGIN EC PRIVATE KEY-----",
            "sk-ant-xxxxxxxxxx",
            "AIzaxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "xai-xxxxxxxxxxxxxxxxxxxx",
            "MISTRAL_API_KEY = abcdefghijklmnop",
            "AKIAABCDEFGHIJKLMNOP",
            "ASIAABCDEFGHIJKLMNOP",
            "ghp_x gho_x ghu_x ghs_x ghr_x",
            "xoxb-1234567890",
            "eyJa.eyJb.c",
            "Bearer token",
            "https://u:p@h",
            "FOO_TOKEN = x",
            "X_APIKEY=1",
            "Auth-Token=1",
            "CLIENT_SECRET=1",
            "\"Api-Key\" : \"v\"",
            "\"passwd\":\"v\"",
        ];
        for example in examples {
            assert!(may_hold_secret(example), "{example}");
        }
        for plain in ["input_tokens: 12", "the key to success", "no secrets here"] {
            assert!(!may_hold_secret(plain), "{plain}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched_and_borrowed() {
        let prose = [
            "Please review the task-list and ask about risk-management.",
            "The bearer of this letter is welcome. Bearer instruments are old.",
            "Tokens in 1200 out 300; the token budget is fine.",
            "See https://example.com/path?x=1 and mailto:someone@example.com",
            "fn main() { let password_len = 8; let api = key(); }",
            "git commit -m 'fix: desk-based layout' && cargo test",
            "A JWT starts with eyJ but this is just prose.",
            "sk-short is not a key; neither is AIza alone.",
            "Use ssh://git@github.com/org/repo.git to clone.",
            "-----BEGIN PUBLIC KEY----- is fine to share",
        ];
        for text in prose {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "changed: {text}");
        }
    }

    #[test]
    fn redaction_is_idempotent() {
        let once = redact("a sk-ant-api03-abcdefghijklmnop password=x Bearer abcdefgh12345678");
        assert_eq!(redact(&once), once.as_ref());
    }
}
