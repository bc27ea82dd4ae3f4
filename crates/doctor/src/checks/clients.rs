//! MCP client registrations: which client config files exist and whether they register this
//! gateway (a server named `llm-cli-gateway`, or one whose command is an `llm-cli-gateway`
//! binary), and whether Gemini CLI would disable it in this folder. Read-only: doctor never edits a
//! client's config; `register` and `print-client-config` do that.

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
    } else if let Some(cwd) = untrusted_gemini_folder(client, registered, options) {
        (
            Status::Warn,
            format!(
                "{GEMINI_UNTRUSTED}, and {cwd} is not trusted: run `gemini` there and trust it, or add \"{cwd}\": \"TRUST_FOLDER\" to {}",
                options.display(&trusted_folders_path(options))
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

/// The user-level config file of `client` (the one `register` edits).
pub fn user_config_path(client: Client, options: &DoctorOptions) -> PathBuf {
    let home = &options.home;
    match client {
        Client::ClaudeDesktop => claude_desktop_config(options),
        Client::ClaudeCode => home.join(".claude.json"),
        Client::Codex => options.dir_from("CODEX_HOME", ".codex").join("config.toml"),
        Client::Gemini => home.join(".gemini/settings.json"),
        Client::Cursor => home.join(".cursor/mcp.json"),
    }
}

/// How a Gemini trust warning starts (the next action repeats it whole).
pub(crate) const GEMINI_UNTRUSTED: &str = "Gemini CLI disables MCP servers in untrusted folders";

/// The working directory, when the gateway is registered with Gemini CLI, folder trust is on
/// (the default; `security.folderTrust.enabled: false` turns it off) and no rule trusts it.
fn untrusted_gemini_folder(
    client: Client,
    registered: bool,
    options: &DoctorOptions,
) -> Option<String> {
    let cwd = options
        .cwd
        .as_ref()
        .filter(|_| client == Client::Gemini && registered)?;
    let settings = parse(client, &user_config_path(client, options)).unwrap_or_default();
    if settings.pointer("/security/folderTrust/enabled") == Some(&Value::Bool(false)) {
        return None;
    }
    let rules = std::fs::read_to_string(trusted_folders_path(options))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    (!folder_trusted(&rules, cwd)).then(|| cwd.display().to_string())
}

/// `~/.gemini/trustedFolders.json`, or `GEMINI_CLI_TRUSTED_FOLDERS_PATH`.
fn trusted_folders_path(options: &DoctorOptions) -> PathBuf {
    options.var("GEMINI_CLI_TRUSTED_FOLDERS_PATH").map_or_else(
        || options.home.join(".gemini/trustedFolders.json"),
        PathBuf::from,
    )
}

/// Gemini's rules (`{path: TRUST_FOLDER | TRUST_PARENT | DO_NOT_TRUST}`): the most specific
/// rule covering `dir` decides (TRUST_PARENT covers the path's parent and below).
fn folder_trusted(rules: &Value, dir: &Path) -> bool {
    let Some(rules) = rules.as_object() else {
        return false;
    };
    rules
        .iter()
        .filter_map(|(path, rule)| {
            let path = Path::new(path);
            let (covered, trusts) = match rule.as_str()? {
                "TRUST_FOLDER" => (path, true),
                "TRUST_PARENT" => (path.parent()?, true),
                "DO_NOT_TRUST" => (path, false),
                _ => return None,
            };
            dir.starts_with(covered)
                .then_some((covered.components().count(), trusts))
        })
        .max_by_key(|(depth, _)| *depth)
        .is_some_and(|(_, trusts)| trusts)
}

/// User-level config first, then project-level ones under `cwd`.
fn config_paths(client: Client, options: &DoctorOptions) -> Vec<PathBuf> {
    let mut paths = vec![user_config_path(client, options)];
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_most_specific_gemini_rule_decides() {
        let rules = json!({
            "/home/me/work": "TRUST_FOLDER",
            "/home/me/work/secret": "DO_NOT_TRUST",
            "/srv/app/file.txt": "TRUST_PARENT",
            "/odd": 7,
        });
        let cases = [
            ("/home/me/work", true),
            ("/home/me/work/repo", true),
            ("/home/me/work/secret/x", false),
            ("/home/me", false),
            ("/srv/app/sub", true),
            ("/odd", false),
        ];
        for (dir, trusted) in cases {
            assert_eq!(folder_trusted(&rules, Path::new(dir)), trusted, "{dir}");
        }
        assert!(!folder_trusted(&Value::Null, Path::new("/x")));
    }
}
