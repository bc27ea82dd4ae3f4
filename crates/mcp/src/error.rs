//! The three outcome layers of architecture §8.4, mapped in one place.
//!
//! 1. A protocol or server fault (store down, internal bug) → a JSON-RPC error ([`ErrorData`]).
//! 2. A mistake the calling model can fix (bad parameter, unknown job id, refused approval) → a
//!    normal result with `isError: true` and text that names what to change.
//! 3. A job that ran and failed → not an error at all: a normal result whose structured content
//!    says `status: "failed"`. Tools build those themselves; nothing here.

use gateway_jobs::SubmitError;
use gateway_provider::BuildError;
use rmcp::ErrorData;
use rmcp::model::{CallToolResult, ContentBlock};

/// Why a tool call did not produce its normal result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    /// Layer 2: the caller can fix it; the text says how.
    Fixable(String),
    /// Layer 1: the server cannot serve this right now; the caller cannot fix it.
    Internal(String),
}

/// What every tool handler returns.
pub type ToolResult = Result<CallToolResult, ToolError>;

impl ToolError {
    /// A bad value for one parameter (wire name, camelCase).
    pub fn param(param: &str, message: impl std::fmt::Display) -> ToolError {
        ToolError::Fixable(format!("invalid `{param}`: {message}"))
    }

    /// An id that names no job; the text repeats the id so the model sees its own typo.
    pub fn job_not_found(job_id: &str) -> ToolError {
        ToolError::Fixable(format!(
            "Job not found: `{job_id}`. Use llm_job_list to see recent job ids."
        ))
    }

    pub fn internal(error: impl std::fmt::Display) -> ToolError {
        ToolError::Internal(error.to_string())
    }
}

impl From<BuildError> for ToolError {
    fn from(error: BuildError) -> Self {
        ToolError::Fixable(error.to_string())
    }
}

impl From<SubmitError> for ToolError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::AtCapacity(_) => ToolError::Fixable(format!(
                "{error}. This is temporary: retry in a few seconds."
            )),
            SubmitError::IdempotencyConflict { .. }
            | SubmitError::WorkingDir(_)
            | SubmitError::OverBudget(_) => ToolError::Fixable(error.to_string()),
            SubmitError::ShuttingDown => {
                ToolError::Fixable("the gateway is shutting down; retry once it restarts".into())
            }
            SubmitError::Store(_) => ToolError::Internal(error.to_string()),
        }
    }
}

/// Maps a handler's outcome onto the wire: layer 2 becomes an `isError` result, layer 1 a
/// JSON-RPC internal error (logged here, since clients often hide its text).
pub fn into_response(result: ToolResult) -> Result<CallToolResult, ErrorData> {
    match result {
        Ok(result) => Ok(result),
        Err(ToolError::Fixable(message)) => {
            Ok(CallToolResult::error(vec![ContentBlock::text(message)]))
        }
        Err(ToolError::Internal(message)) => {
            tracing::error!(%message, "tool failed with a server fault");
            Err(ErrorData::internal_error(message, None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(result: &CallToolResult) -> &str {
        result
            .content
            .first()
            .and_then(|block| block.as_text())
            .map(|t| t.text.as_str())
            .unwrap_or("")
    }

    #[test]
    fn fixable_becomes_is_error_result() {
        let result =
            into_response(Err(ToolError::param("idleTimeoutMs", "must be ≥ 1000"))).unwrap();
        assert_eq!(result.is_error, Some(true));
        assert_eq!(text(&result), "invalid `idleTimeoutMs`: must be ≥ 1000");
    }

    #[test]
    fn internal_becomes_json_rpc_error() {
        let error = into_response(Err(ToolError::internal("store unavailable"))).unwrap_err();
        assert_eq!(error.code, rmcp::model::ErrorCode::INTERNAL_ERROR);
        assert_eq!(error.message, "store unavailable");
    }

    #[test]
    fn submit_errors_map_by_who_can_fix_them() {
        let cases = [
            (SubmitError::AtCapacity("32 running".into()), true),
            (
                SubmitError::IdempotencyConflict {
                    key: "k".into(),
                    job_id: "j".into(),
                },
                true,
            ),
            (SubmitError::WorkingDir("/nope does not exist".into()), true),
            (SubmitError::ShuttingDown, true),
            (SubmitError::Store("disk I/O error".into()), false),
        ];
        for (error, fixable) in cases {
            let shown = error.to_string();
            assert_eq!(
                matches!(ToolError::from(error), ToolError::Fixable(_)),
                fixable,
                "{shown}"
            );
        }
    }

    #[test]
    fn not_found_names_the_id() {
        let ToolError::Fixable(message) = ToolError::job_not_found("job-123") else {
            panic!()
        };
        assert!(message.starts_with("Job not found: `job-123`"), "{message}");
    }
}
