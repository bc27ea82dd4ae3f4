//! Tests for `grok` (being written).
