//! PLACEHOLDER — being written.

use std::process::ExitCode;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct ClientConfigArgs {}

pub(crate) fn run(_args: ClientConfigArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
