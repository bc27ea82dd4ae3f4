//! Integration tests of gateway-jobs: real processes, real signals, real SQLite files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
