//! Output of the commands that run several models and print one report (`validate`,
//! `review`): a pretty-printed envelope under `--json`, else the report's text; the exit code
//! says whether the report came out clean.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use gateway_jobs::JobService;
use gateway_validate::{StoreRunRecords, ValidateError, Validator, ValidatorConfig};
use serde::Serialize;

use super::envelope::{EXIT_FAILURE, EXIT_USAGE, EnvelopeData, Failure, envelope, fail};

/// Runs one multi-model command: `run` gets a validator on a job service of its own (shut
/// down after it), then `print` shows the report, or the error is printed as a `kind` envelope
/// with `invalid_argument` (the caller's mistake, exit 2) or `failed_code` (exit 1).
pub(crate) fn run_with_validator<T>(
    kind: &str,
    failed_code: &'static str,
    json: bool,
    run: impl AsyncFnOnce(&Validator) -> Result<T, ValidateError>,
    print: impl FnOnce(&T, bool) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let jobs = JobService::start(JobService::config_from_env())
            .await
            .context("cannot start the job service")?;
        super::cost::apply(&jobs).await?;
        let records = Arc::new(StoreRunRecords::new(jobs.records()));
        let validator = Validator::new(jobs.clone(), records, ValidatorConfig::from_env());
        let outcome = run(&validator).await;
        jobs.shutdown().await;
        match outcome {
            Ok(report) => print(&report, json),
            Err(error) if error.is_caller_error() => fail(
                kind,
                json,
                &Failure::new("invalid_argument", error.to_string())
                    .with_hint("see --help for the arguments")
                    .with_exit(EXIT_USAGE),
            ),
            Err(error) => fail(
                kind,
                json,
                &Failure::new(failed_code, format!("{error:#}"))
                    .with_hint("`llm-cli-gateway jobs list` and `logs --errors` show what failed"),
            ),
        }
    })
}

/// Prints `report` (`text` renders it for people); exit 0 when `clean`.
pub(crate) fn print_report<T: Serialize + EnvelopeData>(
    kind: &str,
    report: &T,
    text: impl FnOnce(&T) -> String,
    json: bool,
    clean: bool,
) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, &envelope(kind, Ok(report)))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", text(report))?;
    }
    stdout.flush()?;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

impl EnvelopeData for gateway_validate::ValidationReport {}
impl EnvelopeData for gateway_validate::review::report::ReviewReport {}
