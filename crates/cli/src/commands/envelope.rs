//! The `--json` envelope every command prints: `{schema, ok, data, error, meta}`. `data` when
//! `ok`, `error` (a stable `code`, a `message`, a `hint`) when not, and `meta` always: the
//! gateway version, the store read, when it was printed, and for lists `count` and `truncated`.
//!
//! Every failure under `--json` is an envelope, clap's usage errors included (kind `error`,
//! exit 2), so a script never has to parse text. Kinds are `llm-cli-gateway.v1.<kind>`; their
//! JSON Schemas are derived from these very types (see `schema.rs`).

use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Serialize;

use super::output::Style;

/// Exit codes every command uses: 1 failure, 2 usage error, 3 store not found.
pub(crate) const EXIT_FAILURE: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;
pub(crate) const EXIT_NO_STORE: u8 = 3;

/// Prefix of every envelope's `schema`.
pub(crate) const SCHEMA_PREFIX: &str = "llm-cli-gateway.v1.";

/// The `--json` document.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct Envelope<T> {
    /// `llm-cli-gateway.v1.<kind>`; the kind names the shape of `data`.
    pub(crate) schema: String,
    pub(crate) ok: bool,
    pub(crate) data: Option<T>,
    pub(crate) error: Option<ErrorBody>,
    pub(crate) meta: Meta,
}

/// Why a command failed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ErrorBody {
    /// Stable code: `usage_error`, `store_not_found`, `store_error`, `not_found`, `ambiguous`,
    /// `already_finished`, `invalid_argument`, `budget_exceeded`, `io_error`, `failed` …
    pub(crate) code: String,
    pub(crate) message: String,
    /// What to do about it.
    pub(crate) hint: String,
}

/// About the envelope itself.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct Meta {
    /// The gateway version that printed it.
    pub(crate) version: String,
    /// The database the command read, when it reads one.
    pub(crate) store: Option<String>,
    /// When it was printed (RFC 3339, UTC).
    pub(crate) generated_at: String,
    /// Lists: how many rows `data` holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) count: Option<u64>,
    /// Lists: whether more rows matched than were printed (raise `--limit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) truncated: Option<bool>,
}

/// What a `data` type tells `meta`: lists override both.
pub(crate) trait EnvelopeData {
    fn count(&self) -> Option<usize> {
        None
    }
    fn truncated(&self) -> Option<bool> {
        None
    }
}

impl EnvelopeData for () {}

/// The store this command resolved, for `meta.store` (set once, by `output::db_path`).
static STORE: OnceLock<String> = OnceLock::new();

pub(crate) fn note_store(location: &gateway_store::Location) {
    let _ = STORE.set(location.shown());
}

impl Meta {
    pub(crate) fn now(count: Option<usize>, truncated: Option<bool>) -> Meta {
        Meta {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            store: STORE.get().cloned(),
            generated_at: rfc3339(gateway_store::now_ms()),
            count: count.map(|count| count as u64),
            truncated,
        }
    }
}

/// `2026-12-02T14:11:52.123Z`.
fn rfc3339(ms: i64) -> String {
    let text = super::output::timestamp(ms).replacen(' ', "T", 1);
    format!("{text}.{:03}Z", ms.rem_euclid(1_000))
}

/// A failure with its exit code.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    pub(crate) exit: u8,
}

impl Failure {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            hint: None,
            exit: EXIT_FAILURE,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_exit(mut self, exit: u8) -> Failure {
        self.exit = exit;
        self
    }

    fn body(&self) -> ErrorBody {
        let hint = self.hint.clone().unwrap_or_else(|| {
            match self.code {
                "not_found" | "ambiguous" => "`llm-cli-gateway jobs list` shows the recent ids",
                "store_not_found" => {
                    "start the gateway once, or point --db / LLM_GATEWAY_LOGS_DB at its database"
                }
                "store_error" => "run `llm-cli-gateway doctor` to check the store",
                "io_error" => "check that stdout is writable and the disk has room",
                _ => "run the command with --help for its usage",
            }
            .to_owned()
        });
        ErrorBody {
            code: self.code.to_owned(),
            message: self.message.clone(),
            hint,
        }
    }
}

impl From<gateway_store::StoreError> for Failure {
    fn from(error: gateway_store::StoreError) -> Failure {
        Failure::new("store_error", error.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Failure {
        let code = if error.kind() == std::io::ErrorKind::BrokenPipe {
            BROKEN_PIPE
        } else {
            "io_error"
        };
        Failure::new(code, error.to_string())
    }
}

/// The reader of stdout went away (`… | head`): not worth a word.
const BROKEN_PIPE: &str = "broken_pipe";

/// The full `schema` value of a kind.
pub(crate) fn schema_name(kind: &str) -> String {
    format!("{SCHEMA_PREFIX}{kind}")
}

/// The envelope of a result.
pub(crate) fn envelope<'a, T: EnvelopeData>(
    kind: &str,
    result: Result<&'a T, &Failure>,
) -> Envelope<&'a T> {
    match result {
        Ok(data) => Envelope {
            schema: schema_name(kind),
            ok: true,
            data: Some(data),
            error: None,
            meta: Meta::now(data.count(), data.truncated()),
        },
        Err(failure) => Envelope {
            schema: schema_name(kind),
            ok: false,
            data: None,
            error: Some(failure.body()),
            meta: Meta::now(None, None),
        },
    }
}

/// One envelope on one line.
pub(crate) fn envelope_line<T: Serialize + EnvelopeData>(
    kind: &str,
    result: Result<&T, &Failure>,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&envelope(kind, result))
}

/// Writes one NDJSON envelope and flushes (follow modes).
pub(crate) fn emit_json<T: Serialize + EnvelopeData>(kind: &str, data: &T) -> Result<(), Failure> {
    let line = envelope_line(kind, Ok(data))
        .map_err(|error| Failure::new("io_error", error.to_string()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}

/// Ends a command: prints the data (as an envelope or through `human`) or the failure, and
/// maps to the exit code.
pub(crate) fn finish<T: Serialize + EnvelopeData>(
    kind: &str,
    json: bool,
    result: Result<T, Failure>,
    human: impl FnOnce(&T, &Style) -> String,
) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match (&result, json) {
        (Ok(data), true) => writeln!(stdout, "{}", envelope_line(kind, Ok(data))?)?,
        (Ok(data), false) => write!(stdout, "{}", human(data, &Style::detect()))?,
        (Err(failure), _) => return fail(kind, json, failure),
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a failure (an envelope under `--json`, else a line on stderr); its exit code.
pub(crate) fn fail(kind: &str, json: bool, failure: &Failure) -> anyhow::Result<ExitCode> {
    if failure.code == BROKEN_PIPE {
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", envelope_line::<()>(kind, Err(failure))?)?;
        stdout.flush()?;
    } else {
        let hint = failure
            .hint
            .as_ref()
            .map_or_else(String::new, |hint| format!("\nhint: {hint}"));
        let _ = writeln!(std::io::stderr().lock(), "error: {}{hint}", failure.message);
    }
    Ok(ExitCode::from(failure.exit))
}

/// Whether the command line asks for JSON (read before clap has parsed it, or when it failed).
pub(crate) fn wants_json() -> bool {
    std::env::args_os().skip(1).any(|arg| arg == "--json")
}

/// A command line clap refused: under `--json` an `error` envelope, else clap's own text;
/// help and `--version` print as usual.
pub(crate) fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let informational = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if informational || !wants_json() {
        let _ = error.print();
        return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE));
    }
    let text = error.render().to_string();
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let message = lines
        .next()
        .unwrap_or("invalid command line")
        .trim_start_matches("error: ")
        .to_owned();
    let hint = lines.map(str::trim).collect::<Vec<_>>().join(" ");
    let failure = Failure::new("usage_error", message)
        .with_hint(hint)
        .with_exit(EXIT_USAGE);
    fail("error", true, &failure).unwrap_or(ExitCode::from(EXIT_USAGE))
}

/// An error no command turned into a failure: an `error` envelope under `--json`.
pub(crate) fn internal_error(error: &anyhow::Error) -> ExitCode {
    let failure = Failure::new("failed", format!("{error:#}"))
        .with_hint("run `llm-cli-gateway doctor` to check the setup; RUST_LOG=debug shows more");
    fail("error", wants_json(), &failure).unwrap_or(ExitCode::FAILURE)
}
