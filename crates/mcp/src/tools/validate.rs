//! The cross-model validation tools: `validate_with_models`, `second_opinion`,
//! `red_team_review`, `consensus_check`, `ask_model`, `compare_answers`,
//! `synthesize_validation`, `job_status`, `job_result`.
//!
//! Thin wrappers over [`gateway_validate::Validator`]: parameters in, a run started, a wait of
//! at most `waitMs` (default the sync deadline) with one progress notification per finished
//! seat, then the report as text plus `structuredContent`. A run that outlives the wait is
//! returned as it stands (`status: running`); `job_status` with its `validationId` continues.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use gateway_core::ProviderId;
use gateway_validate::render::{render_comparison, render_report};
use gateway_validate::{
    CompareReport, CompareSpec, Intent, OriginalRequest, RiskLevel, RunSpec, SeatChoice,
    SeatProgress, StatusView, StoreRunRecords, SynthesizeSpec, ValidateError, ValidationReport,
    Validator, ValidatorConfig,
};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::error::{ToolError, ToolResult};
use crate::server::Server;
use crate::tools::{ToolSpec, check_range, route, structured};
use crate::workdir;

/// Longest wait a call may ask for (a client may allow long tool calls; progress keeps it alive).
const MAX_WAIT_MS: u64 = 600_000;
const DEFAULT_MAX_CHARS: u64 = 200_000;
/// Heartbeat while seats think silently (Claude Code resets its tool time-out on progress).
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn router() -> ToolRouter<Server> {
    ToolRouter::new()
        .with_route(route(
            ToolSpec::new("validate_with_models", "Several models judge a question in parallel (read-only); validation-report.v1: verdicts, disagreements, confidence."),
            validate_with_models,
        ))
        .with_route(route(ToolSpec::new("second_opinion", "One model (default codex) reviews an answer; validation-report.v1."), second_opinion))
        .with_route(route(ToolSpec::new("red_team_review", "Adversarial review of content by several models; validation-report.v1."), red_team_review))
        .with_route(route(ToolSpec::new("consensus_check", "Several models judge a claim true, false or uncertain; validation-report.v1."), consensus_check))
        .with_route(route(ToolSpec::new("ask_model", "Ask one model (default claude) the question verbatim, read-only; validation-report.v1."), ask_model))
        .with_route(route(ToolSpec::new("compare_answers", "A judge model says which of 2+ answers differ materially and why (compare-answers.v1)."), compare_answers))
        .with_route(route(
            ToolSpec::new("synthesize_validation", "A judge synthesises a run's completed, non-empty answers (report.synthesis)."),
            synthesize_validation,
        ))
        .with_route(route(ToolSpec::new("job_status", "Report of a validation/comparison/review run (validationId, reviewId), or one seat job (jobId).").read_only(), job_status))
        .with_route(route(ToolSpec::new("job_result", "Whole answers of a run's seats (optionally one provider) or of one seat job.").read_only(), job_result))
}

/// Parameters every fan-out tool shares.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatParams {
    // Field docs would become descriptions repeated in eight tools: these names are described
    // once, in the server's instructions (default true, as for requests, …).
    pub read_only: Option<bool>,
    pub working_dir: Option<String>,
    #[serde(default)]
    pub isolated: bool,
    #[serde(default)]
    pub force_refresh: bool,
    #[schemars(range(max = 600_000))]
    pub wait_ms: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidateParams {
    /// Question, plan or claim to judge.
    pub question: String,
    /// Default: installed of claude, codex, gemini.
    pub models: Option<Vec<ProviderId>>,
    /// What to pay most attention to.
    pub focus: Option<String>,
    /// Then synthesise with this judge.
    pub judge_model: Option<ProviderId>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecondOpinionParams {
    /// The answer under review.
    pub answer: String,
    /// The question it answers.
    pub question: Option<String>,
    pub focus: Option<String>,
    /// Reviewer (default codex).
    pub model: Option<ProviderId>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedTeamParams {
    /// Plan, code or text to attack.
    pub content: String,
    /// `normal` (default) or `high`.
    pub risk_level: Option<RiskLevel>,
    pub models: Option<Vec<ProviderId>>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsensusParams {
    /// Claim to judge true/false/uncertain.
    pub claim: String,
    pub models: Option<Vec<ProviderId>>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AskParams {
    /// Sent verbatim.
    pub question: String,
    /// Default claude.
    pub model: Option<ProviderId>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompareParams {
    pub question: String,
    /// Two or more answers to compare.
    pub answers: Vec<String>,
    /// Default: first installed of claude, codex, gemini.
    pub judge_model: Option<ProviderId>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SynthesizeParams {
    /// The run to synthesise (from its report).
    pub validation_id: String,
    /// Default: first installed of claude, codex, gemini.
    pub judge_model: Option<ProviderId>,
    #[serde(flatten)]
    pub seats: SeatParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobStatusParams {
    /// validationId, comparisonId or a seat's jobId.
    pub job_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobResultParams {
    /// validationId, comparisonId or a seat's jobId.
    pub job_id: String,
    /// Only this provider's seat.
    pub provider: Option<ProviderId>,
    /// Per answer; default 200000 (1000–2000000).
    pub max_chars: Option<u64>,
}

async fn validate_with_models(
    server: Server,
    params: ValidateParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let request = OriginalRequest {
        question: Some(params.question),
        focus: params.focus,
        ..OriginalRequest::default()
    };
    let judge = params.judge_model;
    fan_out(
        &server,
        &context,
        Intent::Validate,
        request,
        params.models.unwrap_or_default(),
        params.seats,
        "validate_with_models",
        judge,
    )
    .await
}

async fn second_opinion(
    server: Server,
    params: SecondOpinionParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let request = OriginalRequest {
        question: params.question,
        content: Some(params.answer),
        focus: params.focus,
        risk_level: None,
    };
    let models = vec![params.model.unwrap_or(ProviderId::Codex)];
    fan_out(
        &server,
        &context,
        Intent::SecondOpinion,
        request,
        models,
        params.seats,
        "second_opinion",
        None,
    )
    .await
}

async fn red_team_review(
    server: Server,
    params: RedTeamParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let risk_level = Some(params.risk_level.unwrap_or_default());
    let request = OriginalRequest {
        content: Some(params.content),
        risk_level,
        ..OriginalRequest::default()
    };
    fan_out(
        &server,
        &context,
        Intent::RedTeam,
        request,
        params.models.unwrap_or_default(),
        params.seats,
        "red_team_review",
        None,
    )
    .await
}

async fn consensus_check(
    server: Server,
    params: ConsensusParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let request = OriginalRequest {
        question: Some(params.claim),
        ..OriginalRequest::default()
    };
    fan_out(
        &server,
        &context,
        Intent::Consensus,
        request,
        params.models.unwrap_or_default(),
        params.seats,
        "consensus_check",
        None,
    )
    .await
}

async fn ask_model(
    server: Server,
    params: AskParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let request = OriginalRequest {
        question: Some(params.question),
        ..OriginalRequest::default()
    };
    let models = vec![params.model.unwrap_or(ProviderId::Claude)];
    fan_out(
        &server,
        &context,
        Intent::AskModel,
        request,
        models,
        params.seats,
        "ask_model",
        None,
    )
    .await
}

async fn compare_answers(
    server: Server,
    params: CompareParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let wait = wait_of(&server, &params.seats)?;
    let validator = validator(&server);
    let spec = CompareSpec {
        question: params.question,
        answers: params.answers,
        judge: params.judge_model.map(SeatChoice::provider),
        read_only: params.seats.read_only,
        working_dir: seat_dir(&server, &params.seats, &context).await?,
        force_refresh: params.seats.force_refresh,
        origin_tool: "compare_answers".to_owned(),
    };
    let started = validator.compare(spec).await.map_err(tool_error)?;
    let report = tokio::select! {
        () = context.ct.cancelled() => return Err(ToolError::Fixable("request canceled by the client".into())),
        report = validator.wait_compare(&started.comparison_id, wait) => report.map_err(tool_error)?,
    };
    comparison_result(&report)
}

async fn synthesize_validation(
    server: Server,
    params: SynthesizeParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let wait = wait_of(&server, &params.seats)?;
    let validator = validator(&server);
    let spec = SynthesizeSpec {
        validation_id: params.validation_id,
        judge: params.judge_model.map(SeatChoice::provider),
        read_only: params.seats.read_only,
        working_dir: seat_dir(&server, &params.seats, &context).await?,
        force_refresh: params.seats.force_refresh,
        origin_tool: "synthesize_validation".to_owned(),
    };
    let started = validator.synthesize(spec).await.map_err(tool_error)?;
    let report = wait_with_progress(&validator, &started.validation_id, wait, &context).await?;
    report_result(&report)
}

async fn job_status(
    server: Server,
    params: JobStatusParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    match validator(&server)
        .status_of(&params.job_id)
        .await
        .map_err(tool_error)?
    {
        StatusView::Validation(report) => report_result(&report),
        StatusView::Comparison(report) => comparison_result(&report),
        StatusView::Review(report) => crate::tools::review::review_result(&report),
        StatusView::Job(seat) => {
            let text = format!(
                "{} job {}: {}{}",
                seat.provider,
                seat.job_id.as_deref().unwrap_or_default(),
                seat.status.as_str(),
                seat.verdict
                    .as_deref()
                    .map(|verdict| format!(" — {verdict}"))
                    .unwrap_or_default()
            );
            structured(text, &seat)
        }
    }
}

async fn job_result(
    server: Server,
    params: JobResultParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("maxChars", params.max_chars, 1_000, 2_000_000)?;
    let max_chars =
        usize::try_from(params.max_chars.unwrap_or(DEFAULT_MAX_CHARS)).unwrap_or(usize::MAX);
    let view = validator(&server)
        .result_of(&params.job_id, params.provider, max_chars)
        .await
        .map_err(tool_error)?;
    let text = view
        .results
        .iter()
        .map(|result| {
            format!(
                "## {} ({}, {})\n{}",
                result.provider,
                result.role,
                result.status.as_str(),
                result.response
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    structured(text, &view)
}

/// Starts a run, waits for it with progress, and optionally chains the synthesis.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site per tool; a struct would only rename them"
)]
async fn fan_out(
    server: &Server,
    context: &RequestContext<RoleServer>,
    intent: Intent,
    request: OriginalRequest,
    models: Vec<ProviderId>,
    seats: SeatParams,
    tool: &str,
    judge: Option<ProviderId>,
) -> ToolResult {
    let wait = wait_of(server, &seats)?;
    let working_dir = seat_dir(server, &seats, context).await?;
    let validator = validator(server);
    let spec = RunSpec {
        intent,
        request,
        seats: models.into_iter().map(SeatChoice::provider).collect(),
        read_only: seats.read_only,
        working_dir: working_dir.clone(),
        force_refresh: seats.force_refresh,
        origin_tool: tool.to_owned(),
    };
    if crate::tasks::starts_at_once(tool, context) {
        if judge.is_some() {
            return Err(ToolError::param(
                "judgeModel",
                "not available in a task: call synthesize_validation with the task's validationId once it completes",
            ));
        }
        return report_result(&validator.start(spec).await.map_err(tool_error)?);
    }
    let started = validator.start(spec).await.map_err(tool_error)?;
    let mut report = wait_with_progress(&validator, &started.validation_id, wait, context).await?;
    if let Some(judge) = judge.filter(|_| report.status == gateway_validate::RunStatus::Completed) {
        let spec = SynthesizeSpec {
            validation_id: started.validation_id.clone(),
            judge: Some(SeatChoice::provider(judge)),
            read_only: seats.read_only,
            working_dir,
            force_refresh: seats.force_refresh,
            origin_tool: tool.to_owned(),
        };
        validator.synthesize(spec).await.map_err(tool_error)?;
        report = wait_with_progress(&validator, &started.validation_id, wait, context).await?;
    }
    report_result(&report)
}

/// Waits for run `id`, sending one progress notification per finished seat (and a heartbeat
/// every 15 s) when the call carries a progress token. A client cancellation cancels the run.
async fn wait_with_progress(
    validator: &Validator,
    id: &str,
    wait: Duration,
    context: &RequestContext<RoleServer>,
) -> Result<ValidationReport, ToolError> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<SeatProgress>();
    let on_progress = move |event: SeatProgress| {
        let _ = sender.send(event);
    };
    let waiting = validator.wait(id, wait, &on_progress);
    follow(validator, id, "run", waiting, receiver, context).await
}

/// Drives `waiting` (a validation run's or a review's wait) to its report while forwarding
/// the seats' progress from `receiver` as notifications, with a heartbeat while nothing
/// happens; a client cancellation cancels run `id`. One way for every multi-seat tool.
pub(crate) async fn follow<T>(
    validator: &Validator,
    id: &str,
    what: &str,
    waiting: impl Future<Output = Result<T, ValidateError>>,
    mut receiver: tokio::sync::mpsc::UnboundedReceiver<SeatProgress>,
    context: &RequestContext<RoleServer>,
) -> Result<T, ToolError> {
    tokio::pin!(waiting);
    let mut progress = Progress::new(context);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        let message = tokio::select! {
            () = context.ct.cancelled() => {
                cancel_run(validator, id).await;
                return Err(ToolError::Fixable(format!("request canceled by the client; {what} {id} canceled")));
            }
            report = &mut waiting => {
                // Seats that finished with the last one still get their notification.
                while let Ok(event) = receiver.try_recv() {
                    progress.notify(event.message()).await;
                }
                return report.map_err(tool_error);
            }
            Some(event) = receiver.recv() => event.message(),
            _ = heartbeat.tick() => "models still working".to_owned(),
        };
        progress.notify(message).await;
    }
}

/// Numbered progress notifications, sent only when the call carries a progress token.
struct Progress<'a> {
    context: &'a RequestContext<RoleServer>,
    token: Option<ProgressToken>,
    sent: u32,
}

impl<'a> Progress<'a> {
    fn new(context: &'a RequestContext<RoleServer>) -> Self {
        Progress {
            context,
            token: context.meta.get_progress_token(),
            sent: 0,
        }
    }

    async fn notify(&mut self, message: String) {
        let Some(token) = &self.token else {
            return;
        };
        self.sent += 1;
        let param = ProgressNotificationParam::new(token.clone(), f64::from(self.sent))
            .with_message(message);
        if let Err(error) = self.context.peer.notify_progress(param).await {
            tracing::debug!(%error, "progress notification not delivered");
        }
    }
}

pub(crate) async fn cancel_run(validator: &Validator, id: &str) {
    let job_ids = match validator.status_of(id).await {
        Ok(StatusView::Validation(report)) => report.job_ids,
        Ok(StatusView::Review(report)) => report.job_ids,
        Ok(StatusView::Comparison(_) | StatusView::Job(_)) | Err(_) => Vec::new(),
    };
    for job_id in &job_ids {
        let _ = validator.jobs().cancel(job_id).await;
    }
}

/// Where the seats run (see `workdir`): `workingDir`, else the client's root or the gateway's
/// directory; `None` (a fresh temp dir each) when `isolated`.
pub(crate) async fn seat_dir(
    server: &Server,
    seats: &SeatParams,
    context: &RequestContext<RoleServer>,
) -> Result<Option<String>, ToolError> {
    workdir::resolve(server, seats.working_dir.clone(), seats.isolated, context).await
}

pub(crate) fn wait_of(server: &Server, seats: &SeatParams) -> Result<Duration, ToolError> {
    check_range("waitMs", seats.wait_ms, 0, MAX_WAIT_MS)?;
    Ok(seats
        .wait_ms
        .map_or(server.settings().sync_deadline, Duration::from_millis))
}

pub(crate) fn report_result(report: &ValidationReport) -> ToolResult {
    structured(render_report(report), report)
}

fn comparison_result(report: &CompareReport) -> ToolResult {
    let mut text = format!(
        "Comparison {} · {}\n",
        report.comparison_id,
        report.status.as_str()
    );
    match &report.comparison {
        Some(comparison) => text.push_str(&render_comparison(comparison)),
        None => text.push_str(
            report
                .error
                .as_deref()
                .unwrap_or("The judge is still working; call job_status with this comparisonId."),
        ),
    }
    structured(text, report)
}

pub(crate) fn tool_error(error: ValidateError) -> ToolError {
    match &error {
        ValidateError::NotFound(id) => ToolError::Fixable(format!(
            "Job not found: `{id}`. Pass a validationId/comparisonId from a report, or a seat's jobId."
        )),
        _ if error.is_caller_error() => ToolError::Fixable(error.to_string()),
        _ => ToolError::internal(error),
    }
}

/// The validator of `server`'s job service, made once per job service; its runs live in that
/// service's database (`validation_runs`), so every session and process sees them.
pub(crate) fn validator(server: &Server) -> Validator {
    static VALIDATORS: OnceLock<Mutex<HashMap<String, Validator>>> = OnceLock::new();
    let jobs = server.jobs();
    let mut map = VALIDATORS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(jobs.instance_id().to_owned())
        .or_insert_with(|| {
            Validator::new(
                jobs.clone(),
                Arc::new(StoreRunRecords::new(jobs.records())),
                ValidatorConfig::from_env(),
            )
        })
        .clone()
}
