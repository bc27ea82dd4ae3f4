//! One module per subcommand; each owns its clap `Args` and a `run` returning the exit code.

pub(crate) mod client_config;
pub(crate) mod cost;
pub(crate) mod dashboard;
pub(crate) mod doctor;
pub(crate) mod envelope;
pub(crate) mod example;
pub(crate) mod jobs;
pub(crate) mod logs;
pub(crate) mod logs_export;
pub(crate) mod output;
pub(crate) mod pricing;
pub(crate) mod review;
pub(crate) mod run_report;
pub(crate) mod schema;
pub(crate) mod serve;
pub(crate) mod usage;
pub(crate) mod validate;
