//! PLACEHOLDER — being written.

use std::process::ExitCode;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct ServeArgs {}

pub(crate) fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
