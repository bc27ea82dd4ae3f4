//! Reading fields out of the CLIs' JSON: small lookups that every parser needs and that never
//! fail (a missing or mistyped field is `None`, or empty).

use gateway_core::Usage;
use serde_json::{Map, Value};

/// Longest tool summary, in characters.
const SUMMARY_MAX_CHARS: usize = 200;

/// A string field, if present and a string.
pub(crate) fn text_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A string field of an object, borrowed.
pub(crate) fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// The first key of an object such as `modelUsage` (the model that did the work).
pub(crate) fn first_key(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_object)
        .and_then(|models| models.keys().next().cloned())
}

/// Anthropic-style usage (`input_tokens` already excludes cache reads); grok uses the same keys.
pub(crate) fn usage_of(usage: &Value) -> Usage {
    let count = |key: &str| usage.get(key).and_then(Value::as_u64);
    Usage {
        input_tokens: count("input_tokens"),
        output_tokens: count("output_tokens"),
        cache_read_tokens: count("cache_read_input_tokens"),
        cache_creation_tokens: count("cache_creation_input_tokens"),
    }
}

/// A short summary of a Claude-style tool input (claude, codex MCP calls, grok): the field that
/// says most, else compact JSON, cut at 200 characters.
pub(crate) fn tool_summary(input: &Value) -> String {
    const TELLING: [&str; 9] = [
        "command",
        "file_path",
        "path",
        "pattern",
        "url",
        "query",
        "description",
        "prompt",
        "title",
    ];
    telling_field(input, &TELLING)
        .chars()
        .take(SUMMARY_MAX_CHARS)
        .collect()
}

/// A short summary of gemini's and vibe's tool parameters: the most telling one (a path, a
/// command, a pattern), else compact JSON, on one line.
pub(crate) fn summarize_parameters(parameters: &Value) -> String {
    const TELLING: [&str; 8] = [
        "file_path",
        "absolute_path",
        "path",
        "command",
        "pattern",
        "query",
        "url",
        "dir_path",
    ];
    gateway_core::event::one_line(&telling_field(parameters, &TELLING), SUMMARY_MAX_CHARS)
}

/// The first of `keys` that holds a string, else the whole value as compact JSON.
fn telling_field(input: &Value, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|key| text_field(input, key))
        .unwrap_or_else(|| match input {
            Value::Null => String::new(),
            other => other.to_string(),
        })
}
