//! MCP client registrations: which client config files exist and whether they register this
//! gateway (a server named `llm-cli-gateway`, or one whose command is an `llm-cli-gateway`
//! binary). Read-only: doctor never edits a client's config; `print-client-config` prints what
//! to add.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::client_config::{Client, SERVER_NAME};
use crate::options::DoctorOptions;
use crate::report::{ClientCheck, ClientConfigFile, GatewayEntry, Status};

/// Every client, in report order.
pub(crate) fn check_all(options: &DoctorOptions) -> Vec<ClientCheck> {
    Client::ALL
        .iter()
        .map(|client| check(*client, options))
        .collect()
}

fn check(client: Client, options: &DoctorOptions) -> ClientCheck {
    let configs: Vec<ClientConfigFile> = config_paths(client, options)
        .into_iter()
        .map(|path| read_config(client, &path, options))
        .collect();
    let entries = configs.iter().flat_map(|config| &config.gateway_entries);
    let registered = configs
        .iter()
        .any(|config| !config.gateway_entries.is_empty());
    let stale: Vec<&GatewayEntry> = entries
        .filter(|entry| entry.command_exists == Some(false))
        .collect();
    let broken: Vec<&ClientConfigFile> = configs
        .iter()
        .filter(|config| config.error.is_some())
        .collect();
    let (status, detail) = if let Some(entry) = stale.first() {
        (
            Status::Warn,
            format!(
                "entry `{}` runs {}, which does not exist",
                entry.name, entry.target
            ),
        )
    } else if let Some(config) = broken.first() {
        (
            Status::Warn,
            format!(
                "{}: {}",
                config.path,
                config.error.as_deref().unwrap_or_default()
            ),
        )
    } else if registered {
        (Status::Ok, "llm-cli-gateway is registered".to_owned())
    } else if configs.iter().any(|config| config.present) {
        (
            Status::Info,
            "config found; llm-cli-gateway is not registered".to_owned(),
        )
    } else {
        (Status::Info, "no config found".to_owned())
    };
    ClientCheck {
        client: client.as_str(),
        status,
        configs,
        registered,
        detail,
    }
}

/// User-level config first, then project-level ones under `cwd`.
fn config_paths(client: Client, options: &DoctorOptions) -> Vec<PathBuf> {
    let home = &options.home;
    let mut paths = match client {
        Client::ClaudeDesktop => vec![claude_desktop_config(options)],
        Client::ClaudeCode => vec![home.join(".claude.json")],
        Client::Codex => vec![options.dir_from("CODEX_HOME", ".codex").join("config.toml")],
        Client::Gemini => vec![home.join(".gemini/settings.json")],
        Client::Cursor => vec![home.join(".cursor/mcp.json")],
    };
    let project = match client {
        Client::ClaudeDesktop => None,
        Client::ClaudeCode => Some(".mcp.json"),
        Client::Codex => Some(".codex/config.toml"),
        Client::Gemini => Some(".gemini/settings.json"),
        Client::Cursor => Some(".cursor/mcp.json"),
    };
    if let (Some(cwd), Some(relative)) = (&options.cwd, project) {
        let path = cwd.join(relative);
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// Where Claude Desktop keeps its config on this OS.
pub(crate) fn claude_desktop_config(options: &DoctorOptions) -> PathBuf {
    if cfg!(target_os = "macos") {
        options
            .home
            .join("Library/Application Support/Claude/claude_desktop_config.json")
    } else if cfg!(windows) {
        options
            .dir_from("APPDATA", "AppData/Roaming")
            .join("Claude/claude_desktop_config.json")
    } else {
        options
            .dir_from("XDG_CONFIG_HOME", ".config")
            .join("Claude/claude_desktop_config.json")
    }
}

fn read_config(client: Client, path: &Path, options: &DoctorOptions) -> ClientConfigFile {
    let mut file = ClientConfigFile {
        path: options.display(path),
        present: path.is_file(),
        error: None,
        gateway_entries: Vec::new(),
    };
    if !file.present {
        return file;
    }
    match parse(client, path) {
        Ok(document) => {
            file.gateway_entries = server_tables(client, &document)
                .into_iter()
                .flat_map(|servers| servers.iter())
                .filter_map(|(name, server)| gateway_entry(name, server, options))
                .collect();
        }
        Err(error) => file.error = Some(error),
    }
    file
}

/// The file as JSON (TOML for Codex, converted).
fn parse(client: Client, path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read: {error}"))?;
    if client == Client::Codex {
        let table: toml::Table = text
            .parse()
            .map_err(|error: toml::de::Error| format!("not valid TOML: {}", error.message()))?;
        return serde_json::to_value(table).map_err(|error| error.to_string());
    }
    serde_json::from_str(&text).map_err(|error| format!("not valid JSON: {error}"))
}

/// The server maps in a config document. Claude Code also keeps per-project servers under
/// `projects.<dir>.mcpServers` in `~/.claude.json`.
fn server_tables(client: Client, document: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let key = if client == Client::Codex {
        "mcp_servers"
    } else {
        "mcpServers"
    };
    let mut tables: Vec<&serde_json::Map<String, Value>> = document
        .get(key)
        .and_then(Value::as_object)
        .into_iter()
        .collect();
    if client == Client::ClaudeCode
        && let Some(projects) = document.get("projects").and_then(Value::as_object)
    {
        tables.extend(
            projects
                .values()
                .filter_map(|project| project.get(key)?.as_object()),
        );
    }
    tables
}

/// The entry, if it is this gateway: named `llm-cli-gateway`, or running a binary of that name.
fn gateway_entry(name: &str, server: &Value, options: &DoctorOptions) -> Option<GatewayEntry> {
    let command = server.get("command").and_then(Value::as_str);
    let url = ["url", "httpUrl", "serverUrl"]
        .iter()
        .find_map(|key| server.get(*key)?.as_str());
    let runs_gateway = command.is_some_and(|command| {
        Path::new(command)
            .file_name()
            .is_some_and(|file| file == SERVER_NAME)
    });
    if name != SERVER_NAME && !runs_gateway {
        return None;
    }
    match (command, url) {
        (Some(command), _) => Some(GatewayEntry {
            name: name.to_owned(),
            transport: "stdio",
            target: command.to_owned(),
            command_exists: Some(command_exists(command, options)),
        }),
        (None, Some(url)) => Some(GatewayEntry {
            name: name.to_owned(),
            transport: "http",
            target: url.to_owned(),
            command_exists: None,
        }),
        (None, None) => None,
    }
}

fn command_exists(command: &str, options: &DoctorOptions) -> bool {
    let path = Path::new(command);
    if path.is_absolute() {
        path.is_file()
    } else {
        options.find_on_path(command).is_some()
    }
}
