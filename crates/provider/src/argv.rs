//! The pieces every argv builder shares: how flags and values are pushed, and the option rules
//! that several providers apply alike. Values are validated before they become argv, so none
//! of them can look like a flag or carry a line break.

use std::fmt::Display;

use serde_json::Value;

use crate::request::{
    BuildError, RunRequest, SessionMode, validate_list, validate_text, validate_value,
};

/// `--flag value` for values that were validated not to look like a flag.
pub(crate) fn push_pair(args: &mut Vec<String>, flag: &str, value: &str) {
    args.push(flag.to_owned());
    args.push(value.to_owned());
}

/// `flag` alone, when `enabled`.
pub(crate) fn push_switch(args: &mut Vec<String>, flag: &str, enabled: bool) {
    if enabled {
        args.push(flag.to_owned());
    }
}

/// One variadic flag followed by every value (`--add-dir a b`). Safe only when no value may
/// start with `-` and no positional prompt follows.
pub(crate) fn push_variadic(
    args: &mut Vec<String>,
    flag: &str,
    param: &str,
    values: &[String],
) -> Result<(), BuildError> {
    validate_list(param, values)?;
    if !values.is_empty() {
        args.push(flag.to_owned());
        args.extend(values.iter().cloned());
    }
    Ok(())
}

/// The flag repeated before each value (`--plugin-dir a --plugin-dir b`): list flags that are
/// not greedy, where a second space-separated value would become a positional argument.
pub(crate) fn push_repeated(
    args: &mut Vec<String>,
    flag: &str,
    param: &str,
    values: &[String],
) -> Result<(), BuildError> {
    validate_list(param, values)?;
    for value in values {
        push_pair(args, flag, value);
    }
    Ok(())
}

/// `--flag value` for an optional path or name that follows the value rules.
pub(crate) fn push_value(
    args: &mut Vec<String>,
    flag: &str,
    param: &str,
    value: Option<&str>,
) -> Result<(), BuildError> {
    if let Some(value) = value {
        validate_value(param, value)?;
        push_pair(args, flag, value);
    }
    Ok(())
}

/// Free text as `--flag=value`, so a leading `-` or a newline stays part of the value.
pub(crate) fn push_attached(
    args: &mut Vec<String>,
    flag: &str,
    param: &str,
    value: Option<&str>,
) -> Result<(), BuildError> {
    if let Some(value) = value {
        validate_text(param, value)?;
        if value.trim().is_empty() {
            return Err(BuildError::new(param, "must not be empty"));
        }
        args.push(format!("{flag}={value}"));
    }
    Ok(())
}

/// A file path or inline JSON that travels as its own argv element, as that element: JSON is
/// compacted (its line breaks become `\n` escapes or go), a path follows the value rules, so
/// no argv element carries a line break.
pub(crate) fn path_or_json(param: &str, value: &str) -> Result<String, BuildError> {
    if value.trim_start().starts_with('{') {
        return json_object_text(param, &Value::String(value.to_owned()));
    }
    validate_value(param, value)?;
    Ok(value.to_owned())
}

/// JSON given as an object, or as text holding one; returned as compact JSON text.
pub(crate) fn json_object_text(param: &str, value: &Value) -> Result<String, BuildError> {
    let object = match value {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .map_err(|error| BuildError::new(param, format!("is not valid JSON: {error}")))?,
        other => other.clone(),
    };
    if !object.is_object() {
        return Err(BuildError::new(
            param,
            "must be a JSON object (or a string holding one)",
        ));
    }
    let text = serde_json::to_string(&object).unwrap_or_default();
    validate_text(param, &text)?;
    Ok(text)
}

/// Rejects `first` and `second` together, naming both.
pub(crate) fn exclusive(
    first: &str,
    has_first: bool,
    second: &str,
    has_second: bool,
) -> Result<(), BuildError> {
    if has_first && has_second {
        return Err(BuildError::new(
            first,
            format!("cannot be combined with `{second}`; give one of them"),
        ));
    }
    Ok(())
}

/// Options such as `forkSession` only mean something when a session is resumed.
pub(crate) fn require_resume(
    param: &str,
    enabled: bool,
    session: &SessionMode,
) -> Result<(), BuildError> {
    if enabled && !matches!(session, SessionMode::Resume(_) | SessionMode::ResumeLatest) {
        return Err(BuildError::new(
            param,
            "only applies when resuming: give sessionId (to resume) or resumeLatest",
        ));
    }
    Ok(())
}

/// "Latest session" is per directory; without `workingDir` the job runs in a fresh temp
/// directory where no earlier session can exist.
pub(crate) fn require_resume_latest_dir(request: &RunRequest) -> Result<(), BuildError> {
    if request.session == SessionMode::ResumeLatest && request.working_dir.is_none() {
        return Err(BuildError::new(
            "resumeLatest",
            "needs workingDir: the latest session is looked up per directory, and without workingDir the CLI runs in a fresh temporary directory",
        ));
    }
    Ok(())
}

/// Turn limits: at least 1, at most `max`.
pub(crate) fn positive_turns(param: &str, turns: u32, max: u32) -> Result<u32, BuildError> {
    if turns == 0 {
        return Err(BuildError::new(param, "must be at least 1"));
    }
    if turns > max {
        return Err(BuildError::new(param, format!("must be at most {max}")));
    }
    Ok(turns)
}

/// A number within `min..=max`, else an error that gives the range.
pub(crate) fn check_range<T: PartialOrd + Display>(
    param: &str,
    value: T,
    min: T,
    max: T,
) -> Result<(), BuildError> {
    if value < min || value > max {
        return Err(BuildError::new(
            param,
            format!("{value} is out of range; use {min} to {max}"),
        ));
    }
    Ok(())
}
