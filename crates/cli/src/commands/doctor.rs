//! `llm-cli-gateway doctor [--json]`: runs every check and prints the report, for people or as
//! the `doctor` envelope (schema `setup/status.schema.json`, also `schema show doctor`). Exit 0 when all is well, 1 when
//! attention is needed (no usable provider that is not known to be logged out, store cannot
//! open, or any check in error).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use gateway_doctor::{DoctorOptions, collect, render_human};

#[derive(Debug, Default, clap::Args)]
pub(crate) struct DoctorArgs {
    /// Print the report as JSON (schema: setup/status.schema.json).
    #[arg(long)]
    json: bool,
    /// Time-out of each `--version` probe, in milliseconds (probes run in parallel).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(100..=120_000))]
    timeout_ms: u64,
    /// Skip the CLIs' own login-status commands (`claude auth status`, `codex login status`).
    #[arg(long)]
    no_status_commands: bool,
}

pub(crate) fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut options = DoctorOptions::from_process();
    options.probe_timeout = Duration::from_millis(args.timeout_ms);
    options.run_status_commands = !args.no_status_commands;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(collect(&options));
    let mut stdout = std::io::stdout().lock();
    if args.json {
        // The URL is already without its password.
        if let Some(shown) = report.store.url.as_ref().or(report.store.path.as_ref()) {
            super::envelope::note_store(&gateway_store::Location::parse(shown));
        }
        let mut envelope = super::envelope::envelope("doctor", Ok(&report));
        envelope.ok = report.ok;
        serde_json::to_writer_pretty(&mut stdout, &envelope)?;
        writeln!(stdout)?;
    } else {
        let color = std::io::stdout().is_terminal() && options.var("NO_COLOR").is_none();
        write!(stdout, "{}", render_human(&report, color))?;
    }
    stdout.flush()?;
    Ok(if report.attention_needed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

impl super::envelope::EnvelopeData for gateway_doctor::DoctorReport {}
