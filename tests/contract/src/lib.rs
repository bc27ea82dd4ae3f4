//! The real-CLI contract harness: runs a [`gateway_provider::CommandSpec`] against the pinned
//! real CLI installed by `scripts/install-test-tools.sh` (under `<repo>/.tools`), in a temp
//! home, with a time-out, and judges the result with the signatures of
//! `provider-clis.md` §6 ([`oracle`]). [`vendor`] points each CLI at the loopback
//! [`gateway_test_support::MockVendorApi`] for the success path.
//!
//! Missing tools are a failure, never a skip: a contract suite that silently passes without
//! the CLIs would hide every argv regression it exists to catch.

pub mod oracle;
pub mod runner;
pub mod tools;
pub mod vendor;

pub use oracle::{Verdict, no_credentials_verdict};
pub use runner::{CliRun, Runner};
pub use tools::Tools;
