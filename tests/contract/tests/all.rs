//! The real-CLI contract suite (needs `scripts/install-test-tools.sh`; fails without it).
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly; clippy only exempts #[test] fns"
)]

mod suite;
