//! `review_changes`: several models review a git diff at once, each read-only in the repository,
//! and the report merges their findings with corroboration counts.
//!
//! The diff is read with `git` (through `gateway-jobs`, the one crate that runs processes),
//! bounded by a size limit, and travels to each seat inside its prompt, which the job engine
//! writes to the CLI's stdin (or a 0600 prompt file for grok) — never argv: a backend that takes
//! its prompt on the command line (agy) is skipped with the reason. Seats are jobs like every
//! other run's, so `job_status`/`job_result` follow a review by its id.

pub mod diff;
pub mod findings;
pub mod merge;
pub mod prompt;
pub mod render;
pub mod report;

use std::path::Path;
use std::time::Duration;

use gateway_jobs::git::{GitError, git_diff};
use serde::{Deserialize, Serialize};

use crate::assemble::Seat;
use crate::records::{RunKind, RunRecord};
use crate::request::{Intent, OriginalRequest, RequestError};
use crate::validator::{
    Dispatch, SeatChoice, SeatProgress, ValidateError, Validator, new_run_id, now_ms,
};
use diff::{DEFAULT_MAX_DIFF_BYTES, DiffStats, DiffTarget, MAX_DIFF_BYTES, diff_stats};
use report::{ReviewHeader, ReviewReport, assemble_review};

/// Smallest diff limit a caller may set.
pub const MIN_DIFF_BYTES: usize = 1_000;

/// What a `review_changes` call asks.
#[derive(Debug, Clone)]
pub struct ReviewSpec {
    /// The repository (or a directory inside it); seats run there, read-only.
    pub working_dir: String,
    pub target: DiffTarget,
    /// Pathspecs limiting the diff (empty: everything).
    pub paths: Vec<String>,
    pub focus: Option<String>,
    /// Empty: the installed providers among claude, codex, gemini.
    pub seats: Vec<SeatChoice>,
    /// `None`: [`DEFAULT_MAX_DIFF_BYTES`].
    pub max_diff_bytes: Option<usize>,
    pub force_refresh: bool,
    pub origin_tool: String,
}

/// What a review run keeps beside its seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRecord {
    pub working_dir: String,
    pub target: DiffTarget,
    pub focus: Option<String>,
    pub diff: DiffStats,
}

impl Validator {
    /// Reads the diff, dispatches every seat at once and returns the report as it stands.
    pub async fn start_review(&self, spec: ReviewSpec) -> Result<ReviewReport, ValidateError> {
        let diff = self.read_diff(&spec).await?;
        let choices = self.resolve_seats(&spec.seats)?;
        let id = new_run_id();
        let target = spec.target.describe();
        let dispatch = Dispatch {
            run_id: id.clone(),
            correlation_prefix: "review",
            prompt: prompt::review_prompt(&target, spec.focus.as_deref(), &diff),
            working_dir: Some(spec.working_dir.clone()),
            read_only: true,
            force_refresh: spec.force_refresh,
            origin_tool: spec.origin_tool.clone(),
            prompt_on_argv: false,
        };
        let seats = self.dispatch_all(&dispatch, &choices).await?;
        let record = RunRecord {
            id,
            kind: RunKind::Review,
            created_at_ms: now_ms(),
            intent: Intent::Validate,
            request: OriginalRequest {
                question: Some(target),
                focus: spec.focus.clone(),
                ..OriginalRequest::default()
            },
            read_only: true,
            seats,
            judge: None,
            answers: Vec::new(),
            local_comparison: None,
            last_report: None,
            review: Some(ReviewRecord {
                working_dir: spec.working_dir,
                target: spec.target,
                focus: spec.focus,
                diff: diff_stats(&diff),
            }),
        };
        self.put(&record).await?;
        self.review_report(&record).await
    }

    /// Waits until every seat of review `id` finished or `timeout` passed, reporting each
    /// seat's completion through `on_progress`.
    pub async fn wait_review(
        &self,
        id: &str,
        timeout: Duration,
        on_progress: &(dyn Fn(SeatProgress) + Send + Sync),
    ) -> Result<ReviewReport, ValidateError> {
        let record = self.record(id).await?;
        self.wait_jobs(&record, timeout, on_progress).await?;
        self.review_report(&record).await
    }

    /// The report of review run `record` from its jobs' current snapshots.
    pub(crate) async fn review_report(
        &self,
        record: &RunRecord,
    ) -> Result<ReviewReport, ValidateError> {
        let Some(review) = &record.review else {
            return Err(ValidateError::NotFound(record.id.clone()));
        };
        let mut seats = Vec::with_capacity(record.seats.len());
        for seat in &record.seats {
            let state =
                self.seat_state(seat)
                    .await?
                    .unwrap_or(crate::assemble::SeatState::Skipped {
                        reason: "its job no longer exists (retention)".to_owned(),
                    });
            seats.push(Seat {
                provider: seat.provider,
                model: seat.model.clone(),
                state,
                warning: seat.warning.clone(),
            });
        }
        let header = ReviewHeader {
            review_id: record.id.clone(),
            started_at_ms: record.created_at_ms,
            working_dir: review.working_dir.clone(),
            target: review.target.clone(),
            focus: review.focus.clone(),
            diff: review.diff.clone(),
        };
        Ok(assemble_review(&header, &seats))
    }

    /// Runs `git diff` for the spec, within the size limit, and refuses an empty diff.
    async fn read_diff(&self, spec: &ReviewSpec) -> Result<String, ValidateError> {
        let limit = spec.max_diff_bytes.unwrap_or(DEFAULT_MAX_DIFF_BYTES);
        if !(MIN_DIFF_BYTES..=MAX_DIFF_BYTES).contains(&limit) {
            return Err(RequestError::new(
                "maxDiffBytes",
                format!("{limit} is outside {MIN_DIFF_BYTES}–{MAX_DIFF_BYTES}"),
            )
            .into());
        }
        if spec.working_dir.trim().is_empty() {
            return Err(
                RequestError::new("workingDir", "must name the repository to review").into(),
            );
        }
        let args = spec.target.git_args(&spec.paths)?;
        let diff = git_diff(Path::new(&spec.working_dir), &args, limit)
            .await
            .map_err(|error| git_error(error, spec))?;
        if diff.trim().is_empty() {
            return Err(RequestError::new(
                target_param(&spec.target),
                format!(
                    "there is nothing to review: the diff of {} in `{}` is empty{}",
                    spec.target.describe(),
                    spec.working_dir,
                    match spec.target {
                        DiffTarget::WorkingTree =>
                            " (no uncommitted changes; name a range or a base to review commits)",
                        DiffTarget::Staged | DiffTarget::Range(_) | DiffTarget::Base(_) => "",
                    }
                ),
            )
            .into());
        }
        Ok(diff)
    }
}

/// The parameter a diff problem is about.
fn target_param(target: &DiffTarget) -> &'static str {
    match target {
        DiffTarget::WorkingTree => "workingDir",
        DiffTarget::Staged => "staged",
        DiffTarget::Range(_) => "range",
        DiffTarget::Base(_) => "base",
    }
}

/// A git failure as the caller's error where the caller can fix it.
fn git_error(error: GitError, spec: &ReviewSpec) -> ValidateError {
    let target = spec.target.describe();
    let request = |param: &'static str, message: String| RequestError::new(param, message).into();
    match error {
        GitError::NotInstalled => request(
            "workingDir",
            "`git` is not installed (not found on PATH); review_changes reads the diff with git"
                .to_owned(),
        ),
        GitError::NotADirectory { dir } => {
            request("workingDir", format!("`{dir}` is not a directory"))
        }
        GitError::Failed { stderr, .. }
            if stderr.to_ascii_lowercase().contains("not a git repository") =>
        {
            request(
                "workingDir",
                format!(
                    "`{}` is not a git repository (or inside one)",
                    spec.working_dir
                ),
            )
        }
        GitError::Failed { stderr, .. } => request(
            target_param(&spec.target),
            format!(
                "git could not diff {target} in `{}`: {stderr}",
                spec.working_dir
            ),
        ),
        GitError::TooBig { limit } => request(
            "maxDiffBytes",
            format!(
                "the diff of {target} is larger than {limit} bytes; review less at once (a narrower range, a base closer to HEAD, or `paths`), or raise maxDiffBytes (up to {MAX_DIFF_BYTES})"
            ),
        ),
        GitError::NotUtf8 => request(
            "paths",
            format!(
                "the diff of {target} is not UTF-8 text; leave binary or non-UTF-8 files out with `paths`"
            ),
        ),
        GitError::TimedOut(_) | GitError::Io(_) => ValidateError::Git(error),
    }
}
