//! Redaction of secrets before anything reaches SQLite, logs or error messages (spec §2.9).
//! IMPLEMENTATION OWNED BY THE STORE WORK (see docs/interfaces.md).

use std::borrow::Cow;

/// Replaces every secret in `text` with a `[REDACTED:<kind>]` marker. Returns the input
/// unchanged (borrowed) when nothing matched.
pub fn redact(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}
