//! The orchestrator: dispatches seats as jobs, waits on their completion signals, and turns
//! job snapshots into reports.
//!
//! Every seat is one job submitted through [`JobService`] (so dedup, limits and the flight
//! recorder apply), all submitted at once. A provider that is not installed, that the builder
//! refuses, or that is at capacity becomes a skipped seat with the reason; only caller mistakes
//! and a broken store fail the whole call. The run is written to [`RunRecords`] before the call
//! returns, so `job_status`/`job_result` work from any later process.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::ProviderId;
use gateway_jobs::{JobService, JobSnapshot, JobsError, SubmitError, SubmitRequest};
use gateway_provider::ProviderOptions;
use gateway_provider::gemini::GeminiBackend;
use gateway_provider::models::ModelRegistry;
use tokio::task::JoinSet;

use crate::assemble::{JobRef, RunHeader, Seat, SeatState, assemble};
use crate::prompt::seat_prompt;
use crate::records::{RecordsError, RunKind, RunRecord, RunRecords, SeatRecord};
use crate::report::{SeatStatus, Synthesis, ValidationReport};
use crate::request::{Intent, OriginalRequest, RequestError};
use crate::seat::seat_request;

/// Providers asked when a call names none, if installed (issue: claude, codex, gemini).
pub const DEFAULT_PROVIDERS: [ProviderId; 3] =
    [ProviderId::Claude, ProviderId::Codex, ProviderId::Gemini];

/// Settings shared by every run.
#[derive(Debug, Clone, Default)]
pub struct ValidatorConfig {
    /// Variables added to every seat's environment. A `PATH` here is also where seats' CLIs
    /// are looked up (tests put fake CLIs first; operators may pin a directory).
    pub seat_env: BTreeMap<String, String>,
    /// Wall-clock limit per seat (exit 124); `None` leaves the job engine's default.
    pub seat_timeout: Option<Duration>,
    /// Silence limit per seat (exit 125); `None` leaves the provider's default.
    pub idle_timeout: Option<Duration>,
    /// Forces the gemini backend (`LLM_GATEWAY_GEMINI_BACKEND`); `None` prefers Gemini CLI
    /// when installed, else `agy`.
    pub gemini_backend: Option<GeminiBackend>,
    /// Model aliases and defaults (`LLM_GATEWAY_MODEL_ALIASES` and per-provider settings).
    pub models: ModelRegistry,
}

impl ValidatorConfig {
    /// Defaults plus `LLM_GATEWAY_GEMINI_BACKEND` (an unreadable value is ignored with a warning).
    pub fn from_env() -> ValidatorConfig {
        let gemini_backend = std::env::var(gateway_core::env::GEMINI_BACKEND)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .and_then(|value| match value.parse() {
                Ok(backend) => Some(backend),
                Err(error) => {
                    tracing::warn!("{error}");
                    None
                }
            });
        ValidatorConfig {
            gemini_backend,
            models: ModelRegistry::from_process_env(),
            ..ValidatorConfig::default()
        }
    }
}

/// One seat the caller asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatChoice {
    pub provider: ProviderId,
    pub model: Option<String>,
}

impl SeatChoice {
    pub const fn provider(provider: ProviderId) -> SeatChoice {
        SeatChoice {
            provider,
            model: None,
        }
    }
}

/// What a validation call asks.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub intent: Intent,
    pub request: OriginalRequest,
    /// Empty: the installed providers among [`DEFAULT_PROVIDERS`].
    pub seats: Vec<SeatChoice>,
    /// `None`: read-only (the default); `Some(false)` runs seats with the CLIs' own defaults.
    pub read_only: Option<bool>,
    pub working_dir: Option<String>,
    pub force_refresh: bool,
    /// The tool that asked, for the flight recorder.
    pub origin_tool: String,
}

/// A seat finished while a caller waited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatProgress {
    pub provider: ProviderId,
    pub status: SeatStatus,
    /// Seats finished so far, this one included.
    pub done: usize,
    /// Seats dispatched.
    pub total: usize,
}

impl SeatProgress {
    /// "2/3 models answered (codex completed)".
    pub fn message(&self) -> String {
        format!(
            "{}/{} models answered ({} {})",
            self.done,
            self.total,
            self.provider,
            self.status.as_str()
        )
    }
}

/// Why a validation call failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The caller's parameters are wrong; the message names the parameter.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// No run or job has this id.
    #[error("no validation run or job `{0}`")]
    NotFound(String),
    /// The run records could not be read or written.
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// The job service failed (not a job: a failed job is a seat outcome).
    #[error(transparent)]
    Jobs(#[from] JobsError),
    /// The job service refused every submission for a reason that is not per seat.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// `git diff` could not run or finish (not a caller mistake: those are `Request`).
    #[error(transparent)]
    Git(#[from] gateway_jobs::git::GitError),
}

impl ValidateError {
    /// True when the caller can fix it (bad parameter, unknown id).
    pub fn is_caller_error(&self) -> bool {
        match self {
            ValidateError::Request(_) | ValidateError::NotFound(_) => true,
            ValidateError::Submit(error) => matches!(
                error,
                SubmitError::WorkingDir(_) | SubmitError::IdempotencyConflict { .. }
            ),
            ValidateError::Records(_) | ValidateError::Jobs(_) | ValidateError::Git(_) => false,
        }
    }
}

/// The validation service; cheap to clone, shared by every MCP session.
#[derive(Debug, Clone)]
pub struct Validator {
    pub(crate) jobs: JobService,
    pub(crate) records: Arc<dyn RunRecords>,
    pub(crate) config: Arc<ValidatorConfig>,
}

impl Validator {
    pub fn new(
        jobs: JobService,
        records: Arc<dyn RunRecords>,
        config: ValidatorConfig,
    ) -> Validator {
        Validator {
            jobs,
            records,
            config: Arc::new(config),
        }
    }

    pub fn jobs(&self) -> &JobService {
        &self.jobs
    }

    /// Dispatches every seat at once and returns the report as it stands (seats `running`).
    pub async fn start(&self, spec: RunSpec) -> Result<ValidationReport, ValidateError> {
        spec.request.check(spec.intent)?;
        let choices = self.resolve_seats(&spec.seats)?;
        let id = new_run_id();
        let read_only = spec.read_only.unwrap_or(true);
        let prompt = seat_prompt(spec.intent, &spec.request);
        let dispatch = Dispatch {
            run_id: id.clone(),
            correlation_prefix: "validation",
            prompt,
            working_dir: spec.working_dir.clone(),
            read_only,
            force_refresh: spec.force_refresh,
            origin_tool: spec.origin_tool.clone(),
            prompt_on_argv: true,
        };
        let seats = self.dispatch_all(&dispatch, &choices).await?;
        let record = RunRecord {
            id,
            kind: RunKind::Validation,
            created_at_ms: now_ms(),
            intent: spec.intent,
            request: spec.request,
            read_only,
            seats,
            judge: None,
            answers: Vec::new(),
            local_comparison: None,
            last_report: None,
            review: None,
        };
        self.put(&record).await?;
        self.validation_report(&record).await
    }

    /// Waits until every job of run `id` has finished or `timeout` passes, reporting each
    /// seat's completion through `on_progress`, then returns the report.
    pub async fn wait(
        &self,
        id: &str,
        timeout: Duration,
        on_progress: &(dyn Fn(SeatProgress) + Send + Sync),
    ) -> Result<ValidationReport, ValidateError> {
        let record = self.record(id).await?;
        self.wait_jobs(&record, timeout, on_progress).await?;
        let report = self.validation_report(&record).await?;
        self.remember(record, &report).await?;
        Ok(report)
    }

    /// The report of run `id` as it stands now (`job_status`).
    pub async fn report(&self, id: &str) -> Result<ValidationReport, ValidateError> {
        let record = self.record(id).await?;
        self.validation_report(&record).await
    }

    pub(crate) async fn record(&self, id: &str) -> Result<RunRecord, ValidateError> {
        let found = self.records.get(id).await?;
        found.ok_or_else(|| ValidateError::NotFound(id.to_owned()))
    }

    pub(crate) async fn put(&self, record: &RunRecord) -> Result<(), ValidateError> {
        self.records.put(record).await?;
        Ok(())
    }

    /// Keeps a finished report with the run, for when the jobs are gone (retention).
    async fn remember(
        &self,
        mut record: RunRecord,
        report: &ValidationReport,
    ) -> Result<(), ValidateError> {
        let settled = !matches!(
            report.status,
            crate::report::RunStatus::Running | crate::report::RunStatus::Partial
        );
        if settled && record.last_report.as_ref() != Some(report) {
            record.last_report = Some(report.clone());
            self.put(&record).await?;
        }
        Ok(())
    }

    pub(crate) fn resolve_seats(
        &self,
        asked: &[SeatChoice],
    ) -> Result<Vec<SeatChoice>, ValidateError> {
        if asked.is_empty() {
            let installed: Vec<SeatChoice> = DEFAULT_PROVIDERS
                .into_iter()
                .filter(|provider| self.provider_installed(*provider))
                .map(SeatChoice::provider)
                .collect();
            if installed.is_empty() {
                return Err(RequestError::new(
                    "models",
                    "none of claude, codex, gemini is installed; name the providers to ask, or run `llm-cli-gateway doctor`",
                )
                .into());
            }
            return Ok(installed);
        }
        let mut seen = Vec::new();
        let mut seats = Vec::new();
        for choice in asked {
            if !seen.contains(&choice.provider) {
                seen.push(choice.provider);
                seats.push(choice.clone());
            }
        }
        Ok(seats)
    }

    /// Whether the provider's CLI (either gemini backend) is installed.
    pub(crate) fn provider_installed(&self, provider: ProviderId) -> bool {
        match provider {
            ProviderId::Gemini => self.is_installed(self.gemini_backend().program()),
            ProviderId::Claude | ProviderId::Codex | ProviderId::Grok | ProviderId::Mistral => {
                self.is_installed(gateway_provider::default_binary(provider))
            }
        }
    }

    /// The forced backend, else [`GeminiBackend::detect`] where the job engine will look.
    fn gemini_backend(&self) -> GeminiBackend {
        self.config
            .gemini_backend
            .unwrap_or_else(|| GeminiBackend::detect(|program| self.is_installed(program)))
    }

    /// Whether `program` can be found where the job engine will look for it.
    pub(crate) fn is_installed(&self, program: &str) -> bool {
        let path = self
            .config
            .seat_env
            .get("PATH")
            .map(std::ffi::OsString::from)
            .or_else(|| std::env::var_os("PATH"));
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        which::which_in(program, path, cwd).is_ok()
    }

    pub(crate) async fn dispatch_all(
        &self,
        dispatch: &Dispatch,
        choices: &[SeatChoice],
    ) -> Result<Vec<SeatRecord>, ValidateError> {
        let mut tasks = JoinSet::new();
        for (index, choice) in choices.iter().enumerate() {
            let validator = self.clone();
            let dispatch = dispatch.clone();
            let choice = choice.clone();
            tasks.spawn(async move { (index, validator.dispatch_one(&dispatch, &choice).await) });
        }
        let mut seats: Vec<Option<SeatRecord>> = vec![None; choices.len()];
        while let Some(joined) = tasks.join_next().await {
            let (index, outcome) =
                joined.map_err(|error| JobsError::Internal(error.to_string()))?;
            seats[index] = Some(outcome?);
        }
        Ok(seats.into_iter().flatten().collect())
    }

    /// Builds, checks and submits one seat. Per-seat problems become a skipped seat.
    pub(crate) async fn dispatch_one(
        &self,
        dispatch: &Dispatch,
        choice: &SeatChoice,
    ) -> Result<SeatRecord, ValidateError> {
        let skipped = |reason: String| SeatRecord {
            provider: choice.provider,
            model: choice.model.clone(),
            job_id: None,
            correlation_id: None,
            skipped: Some(reason),
            warning: None,
        };
        let model = match self
            .config
            .models
            .resolve(choice.provider, choice.model.as_deref())
        {
            Ok(model) => model,
            Err(error) => return Ok(skipped(format!("the model could not be resolved: {error}"))),
        };
        let mut request = seat_request(
            choice.provider,
            &dispatch.prompt,
            model.as_deref(),
            dispatch.working_dir.as_deref(),
            dispatch.read_only,
        );
        if let ProviderOptions::Gemini(options) = &mut request.options {
            options.backend = self.gemini_backend();
        }
        let mut spec = match gateway_provider::build(&request) {
            Ok(spec) => spec,
            Err(error) => return Ok(skipped(format!("the command could not be built: {error}"))),
        };
        if !dispatch.prompt_on_argv && spec.prompt_via == gateway_provider::PromptVia::Argv {
            return Ok(skipped(format!(
                "`{}` takes its prompt on the command line, where this run's material must not go; use a backend that reads stdin (for gemini: LLM_GATEWAY_GEMINI_BACKEND=gemini)",
                spec.program
            )));
        }
        if !self.is_installed(&spec.program) {
            return Ok(skipped(format!(
                "`{}` is not installed (not found on PATH); run `llm-cli-gateway doctor`",
                spec.program
            )));
        }
        spec.env.extend(self.config.seat_env.clone());
        let submit = SubmitRequest {
            spec,
            prompt: dispatch.prompt.clone(),
            model: model.clone(),
            correlation_id: Some(format!(
                "{}-{}-{}",
                dispatch.correlation_prefix, dispatch.run_id, choice.provider
            )),
            idempotency_key: None,
            force_refresh: dispatch.force_refresh,
            idle_timeout: self.config.idle_timeout,
            timeout: self.config.seat_timeout,
            origin_tool: Some(dispatch.origin_tool.clone()),
        };
        match self.jobs.submit(submit).await {
            Ok(submitted) => Ok(SeatRecord {
                provider: choice.provider,
                model,
                job_id: Some(submitted.job_id),
                correlation_id: Some(submitted.correlation_id),
                skipped: None,
                warning: submitted.deduped_from.map(|from| {
                    format!("reused the identical job {} from {} s ago (forceRefresh: true runs it anew)", from.job_id, from.age_ms / 1000)
                }),
            }),
            Err(SubmitError::AtCapacity(message)) => Ok(skipped(format!("at capacity: {message}"))),
            Err(error) => Err(error.into()),
        }
    }

    /// Waits for every pending job of `record` (seats and judge) in parallel.
    pub(crate) async fn wait_jobs(
        &self,
        record: &RunRecord,
        timeout: Duration,
        on_progress: &(dyn Fn(SeatProgress) + Send + Sync),
    ) -> Result<(), ValidateError> {
        let dispatched: Vec<&SeatRecord> = record
            .seats
            .iter()
            .chain(record.judge.iter().map(|judge| &judge.seat))
            .filter(|seat| seat.job_id.is_some())
            .collect();
        let total = dispatched.len();
        let mut tasks = JoinSet::new();
        for seat in dispatched {
            let jobs = self.jobs.clone();
            let provider = seat.provider;
            let job_id = seat.job_id.clone().unwrap_or_default();
            tasks.spawn(async move { (provider, jobs.wait(&job_id, timeout).await) });
        }
        let mut done = 0;
        while let Some(joined) = tasks.join_next().await {
            let (provider, waited) =
                joined.map_err(|error| JobsError::Internal(error.to_string()))?;
            if let Some(snapshot) = waited? {
                done += 1;
                on_progress(SeatProgress {
                    provider,
                    status: seat_status(&snapshot),
                    done,
                    total,
                });
            }
        }
        Ok(())
    }

    /// Assembles the report of a validation run from its jobs' current snapshots.
    pub(crate) async fn validation_report(
        &self,
        record: &RunRecord,
    ) -> Result<ValidationReport, ValidateError> {
        let mut seats = Vec::with_capacity(record.seats.len());
        for seat in &record.seats {
            match self.seat_state(seat).await? {
                Some(state) => seats.push(Seat {
                    provider: seat.provider,
                    model: seat.model.clone(),
                    state,
                    warning: seat.warning.clone(),
                }),
                None => {
                    if let Some(report) = &record.last_report {
                        return Ok(report.clone());
                    }
                    seats.push(Seat {
                        provider: seat.provider,
                        model: seat.model.clone(),
                        state: SeatState::Skipped {
                            reason: "its job no longer exists (retention)".to_owned(),
                        },
                        warning: seat.warning.clone(),
                    });
                }
            }
        }
        let header = RunHeader {
            validation_id: record.id.clone(),
            started_at_ms: record.created_at_ms,
            intent: record.intent,
            request: record.request.clone(),
            read_only: record.read_only,
        };
        let synthesis = match &record.judge {
            Some(judge) => crate::judge::synthesis_part(judge, self.seat_state(&judge.seat).await?),
            None => Synthesis::not_requested(),
        };
        Ok(assemble(&header, &seats, synthesis))
    }

    /// A seat's state from its job; `None` when the job is unknown to the store.
    pub(crate) async fn seat_state(
        &self,
        seat: &SeatRecord,
    ) -> Result<Option<SeatState>, ValidateError> {
        if let Some(reason) = &seat.skipped {
            return Ok(Some(SeatState::Skipped {
                reason: reason.clone(),
            }));
        }
        let (Some(job_id), Some(correlation_id)) = (&seat.job_id, &seat.correlation_id) else {
            return Ok(Some(SeatState::Skipped {
                reason: "never dispatched".to_owned(),
            }));
        };
        let job = JobRef {
            job_id: job_id.clone(),
            correlation_id: correlation_id.clone(),
        };
        Ok(self
            .jobs
            .status(job_id)
            .await?
            .map(|snapshot| state_of(job, snapshot)))
    }
}

/// What every seat of one run shares.
#[derive(Debug, Clone)]
pub(crate) struct Dispatch {
    pub(crate) run_id: String,
    /// `validation`, `synthesis`, `comparison` or `review`: correlation ids read `<prefix>-<run>-<provider>`.
    pub(crate) correlation_prefix: &'static str,
    pub(crate) prompt: String,
    pub(crate) working_dir: Option<String>,
    pub(crate) read_only: bool,
    pub(crate) force_refresh: bool,
    pub(crate) origin_tool: String,
    /// Whether the prompt may travel as an argv value (agy); false for diffs under review.
    pub(crate) prompt_on_argv: bool,
}

/// A job snapshot as a seat state.
pub(crate) fn state_of(job: JobRef, snapshot: JobSnapshot) -> SeatState {
    if !snapshot.status.is_terminal() {
        return SeatState::Pending { job };
    }
    let outcome = snapshot.outcome.unwrap_or_default();
    SeatState::Finished {
        job,
        status: snapshot.status,
        text: outcome.text,
        error: snapshot.error.or(outcome.error),
        exit_code: snapshot.exit_code,
    }
}

fn seat_status(snapshot: &JobSnapshot) -> SeatStatus {
    match snapshot.status {
        gateway_core::JobStatus::Queued | gateway_core::JobStatus::Running => SeatStatus::Running,
        gateway_core::JobStatus::Completed => SeatStatus::Completed,
        gateway_core::JobStatus::Failed => SeatStatus::Failed,
        gateway_core::JobStatus::Canceled => SeatStatus::Canceled,
        gateway_core::JobStatus::Orphaned => SeatStatus::Orphaned,
    }
}

/// Run ids: `val-` + a time-ordered UUID, distinct from job ids at a glance.
pub(crate) fn new_run_id() -> String {
    format!("val-{}", uuid::Uuid::now_v7())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
