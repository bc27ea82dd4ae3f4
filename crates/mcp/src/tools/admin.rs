//! Admin tools: `list_models`, `cli_versions` (parallel `--version` probes), `cli_upgrade` (a
//! plan by default; the provider's own updater runs as a job only with `dryRun: false`),
//! `approval_list` and `doctor` (the same report as `llm-cli-gateway doctor`).

use std::time::Duration;

use gateway_core::ProviderId;
use gateway_jobs::SubmitRequest;
use gateway_jobs::probe::{ProbeStatus, probe_versions};
use gateway_provider::CommandSpec;
use gateway_provider::models::ProviderModels;
use gateway_provider::request::validate_value;
use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{ToolError, ToolResult};
use crate::server::Server;
use crate::tools::{ToolSpec, check_range, route, structured};

/// The binaries `cli_versions` probes (gemini has a second backend, `agy`).
const BINARIES: [&str; 6] = ["claude", "codex", "gemini", "agy", "grok", "vibe"];
const DEFAULT_PROBE_MS: u64 = 5_000;
/// An updater that runs longer than this is killed (npm on a slow network takes minutes).
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

pub fn router() -> ToolRouter<Server> {
    ToolRouter::new()
        .with_route(route(
            ToolSpec::new("list_models", "Models, aliases and defaults per provider (configured via env).")
                .read_only()
                .output::<ModelsList>(),
            list_models,
        ))
        .with_route(route(
            ToolSpec::new("cli_versions", "Installed version of each provider CLI (parallel --version probes).")
                .read_only()
                .output::<VersionsList>(),
            cli_versions,
        ))
        .with_route(route(
            ToolSpec::new("cli_upgrade", "Plan (default) or run (dryRun:false) a provider CLI's own updater; a run is a job.")
                .output::<UpgradePlan>(),
            cli_upgrade,
        ))
        .with_route(route(
            ToolSpec::new("approval_list", "Recent MCP-managed approval decisions, newest first (prompts only as SHA-256).")
                .read_only()
                .output::<ApprovalList>(),
            approval_list,
        ))
        .with_route(route(
            ToolSpec::new("doctor", "Health report: CLIs installed, versions, logins, store, HTTP, client registrations; with next steps.")
                .read_only(),
            doctor,
        ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderFilter {
    /// One provider (default all).
    pub cli: Option<ProviderId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelsList {
    pub providers: Vec<ProviderModels>,
}

/// The model view of one provider, from the registry (`list_models`, `models://<provider>`).
pub fn models_of(server: &Server, provider: ProviderId) -> ProviderModels {
    server.models().provider(provider)
}

async fn list_models(
    server: Server,
    params: ProviderFilter,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let providers: Vec<ProviderModels> = match params.cli {
        Some(provider) => vec![models_of(&server, provider)],
        None => server.models().listing(),
    };
    let lines: Vec<String> = providers
        .iter()
        .map(|p| {
            let models: Vec<&str> = p.models.iter().map(|model| model.name.as_str()).collect();
            format!(
                "{}: default {}; models {}; aliases {}",
                p.provider,
                p.default.as_deref().unwrap_or("(the CLI's choice)"),
                if models.is_empty() {
                    "(not configured)".to_owned()
                } else {
                    models.join(", ")
                },
                p.aliases
                    .iter()
                    .map(|(alias, model)| format!("{alias}={model}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
        .collect();
    structured(lines.join("\n"), &ModelsList { providers })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionsParams {
    /// Per probe; default 5000.
    #[schemars(range(min = 1000, max = 60_000))]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionsList {
    pub clis: Vec<CliVersion>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CliVersion {
    pub binary: String,
    pub installed: bool,
    /// ok, not_found, timed_out or failed.
    pub status: String,
    pub version: Option<String>,
    pub error: Option<String>,
}

async fn cli_versions(
    _server: Server,
    params: VersionsParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("timeoutMs", params.timeout_ms, 1_000, 60_000)?;
    let timeout = Duration::from_millis(params.timeout_ms.unwrap_or(DEFAULT_PROBE_MS));
    let results = probe_versions(&BINARIES, timeout).await;
    let clis: Vec<CliVersion> = results
        .into_iter()
        .map(|probe| CliVersion {
            installed: !matches!(probe.status, ProbeStatus::NotFound),
            status: serde_json::to_value(probe.status)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
            binary: probe.binary,
            version: probe.version,
            error: probe.error,
        })
        .collect();
    let lines: Vec<String> = clis
        .iter()
        .map(|cli| {
            format!(
                "{}: {}",
                cli.binary,
                cli.version.as_deref().unwrap_or(&cli.status)
            )
        })
        .collect();
    structured(lines.join("\n"), &VersionsList { clis })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeParams {
    pub cli: ProviderId,
    /// Version to install (default latest).
    pub target: Option<String>,
    /// Only show the plan (default true).
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpgradePlan {
    pub cli: String,
    pub program: String,
    pub args: Vec<String>,
    pub dry_run: bool,
    /// The job running the updater (dryRun:false).
    pub job_id: Option<String>,
}

/// The provider's own update command for `target` (`latest` or a version).
pub fn upgrade_command(provider: ProviderId, target: &str) -> (String, Vec<String>) {
    let latest = target == "latest";
    let npm = |package: &str| {
        (
            "npm".to_owned(),
            vec!["install".into(), "-g".into(), format!("{package}@{target}")],
        )
    };
    match provider {
        ProviderId::Claude if latest => ("claude".into(), vec!["update".into()]),
        ProviderId::Claude => ("claude".into(), vec!["install".into(), target.to_owned()]),
        ProviderId::Codex => npm("@openai/codex"),
        ProviderId::Gemini => npm("@google/gemini-cli"),
        ProviderId::Grok if latest => ("grok".into(), vec!["update".into()]),
        ProviderId::Grok => (
            "grok".into(),
            vec!["update".into(), "--version".into(), target.to_owned()],
        ),
        ProviderId::Mistral if latest => (
            "uv".into(),
            vec!["tool".into(), "upgrade".into(), "mistral-vibe".into()],
        ),
        ProviderId::Mistral => (
            "uv".into(),
            vec![
                "tool".into(),
                "install".into(),
                "--force".into(),
                format!("mistral-vibe=={target}"),
            ],
        ),
    }
}

async fn cli_upgrade(
    server: Server,
    params: UpgradeParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let target = params.target.as_deref().map(str::trim).unwrap_or("latest");
    validate_value("target", target)?;
    if target.contains(char::is_whitespace) {
        return Err(ToolError::param(
            "target",
            "must be `latest` or a version without spaces",
        ));
    }
    let (program, args) = upgrade_command(params.cli, target);
    let dry_run = params.dry_run.unwrap_or(true);
    let mut plan = UpgradePlan {
        cli: params.cli.as_str().to_owned(),
        program,
        args,
        dry_run,
        job_id: None,
    };
    let command_line = format!("{} {}", plan.program, plan.args.join(" "));
    if dry_run {
        return structured(
            format!("plan (dryRun): {command_line}\nRun with dryRun:false to execute."),
            &plan,
        );
    }
    let spec = CommandSpec::new(params.cli, plan.program.clone(), plan.args.clone(), "text");
    let request = SubmitRequest {
        spec,
        prompt: command_line.clone(),
        model: None,
        correlation_id: None,
        idempotency_key: None,
        force_refresh: true,
        idle_timeout: Some(UPGRADE_TIMEOUT),
        timeout: Some(UPGRADE_TIMEOUT),
        origin_tool: Some("cli_upgrade".to_owned()),
    };
    let submitted = server.jobs().submit(request).await?;
    plan.job_id = Some(submitted.job_id.clone());
    structured(
        format!(
            "running `{command_line}` as job {}; follow it with llm_job_status",
            submitted.job_id
        ),
        &plan,
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalListParams {
    /// Default 50.
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalList {
    pub approvals: Vec<ApprovalView>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalView {
    pub id: String,
    pub cli: String,
    /// approved or denied.
    pub decision: String,
    pub policy: String,
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    pub prompt_sha256: String,
    pub created_at_ms: i64,
}

async fn approval_list(
    server: Server,
    params: ApprovalListParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    check_range("limit", params.limit.map(u64::from), 1, 500)?;
    let records = server
        .jobs()
        .records()
        .list_approvals(params.limit.unwrap_or(50))
        .await
        .map_err(ToolError::internal)?;
    let approvals: Vec<ApprovalView> = records
        .into_iter()
        .map(|record| ApprovalView {
            id: record.id,
            cli: record.provider,
            decision: record.decision,
            policy: record.policy,
            score: record.score,
            reasons: record.reasons,
            prompt_sha256: record.prompt_sha256,
            created_at_ms: record.created_at_ms,
        })
        .collect();
    let text = format!("{} approval decision(s)", approvals.len());
    structured(text, &ApprovalList { approvals })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoParams {}

async fn doctor(
    _server: Server,
    _params: NoParams,
    _context: RequestContext<RoleServer>,
) -> ToolResult {
    let options = gateway_doctor::DoctorOptions::from_process();
    let report = gateway_doctor::collect(&options).await;
    let json = serde_json::to_value(&report).map_err(ToolError::internal)?;
    let mut result = CallToolResult::success(vec![ContentBlock::text(
        gateway_doctor::render_human(&report, false),
    )]);
    result.structured_content = Some(json);
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrade_plans() {
        let cases = [
            (ProviderId::Claude, "latest", "claude update"),
            (ProviderId::Claude, "2.1.330", "claude install 2.1.330"),
            (
                ProviderId::Codex,
                "latest",
                "npm install -g @openai/codex@latest",
            ),
            (
                ProviderId::Gemini,
                "0.61.0",
                "npm install -g @google/gemini-cli@0.61.0",
            ),
            (ProviderId::Grok, "latest", "grok update"),
            (ProviderId::Grok, "1.2.3", "grok update --version 1.2.3"),
            (
                ProviderId::Mistral,
                "latest",
                "uv tool upgrade mistral-vibe",
            ),
            (
                ProviderId::Mistral,
                "2.0.1",
                "uv tool install --force mistral-vibe==2.0.1",
            ),
        ];
        for (provider, target, expected) in cases {
            let (program, args) = upgrade_command(provider, target);
            assert_eq!(format!("{program} {}", args.join(" ")), expected);
        }
    }
}
