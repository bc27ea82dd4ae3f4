//! What doctor knows about each provider backend: where it keeps credentials, which
//! environment variables log it in, its own status command, and how to install and log in.
//! Facts come from `provider-clis.md` §1 and §5.3 (verified against the real CLIs) and, for
//! `agy`, from the reference implementation only (hence `verified: false`).

use std::path::PathBuf;

use crate::options::DoctorOptions;

/// One executable the gateway can run for a provider.
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) provider: &'static str,
    pub(crate) binary: &'static str,
    pub(crate) verified: bool,
    /// Variables that authenticate the CLI on their own.
    pub(crate) env_keys: &'static [&'static str],
    /// Files whose presence means a stored login.
    pub(crate) credential_files: fn(&DoctorOptions) -> Vec<PathBuf>,
    /// `.env` files the CLI loads, searched for `env_keys` assignments (names only).
    pub(crate) dotenv_files: fn(&DoctorOptions) -> Vec<PathBuf>,
    /// True when credentials can also live where doctor cannot look (a keyring), so "nothing
    /// found" means `unknown` rather than `not_authenticated`.
    pub(crate) hidden_credentials: bool,
    /// The CLI's own fast, offline login check, and how to read its answer.
    pub(crate) status_command: Option<StatusCommand>,
    pub(crate) install: (&'static str, &'static [&'static str]),
    pub(crate) login: (&'static str, &'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StatusCommand {
    pub(crate) args: &'static [&'static str],
    /// JSON field holding a boolean login verdict; `None` = exit code 0 means logged in.
    pub(crate) json_field: Option<&'static str>,
}

fn claude_files(options: &DoctorOptions) -> Vec<PathBuf> {
    vec![
        options
            .dir_from("CLAUDE_CONFIG_DIR", ".claude")
            .join(".credentials.json"),
    ]
}

fn codex_files(options: &DoctorOptions) -> Vec<PathBuf> {
    vec![options.dir_from("CODEX_HOME", ".codex").join("auth.json")]
}

fn gemini_files(options: &DoctorOptions) -> Vec<PathBuf> {
    vec![options.home.join(".gemini/oauth_creds.json")]
}

fn no_files(_options: &DoctorOptions) -> Vec<PathBuf> {
    Vec::new()
}

fn gemini_dotenv(options: &DoctorOptions) -> Vec<PathBuf> {
    vec![options.home.join(".gemini/.env")]
}

fn vibe_dotenv(options: &DoctorOptions) -> Vec<PathBuf> {
    vec![options.dir_from("VIBE_HOME", ".vibe").join(".env")]
}

fn grok_files(options: &DoctorOptions) -> Vec<PathBuf> {
    vec![options.dir_from("GROK_HOME", ".grok").join("auth.json")]
}

/// Every backend, in report order (gemini's two backends side by side).
pub(crate) const BACKENDS: [Backend; 6] = [
    Backend {
        provider: "claude",
        binary: "claude",
        verified: true,
        env_keys: &[
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_AUTH_TOKEN",
            "CLAUDE_CODE_OAUTH_TOKEN",
        ],
        credential_files: claude_files,
        dotenv_files: no_files,
        hidden_credentials: true,
        status_command: Some(StatusCommand {
            args: &["auth", "status", "--json"],
            json_field: Some("loggedIn"),
        }),
        install: (
            "Claude Code from npm (2.1.198 and later need Node 22; on Node 20 pin the version)",
            &["npm install -g @anthropic-ai/claude-code@latest"],
        ),
        login: (
            "Sign in once, or export ANTHROPIC_API_KEY",
            &["claude auth login", "claude setup-token"],
        ),
    },
    Backend {
        provider: "codex",
        binary: "codex",
        verified: true,
        env_keys: &["CODEX_API_KEY"],
        credential_files: codex_files,
        dotenv_files: no_files,
        hidden_credentials: false,
        status_command: Some(StatusCommand {
            args: &["login", "status"],
            json_field: None,
        }),
        install: ("Codex CLI from npm", &["npm install -g @openai/codex"]),
        login: (
            "Sign in with ChatGPT, or store an API key; codex exec ignores OPENAI_API_KEY",
            &[
                "codex login",
                "codex login --device-auth",
                "printenv OPENAI_API_KEY | codex login --with-api-key",
            ],
        ),
    },
    Backend {
        provider: "gemini",
        binary: "gemini",
        verified: true,
        env_keys: &[
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "GOOGLE_GENAI_USE_VERTEXAI",
            "GOOGLE_GENAI_USE_GCA",
        ],
        credential_files: gemini_files,
        dotenv_files: gemini_dotenv,
        hidden_credentials: false,
        status_command: None,
        install: (
            "Gemini CLI from npm (Node 20 or later)",
            &["npm install -g @google/gemini-cli"],
        ),
        login: (
            "Export GEMINI_API_KEY, or run gemini once and choose a sign-in method",
            &["export GEMINI_API_KEY=<key>", "gemini"],
        ),
    },
    Backend {
        provider: "gemini",
        binary: "agy",
        verified: false,
        env_keys: &[],
        credential_files: no_files,
        dotenv_files: no_files,
        hidden_credentials: true,
        status_command: None,
        install: (
            "Antigravity CLI (no registry package; unverified by this project)",
            &["curl -fsSL https://antigravity.google/cli/install.sh | bash"],
        ),
        login: ("Run agy once interactively to sign in", &["agy"]),
    },
    Backend {
        provider: "grok",
        binary: "grok",
        verified: true,
        env_keys: &["XAI_API_KEY", "GROK_DEPLOYMENT_KEY"],
        credential_files: grok_files,
        dotenv_files: no_files,
        hidden_credentials: false,
        status_command: None,
        install: (
            "xAI's Grok Build from npm (not the community grok-cli packages)",
            &["npm install -g @xai-official/grok"],
        ),
        login: (
            "Sign in, or export XAI_API_KEY",
            &["grok login --device-auth", "grok login --oauth"],
        ),
    },
    Backend {
        provider: "mistral",
        binary: "vibe",
        verified: true,
        env_keys: &["MISTRAL_API_KEY"],
        credential_files: no_files,
        dotenv_files: vibe_dotenv,
        hidden_credentials: true,
        status_command: None,
        install: (
            "Mistral Vibe from PyPI (Python 3.12 or later)",
            &["uv tool install mistral-vibe", "pip install mistral-vibe"],
        ),
        login: (
            "Export MISTRAL_API_KEY, or run the setup",
            &["vibe --setup"],
        ),
    },
];
