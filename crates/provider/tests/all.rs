//! One integration-test binary for the provider crate; cases live in `suite/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
