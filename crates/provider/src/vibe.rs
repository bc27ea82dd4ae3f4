//! The `mistral` provider: Mistral Vibe (`vibe`, PyPI `mistral-vibe`, verified against 3.0.2).
//!
//! The prompt goes on **stdin** with a bare `-p` as the last argument (`vibe -p < file`; verified
//! with a dash prompt and a 1 MiB prompt). Vibe ≥ 3 has **no `--model` flag**: the model travels in
//! `VIBE_ACTIVE_MODEL`, and an unknown alias silently falls back to vibe's default model. Vibe's
//! session ids look like UUIDs but are not RFC 4122 v4, so they are treated as opaque strings.

mod parse;

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::argv::{check_range, push_pair, push_repeated, push_switch};
use crate::parse::OutputParser;
use crate::request::{BuildError, RunRequest, SessionMode, validate_value};
use crate::spec::{CommandSpec, OUTPUT_DIR_PLACEHOLDER, PromptVia};

pub use parse::apply_export;

/// The environment variable that selects vibe's model (any vibe config field can be overridden
/// as `VIBE_<FIELD>`).
pub const MODEL_ENV: &str = "VIBE_ACTIVE_MODEL";

/// Vibe's built-in agents. `default` and `plan` are **not** agents (`Agent 'plan' not found`).
pub const BUILTIN_AGENTS: [&str; 4] = ["ask", "accept-edits", "smart-approve", "auto-approve"];

/// The agent sent when the caller names none (the reference's choice, and vibe's documented
/// default): explicit, so a user's `default_agent` config cannot change what a job may do.
pub const DEFAULT_AGENT: &str = "accept-edits";

/// The file vibe writes into `--output-dir` at exit: usage, cost, outcome, structured error.
pub const EXPORT_FILE: &str = "export.json";

/// What `vibe --output` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum VibeOutputFormat {
    #[serde(alias = "plain")]
    Text,
    Json,
    #[serde(alias = "stream-json")]
    Streaming,
}

impl VibeOutputFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            VibeOutputFormat::Text => "text",
            VibeOutputFormat::Json => "json",
            VibeOutputFormat::Streaming => "streaming",
        }
    }
}

/// Parameters of `mistral_request` beyond the common ones. The model is the common `model`
/// parameter (sent as `VIBE_ACTIVE_MODEL`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct VibeOptions {
    /// Default `streaming` (progress).
    pub output_format: Option<VibeOutputFormat>,
    /// `accept-edits` (default), `ask`, `smart-approve`, `auto-approve` or custom.
    #[serde(alias = "permissionMode")]
    pub agent: Option<String>,
    pub auto_approve: bool,
    /// Auto-run safe tool calls.
    pub smart_approve: bool,
    /// Only these tools (all others disabled).
    #[serde(alias = "allowedTools")]
    pub enabled_tools: Vec<String>,
    #[serde(alias = "disallowedTools")]
    pub disabled_tools: Vec<String>,
    /// 1–10000.
    pub max_turns: Option<u32>,
    /// USD (0.000001–10000).
    pub max_price: Option<f64>,
    /// Prompt + completion (1–100000000).
    pub max_tokens: Option<u64>,
    /// Seconds (1–86400).
    pub time_limit: Option<u64>,
    /// Extra directories the agent may use.
    #[serde(alias = "addDirs")]
    pub add_dir: Vec<String>,
    /// Trust the working directory for this run only.
    pub trust: bool,
    /// Directory for `export.json` and a journal copy.
    pub output_dir: Option<String>,
}

impl VibeOptions {
    /// Paths that must exist, as `(parameter, path)` (the extra directories). This crate does no
    /// I/O; the caller checks them before spawn. `outputDir` is created by vibe.
    pub fn required_paths(&self) -> Vec<(String, String)> {
        self.add_dir
            .iter()
            .enumerate()
            .map(|(index, path)| (format!("addDir[{index}]"), path.clone()))
            .collect()
    }
}

const MAX_TURNS: u32 = 10_000;
const MIN_PRICE: f64 = 1e-6;
const MAX_PRICE: f64 = 10_000.0;
const MAX_TOKENS: u64 = 100_000_000;
const MAX_TIME_LIMIT_SECONDS: u64 = 86_400;
/// vibe 3.0.2 refuses a piped prompt (or prompt file) over 1 MiB ("piped prompt exceeds").
pub const MAX_PROMPT_BYTES: usize = 1024 * 1024;

/// Plans `vibe --output F --agent A … --output-dir D -p` with the prompt on stdin. `D` is the
/// caller's `outputDir`, else [`OUTPUT_DIR_PLACEHOLDER`]: vibe reports usage and cost only in
/// `D/export.json`, which the engine reads after exit (a private `D` is removed afterwards; the
/// caller's is kept).
pub fn build(request: &RunRequest, options: &VibeOptions) -> Result<CommandSpec, BuildError> {
    if request.prompt.len() > MAX_PROMPT_BYTES {
        return Err(BuildError::new(
            "prompt",
            format!(
                "is {} bytes; vibe accepts at most {MAX_PROMPT_BYTES} bytes. Put large material in a file under workingDir and refer to it",
                request.prompt.len()
            ),
        ));
    }
    let format = options.output_format.unwrap_or(VibeOutputFormat::Streaming);
    let agent = checked_agent(options.agent.as_deref())?;
    if options.auto_approve && options.smart_approve {
        return Err(BuildError::new(
            "smartApprove",
            "conflicts with autoApprove; pass only one of them",
        ));
    }
    let mut args = vec![
        "--output".to_owned(),
        format.as_str().to_owned(),
        "--agent".to_owned(),
        agent.to_owned(),
    ];
    push_switch(&mut args, "--auto-approve", options.auto_approve);
    push_switch(&mut args, "--smart-approve", options.smart_approve);
    push_repeated(
        &mut args,
        "--enabled-tools",
        "enabledTools",
        &options.enabled_tools,
    )?;
    push_repeated(
        &mut args,
        "--disabled-tools",
        "disabledTools",
        &options.disabled_tools,
    )?;
    push_limits(&mut args, options)?;
    push_repeated(&mut args, "--add-dir", "addDir", &options.add_dir)?;
    push_switch(&mut args, "--trust", options.trust);
    let output_dir = match &options.output_dir {
        Some(dir) => {
            validate_value("outputDir", dir)?;
            dir.as_str()
        }
        None => OUTPUT_DIR_PLACEHOLDER,
    };
    push_pair(&mut args, "--output-dir", output_dir);
    push_session(&mut args, &request.session)?;
    // Last, with no value: vibe then reads the prompt from stdin, so no prompt text is ever argv.
    args.push("-p".to_owned());
    let mut spec = CommandSpec::new(ProviderId::Mistral, "vibe", args, format.as_str())
        .for_request(request, PromptVia::Stdin);
    if let Some(model) = &request.model {
        spec = spec.with_env(MODEL_ENV, model);
    }
    spec.export_file = Some(export_path(output_dir));
    Ok(spec)
}

/// `DIR/export.json` (no doubled slash when the caller's dir ends in one).
fn export_path(dir: &str) -> String {
    format!("{}/{EXPORT_FILE}", dir.strip_suffix('/').unwrap_or(dir))
}

/// `--resume <id>` (an opaque id) or `--continue`; vibe cannot start a session with a chosen id.
fn push_session(args: &mut Vec<String>, session: &SessionMode) -> Result<(), BuildError> {
    match session {
        SessionMode::Fresh => {}
        SessionMode::NewWithId(_) => {
            return Err(BuildError::new(
                "sessionId",
                "vibe cannot start a session with a chosen id; start without sessionId and resume \
                 with the id it reports",
            ));
        }
        SessionMode::Resume(id) => push_pair(args, "--resume", id),
        SessionMode::ResumeLatest => args.push("--continue".to_owned()),
    }
    Ok(())
}

/// A parser for `format` (`streaming`, `json` or `text`).
pub fn parser(format: &str) -> Box<dyn OutputParser> {
    parse::parser(format)
}

/// A built-in agent, or a custom agent name that can only be a file name under `~/.vibe/agents`.
fn checked_agent(agent: Option<&str>) -> Result<&str, BuildError> {
    let Some(agent) = agent else {
        return Ok(DEFAULT_AGENT);
    };
    validate_value("agent", agent)?;
    match agent {
        "default" => Err(BuildError::new(
            "agent",
            "`default` is not a vibe agent; leave agent out for accept-edits, or use ask, smart-approve or auto-approve",
        )),
        "plan" => Err(BuildError::new(
            "agent",
            "`plan` is not a vibe agent (vibe has ask, accept-edits, smart-approve, auto-approve); \
             `ask` is the most cautious built-in one",
        )),
        _ if BUILTIN_AGENTS.contains(&agent) => Ok(agent),
        _ if agent
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !agent.starts_with('.') =>
        {
            Ok(agent)
        }
        _ => Err(BuildError::new(
            "agent",
            format!(
                "{agent:?} is neither a built-in agent ({}) nor a custom agent file name",
                BUILTIN_AGENTS.join(", ")
            ),
        )),
    }
}

fn push_limits(args: &mut Vec<String>, options: &VibeOptions) -> Result<(), BuildError> {
    if let Some(turns) = options.max_turns {
        check_range("maxTurns", turns, 1, MAX_TURNS)?;
        push_pair(args, "--max-turns", &turns.to_string());
    }
    if let Some(price) = options.max_price {
        if !(MIN_PRICE..=MAX_PRICE).contains(&price) {
            return Err(BuildError::new(
                "maxPrice",
                format!(
                    "{price} is out of range; use a dollar amount from {MIN_PRICE} to {MAX_PRICE}"
                ),
            ));
        }
        push_pair(args, "--max-price", &price.to_string());
    }
    if let Some(tokens) = options.max_tokens {
        check_range("maxTokens", tokens, 1, MAX_TOKENS)?;
        push_pair(args, "--max-tokens", &tokens.to_string());
    }
    if let Some(seconds) = options.time_limit {
        check_range("timeLimit", seconds, 1, MAX_TIME_LIMIT_SECONDS)?;
        push_pair(args, "--time-limit", &seconds.to_string());
    }
    Ok(())
}
