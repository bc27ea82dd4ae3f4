//! Provider checks: on `PATH`?, `--version`, login evidence, config facts, guidance.
//!
//! Split in two so the slow part runs in parallel: [`locate`] does the quick filesystem work
//! (PATH lookup, credential files, config files) and says which commands to run; the caller
//! runs every probe at once through `gateway_jobs::probe`; [`assemble`] turns the answers into
//! [`ProviderCheck`]s.

use gateway_provider::gemini::GeminiBackend;
use std::path::PathBuf;

use gateway_jobs::probe::{ProbeCommand, ProbeResult, ProbeStatus};

use crate::checks::catalog::{BACKENDS, Backend};
use crate::options::DoctorOptions;
use crate::report::{Fact, Guidance, LoginCheck, LoginStatus, ProbeSummary, ProviderCheck, Status};

/// What the filesystem says about one backend, before any process runs.
#[derive(Debug)]
pub(crate) struct Located {
    backend: &'static Backend,
    path: Option<PathBuf>,
    evidence: Vec<String>,
    facts: Vec<Fact>,
}

impl Located {
    /// The `--version` probe, when installed.
    pub(crate) fn version_probe(&self) -> Option<ProbeCommand> {
        self.path.clone().map(ProbeCommand::version)
    }

    /// The CLI's own login-status command, when installed and it has one.
    pub(crate) fn status_probe(&self) -> Option<ProbeCommand> {
        let status = self.backend.status_command?;
        let program = self.path.clone()?;
        Some(ProbeCommand {
            program,
            args: status.args.iter().map(|arg| (*arg).to_owned()).collect(),
        })
    }
}

/// Looks every backend up on the options' `PATH` and gathers file-based facts.
pub(crate) fn locate(options: &DoctorOptions) -> Vec<Located> {
    BACKENDS
        .iter()
        .map(|backend| Located {
            backend,
            path: options.find_on_path(backend.binary),
            evidence: credential_evidence(backend, options),
            facts: config_facts(backend, options),
        })
        .collect()
}

/// Env keys (names only) and credential files that show a login.
fn credential_evidence(backend: &Backend, options: &DoctorOptions) -> Vec<String> {
    let mut evidence: Vec<String> = backend
        .env_keys
        .iter()
        .filter(|key| options.is_set(key))
        .map(|key| format!("env {key}"))
        .collect();
    for file in (backend.credential_files)(options) {
        if file.is_file() {
            evidence.push(format!("file {}", options.display(&file)));
        }
    }
    for file in (backend.dotenv_files)(options) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for key in backend
            .env_keys
            .iter()
            .filter(|key| dotenv_assigns(&text, key))
        {
            evidence.push(format!("file {} ({key})", options.display(&file)));
        }
    }
    evidence
}

/// Whether a `.env` text assigns a non-empty value to `key` (the value is never kept).
fn dotenv_assigns(text: &str, key: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start().trim_start_matches("export ").trim_start();
        line.strip_prefix(key)
            .and_then(|rest| rest.trim_start().strip_prefix('='))
            .is_some_and(|value| !value.trim().trim_matches(['"', '\'']).is_empty())
    })
}

/// Configuration facts that change how the gateway works with this CLI.
fn config_facts(backend: &Backend, options: &DoctorOptions) -> Vec<Fact> {
    match backend.binary {
        "vibe" => vec![vibe_session_logging(options)],
        "gemini" => gemini_auth_type(options).into_iter().collect(),
        "codex" if options.is_set("OPENAI_API_KEY") && !options.is_set("CODEX_API_KEY") => {
            vec![Fact {
                name: "OPENAI_API_KEY".into(),
                value: "set, but codex exec does not read it (CODEX_API_KEY or codex login does)"
                    .into(),
                status: Status::Info,
            }]
        }
        _ => Vec::new(),
    }
}

/// Vibe writes the session logs `--resume` needs unless `[session_logging] enabled = false`.
fn vibe_session_logging(options: &DoctorOptions) -> Fact {
    let path = options.dir_from("VIBE_HOME", ".vibe").join("config.toml");
    let shown = options.display(&path);
    let (value, status) = match std::fs::read_to_string(&path) {
        Err(_) => (format!("enabled (default; no {shown})"), Status::Ok),
        Ok(text) => match text.parse::<toml::Table>() {
            Err(error) => (
                format!(
                    "unknown: {shown} does not parse: {}",
                    first_line(&error.to_string())
                ),
                Status::Warn,
            ),
            Ok(table) => match table
                .get("session_logging")
                .and_then(|section| section.get("enabled"))
            {
                Some(toml::Value::Boolean(false)) => (
                    format!("disabled in {shown}: sessions cannot be resumed"),
                    Status::Warn,
                ),
                _ => (format!("enabled ({shown})"), Status::Ok),
            },
        },
    };
    Fact {
        name: "session logging".into(),
        value,
        status,
    }
}

/// The auth type chosen in `~/.gemini/settings.json` (`security.auth.selectedType`).
fn gemini_auth_type(options: &DoctorOptions) -> Option<Fact> {
    let path = options.home.join(".gemini/settings.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let settings: serde_json::Value = serde_json::from_str(&text).ok()?;
    let selected = settings.pointer("/security/auth/selectedType")?.as_str()?;
    Some(Fact {
        name: "auth type".into(),
        value: format!("{selected} ({})", options.display(&path)),
        status: Status::Ok,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Probe answers for one backend, matched up by the caller.
#[derive(Debug, Default)]
pub(crate) struct Answers {
    pub(crate) version: Option<ProbeResult>,
    pub(crate) status: Option<ProbeResult>,
}

/// Builds the checks from the located facts and the probe answers (same order as [`locate`]).
pub(crate) fn assemble(
    located: Vec<Located>,
    answers: Vec<Answers>,
    options: &DoctorOptions,
) -> Vec<ProviderCheck> {
    let mut checks: Vec<ProviderCheck> = located
        .into_iter()
        .zip(answers)
        .map(|(item, answers)| check(item, answers))
        .collect();
    select_gemini_backend(&mut checks, options);
    checks
}

fn check(located: Located, answers: Answers) -> ProviderCheck {
    let backend = located.backend;
    let usable = answers
        .version
        .as_ref()
        .is_some_and(|probe| probe.status == ProbeStatus::Ok);
    let login = login_check(
        backend,
        located.path.is_some(),
        located.evidence,
        answers.status.as_ref(),
    );
    let mut facts = located.facts;
    if backend.binary == "grok" {
        facts.extend(grok_identity(answers.version.as_ref()));
    }
    let status = provider_status(located.path.is_some(), usable, &login, &facts);
    ProviderCheck {
        provider: backend.provider,
        binary: backend.binary,
        verified: backend.verified,
        status,
        path: located.path.map(|path| path.display().to_string()),
        version: answers
            .version
            .as_ref()
            .and_then(|probe| probe.version.clone()),
        probe: answers.version.map(|probe| ProbeSummary {
            status: probe.status,
            duration_ms: probe.duration_ms,
            error: probe.error,
        }),
        usable,
        selected: None,
        login,
        facts,
        install: guidance(backend.install),
        login_guidance: guidance(backend.login),
    }
}

fn guidance((summary, commands): (&str, &[&str])) -> Guidance {
    Guidance {
        summary: summary.to_owned(),
        commands: commands.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The community `grok-cli` packages install a `grok` too; xAI's prints `grok <version> (…)`.
fn grok_identity(probe: Option<&ProbeResult>) -> Option<Fact> {
    let version = probe?.version.as_deref()?;
    if version.starts_with("grok ") {
        return None;
    }
    Some(Fact {
        name: "identity".into(),
        value: format!(
            "`grok --version` printed {version:?}: this looks like a community grok CLI, not xAI's Grok Build (@xai-official/grok)"
        ),
        status: Status::Warn,
    })
}

fn provider_status(installed: bool, usable: bool, login: &LoginCheck, facts: &[Fact]) -> Status {
    if !installed {
        return Status::Info;
    }
    if !usable {
        return Status::Error;
    }
    let fact_status = facts
        .iter()
        .map(|fact| fact.status)
        .max()
        .unwrap_or(Status::Ok);
    let login_status = match login.status {
        LoginStatus::Authenticated => Status::Ok,
        LoginStatus::NotAuthenticated | LoginStatus::Unknown | LoginStatus::NotChecked => {
            Status::Warn
        }
    };
    fact_status.max(login_status)
}

/// Decides the login status: the CLI's own status command wins, then env keys and files.
fn login_check(
    backend: &Backend,
    installed: bool,
    mut evidence: Vec<String>,
    status_probe: Option<&ProbeResult>,
) -> LoginCheck {
    if !installed {
        return LoginCheck {
            status: LoginStatus::NotChecked,
            evidence,
            detail: "not installed".into(),
        };
    }
    if let (Some(probe), Some(command)) = (status_probe, backend.status_command) {
        let shown = format!("{} {}", backend.binary, command.args.join(" "));
        if let Some(logged_in) = status_verdict(probe, command.json_field) {
            evidence.push(format!("command `{shown}`"));
            let (status, detail) = if logged_in {
                (
                    LoginStatus::Authenticated,
                    format!("`{shown}` reports a login"),
                )
            } else {
                (
                    LoginStatus::NotAuthenticated,
                    format!("`{shown}` reports no login"),
                )
            };
            return LoginCheck {
                status,
                evidence,
                detail,
            };
        }
    }
    if !evidence.is_empty() {
        let detail = format!("credentials found: {}", evidence.join(", "));
        return LoginCheck {
            status: LoginStatus::Authenticated,
            evidence,
            detail,
        };
    }
    if !backend.verified {
        let detail = format!(
            "{} is unverified; doctor cannot tell whether it is signed in",
            backend.binary
        );
        return LoginCheck {
            status: LoginStatus::Unknown,
            evidence,
            detail,
        };
    }
    if backend.hidden_credentials {
        let detail =
            "no API key or credential file found (a keychain login cannot be seen)".to_owned();
        return LoginCheck {
            status: LoginStatus::Unknown,
            evidence,
            detail,
        };
    }
    LoginCheck {
        status: LoginStatus::NotAuthenticated,
        evidence,
        detail: "no API key or credential file found".into(),
    }
}

/// Reads a status command's answer; `None` when it gave none (time-out, crash, unknown flag).
fn status_verdict(probe: &ProbeResult, json_field: Option<&str>) -> Option<bool> {
    if matches!(probe.status, ProbeStatus::TimedOut | ProbeStatus::NotFound) {
        return None;
    }
    match json_field {
        Some(field) => serde_json::from_str::<serde_json::Value>(probe.stdout.trim())
            .ok()?
            .get(field)?
            .as_bool(),
        None => match probe.exit_code? {
            0 => Some(true),
            1 => Some(false),
            // Usage errors (2) and the like say nothing about the login.
            _ => None,
        },
    }
}

/// Marks which gemini backend the gateway would run, by the rule the request tools use
/// ([`GeminiBackend::select`]), with "installed" meaning usable here. A forced value that is
/// not a backend leaves Gemini CLI selected (the request tools refuse it at start with a warning).
fn select_gemini_backend(checks: &mut [ProviderCheck], options: &DoctorOptions) {
    let usable = |binary: &str| checks.iter().any(|c| c.binary == binary && c.usable);
    let forced = options.var(gateway_core::env::GEMINI_BACKEND);
    let chosen = GeminiBackend::select(forced, usable)
        .unwrap_or(GeminiBackend::GeminiCli)
        .program();
    for check in checks.iter_mut().filter(|check| check.provider == "gemini") {
        check.selected = Some(check.binary == chosen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_assignments_are_detected_without_values() {
        let cases = [
            ("MISTRAL_API_KEY=abc\n", true),
            ("export MISTRAL_API_KEY = \"abc\"\n", true),
            ("MISTRAL_API_KEY=\n", false),
            ("MISTRAL_API_KEY=''\n", false),
            ("# MISTRAL_API_KEY=abc\n", false),
            ("OTHER=1\nMISTRAL_API_KEY_OLD=abc\n", false),
        ];
        for (text, expected) in cases {
            assert_eq!(
                dotenv_assigns(text, "MISTRAL_API_KEY"),
                expected,
                "{text:?}"
            );
        }
    }

    fn probe(status: ProbeStatus, exit_code: Option<i32>, stdout: &str) -> ProbeResult {
        ProbeResult {
            binary: "x".into(),
            status,
            version: None,
            exit_code,
            error: None,
            duration_ms: 1,
            stdout: stdout.into(),
        }
    }

    #[test]
    fn status_commands_are_read_by_exit_code_or_json_field() {
        let cases = [
            (
                probe(ProbeStatus::Ok, Some(0), "Logged in using ChatGPT"),
                None,
                Some(true),
            ),
            (
                probe(ProbeStatus::Failed, Some(1), "Not logged in"),
                None,
                Some(false),
            ),
            (
                probe(ProbeStatus::Failed, Some(2), "error: unexpected argument"),
                None,
                None,
            ),
            (probe(ProbeStatus::TimedOut, None, ""), None, None),
            (
                probe(ProbeStatus::Ok, Some(0), r#"{"loggedIn": true}"#),
                Some("loggedIn"),
                Some(true),
            ),
            (
                probe(ProbeStatus::Failed, Some(1), r#"{"loggedIn": false}"#),
                Some("loggedIn"),
                Some(false),
            ),
            (
                probe(ProbeStatus::Ok, Some(0), "not json"),
                Some("loggedIn"),
                None,
            ),
        ];
        for (result, field, expected) in cases {
            assert_eq!(status_verdict(&result, field), expected, "{result:?}");
        }
    }
}
