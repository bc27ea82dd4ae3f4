//! `register`'s merge on real config texts: the entry added once (a second run changes nothing),
//! other servers, settings, order and TOML comments kept, a differing entry replaced, and
//! configs it cannot read safely (JSON with comments) left alone.

use std::path::Path;

use gateway_doctor::client_config::{Client, Target, snippet};
use gateway_doctor::register::{Merge, RegisterError, merge};
use pretty_assertions::assert_eq;
use serde_json::json;

const BINARY: &str = "/usr/local/bin/llm-cli-gateway";

fn merged(client: Client, existing: Option<&str>) -> String {
    let snippet = snippet(
        client,
        Target::Stdio {
            binary: Path::new(BINARY),
        },
    )
    .unwrap();
    let Merge::Changed(text) = merge(client, existing, &snippet).unwrap() else {
        panic!("{client}: nothing changed");
    };
    let again = merge(client, Some(&text), &snippet).unwrap();
    assert_eq!(
        again,
        Merge::Unchanged,
        "{client}: a second run must change nothing"
    );
    text
}

const CODEX: &str = r#"# Personal codex settings
model = "gpt-5"  # default model

[mcp_servers.docs]
command = "docs-mcp"   # keep this comment
args = ["--stdio"]

[profiles.fast]
model = "gpt-5-mini"
"#;

#[test]
fn codex_toml_keeps_comments_order_and_other_servers() {
    let text = merged(Client::Codex, Some(CODEX));
    assert!(
        text.starts_with(CODEX.split("[profiles.fast]").next().unwrap()),
        "{text}"
    );
    for kept in [
        "# Personal codex settings",
        "# default model",
        "# keep this comment",
        "[profiles.fast]",
    ] {
        assert!(text.contains(kept), "lost {kept:?}:\n{text}");
    }
    let table: toml::Table = text.parse().unwrap();
    let entry = &table["mcp_servers"]["llm-cli-gateway"];
    assert_eq!(entry["command"].as_str(), Some(BINARY));
    assert_eq!(
        entry["default_tools_approval_mode"].as_str(),
        Some("approve")
    );
    assert_eq!(
        table["mcp_servers"]["docs"]["command"].as_str(),
        Some("docs-mcp")
    );
    assert_eq!(
        text.matches("[mcp_servers.llm-cli-gateway]").count(),
        1,
        "one table only: codex refuses duplicate keys"
    );
}

#[test]
fn a_differing_entry_is_replaced_in_place() {
    let stale =
        format!("{CODEX}\n[mcp_servers.llm-cli-gateway]\ncommand = \"/old/llm-cli-gateway\"\n");
    let text = merged(Client::Codex, Some(&stale));
    assert!(!text.contains("/old/"), "{text}");
    let stale_json =
        r#"{"mcpServers": {"llm-cli-gateway": {"command": "/old"}, "b": {"command": "b"}}}"#;
    let text = merged(Client::Cursor, Some(stale_json));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["mcpServers"]["llm-cli-gateway"]["command"], BINARY);
    let names: Vec<&String> = value["mcpServers"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["llm-cli-gateway", "b"], "order kept");
}

#[test]
fn json_clients_keep_other_settings_in_their_order() {
    let desktop = r#"{"globalShortcut": "Ctrl+Space", "mcpServers": {"files": {"command": "npx", "args": ["files"]}}}"#;
    let gemini = r#"{"theme": "GitHub", "security": {"auth": {"selectedType": "gemini-api-key"}}}"#;
    for (client, existing) in [
        (Client::ClaudeDesktop, Some(desktop)),
        (Client::Gemini, Some(gemini)),
        (Client::Cursor, None),
    ] {
        let text = merged(client, existing);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let original: serde_json::Value = serde_json::from_str(existing.unwrap_or("{}")).unwrap();
        for (key, kept) in original.as_object().unwrap() {
            if key != "mcpServers" {
                assert_eq!(&value[key], kept, "{client}: {key}");
            }
        }
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let original_keys: Vec<&String> = original.as_object().unwrap().keys().collect();
        assert_eq!(
            &keys[..original_keys.len()],
            &original_keys[..],
            "{client}: key order"
        );
        assert_eq!(
            value["mcpServers"]["llm-cli-gateway"],
            json!({"command": BINARY, "args": ["serve"]}),
            "{client}"
        );
    }
    let files =
        &serde_json::from_str::<serde_json::Value>(&merged(Client::ClaudeDesktop, Some(desktop)))
            .unwrap()["mcpServers"]["files"];
    assert_eq!(files, &json!({"command": "npx", "args": ["files"]}));
}

#[test]
fn what_register_will_not_touch() {
    let stdio = Target::Stdio {
        binary: Path::new(BINARY),
    };
    let code = snippet(Client::ClaudeCode, stdio).unwrap();
    assert_eq!(
        merge(Client::ClaudeCode, None, &code),
        Err(RegisterError::OwnsItsConfig {
            client: Client::ClaudeCode
        })
    );
    let gemini = snippet(Client::Gemini, stdio).unwrap();
    for bad in ["{ // a comment\n}", "[1, 2]", r#"{"mcpServers": 3}"#] {
        let error = merge(Client::Gemini, Some(bad), &gemini)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("print-client-config gemini"),
            "{bad}: {error}"
        );
    }
}
