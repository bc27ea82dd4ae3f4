//! The MCP server value: one per process, cloned (cheaply, through an `Arc`) into every stdio or
//! HTTP session, so all sessions share one job service, one recorder and one tool router.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_core::env;
use gateway_jobs::JobService;
use gateway_provider::models::ModelRegistry;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
    CreateTaskResult, CustomRequest, CustomResult, ErrorCode, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::record::{Recorder, ToolCallEntry};
use crate::resources::Skills;
use crate::wire::ApprovalPolicy;

/// Settings read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a sync request waits before answering `deferred` (spec §2.6).
    pub sync_deadline: Duration,
    /// Longest answer text inlined in a result; longer answers are cut and linked.
    pub inline_max_chars: usize,
    /// Where `SKILL.md` skills are read from, when not the built-in ones.
    pub skills_dir: Option<PathBuf>,
    /// Default threshold of the approval manager.
    pub approval_policy: ApprovalPolicy,
    /// `LLM_GATEWAY_APPROVAL_ALLOW_BYPASS=1`: the approval manager may accept bypass requests.
    pub approval_allow_bypass: bool,
    /// `LLM_GATEWAY_GEMINI_BACKEND`, as set: checked by `GeminiBackend::select` per request, so
    /// a bad value is an error that names the variable.
    pub gemini_backend: Option<String>,
    /// `LLM_GATEWAY_TOOLSETS`: the tool families served (`None`: all).
    pub toolsets: Option<Vec<String>>,
    /// Over stdio, the directory the client started the gateway in: where a request runs when
    /// it names no `workingDir` and the client shares no roots (`None` over HTTP).
    pub stdio_working_dir: Option<PathBuf>,
}

/// Default sync deadline: below the 60 s tool time-out most clients use.
pub const DEFAULT_SYNC_DEADLINE: Duration = Duration::from_secs(45);
/// Default inline cap: large enough for any normal answer, small enough for a client's context.
pub const DEFAULT_INLINE_MAX_CHARS: usize = 100_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sync_deadline: DEFAULT_SYNC_DEADLINE,
            inline_max_chars: DEFAULT_INLINE_MAX_CHARS,
            skills_dir: None,
            approval_policy: ApprovalPolicy::Balanced,
            approval_allow_bypass: false,
            gemini_backend: None,
            toolsets: None,
            stdio_working_dir: None,
        }
    }
}

impl Settings {
    /// Reads `LLM_GATEWAY_SYNC_DEADLINE_MS`, `LLM_GATEWAY_SKILLS_DIR`,
    /// `LLM_GATEWAY_APPROVAL_POLICY`, `LLM_GATEWAY_APPROVAL_ALLOW_BYPASS`,
    /// `LLM_GATEWAY_GEMINI_BACKEND` and `LLM_GATEWAY_TOOLSETS`. Unreadable values
    /// fall back to the default with a warning (the server still starts).
    pub fn from_env() -> Settings {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        let mut settings = Settings::default();
        if let Some(text) = var(env::SYNC_DEADLINE_MS) {
            match text.trim().parse::<u64>() {
                Ok(ms) => settings.sync_deadline = Duration::from_millis(ms),
                Err(_) => tracing::warn!(
                    "ignoring {}={text:?}: not a number of ms",
                    env::SYNC_DEADLINE_MS
                ),
            }
        }
        settings.skills_dir = var(env::SKILLS_DIR).map(PathBuf::from);
        if let Some(text) = var(env::APPROVAL_POLICY) {
            match text.trim() {
                "strict" => settings.approval_policy = ApprovalPolicy::Strict,
                "balanced" => settings.approval_policy = ApprovalPolicy::Balanced,
                "permissive" => settings.approval_policy = ApprovalPolicy::Permissive,
                other => tracing::warn!(
                    "ignoring {}={other:?}: expected strict|balanced|permissive",
                    env::APPROVAL_POLICY
                ),
            }
        }
        settings.approval_allow_bypass =
            var(env::APPROVAL_ALLOW_BYPASS).is_some_and(|v| v.trim() == "1");
        settings.gemini_backend = var(env::GEMINI_BACKEND);
        settings.toolsets = var(env::TOOLSETS).map(|text| parse_toolsets(&text));
        settings
    }
}

/// The known family names in `text` (comma-separated); unknown ones are ignored with a warning
/// that lists the valid names.
fn parse_toolsets(text: &str) -> Vec<String> {
    let known: Vec<&str> = crate::tools::TOOLSETS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let mut chosen = Vec::new();
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if known.contains(&name) {
            chosen.push(name.to_owned());
        } else {
            tracing::warn!(
                "ignoring {name:?} in {}: known toolsets are {}",
                env::TOOLSETS,
                known.join(", ")
            );
        }
    }
    chosen
}

/// The MCP server. `Clone` shares everything.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: JobService,
    settings: Settings,
    models: ModelRegistry,
    tools: ToolRouter<Server>,
    recorder: Recorder,
    skills: Skills,
}

const INSTRUCTIONS: &str = "Runs AI coding CLIs (claude, codex, gemini, grok, mistral) as durable jobs. \
<provider>_request waits up to the sync deadline, then returns status \"deferred\" with a jobId: poll \
llm_job_status, collect llm_job_result, cancel llm_job_cancel. <provider>_request_async takes the same \
parameters and returns the jobId at once. Jobs run in workingDir, else the client's first root, else the \
gateway's own directory (stdio); isolated:true runs in a fresh temp dir. dryRun:true shows the exact command \
and directory. Identical recent requests are deduplicated (deduped:true; forceRefresh:true skips). \
Validation tools (validate_with_models, …) run read-only seats (readOnly:false lifts it) and wait up to \
waitMs. Skills: resources skills://<name>.";

impl Server {
    /// Builds the server around a started job service. Must be called inside a Tokio runtime
    /// (the tool-call recorder runs as a task).
    pub fn new(jobs: JobService, settings: Settings) -> Server {
        let tools = crate::tools::router(settings.toolsets.as_deref());
        let recorder = Recorder::spawn(jobs.clone());
        let skills = Skills::load(settings.skills_dir.as_deref());
        let models = ModelRegistry::from_process_env();
        for warning in models.warnings() {
            tracing::warn!("model registry: {warning}");
        }
        Server {
            inner: Arc::new(Inner {
                jobs,
                settings,
                models,
                tools,
                recorder,
                skills,
            }),
        }
    }

    pub fn jobs(&self) -> &JobService {
        &self.inner.jobs
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Defaults, known models and aliases per provider (from the environment, read at start).
    pub fn models(&self) -> &ModelRegistry {
        &self.inner.models
    }

    pub(crate) fn skills(&self) -> &Skills {
        &self.inner.skills
    }

    /// Every tool, sorted by name, exactly as `tools/list` serves them.
    pub fn tools(&self) -> Vec<Tool> {
        self.inner.tools.list_all()
    }

    /// Runs a tool call through the router and records it (every call, task or not).
    pub(crate) async fn call_recorded(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let started = Instant::now();
        let client = context.client_info();
        let tool = request.name.to_string();
        let args_summary = crate::record::summarize_args(request.arguments.as_ref());
        let outcome = self
            .inner
            .tools
            .call(ToolCallContext::new(self, request, context))
            .await;
        self.inner.recorder.record(ToolCallEntry::new(
            tool,
            client,
            args_summary,
            started.elapsed(),
            &outcome,
        ));
        outcome
    }

    /// Tool calls the recorder had to drop because its queue was full.
    pub fn dropped_records(&self) -> u64 {
        self.inner.recorder.dropped()
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        // No `logging` (deprecated, and advertising it without set_level breaks clients: spec
        // decision 17) and no prompts.
        // `enable_tasks` is the tasks extension; the 2025-11-25 `capabilities.tasks` is added
        // on the way out (`tasks::decorate`), rmcp's capabilities having no such field.
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_tasks()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "llm-cli-gateway",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.tools.get(name).cloned()
    }

    /// A call of a task tool by a client that declared the tasks extension answers with the
    /// task (`resultType: "task"`) where it would have deferred; the 2025-11-25 form arrives as
    /// a custom request (see [`crate::tasks`]).
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tool = request.name.to_string();
        let flavor = crate::tasks::flavor(&tool, &context);
        let peer = context.peer.clone();
        let response = self.call_recorded(request, context).await?;
        match (flavor, response) {
            (Some(flavor), CallToolResponse::Complete(result))
                if crate::tasks::deferred(&result) =>
            {
                match crate::tasks::create(self, &tool, &result, peer, flavor).await? {
                    Some(view) => Ok(CallToolResponse::Task(CreateTaskResult::new(
                        crate::tasks::shape_modern(&view),
                    ))),
                    None => Ok(CallToolResponse::Complete(result)),
                }
            }
            (_, response) => Ok(response),
        }
    }

    /// rmcp 3.11 answers -32601 for capabilities not advertised; we keep answering an empty
    /// list, as before (the conformance suite checks it; there are no prompts).
    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::default())
    }

    /// As [`Self::list_prompts`]: an empty completion, as before rmcp 3.11.
    async fn complete(
        &self,
        _request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        Ok(CompleteResult::default())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(crate::resources::list(
            self,
        )))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            crate::resources::templates(),
        ))
    }

    /// rmcp hands over as "custom" every request it could not parse, including a standard one
    /// whose params are malformed (`tools/call` with `arguments: [1, 2]`): that is invalid
    /// params (-32602), not an unknown method.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        let error = custom_request_error(&request);
        match crate::tasks::request(self, request, context).await {
            Some(answer) => answer,
            None => Err(error),
        }
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        crate::resources::read(self, &request.uri)
            .await
            .map(ReadResourceResponse::Complete)
    }
}

/// Requests a client may send a server (MCP 2025-11-25 and the tasks extension).
const STANDARD_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
];

/// The error for a request rmcp could not type: invalid params for a standard method (saying
/// what is wrong where it can), method not found otherwise.
fn custom_request_error(request: &CustomRequest) -> ErrorData {
    let method = request.method.as_str();
    if !STANDARD_METHODS.contains(&method) {
        return ErrorData::new(ErrorCode::METHOD_NOT_FOUND, method.to_owned(), None);
    }
    let detail = match (method, request.params_as::<CallToolRequestParams>()) {
        ("tools/call", Err(error)) => format!(": {error}"),
        _ => String::new(),
    };
    ErrorData::invalid_params(
        format!(
            "invalid params for `{method}`{detail} (see the method's schema in the MCP specification)"
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_standard_requests_are_invalid_params_and_others_unknown() {
        let cases = [
            (
                "tools/call",
                Some(serde_json::json!({"name": "x", "arguments": [1, 2]})),
                -32602,
                "invalid type: sequence",
            ),
            (
                "resources/read",
                Some(serde_json::json!({"uri": 7})),
                -32602,
                "resources/read",
            ),
            ("no/such", None, -32601, "no/such"),
        ];
        for (method, params, code, says) in cases {
            let error = custom_request_error(&CustomRequest::new(method, params));
            assert_eq!(error.code.0, code, "{method}");
            assert!(error.message.contains(says), "{method}: {}", error.message);
        }
    }
}
