//! Integration tests of gateway-doctor: real processes on a fake PATH, a temp home, real files.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken setup"
)]

mod suite;
