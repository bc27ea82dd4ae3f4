//! PLACEHOLDER — being written.

use std::process::ExitCode;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct DoctorArgs {}

pub(crate) fn run(_args: DoctorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
