//! `review_changes`: several models review a git diff of `workingDir` at once (read-only), and
//! the `review-report.v1` merges their findings with corroboration counts. A thin wrapper over
//! [`gateway_validate::Validator::start_review`]: the run starts, the call waits at most `waitMs`
//! with one progress notification per finished seat, and a run that outlives the wait is
//! returned as it stands (`job_status` with its `reviewId` continues).

use std::time::Duration;

use gateway_core::ProviderId;
use gateway_validate::review::ReviewSpec;
use gateway_validate::review::diff::DiffTarget;
use gateway_validate::review::render::render_review;
use gateway_validate::review::report::ReviewReport;
use gateway_validate::{SeatChoice, SeatProgress, Validator};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::error::{ToolError, ToolResult};
use crate::server::Server;
use crate::tools::validate::{SeatParams, follow, seat_dir, tool_error, validator, wait_of};
use crate::tools::{ToolSpec, route, structured};

pub fn router() -> ToolRouter<Server> {
    ToolRouter::new().with_route(route(
        ToolSpec::new(
            "review_changes",
            "Several models review a git diff of workingDir (working tree, staged, range or base), read-only; review-report.v1: merged findings, failed seats, verdicts.",
        ),
        review_changes,
    ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewParams {
    /// Only staged changes.
    #[serde(default)]
    pub staged: bool,
    /// Commit range, e.g. `main..HEAD`.
    pub range: Option<String>,
    /// Review HEAD's commits since this branch (`base...HEAD`).
    pub base: Option<String>,
    /// Limit the diff to these paths.
    pub paths: Option<Vec<String>>,
    /// Default: installed of claude, codex, gemini.
    pub models: Option<Vec<ProviderId>>,
    /// What to look for.
    pub focus: Option<String>,
    /// Default 400000 (1000–2000000).
    pub max_diff_bytes: Option<u64>,
    /// The repository (required); seats run there read-only. `readOnly` cannot be turned off.
    #[serde(flatten)]
    pub seats: SeatParams,
}

async fn review_changes(
    server: Server,
    params: ReviewParams,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let wait = wait_of(&server, &params.seats)?;
    if params.seats.read_only == Some(false) {
        return Err(ToolError::param(
            "readOnly",
            "review seats are always read-only",
        ));
    }
    let Some(working_dir) = seat_dir(&server, &params.seats, &context).await? else {
        return Err(ToolError::param(
            "isolated",
            "a review needs the git repository to review: drop `isolated`",
        ));
    };
    let target = DiffTarget::from_params(params.staged, params.range, params.base)
        .map_err(|error| ToolError::Fixable(error.to_string()))?;
    let spec = ReviewSpec {
        working_dir,
        target,
        paths: params.paths.unwrap_or_default(),
        focus: params.focus,
        seats: params
            .models
            .unwrap_or_default()
            .into_iter()
            .map(SeatChoice::provider)
            .collect(),
        max_diff_bytes: params
            .max_diff_bytes
            .map(|bytes| usize::try_from(bytes).unwrap_or(usize::MAX)),
        force_refresh: params.seats.force_refresh,
        origin_tool: "review_changes".to_owned(),
    };
    let validator = validator(&server);
    let started = validator.start_review(spec).await.map_err(tool_error)?;
    let report = wait_review(&validator, &started.review_id, wait, &context).await?;
    review_result(&report)
}

/// The report as text plus `structuredContent` (also used by `job_status`).
pub(crate) fn review_result(report: &ReviewReport) -> ToolResult {
    structured(render_review(report), report)
}

/// Waits for review `id` with a progress notification per finished seat (and a heartbeat);
/// a client cancellation cancels the seats.
async fn wait_review(
    validator: &Validator,
    id: &str,
    wait: Duration,
    context: &RequestContext<RoleServer>,
) -> Result<ReviewReport, ToolError> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel::<SeatProgress>();
    let on_progress = move |event: SeatProgress| {
        let _ = sender.send(event);
    };
    let waiting = validator.wait_review(id, wait, &on_progress);
    follow(validator, id, "review", waiting, receiver, context).await
}
