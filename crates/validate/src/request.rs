//! What a validation run is asked: its intent and the caller's material.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of question a run puts to its seats; it picks the prompt and how verdicts read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Is this question's premise / plan / claim sound? (`validate_with_models`)
    Validate,
    /// Review an answer someone already gave. (`second_opinion`)
    SecondOpinion,
    /// Attack the content: find how it breaks. (`red_team_review`)
    RedTeam,
    /// Is this claim true, false or uncertain? (`consensus_check`)
    Consensus,
    /// The caller's question verbatim, no reviewer framing. (`ask_model`)
    AskModel,
}

impl Intent {
    pub const fn as_str(self) -> &'static str {
        match self {
            Intent::Validate => "validate",
            Intent::SecondOpinion => "second_opinion",
            Intent::RedTeam => "red_team",
            Intent::Consensus => "consensus",
            Intent::AskModel => "ask_model",
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How hard a red-team seat should push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    #[default]
    Normal,
    High,
}

/// The focus used when a validate call names none (the reference's default).
pub const DEFAULT_FOCUS: &str = "correctness, missing assumptions, and practical next steps";

/// The caller's material, echoed in the report as `originalRequest`.
///
/// `question` is the question (validate, ask), the claim (consensus) or the optional original
/// question (second opinion); `content` is the answer under review (second opinion) or the
/// material to attack (red team).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OriginalRequest {
    pub question: Option<String>,
    pub content: Option<String>,
    pub focus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<RiskLevel>,
}

/// A request whose required material is missing, naming the wire parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{param}`: {message}")]
pub struct RequestError {
    pub param: &'static str,
    pub message: String,
}

impl RequestError {
    pub fn new(param: &'static str, message: impl Into<String>) -> Self {
        RequestError {
            param,
            message: message.into(),
        }
    }
}

impl OriginalRequest {
    /// Checks that the material `intent` needs is present and not blank.
    pub fn check(&self, intent: Intent) -> Result<(), RequestError> {
        match intent {
            Intent::Validate | Intent::AskModel => require("question", self.question.as_deref()),
            Intent::Consensus => require("claim", self.question.as_deref()),
            Intent::SecondOpinion => require("answer", self.content.as_deref()),
            Intent::RedTeam => require("content", self.content.as_deref()),
        }
    }
}

fn require(param: &'static str, value: Option<&str>) -> Result<(), RequestError> {
    match value {
        Some(text) if !text.trim().is_empty() => Ok(()),
        Some(_) => Err(RequestError::new(
            param,
            "must contain at least one non-blank character",
        )),
        None => Err(RequestError::new(param, "is required")),
    }
}
