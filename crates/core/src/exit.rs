//! Exit codes the gateway assigns to a job it had to stop or could not start.
//! They follow the conventions of `timeout(1)` and POSIX shells, so scripts read them naturally.

/// The wall-clock limit (`timeoutMs`) ran out.
pub const WALL_TIMEOUT: i32 = 124;
/// The CLI printed nothing for `idleTimeoutMs`.
pub const IDLE_TIMEOUT: i32 = 125;
/// The CLI's output passed the per-job cap; its process group was killed.
pub const OUTPUT_CAP: i32 = 126;
/// The executable was not found on `PATH`.
pub const NOT_FOUND: i32 = 127;
