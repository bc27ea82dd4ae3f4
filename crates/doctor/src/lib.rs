//! `llm-cli-gateway doctor`: one report on everything the gateway depends on — the provider
//! CLIs (installed? which version? logged in? configured?), the store, the HTTP settings and
//! the MCP clients that register the gateway — with the next commands to run.
//!
//! [`collect`] builds a [`DoctorReport`] (plain data, versioned, free of secrets); the CLI
//! prints it with [`render_human`] or as JSON (schema `setup/status.schema.json`), and the MCP
//! `doctor` tool returns the same report. Doctor only reads: it never logs in, installs or
//! edits a config. Every input (PATH, home, environment) comes through [`DoctorOptions`], so
//! tests run it against fake CLIs.
//!
//! Also here, because they share the client knowledge: the registration snippets of
//! `print-client-config` ([`client_config`]), the config merges of `register` ([`register`]) and
//! the bundled agent skills ([`skills`]).

mod actions;
mod checks;
pub mod client_config;
mod options;
pub mod register;
mod render;
mod report;
pub mod skills;
pub mod store_setting;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gateway_jobs::probe::{ProbeCommand, ProbeConfig, run_probes};

pub use checks::clients::user_config_path;
pub use options::DoctorOptions;
pub use render::render_human;
pub use report::*;

use checks::providers::{self, Answers, Located};

/// Runs every check (probes in parallel, each with its own time-out) and builds the report.
pub async fn collect(options: &DoctorOptions) -> DoctorReport {
    let started = Instant::now();
    let shared = Arc::new(options.clone());
    let locate_options = Arc::clone(&shared);
    let located = tokio::task::spawn_blocking(move || providers::locate(&locate_options))
        .await
        // The task only fails if the check panicked; rerun it here so the panic surfaces.
        .unwrap_or_else(|_| providers::locate(options));
    let files_options = Arc::clone(&shared);
    let files = tokio::task::spawn_blocking(move || {
        (
            checks::store::check(&files_options),
            checks::http::check(&files_options),
            checks::clients::check_all(&files_options),
        )
    });
    let (answers, files) = tokio::join!(probe_all(&located, options), files);
    let providers = providers::assemble(located, answers, options);
    let (store, http, clients) = match files {
        Ok(files) => files,
        // The task only fails if a check panicked; rerun them here so the panic surfaces.
        Err(_) => (
            checks::store::check(options),
            checks::http::check(options),
            checks::clients::check_all(options),
        ),
    };
    finish(options, started, providers, store, http, clients)
}

/// Runs every `--version` probe and every status command at once.
async fn probe_all(located: &[Located], options: &DoctorOptions) -> Vec<Answers> {
    let env = Some(options.child_env());
    let version_config = ProbeConfig {
        timeout: options.probe_timeout,
        env: env.clone(),
    };
    let status_config = ProbeConfig {
        timeout: options.status_timeout,
        env,
    };
    let (version_index, version_commands) = indexed(located, |item| item.version_probe());
    let (status_index, status_commands) = if options.run_status_commands {
        indexed(located, |item| item.status_probe())
    } else {
        (Vec::new(), Vec::new())
    };
    let (versions, statuses) = tokio::join!(
        run_probes(&version_commands, &version_config),
        run_probes(&status_commands, &status_config)
    );
    let mut answers: Vec<Answers> = located.iter().map(|_| Answers::default()).collect();
    for (index, result) in version_index.into_iter().zip(versions) {
        answers[index].version = Some(result);
    }
    for (index, result) in status_index.into_iter().zip(statuses) {
        answers[index].status = Some(result);
    }
    answers
}

/// The commands `pick` yields, with the index of the backend each belongs to.
fn indexed(
    located: &[Located],
    pick: impl Fn(&Located) -> Option<ProbeCommand>,
) -> (Vec<usize>, Vec<ProbeCommand>) {
    located
        .iter()
        .enumerate()
        .filter_map(|(index, item)| Some((index, pick(item)?)))
        .unzip()
}

fn finish(
    options: &DoctorOptions,
    started: Instant,
    providers: Vec<ProviderCheck>,
    store: StoreCheck,
    http: HttpCheck,
    clients: Vec<ClientCheck>,
) -> DoctorReport {
    let ok = providers.iter().any(ProviderCheck::can_answer) && store.can_open;
    let any_error = providers
        .iter()
        .map(|p| p.status)
        .chain([store.status, http.status])
        .chain(clients.iter().map(|c| c.status))
        .any(|status| status == Status::Error);
    let next_actions = actions::next_actions(&providers, &store, &http, &clients);
    DoctorReport {
        schema_version: SCHEMA_VERSION,
        ok,
        attention_needed: !ok || any_error,
        generated_at_ms: now_ms(),
        duration_ms: millis(started.elapsed()),
        gateway: GatewayInfo {
            name: "llm-cli-gateway",
            version: env!("CARGO_PKG_VERSION"),
            binary: options
                .gateway_binary
                .as_ref()
                .map(|path| path.display().to_string()),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
        },
        providers,
        store,
        http,
        clients,
        next_actions,
    }
}

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
