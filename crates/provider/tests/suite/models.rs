//! Tests for `models` (being written).
