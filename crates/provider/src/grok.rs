//! Grok Build (xAI's official `grok`, npm `@xai-official/grok`): request options, argv builder
//! and output parsers.
//!
//! Headless grok does not read stdin, so the prompt always goes through `--prompt-file` (a 0600
//! file the job engine writes; its path replaces [`PROMPT_FILE_PLACEHOLDER`]): no size limit,
//! and a leading `-` is harmless. Grok 1.0.41 parses a prompt file as JSON content blocks only
//! when its **name ends in `.json`** (verified: any other name, `prompt.txt` included, is sent
//! verbatim whatever the content), so the engine's file name must not end in `.json`. Flags
//! follow grok 1.0.41; `docs/providers/grok.md` lists where it and the reference disagree.

mod stream;

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::stream::GrokParser;
use crate::argv::{
    exclusive, json_object_text, positive_turns, push_attached, push_pair, push_repeated,
    push_switch, push_value, require_resume, require_resume_latest_dir,
};
use crate::parse::{MessagesParser, OutputParser, TextParser};
use crate::request::{
    BuildError, RunRequest, SessionMode, validate_list, validate_text, validate_uuid,
};
use crate::spec::{CommandSpec, PROMPT_FILE_PLACEHOLDER, PromptVia};

/// The reference's cap on `maxTurns`.
const MAX_TURNS: u32 = 10_000;

/// `--output-format` of headless grok.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum GrokOutputFormat {
    Plain,
    Json,
    #[default]
    StreamingJson,
    StreamingMessagesJson,
}

impl GrokOutputFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            GrokOutputFormat::Plain => "plain",
            GrokOutputFormat::Json => "json",
            GrokOutputFormat::StreamingJson => "streaming-json",
            GrokOutputFormat::StreamingMessagesJson => "streaming-messages-json",
        }
    }
}

/// `--permission-mode` values of grok 1.0.41.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum GrokPermissionMode {
    Default,
    AcceptEdits,
    Auto,
    DontAsk,
    BypassPermissions,
    Plan,
}

impl GrokPermissionMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            GrokPermissionMode::Default => "default",
            GrokPermissionMode::AcceptEdits => "acceptEdits",
            GrokPermissionMode::Auto => "auto",
            GrokPermissionMode::DontAsk => "dontAsk",
            GrokPermissionMode::BypassPermissions => "bypassPermissions",
            GrokPermissionMode::Plan => "plan",
        }
    }
}

/// Grok-specific request parameters (wire names camelCase).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct GrokOptions {
    /// Default `streaming-json` (live progress).
    pub output_format: Option<GrokOutputFormat>,
    /// Deltas; `streaming-messages-json` only.
    pub include_partial_messages: bool,
    pub permission_mode: Option<GrokPermissionMode>,
    pub always_approve: bool,
    /// Built-in tools to allow (`--tools`).
    #[serde(alias = "allowedTools")]
    pub tools: Vec<String>,
    /// Built-in tools to remove (`--disallowed-tools`).
    pub disallowed_tools: Vec<String>,
    /// Permission allow rules, e.g. `Bash(git *)`.
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    /// Agent name or definition file.
    pub agent: Option<String>,
    /// Inline subagent definitions (object or JSON text).
    pub agents: Option<Value>,
    /// 1–10000.
    pub max_turns: Option<u32>,
    #[serde(alias = "systemPromptOverride")]
    pub system_prompt: Option<String>,
    /// Extra rules appended to the system prompt.
    pub rules: Option<String>,
    /// Reasoning effort, e.g. `low`, `medium`, `high`.
    #[serde(alias = "reasoningEffort")]
    pub effort: Option<String>,
    /// Structured output schema (object or JSON text); implies `json`.
    pub json_schema: Option<Value>,
    /// Sandbox profile for filesystem and network access.
    pub sandbox: Option<String>,
    /// Resume under a new session id.
    pub fork_session: bool,
    /// Resume: restore the repo snapshot.
    pub restore_code: bool,
    /// Disable web search and fetch tools.
    pub disable_web_search: bool,
    /// Prompt not wrapped in `<user_query>`.
    pub verbatim: bool,
    pub no_plan: bool,
    pub no_subagents: bool,
}

/// Plans headless `grok --prompt-file … --output-format …`.
pub fn build(request: &RunRequest, options: &GrokOptions) -> Result<CommandSpec, BuildError> {
    let format = output_format(options)?;
    require_resume("forkSession", options.fork_session, &request.session)?;
    require_resume("restoreCode", options.restore_code, &request.session)?;
    require_resume_latest_dir(request)?;
    exclusive(
        "alwaysApprove",
        options.always_approve,
        "permissionMode",
        options.permission_mode.is_some(),
    )?;
    if options.include_partial_messages && format != GrokOutputFormat::StreamingMessagesJson {
        return Err(BuildError::new(
            "includePartialMessages",
            "needs outputFormat `streaming-messages-json`",
        ));
    }
    let mut args = vec![
        "--prompt-file".to_owned(),
        PROMPT_FILE_PLACEHOLDER.to_owned(),
    ];
    push_pair(&mut args, "--output-format", format.as_str());
    if let Some(model) = &request.model {
        push_pair(&mut args, "-m", model);
    }
    push_session(&mut args, &request.session)?;
    push_switch(&mut args, "--fork-session", options.fork_session);
    push_switch(&mut args, "--restore-code", options.restore_code);
    push_permissions(&mut args, options)?;
    push_agent_setup(&mut args, options)?;
    push_switch(
        &mut args,
        "--disable-web-search",
        options.disable_web_search,
    );
    push_switch(&mut args, "--verbatim", options.verbatim);
    push_switch(&mut args, "--no-plan", options.no_plan);
    push_switch(&mut args, "--no-subagents", options.no_subagents);
    push_switch(
        &mut args,
        "--include-partial-messages",
        options.include_partial_messages,
    );
    Ok(
        CommandSpec::new(ProviderId::Grok, "grok", args, format.as_str())
            .for_request(request, PromptVia::File)
            // Headless runs must not update the CLI under a running job.
            .with_env("GROK_DISABLE_AUTOUPDATER", "1"),
    )
}

/// A fresh parser for `format` (`plain`, `json`, `streaming-json`, `streaming-messages-json`;
/// anything else is read as `streaming-json`, the default).
pub fn parser(format: &str) -> Box<dyn OutputParser> {
    match format {
        "plain" => Box::new(TextParser::default()),
        "json" => Box::new(GrokParser::json()),
        "streaming-messages-json" => Box::new(MessagesParser::stream()),
        _ => Box::new(GrokParser::stream()),
    }
}

/// `--json-schema` makes grok answer in `json`, so any other explicit format is a contradiction.
fn output_format(options: &GrokOptions) -> Result<GrokOutputFormat, BuildError> {
    match (options.json_schema.is_some(), options.output_format) {
        (true, Some(format)) if format != GrokOutputFormat::Json => Err(BuildError::new(
            "outputFormat",
            format!(
                "jsonSchema makes grok answer in `json`; `{}` cannot be combined with it",
                format.as_str()
            ),
        )),
        (true, _) => Ok(GrokOutputFormat::Json),
        (false, format) => Ok(format.unwrap_or_default()),
    }
}

fn push_session(args: &mut Vec<String>, session: &SessionMode) -> Result<(), BuildError> {
    match session {
        SessionMode::Fresh => {}
        SessionMode::NewWithId(id) => {
            validate_uuid("sessionId", id)?;
            push_pair(args, "-s", id);
        }
        SessionMode::Resume(id) => {
            validate_uuid("sessionId", id)?;
            push_pair(args, "-r", id);
        }
        SessionMode::ResumeLatest => args.push("-c".to_owned()),
    }
    Ok(())
}

fn push_permissions(args: &mut Vec<String>, options: &GrokOptions) -> Result<(), BuildError> {
    if let Some(mode) = options.permission_mode {
        push_pair(args, "--permission-mode", mode.as_str());
    }
    push_switch(args, "--always-approve", options.always_approve);
    push_csv(args, "--tools", "tools", &options.tools)?;
    push_csv(
        args,
        "--disallowed-tools",
        "disallowedTools",
        &options.disallowed_tools,
    )?;
    push_repeated(args, "--allow", "allow", &options.allow)?;
    push_repeated(args, "--deny", "deny", &options.deny)
}

fn push_agent_setup(args: &mut Vec<String>, options: &GrokOptions) -> Result<(), BuildError> {
    push_value(args, "--agent", "agent", options.agent.as_deref())?;
    if let Some(agents) = &options.agents {
        push_pair(args, "--agents", &json_object_text("agents", agents)?);
    }
    if let Some(turns) = options.max_turns {
        push_pair(
            args,
            "--max-turns",
            &positive_turns("maxTurns", turns, MAX_TURNS)?.to_string(),
        );
    }
    push_attached(
        args,
        "--system-prompt-override",
        "systemPrompt",
        options.system_prompt.as_deref(),
    )?;
    push_attached(args, "--rules", "rules", options.rules.as_deref())?;
    push_value(
        args,
        "--reasoning-effort",
        "effort",
        options.effort.as_deref(),
    )?;
    if let Some(schema) = &options.json_schema {
        push_pair(
            args,
            "--json-schema",
            &json_object_text("jsonSchema", schema)?,
        );
    }
    push_value(args, "--sandbox", "sandbox", options.sandbox.as_deref())
}

/// One comma-separated value (grok's tool lists), so no element may hold a comma.
fn push_csv(
    args: &mut Vec<String>,
    flag: &str,
    param: &str,
    values: &[String],
) -> Result<(), BuildError> {
    validate_list(param, values)?;
    if let Some(index) = values.iter().position(|value| value.contains(',')) {
        return Err(BuildError::new(
            format!("{param}[{index}]"),
            "must not contain ',' (grok joins the list with commas)",
        ));
    }
    if !values.is_empty() {
        let joined = values
            .iter()
            .map(|value| value.trim())
            .collect::<Vec<_>>()
            .join(",");
        validate_text(param, &joined)?;
        push_pair(args, flag, &joined);
    }
    Ok(())
}
