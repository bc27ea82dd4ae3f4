//! Dedup keys (spec §2.5): SHA-256 over the canonical JSON of what makes two runs identical.
//!
//! Canonical means object keys sorted at every level (explicitly: the workspace's serde_json
//! keeps insertion order) and no insignificant whitespace, so the same request always hashes
//! the same whatever order its fields arrived in.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The inputs that decide whether two requests are the same run.
#[derive(Debug, Clone, Serialize)]
pub struct DedupInput<'a> {
    pub provider: &'a str,
    pub program: &'a str,
    pub argv: &'a [String],
    /// Environment variables the gateway adds (not the inherited environment).
    pub added_env: &'a BTreeMap<String, String>,
    pub stdin: Option<&'a str>,
    /// The caller's explicit working directory; `None` when the gateway makes a temp dir.
    pub cwd: Option<&'a str>,
    pub output_format: &'a str,
}

/// Lower-case hex SHA-256 of the canonical JSON of `input`.
pub fn dedup_key(input: &DedupInput<'_>) -> String {
    let canonical = canonical_json(input);
    hex_sha256(canonical.as_bytes())
}

/// Canonical JSON of any serializable value: keys sorted at every depth, compact.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    let mut value = serde_json::to_value(value).unwrap_or_default();
    sort_keys(&mut value);
    value.to_string()
}

/// Sorts object keys at every level: the workspace's `serde_json` keeps insertion order
/// (`preserve_order`), and a key must not depend on the order a client sent.
fn sort_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// Lower-case hex SHA-256 of `bytes` (also used to record prompts by hash, never by content).
pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(argv: &'a [String], env: &'a BTreeMap<String, String>) -> DedupInput<'a> {
        DedupInput {
            provider: "claude",
            program: "claude",
            argv,
            added_env: env,
            stdin: Some("hello"),
            cwd: None,
            output_format: "json",
        }
    }

    #[test]
    fn sha256_of_empty_is_the_known_value() {
        assert_eq!(
            hex_sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn same_input_same_key_and_any_difference_changes_it() {
        let argv = vec![
            "-p".to_owned(),
            "--output-format".to_owned(),
            "json".to_owned(),
        ];
        let env = BTreeMap::new();
        let base = dedup_key(&input(&argv, &env));
        assert_eq!(base, dedup_key(&input(&argv, &env)));
        assert_eq!(base.len(), 64);

        let other_argv = vec!["-p".to_owned()];
        assert_ne!(base, dedup_key(&input(&other_argv, &env)));

        let mut other_env = BTreeMap::new();
        other_env.insert("VIBE_ACTIVE_MODEL".to_owned(), "x".to_owned());
        assert_ne!(base, dedup_key(&input(&argv, &other_env)));

        let mut with_cwd = input(&argv, &env);
        with_cwd.cwd = Some("/tmp");
        assert_ne!(base, dedup_key(&with_cwd));

        let mut other_stdin = input(&argv, &env);
        other_stdin.stdin = Some("hello ");
        assert_ne!(base, dedup_key(&other_stdin));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":3}}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":3,"y":2},"b":1}"#);
    }
}
