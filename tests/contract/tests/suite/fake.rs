//! The same argv tables, run through `fake-agent`: the fake must accept everything the builders
//! emit (other crates' tests drive the gateway with it) and receive the prompt intact. Needs no
//! real CLI.

use std::io::Write;
use std::process::{Command, Stdio};

use gateway_core::{ExitInfo, ProviderId};
use gateway_provider::spec::{OUTPUT_DIR_PLACEHOLDER, PROMPT_FILE_PLACEHOLDER};
use gateway_provider::{CommandSpec, RunRequest};
use gateway_test_support::FakeClis;

use super::{Fixtures, build};

fn run_on_fake(
    fakes: &FakeClis,
    fixtures: &Fixtures,
    case: &str,
    request: &RunRequest,
) -> Result<(), String> {
    let spec: CommandSpec = build(case, request);
    let mut args = spec.args.clone();
    if let Some(contents) = &spec.prompt_file {
        let path = fixtures.home.path().join("fake-prompt.txt");
        std::fs::write(&path, contents).unwrap();
        for arg in &mut args {
            if arg == PROMPT_FILE_PLACEHOLDER {
                *arg = path.display().to_string();
            }
        }
    }
    let mut export_file = spec.export_file.clone();
    if args
        .iter()
        .chain(&export_file)
        .any(|arg| arg.contains(OUTPUT_DIR_PLACEHOLDER))
    {
        let dir = tempfile::tempdir_in(fixtures.home.path()).unwrap().keep();
        let dir = dir.display().to_string();
        for value in args.iter_mut().chain(export_file.iter_mut()) {
            *value = value.replace(OUTPUT_DIR_PLACEHOLDER, &dir);
        }
    }
    let cwd = spec
        .cwd
        .clone()
        .map_or_else(|| fixtures.work_dir(), Into::into);
    let mut child = Command::new(fakes.cli(&spec.program))
        .args(&args)
        .current_dir(cwd)
        .envs(spec.env.iter())
        .env("FAKE_AGENT_LOG", &fakes.log)
        .env("IS_SANDBOX", "1")
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(text), Some(mut stdin)) = (spec.stdin.clone(), child.stdin.take()) {
        std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    }
    let output = child.wait_with_output().unwrap();
    let invocation = fakes.invocations().pop().ok_or("no log line")?;
    if !output.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if invocation.prompt.as_deref() != Some(request.prompt.as_str()) {
        return Err(format!(
            "prompt arrived as {:?}",
            invocation
                .prompt
                .map(|prompt| prompt.chars().take(80).collect::<String>())
        ));
    }
    let mut parser = gateway_provider::parser_for(&spec);
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        parser.feed_line(line);
    }
    let mut outcome = parser.finish(
        ExitInfo {
            code: output.status.code(),
            signal: None,
        },
        "",
    );
    if let Some(path) = &export_file {
        let export = std::fs::read_to_string(path)
            .map_err(|error| format!("no export at {path}: {error}"))?;
        if !gateway_provider::apply_export(spec.provider, &mut outcome, &export)
            || outcome.usage.output_tokens.is_none()
        {
            return Err(format!("the export carries no usage: {export}"));
        }
    }
    let expected = format!("fake {} answer", spec.program);
    if outcome.text.trim() != expected {
        return Err(format!(
            "parsed text {:?}, expected {expected:?}",
            outcome.text
        ));
    }
    Ok(())
}

fn check(provider: ProviderId, cases: impl Fn(&Fixtures) -> Vec<(&'static str, RunRequest)>) {
    let fixtures = Fixtures::new();
    let dir = tempfile::tempdir().unwrap();
    let fakes = FakeClis::install(dir.path());
    let failures: Vec<String> = cases(&fixtures)
        .iter()
        .filter_map(|(case, request)| {
            run_on_fake(&fakes, &fixtures, case, request)
                .err()
                .map(|error| format!("{case}: {error}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "fake {provider} refused builder argv:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_fake_accepts_every_builder_argv() {
    check(ProviderId::Claude, super::claude::cases);
    check(ProviderId::Codex, super::codex::cases);
    check(ProviderId::Gemini, super::gemini::cases);
    check(ProviderId::Grok, |_| super::grok::cases());
    check(ProviderId::Mistral, super::vibe::cases);
}
