//! Claude Code (`claude -p`): request options, argv builder and output parsers.
//!
//! The prompt always travels on **stdin** (`-p` with no positional prompt), so its size and a
//! leading `-` never matter and no variadic flag (`--add-dir`, `--allowedTools` …) can swallow
//! it. Flags follow Claude Code 2.1.330 and stay accepted by 2.1.197 (what npm picks on Node 20);
//! `docs/providers/claude.md` lists where the real CLI and the reference disagree.
//!
//! Not done here: the root check. `--dangerously-skip-permissions` and `bypassPermissions` are
//! refused by the CLI as uid 0 unless `IS_SANDBOX=1` is in the gateway's own environment; the
//! builder never sets it, and the CLI's refusal reaches the caller through the stderr tail.

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::argv::{
    exclusive, json_object_text, path_or_json, positive_turns, push_attached, push_pair,
    push_repeated, push_switch, push_value, push_variadic, require_resume,
    require_resume_latest_dir,
};
use crate::parse::{MessagesParser, OutputParser, TextParser};
use crate::request::{
    BuildError, RunRequest, SessionMode, validate_list, validate_text, validate_uuid,
    validate_value,
};
use crate::spec::{CommandSpec, PromptVia};

/// `--output-format` of `claude -p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ClaudeOutputFormat {
    Text,
    Json,
    #[default]
    StreamJson,
}

impl ClaudeOutputFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            ClaudeOutputFormat::Text => "text",
            ClaudeOutputFormat::Json => "json",
            ClaudeOutputFormat::StreamJson => "stream-json",
        }
    }
}

/// `--permission-mode`. `manual` (2.1.330's name) and `default` both emit `default`, which
/// 2.1.197 and 2.1.330 accept alike (2.1.197 rejects `manual`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ClaudePermissionMode {
    Default,
    Manual,
    AcceptEdits,
    Auto,
    BypassPermissions,
    DontAsk,
    Plan,
}

impl ClaudePermissionMode {
    pub const fn as_flag(self) -> &'static str {
        match self {
            ClaudePermissionMode::Default | ClaudePermissionMode::Manual => "default",
            ClaudePermissionMode::AcceptEdits => "acceptEdits",
            ClaudePermissionMode::Auto => "auto",
            ClaudePermissionMode::BypassPermissions => "bypassPermissions",
            ClaudePermissionMode::DontAsk => "dontAsk",
            ClaudePermissionMode::Plan => "plan",
        }
    }
}

/// `--effort` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Low,
    Medium,
    High,
    Xhigh,
    Max,
}

impl Effort {
    pub const fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
            Effort::Xhigh => "xhigh",
            Effort::Max => "max",
        }
    }
}

/// `--debug`: `true` for everything, or a category filter such as `api,hooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum DebugSetting {
    Enabled(bool),
    Filter(String),
}

/// Claude-specific request parameters (wire names camelCase).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ClaudeOptions {
    /// Default `stream-json` (live progress).
    pub output_format: Option<ClaudeOutputFormat>,
    /// Also stream text deltas; stream-json only.
    pub include_partial_messages: Option<bool>,
    /// Hook events; stream-json only.
    pub include_hook_events: bool,
    /// Fallback models when busy (comma-separated).
    pub fallback_model: Option<String>,
    /// Allowed without asking, e.g. `Bash(git *)`.
    pub allowed_tools: Vec<String>,
    pub disallowed_tools: Vec<String>,
    /// Built-in tools: `[]` none, `["default"]`, or names.
    pub tools: Option<Vec<String>>,
    /// `manual` is sent as `default`.
    pub permission_mode: Option<ClaudePermissionMode>,
    /// Bypass all permission checks (as root: needs IS_SANDBOX=1).
    pub dangerously_skip_permissions: bool,
    /// MCP config files or JSON strings.
    pub mcp_config: Vec<String>,
    /// Use only the servers of `mcpConfig`.
    pub strict_mcp_config: bool,
    pub system_prompt: Option<String>,
    /// Replace the system prompt with a file.
    pub system_prompt_file: Option<String>,
    pub append_system_prompt: Option<String>,
    /// Append a file to the system prompt.
    pub append_system_prompt_file: Option<String>,
    /// Per-machine sections out of the system prompt (cache reuse).
    pub exclude_dynamic_system_prompt_sections: bool,
    pub max_turns: Option<u32>,
    pub max_budget_usd: Option<f64>,
    pub effort: Option<Effort>,
    /// Agent for the session (custom: `agents`).
    pub agent: Option<String>,
    /// `{name: {description, prompt, tools?, model?}}`.
    pub agents: Option<serde_json::Map<String, Value>>,
    /// Resume under a new session id.
    pub fork_session: bool,
    /// Do not save the session.
    pub no_session_persistence: bool,
    pub name: Option<String>,
    /// Structured output schema (object or JSON text).
    pub json_schema: Option<Value>,
    /// More directories Claude may access.
    #[serde(alias = "addDir")]
    pub add_dirs: Vec<String>,
    pub settings: Option<String>,
    /// Comma-separated of `user`, `project`, `local`.
    pub setting_sources: Option<String>,
    /// Plugin directories or .zip files.
    #[serde(alias = "pluginDir")]
    pub plugin_dirs: Vec<String>,
    #[serde(alias = "pluginUrl")]
    pub plugin_urls: Vec<String>,
    /// All customizations off.
    pub safe_mode: bool,
    /// Minimal mode: no hooks, plugins, CLAUDE.md; API key auth only.
    pub bare: bool,
    /// `true` or a category filter.
    pub debug: Option<DebugSetting>,
    pub debug_file: Option<String>,
}

/// Plans `claude -p …` with the prompt on stdin.
pub fn build(request: &RunRequest, options: &ClaudeOptions) -> Result<CommandSpec, BuildError> {
    validate_exclusions(request, options)?;
    let format = options.output_format.unwrap_or_default();
    let mut args = vec![
        "-p".to_owned(),
        "--output-format".to_owned(),
        format.as_str().to_owned(),
    ];
    push_format_flags(&mut args, format, options)?;
    if let Some(model) = &request.model {
        push_pair(&mut args, "--model", model);
    }
    push_session(&mut args, request, options)?;
    push_permissions(&mut args, options)?;
    push_tools_and_mcp(&mut args, options)?;
    push_prompting(&mut args, options)?;
    push_limits(&mut args, options)?;
    push_environment(&mut args, options)?;
    Ok(
        CommandSpec::new(ProviderId::Claude, "claude", args, format.as_str())
            .for_request(request, PromptVia::Stdin),
    )
}

/// A fresh parser for `format` (`text`, `json` or `stream-json`; anything else is read as
/// stream-json, the default).
pub fn parser(format: &str) -> Box<dyn OutputParser> {
    match format {
        "text" => Box::new(TextParser::default()),
        "json" => Box::new(MessagesParser::json()),
        _ => Box::new(MessagesParser::stream()),
    }
}

fn validate_exclusions(request: &RunRequest, options: &ClaudeOptions) -> Result<(), BuildError> {
    if options.dangerously_skip_permissions && options.permission_mode.is_some() {
        return Err(BuildError::new(
            "dangerouslySkipPermissions",
            "cannot be combined with permissionMode; use permissionMode `bypassPermissions` or one of the two",
        ));
    }
    exclusive(
        "systemPrompt",
        options.system_prompt.is_some(),
        "systemPromptFile",
        options.system_prompt_file.is_some(),
    )?;
    exclusive(
        "appendSystemPrompt",
        options.append_system_prompt.is_some(),
        "appendSystemPromptFile",
        options.append_system_prompt_file.is_some(),
    )?;
    if options.safe_mode && options.agents.is_some() {
        // Verified on 2.1.330: `--safe-mode` disables custom agents, so the run fails with
        // "--agent '…' not found" after spawning.
        return Err(BuildError::new(
            "safeMode",
            "disables custom agents, so the agents defined here would not exist; drop one of the two",
        ));
    }
    require_resume("forkSession", options.fork_session, &request.session)?;
    require_resume_latest_dir(request)
}

fn push_format_flags(
    args: &mut Vec<String>,
    format: ClaudeOutputFormat,
    options: &ClaudeOptions,
) -> Result<(), BuildError> {
    let streaming = format == ClaudeOutputFormat::StreamJson;
    if options.include_partial_messages == Some(true) && !streaming {
        return Err(BuildError::new(
            "includePartialMessages",
            "needs outputFormat `stream-json`",
        ));
    }
    if options.include_hook_events && !streaming {
        return Err(BuildError::new(
            "includeHookEvents",
            "needs outputFormat `stream-json`",
        ));
    }
    if streaming {
        // `-p` with stream-json refuses to run without --verbose.
        args.push("--verbose".to_owned());
        if options.include_partial_messages == Some(true) {
            args.push("--include-partial-messages".to_owned());
        }
        push_switch(args, "--include-hook-events", options.include_hook_events);
    }
    Ok(())
}

fn push_session(
    args: &mut Vec<String>,
    request: &RunRequest,
    options: &ClaudeOptions,
) -> Result<(), BuildError> {
    match &request.session {
        SessionMode::Fresh => {}
        SessionMode::NewWithId(id) => {
            validate_uuid("sessionId", id)?;
            push_pair(args, "--session-id", id);
        }
        SessionMode::Resume(id) => {
            validate_uuid("sessionId", id)?;
            push_pair(args, "--resume", id);
        }
        SessionMode::ResumeLatest => args.push("--continue".to_owned()),
    }
    push_switch(args, "--fork-session", options.fork_session);
    Ok(())
}

fn push_permissions(args: &mut Vec<String>, options: &ClaudeOptions) -> Result<(), BuildError> {
    if let Some(mode) = options.permission_mode {
        push_pair(args, "--permission-mode", mode.as_flag());
    }
    push_switch(
        args,
        "--dangerously-skip-permissions",
        options.dangerously_skip_permissions,
    );
    push_variadic(
        args,
        "--allowedTools",
        "allowedTools",
        &options.allowed_tools,
    )?;
    push_variadic(
        args,
        "--disallowedTools",
        "disallowedTools",
        &options.disallowed_tools,
    )
}

fn push_tools_and_mcp(args: &mut Vec<String>, options: &ClaudeOptions) -> Result<(), BuildError> {
    if let Some(tools) = &options.tools {
        validate_list("tools", tools)?;
        args.push("--tools".to_owned());
        if tools.is_empty() {
            // `--tools ""` is the CLI's spelling of "no built-in tools".
            args.push(String::new());
        }
        args.extend(tools.iter().cloned());
    }
    let configs = options
        .mcp_config
        .iter()
        .enumerate()
        .map(|(index, config)| path_or_json(&format!("mcpConfig[{index}]"), config))
        .collect::<Result<Vec<_>, _>>()?;
    if !configs.is_empty() {
        args.push("--mcp-config".to_owned());
        args.extend(configs);
    }
    push_switch(args, "--strict-mcp-config", options.strict_mcp_config);
    push_value(args, "--agent", "agent", options.agent.as_deref())?;
    if let Some(agents) = &options.agents {
        let text = serde_json::to_string(agents).unwrap_or_default();
        validate_text("agents", &text)?;
        push_pair(args, "--agents", &text);
    }
    Ok(())
}

fn push_prompting(args: &mut Vec<String>, options: &ClaudeOptions) -> Result<(), BuildError> {
    push_attached(
        args,
        "--system-prompt",
        "systemPrompt",
        options.system_prompt.as_deref(),
    )?;
    push_value(
        args,
        "--system-prompt-file",
        "systemPromptFile",
        options.system_prompt_file.as_deref(),
    )?;
    push_attached(
        args,
        "--append-system-prompt",
        "appendSystemPrompt",
        options.append_system_prompt.as_deref(),
    )?;
    push_value(
        args,
        "--append-system-prompt-file",
        "appendSystemPromptFile",
        options.append_system_prompt_file.as_deref(),
    )?;
    push_switch(
        args,
        "--exclude-dynamic-system-prompt-sections",
        options.exclude_dynamic_system_prompt_sections,
    );
    if let Some(schema) = &options.json_schema {
        push_pair(
            args,
            "--json-schema",
            &json_object_text("jsonSchema", schema)?,
        );
    }
    Ok(())
}

fn push_limits(args: &mut Vec<String>, options: &ClaudeOptions) -> Result<(), BuildError> {
    if let Some(turns) = options.max_turns {
        push_pair(
            args,
            "--max-turns",
            &positive_turns("maxTurns", turns, u32::MAX)?.to_string(),
        );
    }
    if let Some(budget) = options.max_budget_usd {
        if !budget.is_finite() || budget <= 0.0 {
            return Err(BuildError::new(
                "maxBudgetUsd",
                "must be a positive number of US dollars",
            ));
        }
        push_pair(args, "--max-budget-usd", &budget.to_string());
    }
    if let Some(effort) = options.effort {
        push_pair(args, "--effort", effort.as_str());
    }
    push_value(
        args,
        "--fallback-model",
        "fallbackModel",
        options.fallback_model.as_deref(),
    )
}

fn push_environment(args: &mut Vec<String>, options: &ClaudeOptions) -> Result<(), BuildError> {
    push_variadic(args, "--add-dir", "addDirs", &options.add_dirs)?;
    push_switch(
        args,
        "--no-session-persistence",
        options.no_session_persistence,
    );
    push_value(args, "--name", "name", options.name.as_deref())?;
    if let Some(settings) = &options.settings {
        let settings = path_or_json("settings", settings)?;
        push_pair(args, "--settings", &settings);
    }
    if let Some(sources) = &options.setting_sources {
        validate_setting_sources(sources)?;
        push_pair(args, "--setting-sources", sources);
    }
    push_repeated(args, "--plugin-dir", "pluginDirs", &options.plugin_dirs)?;
    push_repeated(args, "--plugin-url", "pluginUrls", &options.plugin_urls)?;
    push_switch(args, "--safe-mode", options.safe_mode);
    push_switch(args, "--bare", options.bare);
    match &options.debug {
        None | Some(DebugSetting::Enabled(false)) => {}
        Some(DebugSetting::Enabled(true)) => args.push("--debug".to_owned()),
        Some(DebugSetting::Filter(filter)) => {
            validate_value("debug", filter)?;
            // The filter is optional in the CLI, so it must be attached.
            args.push(format!("--debug={filter}"));
        }
    }
    push_value(
        args,
        "--debug-file",
        "debugFile",
        options.debug_file.as_deref(),
    )
}

fn validate_setting_sources(sources: &str) -> Result<(), BuildError> {
    let valid = sources
        .split(',')
        .all(|source| matches!(source.trim(), "user" | "project" | "local"));
    if !valid {
        return Err(BuildError::new(
            "settingSources",
            format!("{sources:?} is not a comma-separated list of `user`, `project`, `local`"),
        ));
    }
    Ok(())
}
