//! `llm-cli-gateway serve [--http [ADDR]]`: MCP over stdio (the default) or streamable HTTP.
//!
//! Stdio: stdout carries only JSON-RPC; logs go to stderr; EOF on stdin (the client went away,
//! even before `initialize`: a health check exits 0) or SIGTERM/SIGINT shuts the job service
//! down gracefully; started by hand in a terminal it says what it is in one line on stderr.
//! HTTP: the address comes from `--http ADDR`, else `LLM_GATEWAY_HTTP_HOST`/`_PORT`
//! (127.0.0.1:3333); the bound address is printed on stderr as
//! `llm-cli-gateway: listening on http://ADDR/PATH` (port 0 picks a free port, and tests read
//! this line).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use gateway_doctor::store_setting::{StoreSetting, URL_SHAPE, postgres_fix};
use gateway_jobs::{JobService, JobsError};
use gateway_mcp::{BoundHttp, HttpOptions, Server, Settings};
use gateway_store::StoreError;

use super::envelope::Failure;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct ServeArgs {
    /// Serve streamable HTTP instead of stdio, on ADDR (e.g. 127.0.0.1:3333; port 0 picks a
    /// free one). Without ADDR: LLM_GATEWAY_HTTP_HOST / LLM_GATEWAY_HTTP_PORT.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
    http: Option<String>,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Two workers are plenty for an I/O-bound server and keep idle memory low.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Check the HTTP settings before opening anything, so a refused configuration fails fast.
    let http = match args.http.as_deref() {
        None => None,
        Some(text) => Some(HttpOptions::from_env(parse_addr(text)?)?),
    };
    let jobs = match start_jobs().await? {
        Ok(jobs) => jobs,
        Err(failure) => return super::envelope::fail("error", false, &failure),
    };
    super::cost::apply(&jobs).await?;
    let mut settings = Settings::from_env();
    if http.is_none() {
        // Clients start a stdio server in the project: its directory is the default workingDir.
        settings.stdio_working_dir = std::env::current_dir().ok();
    }
    let server = Server::new(jobs.clone(), settings);
    let served = match http {
        None => serve_stdio(server).await,
        Some(options) => serve_http(server, options).await,
    };
    jobs.shutdown().await;
    served?;
    Ok(ExitCode::SUCCESS)
}

/// Starts the job service on the configured store. A store setting that cannot work (a URL
/// that is not `postgres://`, a PostgreSQL server that refuses the connection or the login, a
/// database that does not exist) is a [`Failure`] naming the setting to fix, never the password:
/// one message on stderr and exit 1, before anything is served.
async fn start_jobs() -> anyhow::Result<Result<JobService, Failure>> {
    let setting = StoreSetting::resolve(&gateway_doctor::DoctorOptions::from_process());
    if let Some(problem) = setting.problem {
        return Ok(Err(Failure::new("store_error", problem).with_hint(
            format!(
                "set it to {URL_SHAPE}, or unset it to keep the store in the embedded SQLite file"
            ),
        )));
    }
    match JobService::start(JobService::config_from_env()).await {
        Ok(jobs) => Ok(Ok(jobs)),
        Err(JobsError::Store(error)) if setting.postgres_url().is_some() => {
            let name = setting.setting_name();
            let message = format!("cannot open the PostgreSQL store set by {name}: {error}");
            // The server's reason alone: the URL's host or options must not steer the hint.
            let reason = match &error {
                StoreError::Connect { reason, .. } => reason.clone(),
                other => other.to_string(),
            };
            let hint = postgres_fix(&name, &reason);
            Ok(Err(Failure::new("store_error", message).with_hint(
                format!("{hint}; `llm-cli-gateway doctor` checks it"),
            )))
        }
        Err(error) => Err(error).context("cannot start the job service"),
    }
}

fn parse_addr(text: &str) -> anyhow::Result<Option<SocketAddr>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let addr = text.trim().parse::<SocketAddr>().with_context(|| {
        format!("invalid --http address {text:?}: expected IP:PORT, e.g. 127.0.0.1:3333")
    })?;
    Ok(Some(addr))
}

/// Printed on stderr when `serve` is started by hand (stdin is a terminal), where the silence
/// of a stdio server waiting for its client would otherwise look like a hang.
const TERMINAL_HINT: &str = "llm-cli-gateway: speaking MCP on stdin/stdout for an MCP client (Ctrl-C quits); register it: `llm-cli-gateway register <client>` (or `print-client-config <client>`); check the setup: `llm-cli-gateway doctor`";

async fn serve_stdio(server: Server) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() {
        #[expect(
            clippy::print_stderr,
            reason = "a hint for a person at a terminal, not a log line"
        )]
        {
            eprintln!("{TERMINAL_HINT}");
        }
    }
    tokio::select! {
        served = gateway_mcp::serve_stdio(server) => served.context("stdio transport failed"),
        () = shutdown_signal() => {
            tracing::info!("signal received; shutting down");
            Ok(())
        }
    }
}

async fn serve_http(server: Server, options: HttpOptions) -> anyhow::Result<()> {
    let addr = options.addr;
    let bound = BoundHttp::bind(options)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = bound.local_addr()?;
    let path = bound.path().to_owned();
    let shutdown = shutdown_signal();
    tracing::info!(%local, %path, "serving MCP over HTTP");
    #[expect(
        clippy::print_stderr,
        reason = "the bound address is part of the CLI's contract (tests and scripts read it)"
    )]
    {
        eprintln!("llm-cli-gateway: listening on http://{local}{path}");
    }
    bound
        .serve(server, shutdown)
        .await
        .context("HTTP transport failed")
}

/// Resolves on SIGINT or SIGTERM (or never, when signals cannot be installed). The handlers
/// are installed by this call, not at the first poll: a SIGTERM that arrives once the caller
/// has said it listens must end the server cleanly, not kill it.
pub(crate) fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let installed = signal(SignalKind::terminate())
        .and_then(|terminate| Ok((terminate, signal(SignalKind::interrupt())?)));
    async move {
        match installed {
            Ok((mut terminate, mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM or SIGINT");
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_address_parsing() {
        assert_eq!(parse_addr("").unwrap(), None);
        assert_eq!(
            parse_addr("127.0.0.1:0").unwrap(),
            Some("127.0.0.1:0".parse().unwrap())
        );
        let error = parse_addr("localhost").unwrap_err().to_string();
        assert!(error.contains("--http"), "{error}");
    }
}
