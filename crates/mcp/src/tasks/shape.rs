//! What a task looks like, pure: the mapping from job and run states to task states, and the
//! two wire shapes (MCP 2025-11-25 core tasks, and the `io.modelcontextprotocol/tasks` extension
//! through rmcp's types). Also the two message rewrites rmcp cannot express (it drops a
//! `tools/call`'s `task` param and has no `capabilities.tasks`).

use gateway_core::JobStatus;
use gateway_validate::RunStatus;
use gateway_validate::assemble::rfc3339;
use rmcp::model::{
    JsonRpcMessage, JsonRpcResponse, ServerJsonRpcMessage, ServerResult, Task, TaskStatus,
};
use serde_json::{Map, Value, json};

/// Suggested gap between two `tasks/get` calls.
pub(super) const POLL_INTERVAL_MS: u64 = 1_000;
/// The `_meta` key tying a result to its task (2025-11-25).
pub(super) const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
/// Where a 2025-11-25 `tools/call`'s `task` param is moved on arrival, so it reaches the handler.
pub(super) const LIFTED_TASK: &str = "io.github.llm-cli-gateway/task";

/// One task as both wire shapes need it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    pub id: String,
    pub status: TaskStatus,
    pub message: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// How long the task stays readable: the store's retention, whatever the client asked.
    pub ttl_ms: u64,
}

/// A job's task status, with the reason for a failure.
pub(super) fn job_status(
    status: JobStatus,
    error: Option<&str>,
    exit_code: Option<i32>,
) -> (TaskStatus, Option<String>) {
    let reason = |fallback: String| Some(error.map_or(fallback, str::to_owned));
    match status {
        JobStatus::Queued => (TaskStatus::Working, Some("queued".into())),
        JobStatus::Running => (TaskStatus::Working, Some("running".into())),
        JobStatus::Completed => (TaskStatus::Completed, None),
        JobStatus::Canceled => (TaskStatus::Cancelled, None),
        JobStatus::Failed => (
            TaskStatus::Failed,
            reason(match exit_code {
                Some(124) => "timed out".to_owned(),
                Some(code) => format!("the CLI exited {code}"),
                None => "the CLI could not start".to_owned(),
            }),
        ),
        JobStatus::Orphaned => (
            TaskStatus::Failed,
            Some(format!(
                "orphaned: its supervisor died{}",
                error.map(|error| format!(" ({error})")).unwrap_or_default()
            )),
        ),
    }
}

/// A validation run's task status: working while a seat works; cancelled when every seat was;
/// failed when none could start; completed otherwise (the report says which seats failed).
pub(super) fn run_status(status: RunStatus, seats: &[JobStatus]) -> (TaskStatus, Option<String>) {
    match status {
        RunStatus::Running => (TaskStatus::Working, Some("models working".into())),
        _ if !seats.is_empty() && seats.iter().all(|seat| *seat == JobStatus::Canceled) => {
            (TaskStatus::Cancelled, None)
        }
        RunStatus::NotStarted => (TaskStatus::Failed, Some("no model could start".into())),
        RunStatus::Completed | RunStatus::Partial => (TaskStatus::Completed, None),
    }
}

/// The 2025-11-25 `Task` object.
pub(super) fn legacy(view: &TaskView) -> Value {
    let mut task = json!({
        "taskId": view.id,
        "status": view.status,
        "createdAt": rfc3339(view.created_at_ms),
        "lastUpdatedAt": rfc3339(view.updated_at_ms),
        "ttl": view.ttl_ms,
        "pollInterval": POLL_INTERVAL_MS,
    });
    if let Some(message) = &view.message {
        task["statusMessage"] = json!(message);
    }
    task
}

/// The extension's `Task` (rmcp's type).
pub fn modern(view: &TaskView) -> Task {
    let task = Task::new(
        view.id.clone(),
        view.status,
        rfc3339(view.created_at_ms),
        rfc3339(view.updated_at_ms),
    )
    .with_ttl_ms(view.ttl_ms)
    .with_poll_interval_ms(POLL_INTERVAL_MS);
    match &view.message {
        Some(message) => task.with_status_message(message.clone()),
        None => task,
    }
}

/// `_meta` naming the related task.
pub(super) fn related(task_id: &str) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert(RELATED_TASK.into(), json!({ "taskId": task_id }));
    meta
}

/// Private method names `tools/call` with `task` (2025-11-25), `tasks/get` and `tasks/cancel`
/// are renamed to on arrival, so rmcp hands them to `on_custom_request` whichever task shape
/// the client speaks: rmcp's `tools/call` params drop `task`, and its typed `tasks/get` and
/// `tasks/cancel` speak only the extension. Never seen on the wire.
pub(super) const TASK_CALL: &str = "llm-cli-gateway/tasks/call";
pub(super) const TASK_GET: &str = "llm-cli-gateway/tasks/get";
pub(super) const TASK_CANCEL: &str = "llm-cli-gateway/tasks/cancel";

/// Renames a task request to its private method (see [`TASK_CALL`]); a `tools/call`'s `task`
/// moves into `_meta[LIFTED_TASK]`, where the tool handler sees it. True when it changed.
pub fn route_tasks(message: &mut Value) -> bool {
    let renamed = match message.get("method").and_then(Value::as_str) {
        Some("tasks/get") => TASK_GET,
        Some("tasks/cancel") => TASK_CANCEL,
        Some("tools/call") => {
            let Some(params) = message.get_mut("params").and_then(Value::as_object_mut) else {
                return false;
            };
            let Some(task) = params.remove("task") else {
                return false;
            };
            let meta = params
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert(LIFTED_TASK.into(), task);
            }
            TASK_CALL
        }
        _ => return false,
    };
    message["method"] = json!(renamed);
    true
}

/// [`route_tasks`] on a raw HTTP body: new bytes only when something changed.
pub fn route_tasks_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let mentions = |needle: &[u8]| bytes.windows(needle.len()).any(|window| window == needle);
    if !mentions(b"\"task\"") && !mentions(b"tasks/") {
        return None;
    }
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    route_tasks(&mut value)
        .then(|| serde_json::to_vec(&value).ok())
        .flatten()
}

/// The 2025-11-25 `capabilities.tasks` of this server.
pub(super) fn capability() -> Value {
    json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } })
}

/// What rmcp's types cannot hold, for an answer on its way out: `capabilities.tasks` in an
/// `initialize` answer, `execution.taskSupport: "optional"` on the task tools in `tools/list`
/// (absent means `forbidden`), as the equivalent untyped JSON. `None`: send it as it is.
pub fn decorate(message: &ServerJsonRpcMessage) -> Option<ServerJsonRpcMessage> {
    let JsonRpcMessage::Response(response) = message else {
        return None;
    };
    if !matches!(
        response.result,
        ServerResult::InitializeResult(_) | ServerResult::ListToolsResult(_)
    ) {
        return None;
    }
    let mut value = serde_json::to_value(&response.result).ok()?;
    decorate_value(&mut value);
    Some(JsonRpcMessage::Response(JsonRpcResponse {
        jsonrpc: response.jsonrpc,
        id: response.id.clone(),
        result: ServerResult::CustomResult(rmcp::model::CustomResult(value)),
    }))
}

fn decorate_value(value: &mut Value) {
    if let Some(capabilities) = value.get_mut("capabilities").and_then(Value::as_object_mut) {
        capabilities.insert("tasks".into(), capability());
    }
    if let Some(tools) = value.get_mut("tools").and_then(Value::as_array_mut) {
        for tool in tools {
            let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
            if super::TASK_TOOLS.contains(&name) {
                tool["execution"] = json!({ "taskSupport": "optional" });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_states_map_to_task_states() {
        let cases = [
            (JobStatus::Queued, None, None, "working", Some("queued")),
            (JobStatus::Running, None, None, "working", Some("running")),
            (JobStatus::Completed, None, Some(0), "completed", None),
            (JobStatus::Canceled, None, None, "cancelled", None),
            (
                JobStatus::Failed,
                None,
                Some(124),
                "failed",
                Some("timed out"),
            ),
            (
                JobStatus::Failed,
                None,
                Some(2),
                "failed",
                Some("the CLI exited 2"),
            ),
            (
                JobStatus::Failed,
                Some("not logged in"),
                Some(1),
                "failed",
                Some("not logged in"),
            ),
            (
                JobStatus::Orphaned,
                None,
                None,
                "failed",
                Some("orphaned: its supervisor died"),
            ),
        ];
        for (status, error, exit, task, message) in cases {
            let (mapped, text) = job_status(status, error, exit);
            assert_eq!(json!(mapped), json!(task), "{status:?}");
            assert_eq!(text.as_deref(), message, "{status:?}");
        }
    }

    #[test]
    fn run_states_map_to_task_states() {
        use JobStatus::{Canceled, Completed, Failed};
        let cases = [
            (RunStatus::Running, vec![Completed], "working"),
            (
                RunStatus::Completed,
                vec![Completed, Completed],
                "completed",
            ),
            (RunStatus::Partial, vec![Completed, Failed], "completed"),
            (RunStatus::Partial, vec![Canceled, Canceled], "cancelled"),
            (RunStatus::NotStarted, vec![Failed], "failed"),
            (RunStatus::NotStarted, vec![], "failed"),
        ];
        for (run, seats, task) in cases {
            assert_eq!(
                json!(run_status(run, &seats).0),
                json!(task),
                "{run:?} {seats:?}"
            );
        }
    }

    #[test]
    fn both_wire_shapes() {
        let view = TaskView {
            id: "j1".into(),
            status: TaskStatus::Failed,
            message: Some("timed out".into()),
            created_at_ms: 0,
            updated_at_ms: 1_500,
            ttl_ms: 86_400_000,
        };
        assert_eq!(
            legacy(&view),
            json!({"taskId": "j1", "status": "failed", "statusMessage": "timed out",
                   "createdAt": "1970-01-01T00:00:00.000Z", "lastUpdatedAt": "1970-01-01T00:00:01.500Z",
                   "ttl": 86_400_000, "pollInterval": 1000})
        );
        let modern = serde_json::to_value(modern(&view)).unwrap();
        assert_eq!(modern["ttlMs"], 86_400_000);
        assert_eq!(modern["pollIntervalMs"], 1000);
        assert_eq!(modern["statusMessage"], "timed out");
    }

    #[test]
    fn task_requests_are_routed_to_private_methods() {
        let mut call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "claude_request", "arguments": {}, "task": {"ttl": 60000}}});
        assert!(route_tasks(&mut call));
        assert_eq!(call["method"], TASK_CALL);
        assert_eq!(call["params"]["_meta"][LIFTED_TASK], json!({"ttl": 60000}));
        assert!(call["params"].get("task").is_none());
        for (method, private) in [("tasks/get", TASK_GET), ("tasks/cancel", TASK_CANCEL)] {
            let mut request = json!({"method": method, "params": {"taskId": "j"}});
            assert!(route_tasks(&mut request));
            assert_eq!(request["method"], private);
        }
        let mut plain = json!({"method": "tools/call", "params": {"name": "x"}});
        assert!(!route_tasks(&mut plain));
        let mut update = json!({"method": "tasks/update", "params": {"taskId": "j"}});
        assert!(!route_tasks(&mut update));
        assert_eq!(
            route_tasks_bytes(br#"{"method":"tools/call","params":{"name":"x"}}"#),
            None
        );
    }

    #[test]
    fn answers_gain_what_rmcp_cannot_type() {
        let mut init = json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}});
        decorate_value(&mut init);
        assert_eq!(init["capabilities"]["tasks"], capability());
        let mut list = json!({"tools": [{"name": "claude_request"}, {"name": "llm_job_status"}]});
        decorate_value(&mut list);
        assert_eq!(
            list["tools"][0]["execution"],
            json!({"taskSupport": "optional"})
        );
        assert!(
            list["tools"][1].get("execution").is_none(),
            "absent = forbidden"
        );
    }
}
