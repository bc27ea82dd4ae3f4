//! Test helpers shared by every crate's tests: the `fake-agent` provider CLI
//! ([`fake_agent_bin`], [`FakeClis`]), temp homes ([`TestHome`]), the loopback mock of the
//! vendors' HTTP APIs ([`MockVendorApi`]) and private PostgreSQL servers ([`PgServer`]).
//!
//! Not for production code: setup failures panic with a message that says what to fix, because
//! a test that cannot set up must fail loudly, never skip.

pub mod agent;
mod bins;
mod clis;
mod home;
pub mod mock;
mod postgres;

pub use bins::fake_agent_bin;
pub use clis::{FAKE_CLI_NAMES, FakeClis, Invocation, path_with};
pub use home::TestHome;
pub use mock::{
    MOCK_TEXT, MOCK_USAGE, MockConfig, MockRequest, MockTurn, MockUsage, MockVendorApi,
};
pub use postgres::{PG_USER, PgServer, SHARED_URL_ENV, psql, test_database};
