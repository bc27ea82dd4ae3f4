//! `llm-cli-gateway print-client-config <client> [--http URL]`: prints the registration snippet
//! for one MCP client on stdout (ready to paste or pipe) and where it goes on stderr. The stdio
//! snippets point at the absolute path of the running binary.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::builder::PossibleValuesParser;
use gateway_doctor::client_config::{Client, Target, snippet};

#[derive(Debug, Default, clap::Args)]
pub(crate) struct ClientConfigArgs {
    /// The MCP client to register with.
    #[arg(value_parser = PossibleValuesParser::new(Client::NAMES))]
    client: String,
    /// Register a running `serve --http` at this URL instead of launching the binary over stdio
    /// (the token is read from LLM_GATEWAY_AUTH_TOKEN by the client, never printed).
    #[arg(long, value_name = "URL")]
    http: Option<String>,
}

pub(crate) fn run(args: ClientConfigArgs) -> anyhow::Result<ExitCode> {
    let client: Client = args.client.parse()?;
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("cannot find the path of the running llm-cli-gateway")?;
    let target = match &args.http {
        Some(url) => Target::Http { url },
        None => Target::Stdio { binary: &binary },
    };
    let snippet = snippet(client, target)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(snippet.text.as_bytes())?;
    stdout.flush()?;
    writeln!(std::io::stderr(), "# {}: {}", client, client.destination())?;
    Ok(ExitCode::SUCCESS)
}
