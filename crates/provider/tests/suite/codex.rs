//! Tests for `codex` (being written).
