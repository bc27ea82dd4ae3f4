//! Every provider input that widens what a CLI may do without asking, in one table.
//!
//! The rules read the options as parsed and serialized again (canonical camelCase names, aliases
//! resolved), so `addDir` and `addDirs`, `permissionMode` and `agent` cannot slip past as
//! different spellings. A new permission-related option must get a row here; the tests hold a
//! case for every row.

use gateway_core::provider::ProviderId;
use serde_json::{Map, Value};

/// What an option does to the CLI's permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Widening {
    /// Switches them off: refused unless bypass is explicitly allowed.
    Bypass,
    /// Grants more than the default (pre-approved tools, extra directories, settings, agents):
    /// scored as an unverified posture, named by this reason.
    Posture(&'static str),
}

/// When an option's value widens.
#[derive(Debug, Clone, Copy)]
enum When {
    True,
    /// Any non-empty value.
    Set,
    /// One of these strings.
    Is(&'static [&'static str]),
    /// A string other than these (and not empty).
    IsNot(&'static [&'static str]),
}

struct Row {
    provider: ProviderId,
    key: &'static str,
    when: When,
    widening: Widening,
}

const fn row(provider: ProviderId, key: &'static str, when: When, widening: Widening) -> Row {
    Row {
        provider,
        key,
        when,
        widening,
    }
}

use ProviderId::{Claude, Codex, Gemini, Grok, Mistral};
use When::{Is, IsNot, Set, True};
use Widening::{Bypass, Posture};

const ROWS: &[Row] = &[
    row(Claude, "dangerouslySkipPermissions", True, Bypass),
    row(Claude, "permissionMode", Is(&["bypassPermissions"]), Bypass),
    row(
        Claude,
        "permissionMode",
        Is(&["acceptEdits", "auto"]),
        Posture("permission_mode"),
    ),
    row(Claude, "allowedTools", Set, Posture("allowed_tools")),
    row(Claude, "mcpConfig", Set, Posture("mcp_config")),
    row(Claude, "agent", Set, Posture("agents")),
    row(Claude, "agents", Set, Posture("agents")),
    row(Claude, "settings", Set, Posture("settings")),
    row(Claude, "settingSources", Set, Posture("settings")),
    row(Claude, "pluginDirs", Set, Posture("plugins")),
    row(Claude, "pluginUrls", Set, Posture("plugins")),
    row(Claude, "addDirs", Set, Posture("add_dir")),
    row(Codex, "dangerouslyBypassApprovalsAndSandbox", True, Bypass),
    row(Codex, "dangerouslyBypassHookTrust", True, Bypass),
    row(Codex, "sandbox", Is(&["danger-full-access"]), Bypass),
    row(Codex, "approveForMe", True, Posture("auto_approve")),
    row(Codex, "profile", Set, Posture("profile")),
    row(Codex, "ignoreRules", True, Posture("ignore_rules")),
    row(Codex, "enable", Set, Posture("features")),
    row(Codex, "addDirs", Set, Posture("add_dir")),
    row(Gemini, "yolo", True, Bypass),
    row(Gemini, "approvalMode", Is(&["yolo"]), Bypass),
    row(
        Gemini,
        "approvalMode",
        Is(&["auto_edit"]),
        Posture("permission_mode"),
    ),
    row(Gemini, "allowedTools", Set, Posture("allowed_tools")),
    row(Gemini, "policyFiles", Set, Posture("policy_files")),
    row(Gemini, "adminPolicyFiles", Set, Posture("policy_files")),
    row(Gemini, "includeDirs", Set, Posture("add_dir")),
    row(Grok, "alwaysApprove", True, Bypass),
    row(Grok, "permissionMode", Is(&["bypassPermissions"]), Bypass),
    row(
        Grok,
        "permissionMode",
        Is(&["acceptEdits", "auto", "dontAsk"]),
        Posture("permission_mode"),
    ),
    row(Grok, "allow", Set, Posture("allowed_tools")),
    row(Grok, "agent", Set, Posture("agents")),
    row(Grok, "agents", Set, Posture("agents")),
    row(Mistral, "autoApprove", True, Bypass),
    row(Mistral, "agent", Is(&["auto-approve"]), Bypass),
    row(
        Mistral,
        "agent",
        IsNot(&["auto-approve", "accept-edits", "ask", "plan"]),
        Posture("agents"),
    ),
    row(Mistral, "smartApprove", True, Posture("auto_approve")),
    row(Mistral, "trust", True, Posture("trust")),
    row(Mistral, "addDir", Set, Posture("add_dir")),
];

/// Codex `-c key=value` overrides can set anything its config can: the sandbox among them.
fn codex_override(key: &str, value: &Value) -> Widening {
    let is = |expected: &str| value.as_str() == Some(expected);
    match key {
        "sandbox_mode" if is("danger-full-access") => Bypass,
        "approval_policy" if is("never") => Posture("approval_never"),
        _ => Posture("config_overrides"),
    }
}

/// Every widening `options` (canonical wire JSON of `provider`'s options) asks for, in table
/// order, without repeats.
pub(crate) fn widenings(provider: ProviderId, options: &Map<String, Value>) -> Vec<Widening> {
    let mut found = Vec::new();
    let mut add = |widening: Widening| {
        if !found.contains(&widening) {
            found.push(widening);
        }
    };
    for row in ROWS.iter().filter(|row| row.provider == provider) {
        if options
            .get(row.key)
            .is_some_and(|value| applies(row.when, value))
        {
            add(row.widening);
        }
    }
    if provider == Codex
        && let Some(Value::Object(overrides)) = options.get("configOverrides")
    {
        for (key, value) in overrides {
            add(codex_override(key, value));
        }
    }
    found
}

fn applies(when: When, value: &Value) -> bool {
    match when {
        When::True => value.as_bool() == Some(true),
        When::Set => match value {
            Value::Null | Value::Bool(false) => false,
            Value::Array(items) => !items.is_empty(),
            Value::String(text) => !text.is_empty(),
            Value::Object(map) => !map.is_empty(),
            Value::Bool(true) | Value::Number(_) => true,
        },
        When::Is(values) => value.as_str().is_some_and(|text| values.contains(&text)),
        When::IsNot(values) => value
            .as_str()
            .is_some_and(|text| !text.is_empty() && !values.contains(&text)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn of(provider: ProviderId, options: Value) -> Vec<Widening> {
        match options {
            Value::Object(map) => widenings(provider, &map),
            _ => Vec::new(),
        }
    }

    /// One case per row and route: (provider, options, what must be found).
    #[test]
    fn every_route_is_caught() {
        let cases: Vec<(ProviderId, Value, Widening)> = vec![
            (Claude, json!({"dangerouslySkipPermissions": true}), Bypass),
            (
                Claude,
                json!({"permissionMode": "bypassPermissions"}),
                Bypass,
            ),
            (
                Claude,
                json!({"permissionMode": "acceptEdits"}),
                Posture("permission_mode"),
            ),
            (
                Claude,
                json!({"allowedTools": ["Bash(*)"]}),
                Posture("allowed_tools"),
            ),
            (
                Claude,
                json!({"mcpConfig": ["x.json"]}),
                Posture("mcp_config"),
            ),
            (Claude, json!({"agents": {"a": {}}}), Posture("agents")),
            (Claude, json!({"agent": "reviewer"}), Posture("agents")),
            (Claude, json!({"settings": "{}"}), Posture("settings")),
            (
                Claude,
                json!({"settingSources": "project"}),
                Posture("settings"),
            ),
            (Claude, json!({"pluginDirs": ["/p"]}), Posture("plugins")),
            (
                Claude,
                json!({"pluginUrls": ["https://x"]}),
                Posture("plugins"),
            ),
            (Claude, json!({"addDirs": ["/x"]}), Posture("add_dir")),
            (
                Codex,
                json!({"dangerouslyBypassApprovalsAndSandbox": true}),
                Bypass,
            ),
            (Codex, json!({"dangerouslyBypassHookTrust": true}), Bypass),
            (Codex, json!({"sandbox": "danger-full-access"}), Bypass),
            (
                Codex,
                json!({"configOverrides": {"sandbox_mode": "danger-full-access"}}),
                Bypass,
            ),
            (
                Codex,
                json!({"configOverrides": {"approval_policy": "never"}}),
                Posture("approval_never"),
            ),
            (
                Codex,
                json!({"configOverrides": {"model_reasoning_effort": "high"}}),
                Posture("config_overrides"),
            ),
            (
                Codex,
                json!({"approveForMe": true}),
                Posture("auto_approve"),
            ),
            (Codex, json!({"profile": "work"}), Posture("profile")),
            (Codex, json!({"ignoreRules": true}), Posture("ignore_rules")),
            (Codex, json!({"enable": ["x"]}), Posture("features")),
            (Codex, json!({"addDirs": ["/x"]}), Posture("add_dir")),
            (Gemini, json!({"yolo": true}), Bypass),
            (Gemini, json!({"approvalMode": "yolo"}), Bypass),
            (
                Gemini,
                json!({"approvalMode": "auto_edit"}),
                Posture("permission_mode"),
            ),
            (
                Gemini,
                json!({"allowedTools": ["run_shell_command"]}),
                Posture("allowed_tools"),
            ),
            (
                Gemini,
                json!({"policyFiles": ["p.toml"]}),
                Posture("policy_files"),
            ),
            (
                Gemini,
                json!({"adminPolicyFiles": ["p.toml"]}),
                Posture("policy_files"),
            ),
            (Gemini, json!({"includeDirs": ["/x"]}), Posture("add_dir")),
            (Grok, json!({"alwaysApprove": true}), Bypass),
            (Grok, json!({"permissionMode": "bypassPermissions"}), Bypass),
            (
                Grok,
                json!({"permissionMode": "dontAsk"}),
                Posture("permission_mode"),
            ),
            (
                Grok,
                json!({"allow": ["Bash(*)"]}),
                Posture("allowed_tools"),
            ),
            (Grok, json!({"agent": "x"}), Posture("agents")),
            (Grok, json!({"agents": {"a": {}}}), Posture("agents")),
            (Mistral, json!({"autoApprove": true}), Bypass),
            (Mistral, json!({"agent": "auto-approve"}), Bypass),
            (Mistral, json!({"agent": "my-custom"}), Posture("agents")),
            (
                Mistral,
                json!({"smartApprove": true}),
                Posture("auto_approve"),
            ),
            (Mistral, json!({"trust": true}), Posture("trust")),
            (Mistral, json!({"addDir": ["/x"]}), Posture("add_dir")),
        ];
        for (provider, options, expected) in &cases {
            assert!(
                of(*provider, options.clone()).contains(expected),
                "{provider:?} {options} should give {expected:?}"
            );
        }
        // Every row of the table has a case.
        for row in ROWS {
            assert!(
                cases
                    .iter()
                    .any(|(provider, options, widening)| *provider == row.provider
                        && options.get(row.key).is_some()
                        && *widening == row.widening),
                "no case for {:?} {}",
                row.provider,
                row.key
            );
        }
    }

    #[test]
    fn defaults_and_narrowing_values_widen_nothing() {
        let cases: Vec<(ProviderId, Value)> = vec![
            (
                Claude,
                json!({"dangerouslySkipPermissions": false, "allowedTools": [], "permissionMode": "plan"}),
            ),
            (
                Claude,
                json!({"permissionMode": "dontAsk", "disallowedTools": ["Bash"]}),
            ),
            (
                Codex,
                json!({"sandbox": "read-only", "configOverrides": {}, "fullAuto": false}),
            ),
            (
                Gemini,
                json!({"approvalMode": "plan", "sandbox": true, "allowedMcpServerNames": ["x"]}),
            ),
            (Grok, json!({"permissionMode": "plan", "deny": ["Bash"]})),
            (
                Mistral,
                json!({"agent": "accept-edits", "autoApprove": false}),
            ),
            (
                Mistral,
                json!({"agent": "plan", "enabledTools": ["read_file"]}),
            ),
        ];
        for (provider, options) in cases {
            assert_eq!(
                of(provider, options.clone()),
                Vec::new(),
                "{provider:?} {options}"
            );
        }
    }
}
