//! Tests for `vibe` (being written).
