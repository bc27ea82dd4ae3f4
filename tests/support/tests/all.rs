//! Integration tests of the test infrastructure itself: the fake CLIs and the mock vendor API.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly; clippy only exempts #[test] fns"
)]

mod suite;
