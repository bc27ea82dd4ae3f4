//! The `fake-agent` program: one binary that behaves as `claude`, `codex`, `gemini`, `agy`, `grok`
//! or `vibe` (by `basename(argv[0])` or `FAKE_AGENT_AS`), parses the flags the real CLI has,
//! reads the prompt where the real CLI would, and answers in that CLI's real output format.
//! Its behaviour is steered by the `FAKE_AGENT_*` variables of docs/interfaces.md.
//!
//! Deliberately std-only (plus libc and serde_json): no async runtime, quick to start, so
//! benchmarks measure the gateway and not the fake.

pub mod args;
pub mod controls;
pub mod output;
pub mod plan;

mod agy;
mod claude;
mod codex;
mod gemini;
mod grok;
mod run;
mod vibe;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use args::{ArgError, Opt, Parsed};
use plan::Rejection;

pub use run::main;

/// The argv[1] that turns the binary into a plain sleeper (the grandchild it spawns).
pub const SLEEP_MODE_ARG: &str = "__fake-agent-sleep";

/// The CLIs the fake can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    Claude,
    Codex,
    Gemini,
    Agy,
    Grok,
    Vibe,
}

impl Persona {
    pub const ALL: [Persona; 6] = [
        Persona::Claude,
        Persona::Codex,
        Persona::Gemini,
        Persona::Agy,
        Persona::Grok,
        Persona::Vibe,
    ];

    pub fn from_name(name: &str) -> Option<Persona> {
        Persona::ALL
            .into_iter()
            .find(|persona| persona.name() == name)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Persona::Claude => "claude",
            Persona::Codex => "codex",
            Persona::Gemini => "gemini",
            Persona::Agy => "agy",
            Persona::Grok => "grok",
            Persona::Vibe => "vibe",
        }
    }

    /// The `--version` line of the real CLI.
    pub const fn version_line(self) -> &'static str {
        match self {
            Persona::Claude => claude::VERSION,
            Persona::Codex => codex::VERSION,
            Persona::Gemini => gemini::VERSION,
            Persona::Agy => agy::VERSION,
            Persona::Grok => grok::VERSION,
            Persona::Vibe => vibe::VERSION,
        }
    }
}

/// What the personas may look at besides argv.
#[derive(Debug, Clone)]
pub struct Context {
    pub cwd: PathBuf,
    pub is_root: bool,
    pub env: BTreeMap<String, String>,
}

impl Context {
    pub fn from_process() -> Context {
        use std::os::unix::fs::MetadataExt;
        Context {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            is_root: std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0),
            env: std::env::vars().collect(),
        }
    }

    pub fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }

    /// `path` relative to the working directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        self.cwd.join(path)
    }

    pub fn vibe_home(&self) -> PathBuf {
        self.env("VIBE_HOME").map_or_else(
            || Path::new(&self.env("HOME").unwrap_or_default()).join(".vibe"),
            PathBuf::from,
        )
    }
}

fn parse_or_reject(
    args: &[String],
    table: &[Opt],
    reject: impl Fn(ArgError) -> Rejection,
) -> Result<Parsed, Rejection> {
    args::parse(args, table, false)
        .map(|(parsed, _)| parsed)
        .map_err(reject)
}

/// Whether one of `flags` appears before any `--`.
fn flag_before_dash_dash(args: &[String], flags: &[&str]) -> bool {
    args.iter()
        .take_while(|arg| *arg != "--")
        .any(|arg| flags.contains(&arg.as_str()))
}

/// Canonical 8-4-4-4-12 hex.
pub fn is_uuid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn epoch_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// An RFC 3339 UTC timestamp with milliseconds, as the CLIs print them.
fn timestamp() -> String {
    let millis = epoch_millis();
    let (days, rest) = (millis / 86_400_000, millis % 86_400_000);
    let (year, month, day) = civil_from_days(days as i64);
    let (hour, minute, second, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_778), (2026, 11, 21));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn personas_round_trip() {
        for persona in Persona::ALL {
            assert_eq!(Persona::from_name(persona.name()), Some(persona));
        }
        assert_eq!(Persona::from_name("cursor"), None);
    }
}
