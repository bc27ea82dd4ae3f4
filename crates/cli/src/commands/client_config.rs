//! `llm-cli-gateway print-client-config <client> [--http URL]`: prints the registration snippet
//! for one MCP client on stdout (ready to paste or pipe) and where it goes on stderr. The stdio
//! snippets point at the absolute path of the running binary.
//!
//! `llm-cli-gateway register <client> [--http URL] [--config FILE] [--dry-run]`: merges the same
//! entry into the client's config file (a backup of the old one beside it; run twice, nothing
//! changes), or prints the one command for a client that keeps its own config (Claude Code).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::builder::PossibleValuesParser;
use gateway_doctor::client_config::{Client, Snippet, Target, snippet};
use gateway_doctor::register::{Merge, RegisterError, merge};
use gateway_doctor::{DoctorOptions, user_config_path};

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

#[derive(Debug, Default, clap::Args)]
pub(crate) struct RegisterArgs {
    #[command(flatten)]
    target: ClientConfigArgs,
    /// The config file to edit (default: the client's user-level one).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the file as it would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn run(args: ClientConfigArgs) -> anyhow::Result<ExitCode> {
    let (client, snippet) = client_snippet(&args)?;
    print_stdout(&snippet.text)?;
    writeln!(std::io::stderr(), "# {}: {}", client, client.destination())?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn register(args: RegisterArgs) -> anyhow::Result<ExitCode> {
    let (client, snippet) = client_snippet(&args.target)?;
    let path = args
        .config
        .unwrap_or_else(|| user_config_path(client, &DoctorOptions::from_process()));
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut stderr = std::io::stderr();
    let text = match merge(client, existing.as_deref(), &snippet) {
        Err(RegisterError::OwnsItsConfig { .. }) => {
            print_stdout(&snippet.text)?;
            writeln!(
                stderr,
                "# {client} keeps its own config: run this command once"
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(anyhow::anyhow!("{}: {error}", path.display())),
        Ok(Merge::Unchanged) => {
            writeln!(
                stderr,
                "{client}: already registered in {}; nothing changed",
                path.display()
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        Ok(Merge::Changed(text)) => text,
    };
    if args.dry_run {
        print_stdout(&text)?;
        writeln!(
            stderr,
            "# dry run: {} would become the above; nothing written",
            path.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let backup = write_with_backup(&path, existing.is_some(), &text)?;
    let backup = backup.map_or(String::new(), |backup| {
        format!(" (previous file: {})", backup.display())
    });
    writeln!(
        stderr,
        "{client}: registered llm-cli-gateway in {}{backup}",
        path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn client_snippet(args: &ClientConfigArgs) -> anyhow::Result<(Client, Snippet)> {
    let client: Client = args.client.parse()?;
    let binary = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("cannot find the path of the running llm-cli-gateway")?;
    let target = match &args.http {
        Some(url) => Target::Http { url },
        None => Target::Stdio { binary: &binary },
    };
    Ok((client, snippet(client, target)?))
}

/// Copies the old file to `<file>.llm-cli-gateway.bak`, then replaces it through a temp file
/// and a rename, so a crash never leaves half a config. Returns the backup's path.
fn write_with_backup(path: &Path, existed: bool, text: &str) -> anyhow::Result<Option<PathBuf>> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    let backup = existed.then(|| {
        let mut backup = name.clone();
        backup.push(".llm-cli-gateway.bak");
        path.with_file_name(backup)
    });
    if let Some(backup) = &backup {
        std::fs::copy(path, backup)
            .with_context(|| format!("cannot back up {}", path.display()))?;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    name.push(".llm-cli-gateway.tmp");
    let temporary = path.with_file_name(name);
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(backup)
}

fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}
