//! The approval manager for `approvalStrategy: "mcp_managed"`: scores a request's risk with the
//! reference's weights and approves it when the score is within the policy's threshold
//! (strict 2, balanced 5, permissive 7). Asking to bypass the CLI's permission checks is always
//! refused unless `LLM_GATEWAY_APPROVAL_ALLOW_BYPASS=1`, whatever the score. Decisions are
//! recorded with the prompt's SHA-256, never the prompt.
//!
//! Pure: the options arrive as their wire JSON, so the rules read the same camelCase names the
//! caller sent, for every provider.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::wire::ApprovalPolicy;

/// Words in a prompt that suggest destructive or exfiltrating intent (+3 once).
const SENSITIVE_WORDS: [&str; 8] = [
    "delete",
    "destroy",
    "wipe",
    "exfiltrate",
    "credential",
    "token",
    "password",
    "secret",
];

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub approved: bool,
    pub policy: &'static str,
    pub score: u32,
    pub threshold: u32,
    pub reasons: Vec<&'static str>,
    pub bypass_requested: bool,
}

/// What the request asked for, as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub prompt: &'a str,
    /// The provider options as wire JSON (camelCase keys).
    pub options: &'a Map<String, Value>,
    /// A session is being resumed (sessionId without createNewSession, or resumeLatest).
    pub resumes_session: bool,
}

/// Scores `request` and decides under `policy`.
pub fn decide(request: Request<'_>, policy: ApprovalPolicy, allow_bypass: bool) -> Decision {
    let options = request.options;
    let bypass = asks_bypass(options);
    let full_auto = is_true(options, "fullAuto");
    let mut reasons = Vec::new();
    if bypass {
        reasons.push("permission_bypass");
    }
    if request.resumes_session {
        reasons.push("native_resume");
    }
    if has_value(options, "settings") {
        reasons.push("settings");
    }
    if has_value(options, "pluginDir") || has_value(options, "pluginUrl") {
        reasons.push("plugins");
    }
    if has_value(options, "addDir") || has_value(options, "includeDirs") {
        reasons.push("add_dir");
    }
    // One +3 for any unverified posture, as the reference scores it.
    let mut score = if reasons.is_empty() { 0 } else { 3 };
    if full_auto {
        reasons.push("full_auto");
        score += if bypass { 4 } else { 2 };
    }
    let lowered = request.prompt.to_lowercase();
    if SENSITIVE_WORDS.iter().any(|word| lowered.contains(word)) {
        reasons.push("sensitive_prompt");
        score += 3;
    }
    let threshold = policy.threshold();
    let approved = if bypass && !allow_bypass {
        false
    } else {
        score <= threshold
    };
    Decision {
        approved,
        policy: policy.as_str(),
        score,
        threshold,
        reasons,
        bypass_requested: bypass,
    }
}

/// Any option that switches the CLI's own permission checks off.
fn asks_bypass(options: &Map<String, Value>) -> bool {
    let flags = [
        "dangerouslySkipPermissions",
        "dangerouslyBypassApprovalsAndSandbox",
        "yolo",
        "alwaysApprove",
    ];
    flags.iter().any(|flag| is_true(options, flag))
        || is_string(options, "permissionMode", &["bypassPermissions"])
        || is_string(options, "approvalMode", &["yolo"])
        || is_string(options, "sandboxMode", &["danger-full-access"])
}

fn is_true(options: &Map<String, Value>, key: &str) -> bool {
    options.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn is_string(options: &Map<String, Value>, key: &str, values: &[&str]) -> bool {
    options
        .get(key)
        .and_then(Value::as_str)
        .is_some_and(|value| values.contains(&value))
}

fn has_value(options: &Map<String, Value>, key: &str) -> bool {
    match options.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn options(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// (prompt, options, resumes, policy, allow_bypass, approved, score, reasons)
    type Case = (
        &'static str,
        Value,
        bool,
        ApprovalPolicy,
        bool,
        bool,
        u32,
        Vec<&'static str>,
    );

    #[test]
    fn scoring_table() {
        use ApprovalPolicy::*;
        let cases: Vec<Case> = vec![
            (
                "review this",
                json!({}),
                false,
                Strict,
                false,
                true,
                0,
                vec![],
            ),
            (
                "review this",
                json!({"dangerouslySkipPermissions": true}),
                true,
                Permissive,
                false,
                false,
                3,
                vec!["permission_bypass", "native_resume"],
            ),
            (
                "review this",
                json!({"dangerouslySkipPermissions": true}),
                false,
                Balanced,
                true,
                true,
                3,
                vec!["permission_bypass"],
            ),
            (
                "review this",
                json!({"fullAuto": true}),
                false,
                Balanced,
                false,
                true,
                2,
                vec!["full_auto"],
            ),
            (
                "review this",
                json!({"fullAuto": true}),
                false,
                Strict,
                false,
                true,
                2,
                vec!["full_auto"],
            ),
            (
                "review this",
                json!({"fullAuto": true, "sandboxMode": "danger-full-access"}),
                false,
                Permissive,
                true,
                true,
                7,
                vec!["permission_bypass", "full_auto"],
            ),
            (
                "wipe the password file",
                json!({}),
                false,
                Strict,
                false,
                false,
                3,
                vec!["sensitive_prompt"],
            ),
            (
                "wipe the password file",
                json!({"addDir": ["/x"]}),
                false,
                Balanced,
                false,
                false,
                6,
                vec!["add_dir", "sensitive_prompt"],
            ),
            (
                "wipe it",
                json!({"addDir": []}),
                false,
                Balanced,
                false,
                true,
                3,
                vec!["sensitive_prompt"],
            ),
            (
                "hi",
                json!({"permissionMode": "plan"}),
                false,
                Strict,
                false,
                true,
                0,
                vec![],
            ),
            (
                "hi",
                json!({"approvalMode": "yolo"}),
                false,
                Permissive,
                false,
                false,
                3,
                vec!["permission_bypass"],
            ),
        ];
        for (prompt, opts, resumes, policy, allow, approved, score, reasons) in cases {
            let opts = options(opts);
            let decision = decide(
                Request {
                    prompt,
                    options: &opts,
                    resumes_session: resumes,
                },
                policy,
                allow,
            );
            assert_eq!(
                (decision.approved, decision.score, decision.reasons.clone()),
                (approved, score, reasons),
                "{prompt} {opts:?} {policy:?}"
            );
            assert_eq!(decision.threshold, policy.threshold());
        }
    }
}
