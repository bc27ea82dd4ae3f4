//! The typed request every builder takes, and the validation rules of spec §2.3 shared by all.

use serde::{Deserialize, Serialize};

use crate::{claude, codex, gemini, grok, vibe};

/// The largest prompt accepted at all. Larger prompts are refused before spawn.
pub const MAX_PROMPT_BYTES: usize = 4 * 1024 * 1024;

/// The largest single argv value Linux accepts (`MAX_ARG_STRLEN`, 32 pages). A prompt that must
/// travel in argv and is larger gets a clear error instead of an `E2BIG` at spawn.
pub const MAX_ARGV_VALUE_BYTES: usize = 128 * 1024 - 1;

/// The most a whole command line may take, counted as the kernel does (each argument's bytes,
/// its NUL and its pointer). Linux allows a quarter of the stack limit (2 MiB by default) for
/// argv and the environment together; half of that leaves the environment room.
pub const MAX_ARGV_TOTAL_BYTES: usize = 1024 * 1024;

/// What `args` costs against [`MAX_ARGV_TOTAL_BYTES`].
pub fn argv_bytes<'a>(args: impl IntoIterator<Item = &'a String>) -> usize {
    args.into_iter()
        .map(|arg| arg.len() + 1 + std::mem::size_of::<usize>())
        .sum()
}

/// Refuses a command line the OS would refuse at spawn (`E2BIG`), naming `param`.
pub fn check_argv_total<'a>(
    param: &str,
    args: impl IntoIterator<Item = &'a String>,
) -> Result<(), BuildError> {
    let total = argv_bytes(args);
    if total > MAX_ARGV_TOTAL_BYTES {
        return Err(BuildError::new(
            param,
            format!(
                "makes the command line {total} bytes; the OS allows about {MAX_ARGV_TOTAL_BYTES} \
                 (shorten it, or put the material in a file under workingDir and refer to it)"
            ),
        ));
    }
    Ok(())
}

/// Which conversation the run belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "id")]
pub enum SessionMode {
    /// Let the CLI start a new session as it normally does.
    #[default]
    Fresh,
    /// Start a new session with this id (claude/grok `--session-id`, gemini `--session-id`).
    NewWithId(String),
    /// Continue this native session id.
    Resume(String),
    /// Continue the most recent session in the working directory.
    ResumeLatest,
}

/// Provider-specific options, one struct per provider module.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per request, never stored in bulk; boxing would only burden construction"
)]
pub enum ProviderOptions {
    Claude(claude::ClaudeOptions),
    Codex(codex::CodexOptions),
    Gemini(gemini::GeminiOptions),
    Grok(grok::GrokOptions),
    Mistral(vibe::VibeOptions),
}

impl ProviderOptions {
    pub const fn provider(&self) -> gateway_core::ProviderId {
        use gateway_core::ProviderId;
        match self {
            ProviderOptions::Claude(_) => ProviderId::Claude,
            ProviderOptions::Codex(_) => ProviderId::Codex,
            ProviderOptions::Gemini(_) => ProviderId::Gemini,
            ProviderOptions::Grok(_) => ProviderId::Grok,
            ProviderOptions::Mistral(_) => ProviderId::Mistral,
        }
    }
}

/// One run of one CLI, as the gateway understands it before any argv exists.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub prompt: String,
    /// The concrete model to ask for, already resolved through [`crate::models`]; `None` lets
    /// the CLI choose (`default`/`latest` resolve to `None`).
    pub model: Option<String>,
    pub session: SessionMode,
    /// The caller's explicit working directory (the job engine checks it exists).
    pub working_dir: Option<String>,
    pub options: ProviderOptions,
}

/// A request the builder refuses, naming the parameter (wire name, camelCase) so the caller can
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{param}`: {message}")]
pub struct BuildError {
    pub param: String,
    pub message: String,
}

impl BuildError {
    pub fn new(param: impl Into<String>, message: impl Into<String>) -> Self {
        BuildError {
            param: param.into(),
            message: message.into(),
        }
    }
}

/// Checks shared by every provider: prompt present, sane size, no NUL; session ids sane.
pub fn validate_common(request: &RunRequest) -> Result<(), BuildError> {
    if request.prompt.trim().is_empty() {
        return Err(BuildError::new(
            "prompt",
            "must contain at least one non-blank character",
        ));
    }
    if request.prompt.len() > MAX_PROMPT_BYTES {
        return Err(BuildError::new(
            "prompt",
            format!(
                "is {} bytes; the limit is {MAX_PROMPT_BYTES} bytes. Put large material in a file under workingDir and refer to it",
                request.prompt.len()
            ),
        ));
    }
    reject_nul("prompt", &request.prompt)?;
    if let Some(model) = &request.model {
        validate_value("model", model)?;
    }
    if let Some(dir) = &request.working_dir {
        reject_nul("workingDir", dir)?;
        if dir.trim().is_empty() {
            return Err(BuildError::new("workingDir", "must not be empty"));
        }
    }
    match &request.session {
        SessionMode::Fresh | SessionMode::ResumeLatest => Ok(()),
        SessionMode::NewWithId(id) | SessionMode::Resume(id) => {
            validate_session_id("sessionId", id)
        }
    }
}

/// NUL bytes cannot pass through argv or env and would truncate silently in C.
pub fn reject_nul(param: &str, value: &str) -> Result<(), BuildError> {
    if value.contains('\0') {
        return Err(BuildError::new(param, "must not contain NUL bytes"));
    }
    Ok(())
}

/// A single value that becomes its own argv element (a model, an agent name, a tool name, a
/// directory): no NUL, no CR/LF, not empty, and no leading `-` that a CLI would read as a flag.
pub fn validate_value(param: &str, value: &str) -> Result<(), BuildError> {
    reject_nul(param, value)?;
    if value.trim().is_empty() {
        return Err(BuildError::new(param, "must not be empty"));
    }
    if value.contains(['\r', '\n']) {
        return Err(BuildError::new(param, "must not contain line breaks"));
    }
    if value.len() > MAX_ARGV_VALUE_BYTES {
        return Err(BuildError::new(
            param,
            format!(
                "is {} bytes; one argument may be at most {MAX_ARGV_VALUE_BYTES} bytes",
                value.len()
            ),
        ));
    }
    if value.starts_with('-') {
        return Err(BuildError::new(
            param,
            format!("value {value:?} starts with '-' and would be read as a command-line flag"),
        ));
    }
    Ok(())
}

/// [`validate_value`] for each element of a list parameter, naming the index.
pub fn validate_list(param: &str, values: &[String]) -> Result<(), BuildError> {
    check_argv_total(param, values)?;
    for (index, value) in values.iter().enumerate() {
        validate_value(&format!("{param}[{index}]"), value)?;
    }
    Ok(())
}

/// A free-text value (system prompt, JSON schema text) that travels as one argv element:
/// no NUL and within the argv size limit. Leading dashes are safe when the builder attaches the
/// value with `=` or places it after its flag, which builders must do.
pub fn validate_text(param: &str, value: &str) -> Result<(), BuildError> {
    reject_nul(param, value)?;
    if value.len() > MAX_ARGV_VALUE_BYTES {
        return Err(BuildError::new(
            param,
            format!(
                "is {} bytes; one argument may be at most {MAX_ARGV_VALUE_BYTES} bytes",
                value.len()
            ),
        ));
    }
    Ok(())
}

/// Native session ids: opaque to us, but never empty, never flag-like, never the gateway's own
/// reserved `gw-` prefix (gateway session ids are not native ids), ASCII without whitespace.
pub fn validate_session_id(param: &str, id: &str) -> Result<(), BuildError> {
    validate_value(param, id)?;
    if id.starts_with("gw-") {
        return Err(BuildError::new(
            param,
            "ids starting with `gw-` are gateway session ids, not the CLI's own; use session_get to find the native id",
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        || id.len() > 200
    {
        return Err(BuildError::new(
            param,
            format!("{id:?} is not a valid session id"),
        ));
    }
    Ok(())
}

/// Canonical 8-4-4-4-12 hex UUID (any version; vibe's ids are not RFC 4122 v4).
pub fn is_uuid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// For CLIs whose flag takes only a UUID (claude `--resume`/`--session-id`, grok `-s`).
pub fn validate_uuid(param: &str, id: &str) -> Result<(), BuildError> {
    validate_session_id(param, id)?;
    if !is_uuid(id) {
        return Err(BuildError::new(
            param,
            format!("{id:?} is not a UUID (expected 8-4-4-4-12 hex)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_rules_table() {
        let cases: &[(&str, bool)] = &[
            ("Read", true),
            ("mcp__server__tool", true),
            ("/abs/dir", true),
            ("-rf", false),
            ("--bogus", false),
            ("", false),
            ("   ", false),
            ("a\nb", false),
            ("a\rb", false),
            ("a\0b", false),
        ];
        let huge = "m".repeat(MAX_ARGV_VALUE_BYTES + 1);
        assert!(
            validate_value("model", &huge)
                .unwrap_err()
                .message
                .contains("at most")
        );
        for (value, ok) in cases {
            assert_eq!(
                validate_value("allowedTools", value).is_ok(),
                *ok,
                "{value:?}"
            );
        }
    }

    #[test]
    fn errors_name_the_parameter_and_index() {
        let err = validate_list("addDirs", &["/ok".into(), "--evil".into()]).unwrap_err();
        assert_eq!(err.param, "addDirs[1]");
        assert!(err.to_string().starts_with("invalid `addDirs[1]`"));
    }

    #[test]
    fn session_id_rules() {
        assert!(validate_session_id("sessionId", "8d00f24f-4005-e27b-4e8e-ea87c5288cb2").is_ok());
        assert!(validate_session_id("sessionId", "gw-123").is_err());
        assert!(validate_session_id("sessionId", "a b").is_err());
        assert!(validate_session_id("sessionId", "-x").is_err());
        assert!(validate_uuid("sessionId", "d0f2b5b6-08af-47de-89ad-c7866de14c05").is_ok());
        assert!(validate_uuid("sessionId", "abc").is_err());
        assert!(validate_uuid("sessionId", "d0f2b5b6-08af-47de-89ad-c7866de14c0z").is_err());
    }
}
