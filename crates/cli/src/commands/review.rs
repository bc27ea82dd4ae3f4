//! `llm-cli-gateway review [--staged | --range A..B | --base BRANCH] [--dir DIR] [--json]`:
//! several CLIs review a git diff at once (read-only), progress per finished seat on stderr,
//! then the review for people, or the `llm-cli-gateway.v1.review` envelope whose `data` is the
//! `review-report.v1`.
//!
//! Exit codes: 0 every seat reviewed and nothing needs weighing (no verdict conflict, no failed,
//! skipped or unreadable seat); 1 otherwise, or the wait ran out; 2 bad arguments (not a git
//! repository, bad range, empty or too large diff …).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use super::run_report;
use gateway_core::ProviderId;
use gateway_validate::review::ReviewSpec;
use gateway_validate::review::diff::DiffTarget;
use gateway_validate::review::render::render_review;
use gateway_validate::review::report::ReviewReport;
use gateway_validate::{RunStatus, SeatChoice, SeatProgress, ValidateError, Validator};

const KIND: &str = "review";

#[derive(Debug, clap::Args)]
pub(crate) struct ReviewArgs {
    /// The repository to review (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: String,
    /// Review only the staged changes.
    #[arg(long, conflicts_with_all = ["range", "base"])]
    staged: bool,
    /// Review a commit range (`main..HEAD`).
    #[arg(long, value_name = "RANGE", conflicts_with = "base")]
    range: Option<String>,
    /// Review HEAD's commits since this branch (`BRANCH...HEAD`).
    #[arg(long, value_name = "BRANCH")]
    base: Option<String>,
    /// Limit the diff to these paths (repeatable).
    #[arg(long = "path", value_name = "PATH")]
    paths: Vec<String>,
    /// Providers to ask, comma-separated (default: installed among claude, codex, gemini).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    models: Vec<ProviderId>,
    /// What the reviewers should look for.
    #[arg(long)]
    focus: Option<String>,
    /// Refuse diffs larger than this (1000–2000000).
    #[arg(long, value_name = "BYTES")]
    max_diff_bytes: Option<usize>,
    /// Run anew even if an identical recent job exists.
    #[arg(long)]
    force_refresh: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout_secs: u64,
    /// Print one JSON envelope {schema, ok, data, error} instead of the readable review.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let json = args.json;
    run_report::run_with_validator(
        KIND,
        "review_failed",
        json,
        async |validator| review(validator, args.clone_spec()).await,
        print_report,
    )
}

impl ReviewArgs {
    fn clone_spec(&self) -> Result<(ReviewSpec, Duration), ValidateError> {
        let target = DiffTarget::from_params(self.staged, self.range.clone(), self.base.clone())?;
        let dir = std::path::absolute(&self.dir)
            .map_or_else(|_| self.dir.clone(), |path| path.display().to_string());
        let spec = ReviewSpec {
            working_dir: dir,
            target,
            paths: self.paths.clone(),
            focus: self.focus.clone(),
            seats: self
                .models
                .iter()
                .copied()
                .map(SeatChoice::provider)
                .collect(),
            max_diff_bytes: self.max_diff_bytes,
            force_refresh: self.force_refresh,
            origin_tool: "cli review".to_owned(),
        };
        Ok((spec, Duration::from_secs(self.timeout_secs)))
    }
}

async fn review(
    validator: &Validator,
    spec: Result<(ReviewSpec, Duration), ValidateError>,
) -> Result<ReviewReport, ValidateError> {
    let (spec, timeout) = spec?;
    let started = validator.start_review(spec).await?;
    progress_line(&format!(
        "review {}: {} ({} file(s)), asking {}",
        started.review_id,
        started.target_description,
        started.diff.files.len(),
        started
            .model_list
            .iter()
            .map(|provider| provider.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let on_progress = |event: SeatProgress| progress_line(&event.message());
    tokio::select! {
        report = validator.wait_review(&started.review_id, timeout, &on_progress) => report,
        _ = tokio::signal::ctrl_c() => {
            progress_line("interrupted");
            Ok(started)
        }
    }
}

/// Progress for people, on stderr (stdout carries only the review).
fn progress_line(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

fn print_report(report: &ReviewReport, json: bool) -> anyhow::Result<ExitCode> {
    let clean = report.status == RunStatus::Completed
        && !report.signals.iter().any(|signal| signal.material);
    run_report::print_report(KIND, report, render_review, json, clean)
}
