//! `llm-cli-gateway dashboard [--port N] [--open]`: the local web UI over the store (see
//! `gateway-dashboard`). The first stdout line is the login URL (its token works once);
//! `--open` hands it to the desktop's browser opener as well.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use gateway_dashboard::{Dashboard, DashboardOptions};
use gateway_doctor::DoctorOptions;

#[derive(Debug, clap::Args)]
pub(crate) struct DashboardArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Also open the login URL in the default browser.
    #[arg(long)]
    open: bool,
    /// The database file or `postgres://` URL (default: LLM_GATEWAY_DATABASE_URL, else
    /// LLM_GATEWAY_LOGS_DB, else $LLM_GATEWAY_HOME/logs.db).
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
}

pub(crate) fn run(args: DashboardArgs) -> anyhow::Result<ExitCode> {
    let config = gateway_jobs::JobsConfig::from_env();
    let db = args
        .db
        .as_deref()
        .map_or(config.store, gateway_store::Location::parse);
    if db == gateway_store::Location::Memory {
        anyhow::bail!(
            "{}=none: the gateway keeps no database, so there is nothing to show; pass --db PATH",
            gateway_core::env::LOGS_DB
        );
    }
    let options = DashboardOptions {
        db,
        port: args.port,
        retention_days: config.retention_days,
        doctor: DoctorOptions::from_process(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let port = options.port;
        let dashboard = Dashboard::bind(options)
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", dashboard.url())?;
        stdout.flush()?;
        drop(stdout);
        if args.open {
            open_browser(dashboard.url());
        }
        tracing::info!("dashboard ready; Ctrl-C stops it");
        dashboard
            .serve(super::serve::shutdown_signal())
            .await
            .context("dashboard server failed")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Asks the desktop to open `url`; a failure is only logged (the URL is printed anyway).
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(error) = spawned {
        tracing::warn!(%error, opener, "cannot open a browser; open the printed URL yourself");
    }
}
