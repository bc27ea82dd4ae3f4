//! One module per subcommand; each owns its clap `Args` and a `run` returning the exit code.

pub(crate) mod client_config;
pub(crate) mod doctor;
pub(crate) mod serve;
