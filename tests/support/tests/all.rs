//! Integration tests of the test infrastructure itself: the fake CLIs, the mock vendor API
//! and the private PostgreSQL server.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly; clippy only exempts #[test] fns"
)]

mod suite;
