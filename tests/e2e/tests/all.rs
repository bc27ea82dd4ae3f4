//! Black-box tests of `llm-cli-gateway` through real MCP clients and raw HTTP.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on setup errors"
)]

mod suite;
