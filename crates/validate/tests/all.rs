//! Integration tests of gateway-validate: real job service, real SQLite, the fake CLIs.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken setup; clippy only exempts #[test] fns"
)]

mod suite;
