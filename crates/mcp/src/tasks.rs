//! MCP tasks on the durable store (docs/tasks.md). A task *is* a job (a `<provider>_request`)
//! or a validation run (`validate_with_models`, `second_opinion`, `red_team_review`,
//! `consensus_check`): its id is theirs, its state is read from their rows, and the `tasks`
//! table only says which of them a client asked for as a task and through which tool. So a
//! task outlives the gateway process like any job, and any gateway on the database serves it.
//!
//! Two shapes are spoken: MCP 2025-11-25 (`tools/call` with `task`, `tasks/get`, `tasks/result`,
//! `tasks/list`, `tasks/cancel`, `notifications/tasks/status`) and, to clients that declared
//! it, the `io.modelcontextprotocol/tasks` extension (rmcp's types: `resultType: "task"`,
//! `tasks/get` with the result inline, `tasks/cancel` acknowledged). The transports rename the
//! task requests to private methods ([`route_tasks`]) that [`request`] serves in the client's
//! shape. rmcp's in-memory task manager is never used.

mod shape;

use std::time::Duration;

use gateway_core::ProviderId;
use gateway_jobs::{JobSnapshot, Submitted};
use gateway_validate::RunStatus;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CustomNotification, CustomRequest,
    CustomResult, DetailedTask, ErrorCode, GetTaskResult, JsonObject, ServerNotification,
    TaskAckResult, TaskPayload, TaskStatus, TaskStatusNotification, TaskStatusNotificationParams,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData, RoleServer};
use serde_json::{Value, json};

pub use shape::{TaskView, decorate, modern as shape_modern, route_tasks, route_tasks_bytes};

use crate::server::Server;
use crate::tools::validate::{report_result, validator};

/// The tools a client may call as a task (`execution.taskSupport: "optional"`); every other
/// tool is `forbidden` (the default when `execution` is absent, which keeps `tools/list` small).
pub const TASK_TOOLS: &[&str] = &[
    "claude_request",
    "codex_request",
    "gemini_request",
    "grok_request",
    "mistral_request",
    "validate_with_models",
    "second_opinion",
    "red_team_review",
    "consensus_check",
];

/// Page size of `tasks/list`.
const LIST_PAGE: u32 = 50;
/// How long one wait inside `tasks/result` or a watcher lasts before it looks again.
const WAIT_SLICE: Duration = Duration::from_secs(30);

/// Serves a task request (renamed on arrival, or the 2025-11-25 `tasks/result`, `tasks/list`);
/// `None` for any other custom method.
pub async fn request(
    server: &Server,
    request: CustomRequest,
    context: RequestContext<RoleServer>,
) -> Option<Result<CustomResult, ErrorData>> {
    let known = [
        shape::TASK_CALL,
        shape::TASK_GET,
        shape::TASK_CANCEL,
        "tasks/result",
        "tasks/list",
    ];
    if !known.contains(&request.method.as_str()) {
        return None;
    }
    Some(answer(server, request, context).await.map(CustomResult))
}

async fn answer(
    server: &Server,
    request: CustomRequest,
    context: RequestContext<RoleServer>,
) -> Result<Value, ErrorData> {
    let extension = extension_declared(&context);
    let params = request.params.clone().unwrap_or(Value::Null);
    let id = || {
        params
            .get("taskId")
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorData::invalid_params("`taskId` (a string) is required", None))
    };
    match request.method.as_str() {
        shape::TASK_CALL => call(server, request, context).await,
        shape::TASK_GET => {
            let view = view(server, id()?).await?;
            let view = view.ok_or_else(|| unknown(id().unwrap_or_default()))?;
            match extension {
                true => to_value(&GetTaskResult::new(detailed(server, view).await?)),
                false => Ok(shape::legacy(&view)),
            }
        }
        shape::TASK_CANCEL => {
            let view = cancel(server, id()?).await?;
            match extension {
                true => to_value(&TaskAckResult::new()),
                false => Ok(shape::legacy(&view)),
            }
        }
        "tasks/result" => to_value(&result(server, id()?).await?),
        _ => list(server, params.get("cursor").and_then(Value::as_str)).await,
    }
}

/// A `tools/call` with `task`: the task; a refusal (an `isError` result) as invalid params,
/// since the client expects a task; a dry run's own answer.
async fn call(
    server: &Server,
    request: CustomRequest,
    mut context: RequestContext<RoleServer>,
) -> Result<Value, ErrorData> {
    let invalid = |error: String| {
        ErrorData::invalid_params(format!("invalid params for `tools/call`: {error}"), None)
    };
    let mut params: CallToolRequestParams = request
        .params_as()
        .map_err(|error| invalid(error.to_string()))?
        .ok_or_else(|| invalid("missing".into()))?;
    // The request's `_meta` (progress token, task marker) is the context's, as for any call.
    if let Some(meta) = params.meta.take() {
        context.meta.0.0.extend(meta.0.0);
    }
    let tool = params.name.to_string();
    if !TASK_TOOLS.contains(&tool.as_str()) {
        return Err(ErrorData::invalid_params(
            format!(
                "tool `{tool}` cannot run as a task (execution.taskSupport is forbidden): call it without `task`"
            ),
            None,
        ));
    }
    let peer = context.peer.clone();
    let response = server.call_recorded(params, context).await?;
    let CallToolResponse::Complete(result) = response else {
        return Err(internal("a task tool answered neither a result nor a task"));
    };
    if result.is_error == Some(true) {
        let text = result.content.iter().filter_map(|block| block.as_text());
        let text: Vec<&str> = text.map(|text| text.text.as_str()).collect();
        return Err(ErrorData::invalid_params(text.join("\n"), None));
    }
    match create(server, &tool, &result, peer, Flavor::Legacy).await? {
        Some(view) => Ok(json!({ "task": shape::legacy(&view) })),
        None => to_value(&result),
    }
}

fn to_value(value: &impl serde::Serialize) -> Result<Value, ErrorData> {
    serde_json::to_value(value).map_err(internal)
}

/// Which task shape a call asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// MCP 2025-11-25: the call carried `task: {ttl}`.
    Legacy,
    /// The client declared the `io.modelcontextprotocol/tasks` extension.
    Extension,
}

/// Whether the client declared the tasks extension (then every task answer is its shape).
pub fn extension_declared(context: &RequestContext<RoleServer>) -> bool {
    context
        .client_capabilities()
        .is_some_and(|capabilities| capabilities.supports_tasks())
}

/// Whether a call asked for a 2025-11-25 task: then the tool handler starts its work and
/// answers at once (an extension client's call waits as a sync call does; see [`deferred`]).
pub fn starts_at_once(tool: &str, context: &RequestContext<RoleServer>) -> bool {
    flavor(tool, context) == Some(Flavor::Legacy)
}

/// Whether a sync answer is a deferral (a `<provider>_request` past the sync deadline, a run
/// still working): what becomes a task for a client that declared the extension.
pub fn deferred(result: &CallToolResult) -> bool {
    let status = result
        .structured_content
        .as_ref()
        .and_then(|value| value.get("status"));
    matches!(status.and_then(Value::as_str), Some("deferred" | "running"))
}

/// Whether this call of `tool` may become a task, and in which shape.
pub fn flavor(tool: &str, context: &RequestContext<RoleServer>) -> Option<Flavor> {
    if !TASK_TOOLS.contains(&tool) {
        return None;
    }
    if extension_declared(context) {
        return Some(Flavor::Extension);
    }
    context
        .meta
        .contains_key(shape::LIFTED_TASK)
        .then_some(Flavor::Legacy)
}

/// The last four task tools start validation runs; the others jobs.
fn is_run(tool: &str) -> bool {
    TASK_TOOLS[5..].contains(&tool)
}

fn internal(error: impl std::fmt::Display) -> ErrorData {
    ErrorData::internal_error(error.to_string(), None)
}

pub(crate) fn unknown(id: &str) -> ErrorData {
    ErrorData::invalid_params(
        format!("no task `{id}` (tasks are kept as long as their jobs; see tasks/list)"),
        None,
    )
}

/// Records the job or run a task-mode handler started (its `jobId` / `validationId`) as a
/// task, and watches it for the status notification. `None`: the handler started nothing
/// (a dry run, a refused call), so its result is the answer.
pub async fn create(
    server: &Server,
    tool: &str,
    result: &CallToolResult,
    peer: Peer<RoleServer>,
    flavor: Flavor,
) -> Result<Option<TaskView>, ErrorData> {
    let structured = result.structured_content.as_ref();
    let id = structured
        .and_then(|value| value.get("jobId").or_else(|| value.get("validationId")))
        .and_then(Value::as_str);
    let Some(id) = id.filter(|_| result.is_error != Some(true)) else {
        return Ok(None);
    };
    let records = server.jobs().records();
    records.put_task(id, tool).await.map_err(internal)?;
    let view = view(server, id).await?.ok_or_else(|| unknown(id))?;
    if !view.status.is_terminal() {
        tokio::spawn(watch(server.clone(), id.to_owned(), peer, flavor));
    }
    Ok(Some(view))
}

/// Task `id` as it stands, or `None` when it is no task (or its job has been pruned).
pub async fn view(server: &Server, id: &str) -> Result<Option<TaskView>, ErrorData> {
    let Some(record) = server.jobs().records().task(id).await.map_err(internal)? else {
        return Ok(None);
    };
    let ttl_ms = u64::from(server.jobs().retention_days()) * 86_400_000;
    let mut view = TaskView {
        id: id.to_owned(),
        status: TaskStatus::Working,
        message: None,
        created_at_ms: record.created_at_ms,
        updated_at_ms: record.created_at_ms,
        ttl_ms,
    };
    if is_run(&record.tool) {
        let Ok(report) = validator(server).report(id).await else {
            return Ok(None);
        };
        let seats = seat_snapshots(server, &report.job_ids).await?;
        let statuses: Vec<_> = seats.iter().map(|seat| seat.status).collect();
        (view.status, view.message) = shape::run_status(report.status, &statuses);
        view.updated_at_ms = seats
            .iter()
            .map(updated_at)
            .max()
            .unwrap_or(view.created_at_ms);
    } else {
        let Some(job) = server.jobs().status(id).await.map_err(internal)? else {
            return Ok(None);
        };
        (view.status, view.message) =
            shape::job_status(job.status, job.error.as_deref(), job.exit_code);
        view.created_at_ms = job.created_at_ms;
        view.updated_at_ms = updated_at(&job);
    }
    Ok(Some(view))
}

async fn seat_snapshots(server: &Server, ids: &[String]) -> Result<Vec<JobSnapshot>, ErrorData> {
    let mut seats = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(seat) = server.jobs().status(id).await.map_err(internal)? {
            seats.push(seat);
        }
    }
    Ok(seats)
}

fn updated_at(job: &JobSnapshot) -> i64 {
    job.finished_at_ms
        .or(job.started_at_ms)
        .unwrap_or(job.created_at_ms)
}

/// The answer of task `id` once it is terminal (waits until then): exactly what its tool would
/// have answered had it waited, with the related-task `_meta`.
pub async fn result(server: &Server, id: &str) -> Result<CallToolResult, ErrorData> {
    let record = server.jobs().records().task(id).await.map_err(internal)?;
    let record = record.ok_or_else(|| unknown(id))?;
    let outcome = if is_run(&record.tool) {
        let validator = validator(server);
        let report = loop {
            let report = validator.wait(id, WAIT_SLICE, &|_| {}).await;
            let report = report.map_err(internal)?;
            if report.status != RunStatus::Running {
                break report;
            }
        };
        report_result(&report)
    } else {
        let snapshot = loop {
            let ended = server.jobs().wait(id, WAIT_SLICE).await.map_err(internal)?;
            if let Some(snapshot) = ended {
                break snapshot;
            }
            if server.jobs().status(id).await.map_err(internal)?.is_none() {
                return Err(unknown(id));
            }
        };
        job_result(server, &snapshot)
    };
    let mut result = crate::error::into_response(outcome)?;
    // As a plain result of a 2025-11-25 peer: no `resultType` (rmcp strips it from its own).
    result.result_type = None;
    result.meta = Some(rmcp::model::MetaObject(shape::related(id)));
    Ok(result)
}

/// The `<provider>_request` answer for a finished job.
fn job_result(server: &Server, snapshot: &JobSnapshot) -> crate::error::ToolResult {
    let provider: ProviderId = snapshot
        .provider
        .parse()
        .map_err(crate::error::ToolError::internal)?;
    let submitted = Submitted {
        job_id: snapshot.job_id.clone(),
        correlation_id: snapshot.correlation_id.clone(),
        status: snapshot.status,
        deduped_from: None,
    };
    crate::tools::providers::finished_result(
        provider,
        &submitted,
        snapshot,
        Vec::new(),
        server.settings().inline_max_chars,
    )
}

/// Cancels task `id` (the job's process tree, or every seat of the run) and answers its view.
pub async fn cancel(server: &Server, id: &str) -> Result<TaskView, ErrorData> {
    let view = view(server, id).await?.ok_or_else(|| unknown(id))?;
    if view.status.is_terminal() {
        return Err(ErrorData::invalid_params(
            format!(
                "task `{id}` already ended ({}); only a working task can be cancelled",
                json!(view.status).as_str().unwrap_or_default()
            ),
            None,
        ));
    }
    match server.jobs().records().task(id).await.map_err(internal)? {
        Some(record) if is_run(&record.tool) => {
            crate::tools::validate::cancel_run(&validator(server), id).await;
        }
        _ => {
            server.jobs().cancel(id).await.map_err(internal)?;
        }
    }
    let mut view = self::view(server, id).await?.ok_or_else(|| unknown(id))?;
    view.status = TaskStatus::Cancelled;
    view.message = None;
    Ok(view)
}

/// One page of tasks, newest first (2025-11-25 `tasks/list`).
pub async fn list(server: &Server, cursor: Option<&str>) -> Result<Value, ErrorData> {
    let offset = match cursor {
        None => 0,
        Some(cursor) => cursor.parse::<u32>().map_err(|_| {
            ErrorData::invalid_params(
                format!("invalid cursor `{cursor}`: pass a nextCursor from tasks/list"),
                None,
            )
        })?,
    };
    let records = server.jobs().records();
    let page = records
        .list_tasks(offset, LIST_PAGE)
        .await
        .map_err(internal)?;
    let mut tasks = Vec::with_capacity(page.len());
    for record in &page {
        if let Some(view) = view(server, &record.id).await? {
            tasks.push(shape::legacy(&view));
        }
    }
    let mut answer = json!({ "tasks": tasks });
    if page.len() == LIST_PAGE as usize {
        answer["nextCursor"] = json!((offset + LIST_PAGE).to_string());
    }
    Ok(answer)
}

/// The extension's detailed task: the tool's result inline once completed, the reason (and the
/// tool's result as `data`) once failed.
pub async fn detailed(server: &Server, view: TaskView) -> Result<DetailedTask, ErrorData> {
    let payload = match view.status {
        TaskStatus::Completed => TaskPayload::Completed {
            result: to_object(&result(server, &view.id).await?)?,
        },
        TaskStatus::Failed => {
            let data = result(server, &view.id).await?;
            let error = json!({
                "code": ErrorCode::INTERNAL_ERROR.0,
                "message": view.message.clone().unwrap_or_else(|| "failed".into()),
                "data": data,
            });
            TaskPayload::Failed {
                error: to_object(&error)?,
            }
        }
        TaskStatus::Cancelled => TaskPayload::Cancelled,
        _ => TaskPayload::Working,
    };
    Ok(DetailedTask::new(shape::modern(&view), payload))
}

fn to_object(value: &impl serde::Serialize) -> Result<JsonObject, ErrorData> {
    match to_value(value)? {
        Value::Object(object) => Ok(object),
        _ => Err(internal("a task result is not a JSON object")),
    }
}

/// Sends the status notification when task `id` ends, if the session still lives then.
async fn watch(server: Server, id: String, peer: Peer<RoleServer>, flavor: Flavor) {
    loop {
        if peer.is_transport_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(shape::POLL_INTERVAL_MS)).await;
        match view(&server, &id).await {
            Ok(Some(view)) if view.status.is_terminal() => {
                let _ = peer
                    .send_notification(notification(&server, view, flavor).await)
                    .await;
                return;
            }
            Ok(Some(_)) => {
                let _ = server.jobs().wait(&id, WAIT_SLICE).await;
            }
            Ok(None) | Err(_) => return,
        }
    }
}

async fn notification(server: &Server, view: TaskView, flavor: Flavor) -> ServerNotification {
    match flavor {
        Flavor::Legacy => ServerNotification::CustomNotification(CustomNotification::new(
            "notifications/tasks/status",
            Some(shape::legacy(&view)),
        )),
        Flavor::Extension => {
            let fallback = DetailedTask::new(shape::modern(&view), TaskPayload::Working);
            let detailed = detailed(server, view).await.unwrap_or(fallback);
            ServerNotification::TaskStatusNotification(TaskStatusNotification::new(
                TaskStatusNotificationParams::from(detailed),
            ))
        }
    }
}
