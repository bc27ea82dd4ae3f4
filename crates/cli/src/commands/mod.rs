//! One module per subcommand; each owns its clap `Args` and a `run` returning the exit code.

pub(crate) mod client_config;
pub(crate) mod dashboard;
pub(crate) mod doctor;
pub(crate) mod jobs;
pub(crate) mod logs;
pub(crate) mod output;
pub(crate) mod review;
pub(crate) mod run_report;
pub(crate) mod schema;
pub(crate) mod serve;
pub(crate) mod usage;
pub(crate) mod validate;
