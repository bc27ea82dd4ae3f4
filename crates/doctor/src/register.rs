//! `register`: merges the gateway's entry (the `print-client-config` snippet, so there is one
//! source of truth) into a client's config text and keeps everything else: other servers and
//! settings, their order, and in TOML the comments and layout (`toml_edit`). Pure: the CLI
//! reads the file, writes the backup and the result.
//!
//! Idempotent: an entry equal to the snippet's is [`Merge::Unchanged`], and nothing is written.

use serde_json::{Map, Value};
use toml_edit::{DocumentMut, Item, Table};

use crate::client_config::{Client, SERVER_NAME, Snippet};

/// What registering would do to a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// The entry is already there, exactly.
    Unchanged,
    /// The file's new text (the entry added, or replaced when it differed).
    Changed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error(
        "{client} keeps its own config: run the command `llm-cli-gateway print-client-config {client}` prints"
    )]
    OwnsItsConfig { client: Client },
    #[error(
        "the config is not plain {format} ({detail}), so it is left alone: add the entry by hand (`llm-cli-gateway print-client-config {client}`)"
    )]
    Unreadable {
        client: Client,
        format: &'static str,
        detail: String,
    },
}

/// `existing` (the file's text, `None` when it does not exist) with the gateway's entry.
pub fn merge(
    client: Client,
    existing: Option<&str>,
    snippet: &Snippet,
) -> Result<Merge, RegisterError> {
    match client {
        Client::ClaudeCode => Err(RegisterError::OwnsItsConfig { client }),
        Client::Codex => merge_toml(client, existing.unwrap_or_default(), &snippet.text),
        Client::ClaudeDesktop | Client::Gemini | Client::Cursor => {
            merge_json(client, existing.unwrap_or_default(), &snippet.text)
        }
    }
}

fn merge_json(client: Client, existing: &str, snippet: &str) -> Result<Merge, RegisterError> {
    let unreadable = |detail: String| RegisterError::Unreadable {
        client,
        format: "JSON",
        detail,
    };
    let mut document: Value = if existing.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(existing).map_err(|error| unreadable(error.to_string()))?
    };
    let snippet: Value = serde_json::from_str(snippet).map_err(|e| unreadable(e.to_string()))?;
    let entry = snippet["mcpServers"][SERVER_NAME].clone();
    let Some(root) = document.as_object_mut() else {
        return Err(unreadable("the top level is not an object".into()));
    };
    let servers = root
        .entry("mcpServers")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(servers) = servers.as_object_mut() else {
        return Err(unreadable("`mcpServers` is not an object".into()));
    };
    if servers.get(SERVER_NAME) == Some(&entry) {
        return Ok(Merge::Unchanged);
    }
    servers.insert(SERVER_NAME.to_owned(), entry);
    let text = serde_json::to_string_pretty(&document).map_err(|e| unreadable(e.to_string()))?;
    Ok(Merge::Changed(format!("{text}\n")))
}

fn merge_toml(client: Client, existing: &str, snippet: &str) -> Result<Merge, RegisterError> {
    let unreadable = |detail: String| RegisterError::Unreadable {
        client,
        format: "TOML",
        detail,
    };
    let mut document: DocumentMut = existing.parse().map_err(|e| unreadable(format!("{e}")))?;
    let snippet: DocumentMut = snippet.parse().map_err(|e| unreadable(format!("{e}")))?;
    let mut entry = snippet["mcp_servers"][SERVER_NAME].clone();
    if let (Some(table), false) = (entry.as_table_mut(), existing.trim().is_empty()) {
        table.decor_mut().set_prefix("\n");
    }
    let same = |current: &Item| {
        let values = |item: &Item| item.as_table().map(|table| table.to_string());
        let parse = |text: Option<String>| text.and_then(|text| text.parse::<toml::Table>().ok());
        parse(values(current)).is_some_and(|current| Some(current) == parse(values(&entry)))
    };
    let servers = document
        .entry("mcp_servers")
        .or_insert_with(|| Item::Table(implicit_table()));
    let Some(servers) = servers.as_table_like_mut() else {
        return Err(unreadable("`mcp_servers` is not a table".into()));
    };
    if servers.get(SERVER_NAME).is_some_and(same) {
        return Ok(Merge::Unchanged);
    }
    servers.insert(SERVER_NAME, entry);
    Ok(Merge::Changed(document.to_string()))
}

/// A table that appears only through its sub-tables (`[mcp_servers.x]`, no `[mcp_servers]`).
fn implicit_table() -> Table {
    let mut table = Table::new();
    table.set_implicit(true);
    table
}
