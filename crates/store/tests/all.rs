//! Integration tests of gateway-store against real SQLite files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
