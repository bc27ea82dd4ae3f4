//! Every snippet parses with its format's own parser and registers the gateway the way the
//! client expects.

use std::path::Path;

use gateway_doctor::client_config::{Client, ClientConfigError, SnippetFormat, Target, snippet};
use pretty_assertions::assert_eq;
use serde_json::json;

const BINARY: &str = "/opt/llm gateway/bin/llm-cli-gateway";
const URL: &str = "http://127.0.0.1:3333/mcp";

fn stdio(client: Client) -> String {
    snippet(
        client,
        Target::Stdio {
            binary: Path::new(BINARY),
        },
    )
    .unwrap()
    .text
}

fn http(client: Client) -> String {
    snippet(client, Target::Http { url: URL }).unwrap().text
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn json_clients_get_an_mcp_servers_entry() {
    for client in [Client::ClaudeDesktop, Client::Gemini, Client::Cursor] {
        assert_eq!(
            json(&stdio(client)),
            json!({"mcpServers": {"llm-cli-gateway": {"command": BINARY, "args": ["serve"]}}}),
            "{client}"
        );
    }
    assert_eq!(
        json(&http(Client::Cursor)),
        json!({"mcpServers": {"llm-cli-gateway": {"url": URL, "headers": {"Authorization": "Bearer ${env:LLM_GATEWAY_AUTH_TOKEN}"}}}})
    );
    assert_eq!(
        json(&http(Client::Gemini)),
        json!({"mcpServers": {"llm-cli-gateway": {"httpUrl": URL, "headers": {"Authorization": "Bearer ${LLM_GATEWAY_AUTH_TOKEN}"}}}})
    );
}

#[test]
fn codex_gets_a_toml_table() {
    let table: toml::Table = stdio(Client::Codex).parse().unwrap();
    let server = &table["mcp_servers"]["llm-cli-gateway"];
    assert_eq!(server["command"].as_str(), Some(BINARY));
    assert_eq!(
        server["args"].as_array().unwrap()[0].as_str(),
        Some("serve")
    );
    assert_eq!(
        server["default_tools_approval_mode"].as_str(),
        Some("approve"),
        "codex exec refuses tools that need approval"
    );
    let table: toml::Table = http(Client::Codex).parse().unwrap();
    let server = &table["mcp_servers"]["llm-cli-gateway"];
    assert_eq!(
        server["default_tools_approval_mode"].as_str(),
        Some("approve")
    );
    assert_eq!(server["url"].as_str(), Some(URL));
    assert_eq!(
        server["bearer_token_env_var"].as_str(),
        Some("LLM_GATEWAY_AUTH_TOKEN")
    );
}

#[test]
fn claude_code_gets_a_command_that_splits_into_the_right_words() {
    let words = shlex::split(stdio(Client::ClaudeCode).trim()).unwrap();
    assert_eq!(
        words,
        [
            "claude",
            "mcp",
            "add",
            "-s",
            "user",
            "llm-cli-gateway",
            "--",
            BINARY,
            "serve"
        ]
    );
    let words = shlex::split(http(Client::ClaudeCode).trim()).unwrap();
    assert_eq!(
        words,
        [
            "claude",
            "mcp",
            "add",
            "-s",
            "user",
            "-t",
            "http",
            "llm-cli-gateway",
            URL,
            "-H",
            "Authorization: Bearer ${LLM_GATEWAY_AUTH_TOKEN}"
        ]
    );
    assert!(
        http(Client::ClaudeCode).contains("'Authorization: Bearer ${LLM_GATEWAY_AUTH_TOKEN}'"),
        "single quotes: the shell must leave the variable for Claude Code to expand"
    );
    let quote = snippet(
        Client::ClaudeCode,
        Target::Stdio {
            binary: Path::new("/it's/llm-cli-gateway"),
        },
    )
    .unwrap();
    assert_eq!(
        shlex::split(quote.text.trim()).unwrap()[7],
        "/it's/llm-cli-gateway"
    );
}

#[test]
fn formats_and_errors_are_explicit() {
    let formats: Vec<SnippetFormat> = Client::ALL
        .iter()
        .map(|client| {
            snippet(
                *client,
                Target::Stdio {
                    binary: Path::new(BINARY),
                },
            )
            .unwrap()
            .format
        })
        .collect();
    assert_eq!(
        formats,
        [
            SnippetFormat::Json,
            SnippetFormat::Shell,
            SnippetFormat::Toml,
            SnippetFormat::Json,
            SnippetFormat::Json
        ]
    );
    assert_eq!(
        snippet(Client::ClaudeDesktop, Target::Http { url: URL }),
        Err(ClientConfigError::HttpUnsupported)
    );
    for url in [
        "ftp://x/mcp",
        "http://",
        "http:///mcp",
        "http://a b/mcp",
        "http://x/\"mcp",
    ] {
        assert_eq!(
            snippet(Client::Codex, Target::Http { url }),
            Err(ClientConfigError::InvalidUrl(url.to_owned())),
            "{url}"
        );
    }
    for (name, client) in Client::NAMES.iter().zip(Client::ALL) {
        assert_eq!(name.parse::<Client>(), Ok(client));
    }
    assert!(matches!(
        "vscode".parse::<Client>(),
        Err(ClientConfigError::UnknownClient(_))
    ));
}
