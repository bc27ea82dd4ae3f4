//! Codex CLI (`codex exec --json … -- -`): request options, argv builder and JSONL parser.
//!
//! The prompt travels on **stdin** (`-` as the prompt, after `--` so the variadic `-i` cannot
//! swallow it). `exec resume` rejects `-s`, `-C`, `--add-dir` and `-p`, so those (and the other
//! exec-only flags) go **before** `resume`; everything `resume` accepts goes after it. Flags
//! follow codex-cli 0.169.0, which removed `--full-auto`, `-a` and `--search` from `exec`: the
//! reference's options for them are mapped to real flags or refused with a message saying what
//! to use instead (`docs/providers/codex.md`).

mod stream;

use std::collections::BTreeMap;

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::stream::CodexParser;
use crate::argv::{
    exclusive, push_pair, push_repeated, push_switch, push_value, require_resume_latest_dir,
};
use crate::parse::OutputParser;
use crate::request::{BuildError, RunRequest, SessionMode, validate_session_id, validate_text};
use crate::spec::{CommandSpec, PromptVia};

/// The gateway always runs `exec --json`; `text` is accepted for the reference's callers and
/// still yields the final message as the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum CodexOutputFormat {
    #[default]
    Json,
    Text,
}

/// `-s/--sandbox` policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CodexSandbox {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl CodexSandbox {
    pub const fn as_str(self) -> &'static str {
        match self {
            CodexSandbox::ReadOnly => "read-only",
            CodexSandbox::WorkspaceWrite => "workspace-write",
            CodexSandbox::DangerFullAccess => "danger-full-access",
        }
    }
}

/// The reference's `askForApproval` values. `codex exec` always runs with approval `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CodexApproval {
    Untrusted,
    OnRequest,
    Never,
}

/// `--local-provider` for `--oss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum LocalProvider {
    Lmstudio,
    Ollama,
}

/// Codex-specific request parameters (wire names camelCase).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct CodexOptions {
    /// Always JSONL; `text` accepted.
    pub output_format: Option<CodexOutputFormat>,
    /// Sandbox for commands (default `read-only`).
    #[serde(alias = "sandboxMode")]
    pub sandbox: Option<CodexSandbox>,
    /// Legacy: sandbox `workspace-write`.
    pub full_auto: bool,
    /// Legacy; only `never`.
    pub ask_for_approval: Option<CodexApproval>,
    /// Legacy; `true` refused.
    pub use_legacy_full_auto_flag: bool,
    /// Legacy; `true` refused (use configOverrides).
    pub search: bool,
    /// Automatic approval review, workspace-write sandbox.
    pub approve_for_me: bool,
    /// No approvals, no sandbox (externally sandboxed only).
    pub dangerously_bypass_approvals_and_sandbox: bool,
    /// Run untrusted hooks.
    pub dangerously_bypass_hook_trust: bool,
    /// JSON Schema file for the final response.
    pub output_schema: Option<String>,
    /// File to write the last agent message to.
    pub output_last_message: Option<String>,
    /// Config profile layered on the user config.
    pub profile: Option<String>,
    /// `-c key=value` overrides (strings as TOML, else literal).
    pub config_overrides: BTreeMap<String, Value>,
    /// Do not persist session files.
    pub ephemeral: bool,
    /// Image files attached to the prompt.
    pub images: Vec<String>,
    /// More writable directories.
    #[serde(alias = "addDir")]
    pub add_dirs: Vec<String>,
    /// Allow a non-git directory (default true).
    pub skip_git_repo_check: Option<bool>,
    /// Do not load `$CODEX_HOME/config.toml`.
    pub ignore_user_config: bool,
    /// Do not load execpolicy `.rules` files.
    pub ignore_rules: bool,
    pub strict_config: bool,
    pub enable: Vec<String>,
    pub disable: Vec<String>,
    /// Use the open-source (local) provider.
    pub oss: bool,
    /// Local provider for `oss`.
    pub local_provider: Option<LocalProvider>,
}

/// Plans `codex exec … -- -` with the prompt on stdin.
pub fn build(request: &RunRequest, options: &CodexOptions) -> Result<CommandSpec, BuildError> {
    validate_legacy(options)?;
    require_resume_latest_dir(request)?;
    let head = head_flags(request, options);
    let exec_only = exec_only_flags(options)?;
    let shared = shared_flags(options)?;
    let mut args = vec!["exec".to_owned()];
    match &request.session {
        SessionMode::Fresh => {
            args.extend(head);
            args.extend(exec_only);
            args.extend(shared);
            args.extend(["--".to_owned(), "-".to_owned()]);
        }
        SessionMode::NewWithId(_) => {
            return Err(BuildError::new(
                "sessionId",
                "codex cannot start a session under a chosen id; omit it (the new thread id is returned as sessionId)",
            ));
        }
        SessionMode::Resume(id) => {
            validate_session_id("sessionId", id)?;
            args.extend(exec_only);
            args.push("resume".to_owned());
            args.extend(head);
            args.extend(shared);
            args.extend(["--".to_owned(), id.clone(), "-".to_owned()]);
        }
        SessionMode::ResumeLatest => {
            args.extend(exec_only);
            args.push("resume".to_owned());
            args.extend(head);
            args.push("--last".to_owned());
            args.extend(shared);
            args.extend(["--".to_owned(), "-".to_owned()]);
        }
    }
    Ok(CommandSpec::new(ProviderId::Codex, "codex", args, "json")
        .for_request(request, PromptVia::Stdin))
}

/// A fresh parser for codex's JSONL (the only format the gateway asks for).
pub fn parser(format: &str) -> Box<dyn OutputParser> {
    let _ = format;
    Box::new(CodexParser::default())
}

fn validate_legacy(options: &CodexOptions) -> Result<(), BuildError> {
    if options.use_legacy_full_auto_flag {
        return Err(BuildError::new(
            "useLegacyFullAutoFlag",
            "codex removed --full-auto (0.147); use sandbox `workspace-write` (or fullAuto, which maps to it)",
        ));
    }
    if options.search {
        return Err(BuildError::new(
            "search",
            "`codex exec` has no --search flag (0.169); enable web search through configOverrides, e.g. {\"web_search\": \"live\"}",
        ));
    }
    match options.ask_for_approval {
        None | Some(CodexApproval::Never) => {}
        Some(_) => {
            return Err(BuildError::new(
                "askForApproval",
                "`codex exec` cannot ask for approval (it always runs with approval `never`); limit it with sandbox, or use approveForMe for automatic review",
            ));
        }
    }
    let bypass = options.dangerously_bypass_approvals_and_sandbox;
    exclusive(
        "fullAuto",
        options.full_auto,
        "sandbox",
        options.sandbox.is_some(),
    )?;
    exclusive(
        "dangerouslyBypassApprovalsAndSandbox",
        bypass,
        "sandbox",
        options.sandbox.is_some(),
    )?;
    exclusive(
        "dangerouslyBypassApprovalsAndSandbox",
        bypass,
        "fullAuto",
        options.full_auto,
    )?;
    exclusive(
        "approveForMe",
        options.approve_for_me,
        "sandbox",
        options.sandbox.is_some(),
    )?;
    exclusive(
        "approveForMe",
        options.approve_for_me,
        "fullAuto",
        options.full_auto,
    )?;
    exclusive(
        "approveForMe",
        options.approve_for_me,
        "dangerouslyBypassApprovalsAndSandbox",
        bypass,
    )
}

/// Flags both `exec` and `exec resume` take, that every run has.
fn head_flags(request: &RunRequest, options: &CodexOptions) -> Vec<String> {
    let mut args = vec!["--json".to_owned()];
    push_switch(
        &mut args,
        "--skip-git-repo-check",
        options.skip_git_repo_check.unwrap_or(true),
    );
    if let Some(model) = &request.model {
        push_pair(&mut args, "-m", model);
    }
    args
}

/// Flags `exec resume` rejects; they must come before `resume`.
fn exec_only_flags(options: &CodexOptions) -> Result<Vec<String>, BuildError> {
    let mut args = Vec::new();
    let sandbox = if options.full_auto {
        Some(CodexSandbox::WorkspaceWrite)
    } else {
        options.sandbox
    };
    if let Some(sandbox) = sandbox {
        push_pair(&mut args, "-s", sandbox.as_str());
    }
    push_switch(&mut args, "--approve-for-me", options.approve_for_me);
    push_repeated(&mut args, "--add-dir", "addDirs", &options.add_dirs)?;
    push_value(&mut args, "-p", "profile", options.profile.as_deref())?;
    push_switch(&mut args, "--oss", options.oss);
    if let Some(provider) = options.local_provider {
        let name = match provider {
            LocalProvider::Lmstudio => "lmstudio",
            LocalProvider::Ollama => "ollama",
        };
        push_pair(&mut args, "--local-provider", name);
    }
    Ok(args)
}

/// Flags both `exec` and `exec resume` accept.
fn shared_flags(options: &CodexOptions) -> Result<Vec<String>, BuildError> {
    let mut args = Vec::new();
    push_switch(
        &mut args,
        "--dangerously-bypass-approvals-and-sandbox",
        options.dangerously_bypass_approvals_and_sandbox,
    );
    push_switch(
        &mut args,
        "--dangerously-bypass-hook-trust",
        options.dangerously_bypass_hook_trust,
    );
    for (key, value) in &options.config_overrides {
        let pair = config_override(key, value)?;
        push_pair(&mut args, "-c", &pair);
    }
    push_repeated(&mut args, "--enable", "enable", &options.enable)?;
    push_repeated(&mut args, "--disable", "disable", &options.disable)?;
    push_switch(&mut args, "--strict-config", options.strict_config);
    push_switch(&mut args, "--ephemeral", options.ephemeral);
    push_switch(
        &mut args,
        "--ignore-user-config",
        options.ignore_user_config,
    );
    push_switch(&mut args, "--ignore-rules", options.ignore_rules);
    push_value(
        &mut args,
        "--output-schema",
        "outputSchema",
        options.output_schema.as_deref(),
    )?;
    push_value(
        &mut args,
        "-o",
        "outputLastMessage",
        options.output_last_message.as_deref(),
    )?;
    // `-i` is variadic on exec; the `--` before the prompt stops it.
    push_repeated(&mut args, "-i", "images", &options.images)?;
    Ok(args)
}

/// `key=value` for `-c`: a dotted TOML key path, and a value on one line.
fn config_override(key: &str, value: &Value) -> Result<String, BuildError> {
    let param = format!("configOverrides.{key}");
    let key_ok = !key.is_empty()
        && key.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        })
        && !key.starts_with('-');
    if !key_ok {
        return Err(BuildError::new(
            param,
            "keys are dotted paths of letters, digits, `_` and `-` (e.g. `model_providers.local.base_url`)",
        ));
    }
    let text = match value {
        Value::Null => return Err(BuildError::new(param, "must not be null")),
        Value::String(text) => text.clone(),
        other => toml_inline(other),
    };
    if text.contains(['\r', '\n']) {
        return Err(BuildError::new(
            param,
            "must not contain line breaks (codex reads one `key=value` per -c)",
        ));
    }
    let pair = format!("{key}={text}");
    validate_text(&param, &pair)?;
    Ok(pair)
}

/// A JSON value as a TOML inline value (strings quoted, objects as inline tables).
fn toml_inline(value: &Value) -> String {
    match value {
        Value::Null => "\"\"".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        // JSON string escapes are valid TOML basic-string escapes.
        Value::String(text) => Value::String(text.clone()).to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(fields) => {
            let body: Vec<String> = fields
                .iter()
                .map(|(name, field)| {
                    format!("{} = {}", Value::String(name.clone()), toml_inline(field))
                })
                .collect();
            format!("{{{}}}", body.join(", "))
        }
    }
}
