//! Tests for `gemini` (being written).
