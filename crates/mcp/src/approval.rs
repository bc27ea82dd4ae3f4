//! The approval manager for `approvalStrategy: "mcp_managed"`: scores a request's risk with the
//! reference's weights and approves it when the score is within the policy's threshold
//! (strict 2, balanced 5, permissive 7). Asking to bypass the CLI's permission checks is always
//! refused unless `LLM_GATEWAY_APPROVAL_ALLOW_BYPASS=1`, whatever the score. Decisions are
//! recorded with the prompt's SHA-256, never the prompt.
//!
//! Pure: the options arrive as canonical wire JSON (parsed, then serialized again), and which of
//! them widen a CLI's permissions is one table per provider ([`widening`]).

mod widening;

use gateway_core::provider::ProviderId;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::wire::ApprovalPolicy;
use widening::Widening;

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
    pub provider: ProviderId,
    pub prompt: &'a str,
    /// The provider options as canonical wire JSON (camelCase keys, aliases resolved).
    pub options: &'a Map<String, Value>,
    /// A session is being resumed (sessionId without createNewSession, or resumeLatest).
    pub resumes_session: bool,
}

/// Scores `request` and decides under `policy`.
pub fn decide(request: Request<'_>, policy: ApprovalPolicy, allow_bypass: bool) -> Decision {
    let options = request.options;
    let widenings = widening::widenings(request.provider, options);
    let bypass = widenings.contains(&Widening::Bypass);
    let full_auto = is_true(options, "fullAuto");
    let mut reasons = Vec::new();
    if bypass {
        reasons.push("permission_bypass");
    }
    if request.resumes_session {
        reasons.push("native_resume");
    }
    for widening in &widenings {
        match widening {
            Widening::Bypass => {}
            Widening::Posture(reason) => reasons.push(*reason),
        }
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

fn is_true(options: &Map<String, Value>, key: &str) -> bool {
    options.get(key).and_then(Value::as_bool).unwrap_or(false)
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

    /// (provider, prompt, options, resumes, policy, allow_bypass, approved, score, reasons)
    type Case = (
        ProviderId,
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
                ProviderId::Claude,
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
                ProviderId::Claude,
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
                ProviderId::Claude,
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
                ProviderId::Codex,
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
                ProviderId::Codex,
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
                ProviderId::Codex,
                "review this",
                json!({"fullAuto": true, "sandbox": "danger-full-access"}),
                false,
                Permissive,
                true,
                true,
                7,
                vec!["permission_bypass", "full_auto"],
            ),
            (
                ProviderId::Claude,
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
                ProviderId::Claude,
                "wipe the password file",
                json!({"addDirs": ["/x"]}),
                false,
                Balanced,
                false,
                false,
                6,
                vec!["add_dir", "sensitive_prompt"],
            ),
            (
                ProviderId::Claude,
                "wipe it",
                json!({"addDirs": []}),
                false,
                Balanced,
                false,
                true,
                3,
                vec!["sensitive_prompt"],
            ),
            (
                ProviderId::Claude,
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
                ProviderId::Gemini,
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
        for (provider, prompt, opts, resumes, policy, allow, approved, score, reasons) in cases {
            let opts = options(opts);
            let decision = decide(
                Request {
                    provider,
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
