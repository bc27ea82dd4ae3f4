//! Domain vocabulary shared by every crate of llm-cli-gateway.
//!
//! Everything here is pure: no processes, no files, no async runtime. Other crates turn these
//! values into argv (`gateway-provider`), rows (`gateway-store`), processes (`gateway-jobs`) and
//! wire types (`gateway-mcp`).

pub mod dedup;
pub mod env;
pub mod event;
pub mod exit;
pub mod job;
pub mod provider;
pub mod redact;

pub use event::{AgentEvent, ExitInfo, RunOutcome, Usage};
pub use job::{JobStatus, TransitionError};
pub use provider::ProviderId;
