//! Registration snippets for MCP clients, as `print-client-config` prints them: JSON for
//! Claude Desktop, Cursor and Gemini CLI settings, TOML for Codex, a `claude mcp add` command
//! for Claude Code. Pure functions: the caller passes the gateway's absolute path (or the HTTP
//! URL), so tests can parse every snippet with the format's own parser.
//!
//! HTTP snippets never contain the token: each refers to `LLM_GATEWAY_AUTH_TOKEN` in the way
//! that client expands variables.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use std::collections::BTreeMap;

use serde::Serialize;

/// The server name every snippet registers (and doctor looks for).
pub const SERVER_NAME: &str = "llm-cli-gateway";

/// The variable HTTP snippets take the bearer token from.
const TOKEN_VAR: &str = gateway_core::env::AUTH_TOKEN;

/// Codex asks before every MCP tool without a read-only hint, and `codex exec` (which cannot
/// ask) then refuses the call: this lets the gateway's tools run. What each CLI the gateway
/// starts may do is still decided by that request's own sandbox and permission options.
const CODEX_APPROVAL: &str = "default_tools_approval_mode = \"approve\"\n";

/// An MCP client `print-client-config` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    ClaudeDesktop,
    ClaudeCode,
    Codex,
    Gemini,
    Cursor,
}

impl Client {
    pub const ALL: [Client; 5] = [
        Client::ClaudeDesktop,
        Client::ClaudeCode,
        Client::Codex,
        Client::Gemini,
        Client::Cursor,
    ];

    /// The names the command line takes.
    pub const NAMES: [&'static str; 5] =
        ["claude-desktop", "claude-code", "codex", "gemini", "cursor"];

    pub const fn as_str(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "claude-desktop",
            Client::ClaudeCode => "claude-code",
            Client::Codex => "codex",
            Client::Gemini => "gemini",
            Client::Cursor => "cursor",
        }
    }

    /// Where the snippet goes, for people.
    pub const fn destination(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => {
                "merge into \"mcpServers\" of claude_desktop_config.json (~/Library/Application Support/Claude/ on macOS, ~/.config/Claude/ on Linux, %APPDATA%\\Claude\\ on Windows), then restart Claude Desktop"
            }
            Client::ClaudeCode => {
                "run this command once (user scope: every project sees the gateway)"
            }
            Client::Codex => "append to ~/.codex/config.toml (or $CODEX_HOME/config.toml)",
            Client::Gemini => {
                "merge into \"mcpServers\" of ~/.gemini/settings.json (or .gemini/settings.json in a project)"
            }
            Client::Cursor => {
                "merge into \"mcpServers\" of ~/.cursor/mcp.json (or .cursor/mcp.json in a project)"
            }
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Client {
    type Err = ClientConfigError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Client::ALL
            .into_iter()
            .find(|client| client.as_str() == name.trim())
            .ok_or_else(|| ClientConfigError::UnknownClient(name.to_owned()))
    }
}

/// How the client reaches the gateway.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The client launches this executable with `serve` (stdio).
    Stdio { binary: &'a Path },
    /// The client connects to a running `serve --http` at this URL.
    Http { url: &'a str },
}

/// The format of a snippet, so callers and tests know how to parse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetFormat {
    Json,
    Toml,
    Shell,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub format: SnippetFormat,
    /// The text to paste or run, ending in a newline.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientConfigError {
    #[error(
        "unknown client `{0}`; expected one of claude-desktop, claude-code, codex, gemini, cursor"
    )]
    UnknownClient(String),
    #[error(
        "invalid `--http` URL {0:?}: expected http://host:port/path or https://…, without spaces or quotes"
    )]
    InvalidUrl(String),
    #[error(
        "Claude Desktop's config file only launches local (stdio) servers; drop `--http`, or add the URL in Claude Desktop under Settings → Connectors"
    )]
    HttpUnsupported,
    #[error("the gateway path {0:?} is not valid UTF-8; move the binary to a plain path")]
    NonUtf8Path(String),
}

/// The registration snippet for `client`.
pub fn snippet(client: Client, target: Target<'_>) -> Result<Snippet, ClientConfigError> {
    match target {
        Target::Stdio { binary } => {
            let binary = binary
                .to_str()
                .ok_or_else(|| ClientConfigError::NonUtf8Path(binary.display().to_string()))?;
            Ok(stdio_snippet(client, binary))
        }
        Target::Http { url } => {
            validate_url(url)?;
            http_snippet(client, url)
        }
    }
}

fn stdio_snippet(client: Client, binary: &str) -> Snippet {
    match client {
        Client::ClaudeDesktop | Client::Gemini | Client::Cursor => {
            json_snippet(JsonServer::Stdio {
                command: binary,
                args: ["serve"],
            })
        }
        Client::ClaudeCode => Snippet {
            format: SnippetFormat::Shell,
            text: format!(
                "claude mcp add -s user {SERVER_NAME} -- {} serve\n",
                shell_quote(binary)
            ),
        },
        Client::Codex => Snippet {
            format: SnippetFormat::Toml,
            text: format!(
                "[mcp_servers.{SERVER_NAME}]\ncommand = {}\nargs = [\"serve\"]\n{CODEX_APPROVAL}",
                toml_string(binary)
            ),
        },
    }
}

fn http_snippet(client: Client, url: &str) -> Result<Snippet, ClientConfigError> {
    Ok(match client {
        Client::ClaudeDesktop => return Err(ClientConfigError::HttpUnsupported),
        Client::Cursor => json_snippet(JsonServer::Url {
            url,
            headers: authorization(format!("Bearer ${{env:{TOKEN_VAR}}}")),
        }),
        Client::Gemini => json_snippet(JsonServer::HttpUrl {
            http_url: url,
            headers: authorization(format!("Bearer ${{{TOKEN_VAR}}}")),
        }),
        // `-H` goes last: it is variadic and would swallow the name. Single quotes: the shell
        // must not expand the variable (that would write the token into ~/.claude.json);
        // Claude Code expands `${VAR}` itself each time it connects.
        Client::ClaudeCode => Snippet {
            format: SnippetFormat::Shell,
            text: format!(
                "claude mcp add -s user -t http {SERVER_NAME} {} -H 'Authorization: Bearer ${{{TOKEN_VAR}}}'\n",
                shell_quote(url)
            ),
        },
        Client::Codex => Snippet {
            format: SnippetFormat::Toml,
            text: format!(
                "[mcp_servers.{SERVER_NAME}]\nurl = {}\nbearer_token_env_var = \"{TOKEN_VAR}\"\n{CODEX_APPROVAL}",
                toml_string(url)
            ),
        },
    })
}

/// One server entry of a JSON client config, fields in the order people expect to read them.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonServer<'a> {
    Stdio {
        command: &'a str,
        args: [&'a str; 1],
    },
    Url {
        url: &'a str,
        headers: BTreeMap<&'static str, String>,
    },
    HttpUrl {
        #[serde(rename = "httpUrl")]
        http_url: &'a str,
        headers: BTreeMap<&'static str, String>,
    },
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    #[serde(rename = "mcpServers")]
    mcp_servers: BTreeMap<&'static str, JsonServer<'a>>,
}

fn authorization(value: String) -> BTreeMap<&'static str, String> {
    BTreeMap::from([("Authorization", value)])
}

/// `{"mcpServers": {"llm-cli-gateway": server}}`, pretty-printed.
fn json_snippet(server: JsonServer<'_>) -> Snippet {
    let document = JsonDocument {
        mcp_servers: BTreeMap::from([(SERVER_NAME, server)]),
    };
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    Snippet {
        format: SnippetFormat::Json,
        text: format!("{text}\n"),
    }
}

/// A TOML basic string (quotes and escapes done by the toml crate).
fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// POSIX-shell quoting: bare when every character is safe, else single quotes.
fn shell_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        return value.to_owned();
    }
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn validate_url(url: &str) -> Result<(), ClientConfigError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || "\"'\\<>`".contains(c);
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !url.chars().any(bad_char) => {
            Ok(())
        }
        _ => Err(ClientConfigError::InvalidUrl(url.to_owned())),
    }
}
