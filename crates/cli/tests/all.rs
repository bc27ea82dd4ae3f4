//! Integration tests of the `llm-cli-gateway` binary's observability commands, run against
//! stores filled by real jobs (the job service running the `fake-agent` CLIs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
