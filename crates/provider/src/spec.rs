//! [`CommandSpec`]: everything `gateway-jobs` needs to run a CLI, and nothing it must discover.

use std::collections::BTreeMap;
use std::fmt;

use gateway_core::ProviderId;
use serde::{Deserialize, Serialize};

use crate::request::RunRequest;

/// Stand-in in `args` for the path of the prompt file that `gateway-jobs` writes (0600, inside
/// the job's private directory) when [`CommandSpec::prompt_file`] is set. Contains a NUL so it
/// can never collide with a caller value (callers' NULs are rejected).
pub const PROMPT_FILE_PLACEHOLDER: &str = "\u{0}gw-prompt-file\u{0}";

/// Stand-in in `args` and [`CommandSpec::export_file`] for a private 0700 directory that
/// `gateway-jobs` makes for the job (and removes afterwards) for the CLI to write its export
/// into. NUL-delimited like [`PROMPT_FILE_PLACEHOLDER`], so it can never be caller text.
pub const OUTPUT_DIR_PLACEHOLDER: &str = "\u{0}gw-output-dir\u{0}";

/// How [`CommandSpec::display_args`] shows [`OUTPUT_DIR_PLACEHOLDER`].
const OUTPUT_DIR_MARKER: &str = "<job output dir>";

/// How the prompt reaches the CLI; shown in dry runs and recorded with the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptVia {
    /// Written to the child's stdin, then stdin is closed.
    Stdin,
    /// Written to a 0600 file whose path replaces [`PROMPT_FILE_PLACEHOLDER`] in `args`.
    File,
    /// Inside `args` (after `--`, or as an attached `--prompt=…` value).
    Argv,
}

impl PromptVia {
    pub const fn as_str(self) -> &'static str {
        match self {
            PromptVia::Stdin => "stdin",
            PromptVia::File => "file",
            PromptVia::Argv => "argv",
        }
    }
}

/// A planned command. No shell is ever involved: `program` is looked up on `PATH` and `args`
/// are passed as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    pub provider: ProviderId,
    /// Executable name (`claude`, `codex`, `gemini`, `agy`, `grok`, `vibe`).
    pub program: String,
    pub args: Vec<String>,
    /// Variables added to the inherited environment (e.g. `VIBE_ACTIVE_MODEL`).
    pub env: BTreeMap<String, String>,
    /// Variables to remove from the inherited environment for this CLI.
    pub env_remove: Vec<String>,
    /// Explicit working directory from the caller; `None` lets the job engine make a temp dir.
    pub cwd: Option<String>,
    /// Bytes for stdin; `None` means stdin is null. Either way the child sees EOF.
    pub stdin: Option<String>,
    /// Contents of the prompt file, when [`PromptVia::File`].
    pub prompt_file: Option<String>,
    pub prompt_via: PromptVia,
    /// Size of the prompt in bytes (for dry runs and the flight recorder).
    pub prompt_bytes: usize,
    /// The output format the argv asks for; selects the parser.
    pub output_format: String,
    /// A file the CLI writes with what its stdout lacks (usage, cost, a structured error). The
    /// engine reads it after exit (size-capped; a missing or bad file is only logged) and
    /// merges it with [`crate::apply_export`]. A path that starts with
    /// [`OUTPUT_DIR_PLACEHOLDER`] lives in the job's private output directory.
    pub export_file: Option<String>,
}

impl CommandSpec {
    /// A command with no prompt, no environment changes and no working directory; builders
    /// add what their CLI needs with the `for_request` and `with_*` methods.
    pub fn new(
        provider: ProviderId,
        program: impl Into<String>,
        args: Vec<String>,
        output_format: impl Into<String>,
    ) -> Self {
        CommandSpec {
            provider,
            program: program.into(),
            args,
            env: BTreeMap::new(),
            env_remove: Vec::new(),
            cwd: None,
            stdin: None,
            prompt_file: None,
            prompt_via: PromptVia::Argv,
            prompt_bytes: 0,
            output_format: output_format.into(),
            export_file: None,
        }
    }

    /// Sends `prompt` as `via` says: its text becomes stdin or the prompt file; with
    /// [`PromptVia::Argv`] the builder has already put it in `args`.
    pub fn with_prompt(mut self, prompt: &str, via: PromptVia) -> Self {
        self.stdin = (via == PromptVia::Stdin).then(|| prompt.to_owned());
        self.prompt_file = (via == PromptVia::File).then(|| prompt.to_owned());
        self.prompt_via = via;
        self.prompt_bytes = prompt.len();
        self
    }

    /// The request's prompt (sent as `via`) and its working directory.
    pub fn for_request(self, request: &RunRequest, via: PromptVia) -> Self {
        let mut spec = self.with_prompt(&request.prompt, via);
        spec.cwd.clone_from(&request.working_dir);
        spec
    }

    /// Adds `key=value` to the child's environment.
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// The argv with the prompt hidden, as dry runs show it and the store records it:
    /// the prompt becomes `<prompt: N bytes via stdin|file|argv>`, the private output
    /// directory `<job output dir>`.
    pub fn display_args(&self, prompt: &str) -> Vec<String> {
        let marker = format!(
            "<prompt: {} bytes via {}>",
            self.prompt_bytes,
            self.prompt_via.as_str()
        );
        self.args
            .iter()
            .map(|arg| {
                if arg == PROMPT_FILE_PLACEHOLDER {
                    marker.clone()
                } else if arg.contains(OUTPUT_DIR_PLACEHOLDER) {
                    arg.replace(OUTPUT_DIR_PLACEHOLDER, OUTPUT_DIR_MARKER)
                } else if !prompt.is_empty() && arg.contains(prompt) {
                    arg.replace(prompt, &marker)
                } else {
                    arg.clone()
                }
            })
            .collect()
    }
}

impl fmt::Display for CommandSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.program)?;
        for arg in &self.args {
            write!(f, " {arg:?}")?;
        }
        Ok(())
    }
}
