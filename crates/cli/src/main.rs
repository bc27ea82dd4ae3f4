//! The `llm-cli-gateway` binary: parses the command line, sets up tracing on stderr, and hands
//! each subcommand to its module in `commands/`. Exit codes: 0 ok, 1 failure or attention
//! needed, 2 usage error (clap), 3 store not found. Under `--json` every failure, a usage
//! error included, is an error envelope on stdout.

mod commands;
mod logging;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "llm-cli-gateway",
    version,
    about = "MCP server that runs the AI coding CLIs as durable jobs"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP over stdio (default) or streamable HTTP.
    Serve(commands::serve::ServeArgs),
    /// Diagnose the setup: CLIs, logins, store, HTTP, client registrations.
    Doctor(commands::doctor::DoctorArgs),
    /// Print the registration snippet for an MCP client.
    PrintClientConfig(commands::client_config::ClientConfigArgs),
    /// Add the gateway to an MCP client's config file (a backup is kept; twice = no change).
    Register(commands::client_config::RegisterArgs),
    /// Inspect the jobs of every gateway process: list, show, tail, cancel.
    Jobs(commands::jobs::JobsArgs),
    /// Requests, tokens, cost, failures and durations per provider and per day.
    Usage(commands::usage::UsageArgs),
    /// MCP tool calls and provider requests, newest first; --follow streams new rows.
    Logs(commands::logs::LogsArgs),
    /// The JSON Schemas of the --json envelopes.
    Schema(commands::schema::SchemaArgs),
    /// Ask several models the same question in read-only mode and report how they agree.
    Validate(commands::validate::ValidateArgs),
    /// Have several models review a git diff read-only; findings merged with corroboration.
    Review(commands::review::ReviewArgs),
    /// A local web UI over the store: jobs, answers, validations, usage, tool calls, health.
    Dashboard(commands::dashboard::DashboardArgs),
}

fn main() -> ExitCode {
    // The per-job supervisor mode (`llm-cli-gateway __job-supervisor <pid> -- <cli> …`) comes
    // before clap: it is a hidden process role, not a command, and must exit with the CLI's code.
    if let Some(code) = gateway_jobs::supervisor::run_if_requested() {
        std::process::exit(code);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return commands::envelope::usage_error(&error),
    };
    logging::init();
    let command = cli
        .command
        .unwrap_or(Command::Serve(commands::serve::ServeArgs::default()));
    let result = match command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Doctor(args) => commands::doctor::run(args),
        Command::PrintClientConfig(args) => commands::client_config::run(args),
        Command::Register(args) => commands::client_config::register(args),
        Command::Jobs(args) => commands::jobs::run(args),
        Command::Usage(args) => commands::usage::run(args),
        Command::Logs(args) => commands::logs::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Review(args) => commands::review::run(args),
        Command::Dashboard(args) => commands::dashboard::run(args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`… | head`): what it wanted it has; nothing to report.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => commands::envelope::internal_error(&error),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}
