//! Domain vocabulary shared by every crate of llm-cli-gateway.
//!
//! Everything here is pure: no processes, no files, no async runtime. Other crates turn these
//! values into argv (`gateway-provider`), rows (`gateway-store`), processes (`gateway-jobs`) and
//! wire types (`gateway-mcp`).

// The one platform gate outside the OS seam (`gateway-jobs`' `sys` module): every product
// crate builds on this one first, so a Windows build stops here with one message instead of
// a wall of unresolved `std::os::unix` imports.
#[cfg(not(unix))]
compile_error!(
    "Windows is not supported yet: llm-cli-gateway runs jobs with POSIX process groups, \
     signals and fork. Use Linux or macOS (or WSL); see README, Platforms."
);

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
