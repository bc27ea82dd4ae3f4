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

use super::output::{Envelope, ErrorBody};

/// Exit code of a report that needs weighing (a conflict, a failed or unreadable seat).
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code of a request refused before anything ran.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Runs one multi-model command: `run` gets a validator on a job service of its own (shut
/// down after it), then `print` shows the report, or the error is printed under `schema` with
/// `invalid_argument` (the caller's mistake, exit 2) or `failed_code` (exit 1).
pub(crate) fn run_with_validator<T>(
    schema: &str,
    failed_code: &str,
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
        let records = Arc::new(StoreRunRecords::new(jobs.records()));
        let validator = Validator::new(jobs.clone(), records, ValidatorConfig::from_env());
        let outcome = run(&validator).await;
        jobs.shutdown().await;
        match outcome {
            Ok(report) => print(&report, json),
            Err(error) if error.is_caller_error() => print_error(
                schema,
                "invalid_argument",
                &error.to_string(),
                json,
                EXIT_USAGE,
            ),
            Err(error) => print_error(
                schema,
                failed_code,
                &format!("{error:#}"),
                json,
                EXIT_FAILURE,
            ),
        }
    })
}

/// Prints `report` (`text` renders it for people); exit 0 when `clean`.
pub(crate) fn print_report<T: Serialize>(
    schema: &str,
    report: &T,
    text: impl FnOnce(&T) -> String,
    json: bool,
    clean: bool,
) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    if json {
        let envelope = Envelope {
            schema: schema.to_owned(),
            ok: true,
            data: Some(report),
            error: None,
        };
        serde_json::to_writer_pretty(&mut stdout, &envelope)?;
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

/// Prints why the run could not be made, as an envelope (`--json`) or on stderr.
pub(crate) fn print_error(
    schema: &str,
    code: &str,
    message: &str,
    json: bool,
    exit: u8,
) -> anyhow::Result<ExitCode> {
    if json {
        let mut stdout = std::io::stdout().lock();
        let envelope: Envelope<()> = Envelope {
            schema: schema.to_owned(),
            ok: false,
            data: None,
            error: Some(ErrorBody {
                code: code.to_owned(),
                message: message.to_owned(),
            }),
        };
        serde_json::to_writer_pretty(&mut stdout, &envelope)?;
        writeln!(stdout)?;
    } else {
        let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    }
    Ok(ExitCode::from(exit))
}
