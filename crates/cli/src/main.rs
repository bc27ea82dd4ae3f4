//! The `llm-cli-gateway` binary: parses the command line, sets up tracing on stderr, and hands
//! each subcommand to its module in `commands/`. Exit codes: 0 ok, 1 failure or attention
//! needed, 2 usage error (clap), 3 store not found.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "llm-cli-gateway", version, about = "MCP server that runs the AI coding CLIs as durable jobs")]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(commands::serve::ServeArgs::default()));
    let result = match command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Doctor(args) => commands::doctor::run(args),
        Command::PrintClientConfig(args) => commands::client_config::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            #[expect(clippy::print_stderr, reason = "last-resort error report for people")]
            {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
