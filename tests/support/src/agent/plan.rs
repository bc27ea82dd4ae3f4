//! What a persona decides from its argv ([`Plan`]), what it refuses ([`Rejection`]), and what it
//! prints ([`Rendered`]). Shared by the six persona modules.

use std::path::PathBuf;

use serde_json::Value;

/// Where the real CLI would read the prompt from, given its argv.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptSource {
    /// A value in argv.
    Arg(String),
    /// A value in argv, plus stdin appended when stdin is not a terminal (gemini `-p`).
    ArgThenStdin(String),
    /// All of stdin.
    Stdin,
    /// A file named in argv.
    File(PathBuf),
}

/// The session the argv asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRequest {
    Fresh,
    NewWithId(String),
    Resume(String),
    ResumeLatest,
    /// Resume then fork: a new id.
    Fork,
}

/// A successfully parsed invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The output format, spelled as the CLI spells it.
    pub format: String,
    pub prompt: PromptSource,
    pub model: Option<String>,
    pub session: SessionRequest,
    /// claude `--verbose`.
    pub verbose: bool,
    /// claude `--include-partial-messages`.
    pub partial: bool,
    /// A file the CLI writes besides stdout (codex `-o FILE`, vibe `--output-dir DIR/export.json`).
    pub side_file: Option<PathBuf>,
}

impl Plan {
    pub fn new(format: &str, prompt: PromptSource) -> Plan {
        Plan {
            format: format.to_owned(),
            prompt,
            model: None,
            session: SessionRequest::Fresh,
            verbose: false,
            partial: false,
            side_file: None,
        }
    }
}

/// The CLI refuses its argv or input: what it prints and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Rejection {
    pub fn stderr(message: impl Into<String>, code: i32) -> Rejection {
        let mut stderr = message.into();
        if !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        Rejection {
            stdout: String::new(),
            stderr,
            code,
        }
    }
}

/// The answer the persona renders.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Text pieces in order; filler pieces are markers expanded by the writer.
    pub chunks: Vec<String>,
    pub session_id: String,
    pub model: String,
    pub prompt: String,
    pub cwd: String,
}

impl Answer {
    /// The whole answer text (markers included).
    pub fn text(&self) -> String {
        self.chunks.concat()
    }
}

/// Everything a persona prints for one run.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// stdout lines, without their newline; JSON values are serialized compactly.
    pub stdout: Vec<String>,
    pub stderr: String,
    pub code: i32,
    /// A file to write (path, contents).
    pub file: Option<(PathBuf, String)>,
}

impl Rendered {
    pub fn lines(stdout: Vec<String>) -> Rendered {
        Rendered {
            stdout,
            ..Rendered::default()
        }
    }

    pub fn json_lines(values: Vec<Value>) -> Rendered {
        Rendered::lines(values.iter().map(Value::to_string).collect())
    }
}

/// Pretty JSON as the CLIs print it (two-space indent).
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
