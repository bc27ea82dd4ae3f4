//! Tests for `claude` (being written).
