//! The fake's main flow: persona → controls → version probe or plan → prompt → log line →
//! timing behaviours → rendered output → exit code.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::controls::Controls;
use super::output::{INVALID_UTF8, LineWriter, filler_chunks};
use super::plan::{Answer, Plan, PromptSource, Rejection, Rendered, SessionRequest};
use super::{Context, Persona, SLEEP_MODE_ARG, agy, claude, codex, gemini, grok, vibe};

/// How long the grandchild sleeps unless `FAKE_AGENT_GRANDCHILD_SECS` says otherwise.
const GRANDCHILD_SECS: u64 = 600;
/// How long `FAKE_AGENT_CLOSE_STDOUT` keeps running unless `FAKE_AGENT_HANG_AFTER_MS` says.
const CLOSE_STDOUT_HANG_MS: u64 = 30_000;

/// Runs the fake and returns its exit code.
pub fn main() -> i32 {
    let argv: Vec<OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|arg| arg == SLEEP_MODE_ARG) {
        return sleep_mode(argv.get(2));
    }
    let program = argv
        .first()
        .map(|arg| arg.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = std::env::var("FAKE_AGENT_AS").ok().unwrap_or_else(|| {
        Path::new(&program)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let Some(persona) = Persona::from_name(&name) else {
        let _ = writeln!(
            std::io::stderr(),
            "fake-agent: run me as claude, codex, gemini, agy, grok or vibe (a symlink), or set FAKE_AGENT_AS"
        );
        return 2;
    };
    let args: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let controls = Controls::from_env(persona.name());
    if controls.flag("IGNORE_SIGTERM") {
        sys::set_sigterm_ignored(true);
    }
    let context = Context::from_process();
    let mut record = Record {
        persona,
        program,
        args,
        context: &context,
        fields: LogFields::default(),
    };
    if is_version_request(persona, &record.args) {
        return version(persona, &controls, &mut record);
    }
    match prepare(persona, &record.args, &context) {
        Ok((plan, prompt, stdin)) => run(persona, &controls, &mut record, &plan, prompt, stdin),
        Err((rejection, stdin)) => {
            record.fields.stdin = stdin;
            record.fields.kind = "rejected";
            record.fields.exit_code = controls
                .number("EXIT_CODE")
                .map_or(rejection.code, |code| code as i32);
            record.write(&controls);
            let _ = std::io::stdout().write_all(rejection.stdout.as_bytes());
            let _ = std::io::stderr().write_all(rejection.stderr.as_bytes());
            record.fields.exit_code
        }
    }
}

fn is_version_request(persona: Persona, args: &[String]) -> bool {
    match persona {
        Persona::Claude => claude::is_version_request(args),
        Persona::Codex => codex::is_version_request(args),
        Persona::Gemini => gemini::is_version_request(args),
        Persona::Agy => agy::is_version_request(args),
        Persona::Grok => grok::is_version_request(args),
        Persona::Vibe => vibe::is_version_request(args),
    }
}

fn version(persona: Persona, controls: &Controls, record: &mut Record<'_>) -> i32 {
    if let Some(pause) = controls.millis("VERSION_SLEEP_MS") {
        std::thread::sleep(pause);
    }
    record.fields.kind = "version";
    record.fields.exit_code = controls.number("EXIT_CODE").map_or(0, |code| code as i32);
    record.write(controls);
    let line = controls
        .get("VERSION")
        .unwrap_or(persona.version_line())
        .to_owned();
    let _ = writeln!(std::io::stdout(), "{line}");
    record.fields.exit_code
}

type Prepared = (Plan, String, Option<String>);

/// Parses argv and reads the prompt; a rejection carries what stdin held, if it was read.
fn prepare(
    persona: Persona,
    args: &[String],
    context: &Context,
) -> Result<Prepared, (Rejection, Option<String>)> {
    let plan = match persona {
        Persona::Claude => claude::plan(args, context),
        Persona::Codex => codex::plan(args, context),
        Persona::Gemini => gemini::plan(args, context),
        Persona::Agy => agy::plan(args),
        Persona::Grok => grok::plan(args),
        Persona::Vibe => vibe::plan(args, context),
    }
    .map_err(|rejection| (rejection, None))?;
    let (raw, stdin) = read_prompt(&plan.prompt, context).map_err(|rejection| (rejection, None))?;
    let checked = match persona {
        Persona::Claude => claude::check_prompt(&raw).map(|()| raw),
        Persona::Codex => codex::check_prompt(&raw).map(|()| raw),
        Persona::Gemini => gemini::check_prompt(&plan, &raw).map(|()| raw),
        Persona::Agy => agy::check_prompt(&raw).map(|()| raw),
        Persona::Grok => grok::finish_prompt(&plan.prompt, raw),
        Persona::Vibe => vibe::check_prompt(&raw).map(|()| raw),
    };
    match checked {
        Ok(prompt) => Ok((plan, prompt, stdin)),
        Err(rejection) => Err((rejection, stdin)),
    }
}

/// Reads the prompt from where the argv says; returns it and what stdin held (if read).
fn read_prompt(
    source: &PromptSource,
    context: &Context,
) -> Result<(String, Option<String>), Rejection> {
    match source {
        PromptSource::Arg(text) => Ok((text.clone(), None)),
        PromptSource::ArgThenStdin(text) => {
            let stdin = read_stdin_unless_terminal();
            let prompt = match stdin.as_deref() {
                Some(piped) if !piped.is_empty() => format!("{piped}\n\n{text}"),
                _ => text.clone(),
            };
            Ok((prompt, stdin))
        }
        PromptSource::Stdin => {
            let stdin = read_stdin_unless_terminal();
            Ok((stdin.clone().unwrap_or_default(), stdin))
        }
        PromptSource::File(path) => {
            let path = context.cwd.join(path);
            std::fs::read(&path)
                .map(|bytes| (String::from_utf8_lossy(&bytes).into_owned(), None))
                .map_err(|error| {
                    Rejection::stderr(
                        format!(
                            "Error: failed to read prompt file {}: {error}",
                            path.display()
                        ),
                        1,
                    )
                })
        }
    }
}

fn read_stdin_unless_terminal() -> Option<String> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return None;
    }
    let mut bytes = Vec::new();
    let _ = stdin.read_to_end(&mut bytes);
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn run(
    persona: Persona,
    controls: &Controls,
    record: &mut Record<'_>,
    plan: &Plan,
    prompt: String,
    stdin: Option<String>,
) -> i32 {
    let answer = answer(persona, controls, plan, prompt, &record.context.cwd);
    let auth_failure = controls.flag("AUTH_FAILURE");
    let rendered = if auth_failure {
        fail_auth(persona, plan, &answer, record.context)
    } else {
        render(persona, plan, &answer)
    };
    let exit_code = controls
        .number("EXIT_CODE")
        .map_or(rendered.code, |code| code as i32);
    if controls.flag("GRANDCHILD") {
        record.fields.grandchild_pid = spawn_grandchild(controls);
    }
    record.fields = LogFields {
        kind: if auth_failure { "auth_failure" } else { "run" },
        stdin,
        prompt: Some(answer.prompt.clone()),
        format: Some(plan.format.clone()),
        model: plan.model.clone(),
        session_id: Some(answer.session_id),
        exit_code,
        grandchild_pid: record.fields.grandchild_pid,
    };
    record.write(controls);
    if controls.flag("HANG") {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    emit(controls, &rendered);
    if controls.flag("CLOSE_STDOUT") {
        sys::close_stdout();
        std::thread::sleep(
            controls
                .millis("HANG_AFTER_MS")
                .unwrap_or(Duration::from_millis(CLOSE_STDOUT_HANG_MS)),
        );
    }
    exit_code
}

/// Writes stderr, pauses, writes stdout lines (paced or buffered), then the side file.
fn emit(controls: &Controls, rendered: &Rendered) {
    let mut stderr = std::io::stderr();
    if let Some(text) = controls.get("STDERR") {
        let _ = writeln!(stderr, "{text}");
    }
    if let Some(pause) = controls.millis("SLEEP_BEFORE_MS") {
        std::thread::sleep(pause);
    }
    let _ = stderr.write_all(rendered.stderr.as_bytes());
    let mut writer = LineWriter::new(
        controls.millis("SLEEP_BETWEEN_MS"),
        controls.flag("SILENT_UNTIL_EXIT"),
    );
    for line in &rendered.stdout {
        if writer.line(line).is_err() {
            break; // the reader went away; a real CLI would die of SIGPIPE here
        }
    }
    let _ = writer.finish();
    if let Some((path, contents)) = &rendered.file {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            let _ = std::fs::create_dir_all(parent);
        }
        let mut bytes = Vec::new();
        let _ = super::output::write_line(&mut bytes, contents);
        let _ = std::fs::write(path, bytes);
    }
}

fn answer(
    persona: Persona,
    controls: &Controls,
    plan: &Plan,
    prompt: String,
    cwd: &Path,
) -> Answer {
    let mut text = controls
        .get("RESPONSE")
        .map_or_else(|| format!("fake {} answer", persona.name()), str::to_owned);
    if controls.flag("INVALID_UTF8") {
        text = format!("{text} {INVALID_UTF8}");
    }
    let plain = matches!(plan.format.as_str(), "text" | "plain");
    let mut chunks = filler_chunks(controls.number("OUTPUT_BYTES").unwrap_or(0) as usize, plain);
    chunks.push(text);
    let session_id = controls
        .get("SESSION_ID")
        .map(str::to_owned)
        .unwrap_or_else(|| match &plan.session {
            SessionRequest::NewWithId(id) | SessionRequest::Resume(id) => id.clone(),
            SessionRequest::Fresh | SessionRequest::ResumeLatest | SessionRequest::Fork => {
                match persona {
                    Persona::Codex | Persona::Grok => uuid::Uuid::now_v7().to_string(),
                    Persona::Claude | Persona::Gemini | Persona::Agy | Persona::Vibe => {
                        uuid::Uuid::new_v4().to_string()
                    }
                }
            }
        });
    let default_model = match persona {
        Persona::Claude => claude::default_model(),
        Persona::Codex => codex::default_model(),
        Persona::Gemini => gemini::default_model(),
        Persona::Agy => agy::default_model(),
        Persona::Grok => grok::default_model(),
        Persona::Vibe => vibe::default_model(),
    };
    Answer {
        chunks,
        session_id,
        model: plan
            .model
            .clone()
            .unwrap_or_else(|| default_model.to_owned()),
        prompt,
        cwd: cwd.display().to_string(),
    }
}

fn render(persona: Persona, plan: &Plan, answer: &Answer) -> Rendered {
    match persona {
        Persona::Claude => claude::render(plan, answer),
        Persona::Codex => codex::render(plan, answer),
        Persona::Gemini => gemini::render(plan, answer, plan.model.as_deref()),
        Persona::Agy => agy::render(answer),
        Persona::Grok => grok::render(plan, answer),
        Persona::Vibe => vibe::render(plan, answer),
    }
}

fn fail_auth(persona: Persona, plan: &Plan, answer: &Answer, context: &Context) -> Rendered {
    match persona {
        Persona::Claude => claude::auth_failure(plan, answer),
        Persona::Codex => codex::auth_failure(plan, answer),
        Persona::Gemini => gemini::auth_failure(plan, context),
        Persona::Agy => agy::auth_failure(),
        Persona::Grok => grok::auth_failure(plan),
        Persona::Vibe => vibe::auth_failure(plan, answer),
    }
}

/// Re-executes this binary as a sleeper that inherits stdout/stderr (so it keeps the pipes
/// open) and outlives this process. No shell involved.
fn spawn_grandchild(controls: &Controls) -> Option<u32> {
    let exe = std::env::current_exe().ok()?;
    let secs = controls
        .number("GRANDCHILD_SECS")
        .unwrap_or(GRANDCHILD_SECS);
    std::process::Command::new(exe)
        .arg(SLEEP_MODE_ARG)
        .arg(secs.to_string())
        .stdin(std::process::Stdio::null())
        .spawn()
        .ok()
        .map(|child| child.id())
}

fn sleep_mode(secs: Option<&OsString>) -> i32 {
    sys::set_sigterm_ignored(false);
    let secs = secs
        .and_then(|secs| secs.to_str())
        .and_then(|secs| secs.parse().ok())
        .unwrap_or(GRANDCHILD_SECS);
    std::thread::sleep(Duration::from_secs(secs));
    0
}

/// The per-run fields of the log line.
#[derive(Debug, Default)]
struct LogFields {
    kind: &'static str,
    stdin: Option<String>,
    prompt: Option<String>,
    format: Option<String>,
    model: Option<String>,
    session_id: Option<String>,
    exit_code: i32,
    grandchild_pid: Option<u32>,
}

struct Record<'a> {
    persona: Persona,
    program: String,
    args: Vec<String>,
    context: &'a Context,
    fields: LogFields,
}

impl Record<'_> {
    /// Appends one JSON line to `FAKE_AGENT_LOG` (one `write` on an `O_APPEND` file, so lines
    /// from concurrent fakes do not interleave).
    fn write(&self, controls: &Controls) {
        let Some(path) = controls.get("LOG") else {
            return;
        };
        let fields = &self.fields;
        let mut line = json!({
            "name": self.persona.name(),
            "program": self.program,
            "argv": self.args,
            "stdin": fields.stdin,
            "cwd": self.context.cwd,
            "env": self.context.env,
            "pid": std::process::id(),
            "prompt": fields.prompt,
            "kind": fields.kind,
            "format": fields.format,
            "model": fields.model,
            "session_id": fields.session_id,
            "exit_code": fields.exit_code,
        });
        if let (Some(pid), Value::Object(map)) = (fields.grandchild_pid, &mut line) {
            map.insert("grandchild_pid".to_owned(), json!(pid));
        }
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        if let Ok(mut file) = file {
            let _ = file.write_all(&bytes);
        }
    }
}

/// The few libc calls the fake needs.
mod sys {
    /// Ignores SIGTERM (or restores the default), so cancellation must escalate to SIGKILL.
    #[expect(
        unsafe_code,
        reason = "signal(2) has no safe std wrapper; SIG_IGN/SIG_DFL install no handler code"
    )]
    pub(super) fn set_sigterm_ignored(ignored: bool) {
        let disposition = if ignored {
            libc::SIG_IGN
        } else {
            libc::SIG_DFL
        };
        // SAFETY: installs a predefined disposition, no Rust handler runs in signal context.
        unsafe {
            libc::signal(libc::SIGTERM, disposition);
        }
    }

    /// Closes fd 1 so the reader sees EOF while this process keeps running.
    #[expect(
        unsafe_code,
        reason = "std cannot close the process's stdout descriptor"
    )]
    pub(super) fn close_stdout() {
        // SAFETY: fd 1 is not used again; later writes through std would fail with EBADF, which
        // the callers ignore.
        unsafe {
            libc::close(1);
        }
    }
}
