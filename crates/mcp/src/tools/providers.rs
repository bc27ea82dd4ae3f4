//! `<provider>_request` and `<provider>_request_async`: common parameters plus the provider's
//! own options (flattened into one schema), built into a command by `gateway-provider`, run by
//! the job service. The sync form waits on the job's completion signal and defers after the
//! sync deadline; the async form answers with the job id at once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::{JobStatus, ProviderId};
use gateway_jobs::{JobSnapshot, ProgressEvent, SubmitRequest, Submitted};
use gateway_provider::gemini::GeminiBackend;
use gateway_provider::{CommandSpec, ProviderOptions, RunRequest, SessionMode};
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{ContentBlock, JsonObject, Resource};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tokio::sync::broadcast;

use crate::error::{ToolError, ToolResult};
use crate::progress::Forwarder;
use crate::schema;
use crate::server::Server;
use crate::tools::{Parser, ToolSpec, check_range, route_with, structured};
use crate::wire::{
    ApprovalStrategy, AsyncStart, CommonParams, DedupedFrom, DryRunCommand, RequestResult,
    RequestStatus,
};
use crate::{approval, workdir};

/// Longest wall-clock limit accepted (a day); longer runs should be split.
const MAX_TIMEOUT_MS: u64 = 24 * 3_600_000;

/// Sync or async twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sync,
    Async,
}

/// One provider's pair of tools.
struct Pair {
    provider: ProviderId,
    sync_name: &'static str,
    async_name: &'static str,
    sync_description: &'static str,
    async_description: &'static str,
}

/// The ten provider tools.
pub fn router() -> ToolRouter<Server> {
    use gateway_provider::{claude, codex, gemini, grok, vibe};
    let mut router = ToolRouter::new();
    add::<claude::ClaudeOptions>(
        &mut router,
        pair(ProviderId::Claude),
        ProviderOptions::Claude,
    );
    add::<codex::CodexOptions>(&mut router, pair(ProviderId::Codex), ProviderOptions::Codex);
    add::<gemini::GeminiOptions>(
        &mut router,
        pair(ProviderId::Gemini),
        ProviderOptions::Gemini,
    );
    add::<grok::GrokOptions>(&mut router, pair(ProviderId::Grok), ProviderOptions::Grok);
    add::<vibe::VibeOptions>(
        &mut router,
        pair(ProviderId::Mistral),
        ProviderOptions::Mistral,
    );
    router
}

fn pair(provider: ProviderId) -> Pair {
    match provider {
        ProviderId::Claude => Pair {
            provider,
            sync_name: "claude_request",
            async_name: "claude_request_async",
            sync_description: "Ask Claude Code (claude -p) and wait for the answer (after the sync deadline: a job to poll).",
            async_description: "claude_request in the background (same parameters); returns the jobId at once.",
        },
        ProviderId::Codex => Pair {
            provider,
            sync_name: "codex_request",
            async_name: "codex_request_async",
            sync_description: "Ask Codex CLI (codex exec) and wait for the answer (after the sync deadline: a job to poll).",
            async_description: "codex_request in the background (same parameters); returns the jobId at once.",
        },
        ProviderId::Gemini => Pair {
            provider,
            sync_name: "gemini_request",
            async_name: "gemini_request_async",
            sync_description: "Ask Gemini CLI (or agy) and wait for the answer (after the sync deadline: a job to poll).",
            async_description: "gemini_request in the background (same parameters); returns the jobId at once.",
        },
        ProviderId::Grok => Pair {
            provider,
            sync_name: "grok_request",
            async_name: "grok_request_async",
            sync_description: "Ask Grok Build (grok) and wait for the answer (after the sync deadline: a job to poll).",
            async_description: "grok_request in the background (same parameters); returns the jobId at once.",
        },
        ProviderId::Mistral => Pair {
            provider,
            sync_name: "mistral_request",
            async_name: "mistral_request_async",
            sync_description: "Ask Mistral Vibe (vibe) and wait for the answer (after the sync deadline: a job to poll).",
            async_description: "mistral_request in the background (same parameters); returns the jobId at once.",
        },
    }
}

/// A parsed provider call.
struct ProviderCall {
    common: CommonParams,
    options: ProviderOptions,
    /// The provider options parsed and serialized again (canonical camelCase names, aliases
    /// resolved), for the approval rules: a spelling the rules do not know cannot slip past.
    options_json: Map<String, Value>,
}

fn add<O>(router: &mut ToolRouter<Server>, pair: Pair, wrap: fn(O) -> ProviderOptions)
where
    O: DeserializeOwned + Serialize + JsonSchema + Send + 'static,
{
    let input = schema::merged_input_schema::<CommonParams, O>();
    let common_names = Arc::new(schema::property_names(
        &schema::input_schema::<CommonParams>(),
    ));
    let all_names = Arc::new(schema::property_names(&input));
    let parser: Parser<ProviderCall> = Arc::new(move |tool: &str, args| {
        parse_call::<O>(tool, args, &common_names, &all_names, wrap)
    });
    let provider = pair.provider;
    for (mode, name, description) in [
        (Mode::Sync, pair.sync_name, pair.sync_description),
        (Mode::Async, pair.async_name, pair.async_description),
    ] {
        let (spec, input) = match mode {
            Mode::Sync => (
                ToolSpec::new(name, description).output::<RequestResult>(),
                input.clone(),
            ),
            Mode::Async => (
                ToolSpec::new(name, description).output::<AsyncStart>(),
                schema::twin_input_schema(),
            ),
        };
        router.add_route(route_with(
            spec,
            input,
            parser.clone(),
            move |server, call, context| run(server, provider, mode, name, call, context),
        ));
    }
}

/// Splits the arguments into the common part and the provider's part, each deserialized on
/// its own so type errors name the parameter.
fn parse_call<O: DeserializeOwned + Serialize>(
    tool: &str,
    args: JsonObject,
    common_names: &BTreeSet<String>,
    all_names: &BTreeSet<String>,
    wrap: fn(O) -> ProviderOptions,
) -> Result<ProviderCall, ToolError> {
    schema::reject_unknown(tool, &args, all_names)?;
    let (common, options): (JsonObject, JsonObject) = args
        .into_iter()
        .partition(|(key, _)| common_names.contains(key));
    let common: CommonParams = schema::deserialize(common)?;
    let parsed: O = schema::deserialize(options)?;
    // Options are structs, so this is always an object; were it not, an empty map would
    // approve too much: fail closed.
    let Ok(Value::Object(options_json)) = serde_json::to_value(&parsed) else {
        return Err(ToolError::internal(format!(
            "{tool}: the provider options could not be checked"
        )));
    };
    Ok(ProviderCall {
        common,
        options: wrap(parsed),
        options_json,
    })
}

async fn run(
    server: Server,
    provider: ProviderId,
    mode: Mode,
    tool: &'static str,
    call: ProviderCall,
    context: RequestContext<RoleServer>,
) -> ToolResult {
    let ProviderCall {
        common,
        mut options,
        options_json,
    } = call;
    if let ProviderOptions::Gemini(gemini) = &mut options {
        gemini.backend =
            GeminiBackend::select(server.settings().gemini_backend.as_deref(), |program| {
                which::which(program).is_ok()
            })?;
    }
    check_range("idleTimeoutMs", common.idle_timeout_ms, 1_000, 3_600_000)?;
    check_range("timeoutMs", common.timeout_ms, 1_000, MAX_TIMEOUT_MS)?;
    let working_dir = workdir::resolve(
        &server,
        common.working_dir.clone(),
        common.isolated,
        &context,
    )
    .await?;
    let session = resolve_session(&server, provider, &common).await?;
    let mut warnings = Vec::new();
    let model = resolve_model(&server, provider, common.model.as_deref(), &mut warnings)?;
    let request = RunRequest {
        prompt: common.prompt.clone(),
        model: model.clone(),
        session: session.mode.clone(),
        working_dir,
        options,
    };
    let spec = gateway_provider::build(&request)?;
    if common.approval_strategy == Some(ApprovalStrategy::McpManaged) {
        check_approval(
            &server,
            provider,
            tool,
            &common,
            &options_json,
            &session,
            &mut warnings,
        )
        .await?;
    }
    if common.dry_run {
        return dry_run_result(provider, &spec, &common.prompt, model, warnings);
    }
    let submitted = server
        .jobs()
        .submit(submit_request(spec, &common, model, tool))
        .await?;
    if let Some(gateway_session) = session.gateway_id {
        remember_native_session(&server, gateway_session, submitted.job_id.clone());
    }
    // A 2025-11-25 task call answers at once; the task layer turns the job id into a task.
    let as_task = crate::tasks::starts_at_once(tool, &context);
    match mode {
        Mode::Async => started_result(provider, &submitted, warnings),
        Mode::Sync if as_task => started_result(provider, &submitted, warnings),
        Mode::Sync => wait_sync(&server, provider, submitted, warnings, &context).await,
    }
}

fn submit_request(
    spec: CommandSpec,
    common: &CommonParams,
    model: Option<String>,
    tool: &str,
) -> SubmitRequest {
    SubmitRequest {
        spec,
        prompt: common.prompt.clone(),
        model,
        correlation_id: common.correlation_id.clone(),
        idempotency_key: common.idempotency_key.clone(),
        force_refresh: common.force_refresh,
        idle_timeout: common.idle_timeout_ms.map(Duration::from_millis),
        timeout: common.timeout_ms.map(Duration::from_millis),
        origin_tool: Some(tool.to_owned()),
    }
}

/// The session a request belongs to, and the gateway session to update afterwards.
struct ResolvedSession {
    mode: SessionMode,
    gateway_id: Option<String>,
}

/// `sessionId` may be the CLI's native id or a gateway id (`gw-…`) whose stored native id is
/// used to resume (none stored yet: a fresh session that the gateway id will remember).
async fn resolve_session(
    server: &Server,
    provider: ProviderId,
    common: &CommonParams,
) -> Result<ResolvedSession, ToolError> {
    if common.resume_latest && (common.session_id.is_some() || common.create_new_session) {
        return Err(ToolError::param(
            "resumeLatest",
            "cannot be combined with sessionId or createNewSession; pick one way to choose the session",
        ));
    }
    let Some(id) = common.session_id.as_deref() else {
        let mode = if common.resume_latest {
            SessionMode::ResumeLatest
        } else {
            SessionMode::Fresh
        };
        return Ok(ResolvedSession {
            mode,
            gateway_id: None,
        });
    };
    if !id.starts_with("gw-") {
        let mode = if common.create_new_session {
            SessionMode::NewWithId(id.to_owned())
        } else {
            SessionMode::Resume(id.to_owned())
        };
        return Ok(ResolvedSession {
            mode,
            gateway_id: None,
        });
    }
    let record = server
        .jobs()
        .records()
        .session(id)
        .await
        .map_err(ToolError::internal)?;
    let Some(record) = record else {
        return Err(ToolError::param(
            "sessionId",
            format!("no gateway session `{id}`; see session_list"),
        ));
    };
    if record.provider != provider.as_str() {
        return Err(ToolError::param(
            "sessionId",
            format!(
                "gateway session `{id}` belongs to {}, not {provider}",
                record.provider
            ),
        ));
    }
    let mode = match (record.native_session_id, common.create_new_session) {
        (Some(native), false) => SessionMode::Resume(native),
        (Some(_), true) | (None, _) => SessionMode::Fresh,
    };
    Ok(ResolvedSession {
        mode,
        gateway_id: Some(id.to_owned()),
    })
}

/// Once the job reports its native session id, store it on the gateway session so the next
/// request with the gateway id resumes it.
fn remember_native_session(server: &Server, gateway_id: String, job_id: String) {
    let server = server.clone();
    tokio::spawn(async move {
        let Ok(Some(snapshot)) = server
            .jobs()
            .wait(&job_id, Duration::from_secs(24 * 3600))
            .await
        else {
            return;
        };
        let Some(native) = snapshot.outcome.and_then(|outcome| outcome.session_id) else {
            return;
        };
        if let Err(error) = server
            .jobs()
            .records()
            .set_native_session(&gateway_id, &native)
            .await
        {
            tracing::warn!(%error, "could not store the native session id");
        }
    });
}

/// The model the CLI receives (aliases and defaults from the registry); a name outside a
/// configured list passes through with a warning.
fn resolve_model(
    server: &Server,
    provider: ProviderId,
    model: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, ToolError> {
    let resolution = server.models().resolve_detailed(provider, model)?;
    if resolution.listed == Some(false)
        && let Some(name) = &resolution.model
    {
        warnings.push(format!("model `{name}` is not in the configured {provider} list (see list_models); sent as given"));
    }
    Ok(resolution.model)
}

async fn check_approval(
    server: &Server,
    provider: ProviderId,
    tool: &str,
    common: &CommonParams,
    options_json: &Map<String, Value>,
    session: &ResolvedSession,
    warnings: &mut Vec<String>,
) -> Result<(), ToolError> {
    let policy = common
        .approval_policy
        .unwrap_or(server.settings().approval_policy);
    let resumes = matches!(
        session.mode,
        SessionMode::Resume(_) | SessionMode::ResumeLatest
    );
    let request = approval::Request {
        provider,
        prompt: &common.prompt,
        options: options_json,
        resumes_session: resumes,
    };
    let decision = approval::decide(request, policy, server.settings().approval_allow_bypass);
    let verdict = if decision.approved {
        "approved"
    } else {
        "denied"
    };
    let summary = format!(
        "{tool} {verdict} by MCP-managed approval ({} policy: score {} vs threshold {}; reasons: {})",
        decision.policy,
        decision.score,
        decision.threshold,
        if decision.reasons.is_empty() {
            "none".to_owned()
        } else {
            decision.reasons.join(", ")
        }
    );
    if common.dry_run {
        warnings.push(format!("dry run: would be {summary}"));
        return Ok(());
    }
    let record = gateway_jobs::NewApproval {
        id: uuid::Uuid::now_v7().to_string(),
        provider: provider.as_str().to_owned(),
        decision: verdict.to_owned(),
        policy: decision.policy.to_owned(),
        score: Some(f64::from(decision.score)),
        reasons: decision
            .reasons
            .iter()
            .map(|reason| (*reason).to_owned())
            .collect(),
        prompt_sha256: gateway_core::dedup::hex_sha256(common.prompt.as_bytes()),
    };
    server
        .jobs()
        .records()
        .record_approval(record)
        .await
        .map_err(ToolError::internal)?;
    if decision.approved {
        return Ok(());
    }
    let hint = if decision.bypass_requested && !server.settings().approval_allow_bypass {
        " Bypassing permissions is refused unless LLM_GATEWAY_APPROVAL_ALLOW_BYPASS=1."
    } else {
        " Drop the risky options, or use a more permissive approvalPolicy."
    };
    Err(ToolError::Fixable(format!("{summary}.{hint}")))
}

fn dry_run_result(
    provider: ProviderId,
    spec: &CommandSpec,
    prompt: &str,
    model: Option<String>,
    warnings: Vec<String>,
) -> ToolResult {
    let command = DryRunCommand::from_spec(spec, prompt);
    let text = format!(
        "dry run, nothing started: {} {}\n(prompt: {} bytes via {}; cwd: {})",
        command.program,
        command.args.join(" "),
        command.prompt_bytes,
        command.prompt_via,
        command.cwd.as_deref().unwrap_or("a fresh temp dir"),
    );
    // The same keys for both twins, so the result fits either output schema.
    let result = AsyncStart {
        provider: provider.as_str().to_owned(),
        status: RequestStatus::DryRun,
        model,
        command: Some(command),
        warnings,
        ..AsyncStart::default()
    };
    structured(text, &result)
}

fn started_result(
    provider: ProviderId,
    submitted: &Submitted,
    warnings: Vec<String>,
) -> ToolResult {
    let result = AsyncStart {
        provider: provider.as_str().to_owned(),
        status: submitted.status.into(),
        job_id: Some(submitted.job_id.clone()),
        correlation_id: Some(submitted.correlation_id.clone()),
        deduped: submitted.deduped_from.is_some(),
        deduped_from: deduped_from(submitted),
        poll_with: Some("llm_job_status".into()),
        collect_with: Some("llm_job_result".into()),
        cancel_with: Some("llm_job_cancel".into()),
        warnings,
        ..AsyncStart::default()
    };
    let text = format!(
        "{provider} job {} {}{}. Poll with llm_job_status, collect with llm_job_result.",
        submitted.job_id,
        submitted.status,
        if result.deduped {
            " (deduplicated: an identical recent request's job)"
        } else {
            ""
        },
    );
    structured(text, &result)
}

/// Waits for the job's completion signal, forwarding progress, until the sync deadline; a
/// client's cancellation cancels the job.
async fn wait_sync(
    server: &Server,
    provider: ProviderId,
    submitted: Submitted,
    warnings: Vec<String>,
    context: &RequestContext<RoleServer>,
) -> ToolResult {
    let jobs = server.jobs();
    let job_id = submitted.job_id.clone();
    let mut forwarder = context
        .meta
        .get_progress_token()
        .map(|token| Forwarder::new(context.peer.clone(), token, provider.as_str()));
    let mut events = forwarder.as_ref().and_then(|_| jobs.subscribe(&job_id));
    let mut tick = tokio::time::interval(crate::progress::MIN_GAP);
    let wait = jobs.wait(&job_id, server.settings().sync_deadline);
    tokio::pin!(wait);
    let finished = loop {
        tokio::select! {
            () = context.ct.cancelled() => {
                let outcome = jobs.cancel(&job_id).await;
                tracing::info!(%job_id, ?outcome, "client canceled a sync request; job canceled");
                return Err(ToolError::Fixable(format!("request canceled by the client; job {job_id} canceled")));
            }
            done = &mut wait => break done.map_err(ToolError::internal)?,
            event = next_event(&mut events) => {
                if let (Some(event), Some(forwarder)) = (event, forwarder.as_mut()) {
                    forwarder.push(&event);
                }
            }
            _ = tick.tick(), if forwarder.is_some() => {
                if let Some(forwarder) = forwarder.as_mut() {
                    forwarder.tick().await;
                }
            }
        }
    };
    match finished {
        Some(snapshot) => {
            let client_max = context
                .meta
                .get(MAX_RESULT_CHARS_META)
                .and_then(Value::as_u64);
            let cap = response_cap(server.settings().inline_max_chars, client_max);
            finished_result(provider, &submitted, &snapshot, warnings, cap)
        }
        None => deferred_result(provider, &submitted, warnings),
    }
}

/// The next event, or pending forever when there is no subscription (or it closed).
async fn next_event(
    events: &mut Option<broadcast::Receiver<ProgressEvent>>,
) -> Option<ProgressEvent> {
    loop {
        let Some(receiver) = events.as_mut() else {
            return std::future::pending().await;
        };
        match receiver.recv().await {
            Ok(event) => return Some(event),
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => *events = None,
        }
    }
}

fn deferred_result(
    provider: ProviderId,
    submitted: &Submitted,
    warnings: Vec<String>,
) -> ToolResult {
    let result = RequestResult {
        provider: provider.as_str().to_owned(),
        status: RequestStatus::Deferred,
        job_id: Some(submitted.job_id.clone()),
        correlation_id: Some(submitted.correlation_id.clone()),
        deduped: submitted.deduped_from.is_some(),
        deduped_from: deduped_from(submitted),
        poll_with: Some("llm_job_status".into()),
        collect_with: Some("llm_job_result".into()),
        cancel_with: Some("llm_job_cancel".into()),
        warnings,
        ..RequestResult::default()
    };
    let text = format!(
        "{provider} is still running as job {}. Poll with llm_job_status (waitMs up to 30000), collect with llm_job_result, cancel with llm_job_cancel.",
        submitted.job_id
    );
    structured(text, &result)
}

/// `_meta` key by which Claude Code says how long a tool result it keeps whole.
const MAX_RESULT_CHARS_META: &str = "anthropic/maxResultSizeChars";

/// Room for a result's other fields beside the (twice inlined) response.
const RESULT_OVERHEAD_CHARS: usize = 2_000;

/// Longest response to inline: the server's cap, or less when the client sends
/// `_meta["anthropic/maxResultSizeChars"]`: the answer appears twice (text block and
/// structuredContent) beside the other fields, and a longer result would be cut by the client.
fn response_cap(server_cap: usize, client_max: Option<u64>) -> usize {
    client_max.map_or(server_cap, |max| {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        server_cap.min(max.saturating_sub(RESULT_OVERHEAD_CHARS) / 2)
    })
}

/// The last line of a finished result's text block: what a client that shows only the text
/// (Gemini CLI) needs to follow up or resume.
fn footer(status: JobStatus, job_id: &str, session_id: Option<&str>) -> String {
    let session = session_id.map_or(String::new(), |id| format!(" · sessionId {id}"));
    format!("[{status} · jobId {job_id}{session}]")
}

pub(crate) fn finished_result(
    provider: ProviderId,
    submitted: &Submitted,
    snapshot: &JobSnapshot,
    mut warnings: Vec<String>,
    cap: usize,
) -> ToolResult {
    let outcome = snapshot.outcome.clone().unwrap_or_default();
    let (response, truncated) = cap_chars(&outcome.text, cap);
    if truncated {
        warnings.push(format!(
            "response cut at {cap} characters; the rest: llm_job_result {{\"jobId\": \"{}\"}} (paged by maxChars and stdoutOffsetChars) or the resource jobs://{}",
            snapshot.job_id, snapshot.job_id
        ));
    }
    let error = snapshot.error.clone().or(outcome.error.clone());
    let result = RequestResult {
        provider: provider.as_str().to_owned(),
        status: snapshot.status.into(),
        response: Some(response.clone()),
        model: outcome.model.clone().or(snapshot.model.clone()),
        job_id: Some(snapshot.job_id.clone()),
        correlation_id: Some(submitted.correlation_id.clone()),
        session_id: outcome.session_id.clone(),
        exit_code: snapshot.exit_code,
        duration_ms: duration_ms(snapshot),
        input_tokens: outcome.usage.input_tokens,
        output_tokens: outcome.usage.output_tokens,
        cache_read_tokens: outcome.usage.cache_read_tokens,
        cache_creation_tokens: outcome.usage.cache_creation_tokens,
        cost_usd: outcome.cost_usd,
        cost_estimated: outcome.cost_estimated,
        deduped: submitted.deduped_from.is_some(),
        deduped_from: deduped_from(submitted),
        response_truncated: truncated.then_some(true),
        error: error.clone(),
        warnings,
        ..RequestResult::default()
    };
    let footer = footer(
        snapshot.status,
        &snapshot.job_id,
        result.session_id.as_deref(),
    );
    let text = match (snapshot.status, error) {
        (JobStatus::Completed, _) => response,
        (status, Some(error)) => format!(
            "{provider} job {} {status} (exit {}): {error}\n{response}",
            snapshot.job_id,
            exit_text(snapshot.exit_code)
        ),
        (status, None) => format!(
            "{provider} job {} {status} (exit {})\n{response}",
            snapshot.job_id,
            exit_text(snapshot.exit_code)
        ),
    };
    let mut call = structured(format!("{}\n\n{footer}", text.trim_end()), &result)?;
    if truncated {
        call.content.push(job_link(&snapshot.job_id));
    }
    Ok(call)
}

fn deduped_from(submitted: &Submitted) -> Option<DedupedFrom> {
    submitted.deduped_from.as_ref().map(|from| DedupedFrom {
        job_id: from.job_id.clone(),
        age_ms: from.age_ms,
    })
}

fn exit_text(code: Option<i32>) -> String {
    code.map_or_else(|| "none".to_owned(), |code| code.to_string())
}

fn duration_ms(snapshot: &JobSnapshot) -> Option<u64> {
    let started = snapshot.started_at_ms?;
    let finished = snapshot.finished_at_ms?;
    u64::try_from(finished - started).ok()
}

/// A resource link to a job's full output.
pub fn job_link(job_id: &str) -> ContentBlock {
    let resource = Resource::new(format!("jobs://{job_id}"), format!("job {job_id} output"))
        .with_description("Full output of the job")
        .with_mime_type("text/plain");
    ContentBlock::resource_link(resource)
}

/// The first `max` characters of `text`, and whether anything was cut.
pub fn cap_chars(text: &str, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((cut, _)) => (text[..cut].to_owned(), true),
        None => (text.to_owned(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_result_size_caps_the_inlined_response() {
        let cases = [
            (100_000, None, 100_000),
            (100_000, Some(1_000_000), 100_000),
            (100_000, Some(25_000), 11_500),
            (100_000, Some(1_000), 0),
        ];
        for (server, client, cap) in cases {
            assert_eq!(response_cap(server, client), cap, "{client:?}");
        }
    }

    #[test]
    fn the_footer_names_status_job_and_session() {
        assert_eq!(
            footer(JobStatus::Completed, "j1", Some("s1")),
            "[completed · jobId j1 · sessionId s1]"
        );
        assert_eq!(footer(JobStatus::Failed, "j2", None), "[failed · jobId j2]");
    }

    #[test]
    fn cap_chars_counts_characters() {
        assert_eq!(cap_chars("héllo", 3), ("hél".to_owned(), true));
        assert_eq!(cap_chars("héllo", 5), ("héllo".to_owned(), false));
        assert_eq!(cap_chars("", 0), (String::new(), false));
    }
}
