//! Rules every provider's command line keeps, whatever the options: no argv element carries a
//! line break, and a command line the OS would refuse (`E2BIG`) is refused before spawn, naming
//! the parameter.

use gateway_provider::claude::ClaudeOptions;
use gateway_provider::codex::CodexOptions;
use gateway_provider::gemini::GeminiOptions;
use gateway_provider::grok::GrokOptions;
use gateway_provider::request::MAX_ARGV_TOTAL_BYTES;
use gateway_provider::vibe::VibeOptions;
use gateway_provider::{ProviderOptions, build};
use serde_json::{Value, json};

use super::common::request;

/// Options of `provider` from wire JSON, as the MCP layer parses them.
fn options(provider: &str, value: Value) -> ProviderOptions {
    match provider {
        "claude" => {
            ProviderOptions::Claude(serde_json::from_value::<ClaudeOptions>(value).unwrap())
        }
        "codex" => ProviderOptions::Codex(serde_json::from_value::<CodexOptions>(value).unwrap()),
        "gemini" => {
            ProviderOptions::Gemini(serde_json::from_value::<GeminiOptions>(value).unwrap())
        }
        "grok" => ProviderOptions::Grok(serde_json::from_value::<GrokOptions>(value).unwrap()),
        _ => ProviderOptions::Mistral(serde_json::from_value::<VibeOptions>(value).unwrap()),
    }
}

#[test]
fn inline_json_spanning_lines_is_compacted_and_a_path_with_a_line_break_refused() {
    let spec = build(&request(options(
        "claude",
        json!({"mcpConfig": ["{\n  \"mcpServers\": {}\n}"], "settings": "{\n\"a\": \"x\\ny\"\n}"}),
    )))
    .unwrap();
    assert!(
        spec.args.contains(&r#"{"mcpServers":{}}"#.to_owned()),
        "{:?}",
        spec.args
    );
    assert!(
        spec.args.contains(&r#"{"a":"x\ny"}"#.to_owned()),
        "{:?}",
        spec.args
    );
    for (param, value) in [
        ("mcpConfig", json!({"mcpConfig": ["a\nb"]})),
        ("settings", json!({"settings": "a\r\nb"})),
    ] {
        let error = build(&request(options("claude", value)))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(param) && error.contains("line break"),
            "{error}"
        );
    }
}

/// Every list parameter of every provider, given values that build: no element of the built
/// command line holds CR or LF.
#[test]
fn no_argv_element_holds_a_line_break() {
    let cases = [
        (
            "claude",
            json!({"allowedTools": ["Read"], "mcpConfig": ["{\n}"], "settings": "{\n}", "addDirs": ["/tmp"], "systemPrompt": "one\ntwo"}),
        ),
        (
            "codex",
            json!({"configOverrides": {"model_reasoning_effort": "high"}, "enable": ["x"]}),
        ),
        (
            "gemini",
            json!({"allowedTools": ["read_file"], "policyFiles": ["p.toml"]}),
        ),
        ("grok", json!({"allow": ["Bash(git *)"], "tools": ["read"]})),
        ("mistral", json!({"enabledTools": ["read_file"]})),
    ];
    for (provider, value) in cases {
        let spec = build(&request(options(provider, value))).unwrap();
        for arg in &spec.args {
            // Free text (a system prompt) is content, not a value a CLI parses: it travels
            // attached to its flag (`--system-prompt=…`) as one element.
            if arg.starts_with("--system-prompt=") {
                continue;
            }
            assert!(!arg.contains(['\r', '\n']), "{provider}: {arg:?}");
        }
    }
}

#[test]
fn a_command_line_over_the_os_limit_is_refused_naming_the_list() {
    let tools: Vec<String> = (0..40_000)
        .map(|index| format!("tool{index:0>96}"))
        .collect();
    for (provider, param) in [
        ("claude", "allowedTools"),
        ("gemini", "allowedTools"),
        ("mistral", "enabledTools"),
        ("codex", "enable"),
    ] {
        let error = build(&request(options(provider, json!({ param: tools }))))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(param) && error.contains(&MAX_ARGV_TOTAL_BYTES.to_string()),
            "{provider}: {error}"
        );
    }
    // Lists that each fit but together do not: the message says so.
    let half: Vec<String> = tools[..7_000].to_vec();
    let error = build(&request(options(
        "claude",
        json!({"allowedTools": half, "disallowedTools": half}),
    )))
    .unwrap_err()
    .to_string();
    assert!(error.contains("together"), "{error}");
}
