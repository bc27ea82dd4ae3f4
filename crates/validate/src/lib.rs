//! Cross-model validation: put the same question to several AI coding CLIs at once, each in its
//! read-only mode, and report where they agree.
//!
//! The pure part (prompts, answer parsing, verdict classes, report assembly, the compare and
//! synthesis judges) has no I/O and is table-tested. The orchestrator ([`run`]) fans seats out as
//! jobs through `gateway-jobs`, so dedup, limits and the flight recorder apply to every seat,
//! and keeps each run in a [`records::RunRecords`] store so that `job_status`/`job_result` work
//! after a restart. This crate spawns nothing itself and knows nothing of MCP.

pub mod answer;
pub mod assemble;
pub mod compare;
pub mod conclusion;
pub mod infer;
pub mod judge;
pub mod lookup;
pub mod prompt;
pub mod records;
pub mod render;
pub mod report;
pub mod request;
pub mod review;
pub mod seat;
pub mod synthesis;
pub mod validator;
pub mod verdict;

pub use judge::{CompareReport, CompareSpec, SynthesizeSpec};
pub use lookup::{ResultView, SeatResult, StatusView};
pub use records::{RunRecords, StoreRunRecords};
pub use report::{
    Confidence, ModelOutput, RunStatus, SeatStatus, TallyOutcome, ValidationReport, VerdictSource,
    VerdictTally,
};
pub use request::{Intent, OriginalRequest, RiskLevel};
pub use validator::{RunSpec, SeatChoice, SeatProgress, ValidateError, Validator, ValidatorConfig};
pub use verdict::VerdictClass;
