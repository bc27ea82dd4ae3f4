//! The `gemini` provider: Google's Gemini CLI (`gemini`, verified against 0.61.0) and, as a
//! second backend, Antigravity (`agy`, built from the reference's facts only: there is no
//! registry package to verify it against).
//!
//! Gemini CLI gets the prompt on **stdin** with no prompt flag at all: a non-TTY stdin puts it in
//! headless mode and the piped text becomes the whole prompt (verified: a dash prompt and a
//! 1 MiB prompt both arrive intact). `-p ""` and `--prompt=` behave the same, but add nothing.
//! `agy` has no verified stdin path and ignores `--`, so its prompt travels as the value of
//! `--print`; a prompt starting with `-` is refused for it, and so is one too large for argv.
//!
//! Which backend runs is the caller's decision ([`GeminiOptions::backend`]), made from what is
//! installed or from `LLM_GATEWAY_GEMINI_BACKEND`; this module only plans the command.

mod parse;

use std::str::FromStr;

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::argv::{push_pair, push_repeated, push_switch, push_value};
use crate::parse::OutputParser;
use crate::request::{BuildError, MAX_ARGV_VALUE_BYTES, RunRequest, SessionMode, validate_uuid};
use crate::spec::{CommandSpec, PromptVia};

/// Which executable serves the gemini provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GeminiBackend {
    /// Gemini CLI (`gemini`, npm `@google/gemini-cli`).
    #[default]
    #[serde(rename = "gemini")]
    GeminiCli,
    /// Google Antigravity (`agy`); text output only; unverified.
    #[serde(rename = "agy")]
    Antigravity,
}

impl GeminiBackend {
    /// The executable this backend runs.
    pub const fn program(self) -> &'static str {
        match self {
            GeminiBackend::GeminiCli => "gemini",
            GeminiBackend::Antigravity => "agy",
        }
    }
}

impl GeminiBackend {
    /// The backend to run: `forced` (the `LLM_GATEWAY_GEMINI_BACKEND` value) when set, else
    /// [`GeminiBackend::detect`]. The one rule for the request tools, validation and doctor.
    pub fn select(
        forced: Option<&str>,
        is_installed: impl Fn(&str) -> bool,
    ) -> Result<GeminiBackend, BuildError> {
        match forced.filter(|value| !value.trim().is_empty()) {
            Some(value) => value.parse(),
            None => Ok(GeminiBackend::detect(is_installed)),
        }
    }

    /// Gemini CLI when installed, else agy when installed, else Gemini CLI (so a missing
    /// binary is reported under the name users expect).
    pub fn detect(is_installed: impl Fn(&str) -> bool) -> GeminiBackend {
        let antigravity = GeminiBackend::Antigravity;
        if !is_installed(GeminiBackend::GeminiCli.program()) && is_installed(antigravity.program())
        {
            return antigravity;
        }
        GeminiBackend::GeminiCli
    }
}

impl FromStr for GeminiBackend {
    type Err = BuildError;

    /// Parses a `LLM_GATEWAY_GEMINI_BACKEND` value.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gemini" | "gemini-cli" => Ok(GeminiBackend::GeminiCli),
            "agy" | "antigravity" => Ok(GeminiBackend::Antigravity),
            _ => Err(BuildError::new(
                gateway_core::env::GEMINI_BACKEND,
                format!(
                    "{value:?} is not a backend; use `gemini` (Gemini CLI) or `agy` (Antigravity)"
                ),
            )),
        }
    }
}

/// What `gemini --output-format` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum GeminiOutputFormat {
    Text,
    Json,
    StreamJson,
}

impl GeminiOutputFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            GeminiOutputFormat::Text => "text",
            GeminiOutputFormat::Json => "json",
            GeminiOutputFormat::StreamJson => "stream-json",
        }
    }
}

/// `gemini --approval-mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GeminiApprovalMode {
    Default,
    AutoEdit,
    Yolo,
    Plan,
}

impl GeminiApprovalMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            GeminiApprovalMode::Default => "default",
            GeminiApprovalMode::AutoEdit => "auto_edit",
            GeminiApprovalMode::Yolo => "yolo",
            GeminiApprovalMode::Plan => "plan",
        }
    }
}

/// Parameters of `gemini_request` beyond the common ones.
///
/// Left out on purpose (see `docs/providers/gemini.md`): the reference's `skipTrust` (the gateway
/// always passes `--skip-trust`, headless runs fail without it) and `attachments` (no such flag).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct GeminiOptions {
    /// Chosen by the gateway (installed CLI or `LLM_GATEWAY_GEMINI_BACKEND`), never by callers.
    #[serde(skip)]
    pub backend: GeminiBackend,
    /// Default `stream-json`; agy: `text` only.
    pub output_format: Option<GeminiOutputFormat>,
    /// `yolo` approves all; `plan` is read-only.
    pub approval_mode: Option<GeminiApprovalMode>,
    /// Same as approvalMode `yolo`.
    pub yolo: bool,
    /// Extra workspace directories (must exist).
    #[serde(alias = "includeDirectories")]
    pub include_dirs: Vec<String>,
    /// MCP servers the run may use. Gemini CLI only.
    pub allowed_mcp_server_names: Vec<String>,
    /// Policy Engine files or directories. Gemini CLI only.
    pub policy_files: Vec<String>,
    /// Admin policy files or directories. Gemini CLI only.
    pub admin_policy_files: Vec<String>,
    /// Allowed without confirmation (deprecated: policies).
    pub allowed_tools: Vec<String>,
    /// Container sandbox (docker or podman).
    pub sandbox: bool,
    /// agy only: project id.
    pub project: Option<String>,
    /// agy only: start a new project.
    pub new_project: bool,
    /// agy only: time limit, e.g. `10m`.
    pub print_timeout: Option<String>,
}

impl GeminiOptions {
    /// Paths the CLI requires to exist, as `(parameter, path)`: Gemini CLI exits 1 on a missing
    /// include directory. This crate does no I/O; the caller checks them before spawn.
    pub fn required_paths(&self) -> Vec<(String, String)> {
        let lists = [
            ("includeDirs", &self.include_dirs),
            ("policyFiles", &self.policy_files),
            ("adminPolicyFiles", &self.admin_policy_files),
        ];
        lists
            .into_iter()
            .flat_map(|(param, values)| {
                values
                    .iter()
                    .enumerate()
                    .map(move |(index, path)| (format!("{param}[{index}]"), path.clone()))
            })
            .collect()
    }
}

/// Plans the command for the configured backend.
pub fn build(request: &RunRequest, options: &GeminiOptions) -> Result<CommandSpec, BuildError> {
    let approval = effective_approval(options)?;
    match options.backend {
        GeminiBackend::GeminiCli => build_gemini_cli(request, options, approval),
        GeminiBackend::Antigravity => build_agy(request, options, approval),
    }
}

/// A parser for `format`; `program` tells the `agy` backend (text only) apart.
pub fn parser(format: &str, program: &str) -> Box<dyn OutputParser> {
    parse::parser(format, program)
}

/// Folds the reference's `yolo` flag into the approval mode (gemini refuses `-y` together with
/// `--approval-mode`, so only `--approval-mode` is ever emitted).
fn effective_approval(options: &GeminiOptions) -> Result<Option<GeminiApprovalMode>, BuildError> {
    match (options.yolo, options.approval_mode) {
        (false, mode) => Ok(mode),
        (true, None | Some(GeminiApprovalMode::Yolo)) => Ok(Some(GeminiApprovalMode::Yolo)),
        (true, Some(mode)) => Err(BuildError::new(
            "approvalMode",
            format!(
                "`yolo: true` conflicts with approvalMode `{}`; pass only one of them",
                mode.as_str()
            ),
        )),
    }
}

fn build_gemini_cli(
    request: &RunRequest,
    options: &GeminiOptions,
    approval: Option<GeminiApprovalMode>,
) -> Result<CommandSpec, BuildError> {
    reject_agy_only(options)?;
    let format = options
        .output_format
        .unwrap_or(GeminiOutputFormat::StreamJson);
    let mut args = vec!["--output-format".to_owned(), format.as_str().to_owned()];
    args.push("--skip-trust".to_owned());
    if let Some(model) = &request.model {
        push_pair(&mut args, "--model", model);
    }
    if let Some(mode) = approval {
        push_pair(&mut args, "--approval-mode", mode.as_str());
    }
    push_switch(&mut args, "--sandbox", options.sandbox);
    push_gemini_lists(&mut args, options)?;
    push_gemini_session(&mut args, &request.session)?;
    Ok(spec(
        request,
        GeminiBackend::GeminiCli,
        args,
        format,
        PromptVia::Stdin,
    ))
}

fn push_gemini_lists(args: &mut Vec<String>, options: &GeminiOptions) -> Result<(), BuildError> {
    let lists = [
        (
            "--include-directories",
            "includeDirs",
            &options.include_dirs,
        ),
        (
            "--allowed-mcp-server-names",
            "allowedMcpServerNames",
            &options.allowed_mcp_server_names,
        ),
        ("--policy", "policyFiles", &options.policy_files),
        (
            "--admin-policy",
            "adminPolicyFiles",
            &options.admin_policy_files,
        ),
        ("--allowed-tools", "allowedTools", &options.allowed_tools),
    ];
    for (flag, param, values) in lists {
        reject_commas(param, values)?;
        push_repeated(args, flag, param, values)?;
    }
    Ok(())
}

/// `--session-id` starts a new session (the id becomes a file name, so a UUID is required);
/// `--resume` takes a full UUID or `latest` (index numbers shift, so they are not offered).
fn push_gemini_session(args: &mut Vec<String>, session: &SessionMode) -> Result<(), BuildError> {
    match session {
        SessionMode::Fresh => {}
        SessionMode::NewWithId(id) => {
            validate_uuid("sessionId", id)?;
            push_pair(args, "--session-id", id);
        }
        SessionMode::Resume(id) => {
            validate_uuid("sessionId", id).map_err(|err| {
                let hint = "use resumeLatest for the most recent session";
                BuildError::new("sessionId", format!("{}; {hint}", err.message))
            })?;
            push_pair(args, "--resume", id);
        }
        SessionMode::ResumeLatest => push_pair(args, "--resume", "latest"),
    }
    Ok(())
}

fn build_agy(
    request: &RunRequest,
    options: &GeminiOptions,
    approval: Option<GeminiApprovalMode>,
) -> Result<CommandSpec, BuildError> {
    reject_gemini_cli_only(options)?;
    check_agy_prompt(&request.prompt)?;
    let mut args = Vec::new();
    push_pair(&mut args, "--print", &request.prompt);
    if let Some(model) = &request.model {
        push_pair(&mut args, "--model", model);
    }
    push_repeated(&mut args, "--add-dir", "includeDirs", &options.include_dirs)?;
    push_switch(&mut args, "--sandbox", options.sandbox);
    match approval {
        None | Some(GeminiApprovalMode::Default) => {}
        Some(GeminiApprovalMode::AutoEdit) => push_pair(&mut args, "--mode", "accept-edits"),
        Some(GeminiApprovalMode::Plan) => push_pair(&mut args, "--mode", "plan"),
        Some(GeminiApprovalMode::Yolo) => args.push("--dangerously-skip-permissions".to_owned()),
    }
    push_agy_project(&mut args, options)?;
    push_agy_session(&mut args, &request.session)?;
    Ok(spec(
        request,
        GeminiBackend::Antigravity,
        args,
        GeminiOutputFormat::Text,
        PromptVia::Argv,
    ))
}

fn push_agy_project(args: &mut Vec<String>, options: &GeminiOptions) -> Result<(), BuildError> {
    match (&options.project, options.new_project) {
        (Some(_), true) => {
            return Err(BuildError::new(
                "newProject",
                "conflicts with `project`; pass only one",
            ));
        }
        (Some(project), false) => push_value(args, "--project", "project", Some(project))?,
        (None, true) => args.push("--new-project".to_owned()),
        (None, false) => {}
    }
    if let Some(timeout) = &options.print_timeout {
        if !is_go_duration(timeout) {
            return Err(BuildError::new(
                "printTimeout",
                format!("{timeout:?} is not a Go duration such as `90s`, `10m` or `1h30m`"),
            ));
        }
        push_pair(args, "--print-timeout", timeout);
    }
    Ok(())
}

fn push_agy_session(args: &mut Vec<String>, session: &SessionMode) -> Result<(), BuildError> {
    match session {
        SessionMode::Fresh => {}
        SessionMode::NewWithId(_) => {
            return Err(BuildError::new(
                "sessionId",
                "agy cannot start a session with a chosen id; start without sessionId and resume \
                 with the id it reports",
            ));
        }
        SessionMode::Resume(id) => push_pair(args, "--conversation", id),
        SessionMode::ResumeLatest => args.push("--continue".to_owned()),
    }
    Ok(())
}

/// agy takes the prompt only as an argv value: it must not look like a flag (agy ignores `--`)
/// and must fit in one argument.
fn check_agy_prompt(prompt: &str) -> Result<(), BuildError> {
    if prompt.starts_with('-') {
        return Err(BuildError::new(
            "prompt",
            "starts with '-': the agy (Antigravity) backend can only take the prompt as a command-line value, \
             where agy would read it as a flag (it ignores `--`). Reword the prompt so it does not begin with '-', \
             or use the Gemini CLI backend (LLM_GATEWAY_GEMINI_BACKEND=gemini), which reads it from stdin",
        ));
    }
    if prompt.len() > MAX_ARGV_VALUE_BYTES {
        return Err(BuildError::new(
            "prompt",
            format!(
                "is {} bytes; the agy (Antigravity) backend takes the prompt as one command-line argument, \
                 limited to {MAX_ARGV_VALUE_BYTES} bytes. Put large material in a file under workingDir and refer to it, \
                 or use the Gemini CLI backend (LLM_GATEWAY_GEMINI_BACKEND=gemini), which reads it from stdin",
                prompt.len()
            ),
        ));
    }
    Ok(())
}

fn reject_agy_only(options: &GeminiOptions) -> Result<(), BuildError> {
    let agy_only = [
        ("project", options.project.is_some()),
        ("newProject", options.new_project),
        ("printTimeout", options.print_timeout.is_some()),
    ];
    reject_if_set(
        &agy_only,
        "applies only to the agy (Antigravity) backend; this gateway runs Gemini CLI",
    )
}

fn reject_gemini_cli_only(options: &GeminiOptions) -> Result<(), BuildError> {
    if matches!(
        options.output_format,
        Some(GeminiOutputFormat::Json | GeminiOutputFormat::StreamJson)
    ) {
        return Err(BuildError::new(
            "outputFormat",
            "the agy (Antigravity) backend prints text only; use `text` or leave outputFormat out",
        ));
    }
    let cli_only = [
        (
            "allowedMcpServerNames",
            !options.allowed_mcp_server_names.is_empty(),
        ),
        ("policyFiles", !options.policy_files.is_empty()),
        ("adminPolicyFiles", !options.admin_policy_files.is_empty()),
        ("allowedTools", !options.allowed_tools.is_empty()),
    ];
    reject_if_set(
        &cli_only,
        "applies only to the Gemini CLI backend; this gateway runs agy (Antigravity)",
    )
}

fn reject_if_set(params: &[(&str, bool)], message: &str) -> Result<(), BuildError> {
    match params.iter().find(|(_, set)| *set) {
        Some((param, _)) => Err(BuildError::new(*param, message)),
        None => Ok(()),
    }
}

fn spec(
    request: &RunRequest,
    backend: GeminiBackend,
    args: Vec<String>,
    format: GeminiOutputFormat,
    prompt_via: PromptVia,
) -> CommandSpec {
    CommandSpec::new(ProviderId::Gemini, backend.program(), args, format.as_str())
        .for_request(request, prompt_via)
}

/// Gemini CLI splits every value of its list flags on commas, so a value containing one would
/// silently become two.
fn reject_commas(param: &str, values: &[String]) -> Result<(), BuildError> {
    match values.iter().position(|value| value.contains(',')) {
        Some(index) => Err(BuildError::new(
            format!("{param}[{index}]"),
            "must not contain ',': Gemini CLI splits list values on commas; pass each value as its own list item",
        )),
        None => Ok(()),
    }
}

/// Go's `time.ParseDuration` syntax without a sign: one or more `<number><unit>` groups.
fn is_go_duration(text: &str) -> bool {
    const UNITS: [&str; 7] = ["ns", "us", "µs", "ms", "s", "m", "h"];
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty()
            || number.starts_with('.')
            || number.ends_with('.')
            || number.matches('.').count() > 1
        {
            return false;
        }
        rest = &rest[digits..];
        // Longest unit first so `ms` is not read as `m` followed by garbage.
        let Some(unit) = UNITS
            .iter()
            .filter(|unit| rest.starts_with(**unit))
            .max_by_key(|unit| unit.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for good in ["90s", "10m", "1h30m", "1.5h", "250ms", "2us", "3µs"] {
            assert!(is_go_duration(good), "{good}");
        }
        for bad in ["", "10", "m", "-5m", "1.m", "10x", "1..2s", "5 m"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn backend_selection() {
        let only = |name: &'static str| move |program: &str| program == name;
        assert_eq!(
            GeminiBackend::select(None, only("gemini")),
            Ok(GeminiBackend::GeminiCli)
        );
        assert_eq!(
            GeminiBackend::select(None, only("agy")),
            Ok(GeminiBackend::Antigravity)
        );
        assert_eq!(
            GeminiBackend::select(None, |_| true),
            Ok(GeminiBackend::GeminiCli)
        );
        assert_eq!(
            GeminiBackend::select(None, |_| false),
            Ok(GeminiBackend::GeminiCli)
        );
        assert_eq!(
            GeminiBackend::select(Some("agy"), only("gemini")),
            Ok(GeminiBackend::Antigravity)
        );
        assert_eq!(
            GeminiBackend::select(Some(" "), only("agy")),
            Ok(GeminiBackend::Antigravity)
        );
        assert!(GeminiBackend::select(Some("bard"), |_| true).is_err());
    }

    #[test]
    fn backend_names() {
        assert_eq!(
            "agy".parse::<GeminiBackend>(),
            Ok(GeminiBackend::Antigravity)
        );
        assert_eq!(
            " Gemini ".parse::<GeminiBackend>(),
            Ok(GeminiBackend::GeminiCli)
        );
        let err = "claude".parse::<GeminiBackend>().unwrap_err();
        assert_eq!(err.param, "LLM_GATEWAY_GEMINI_BACKEND");
    }
}
