//! agy (Antigravity) has no registry package, so its argv is checked against `fake-agent`,
//! which follows the reference's facts: the prompt arrives intact and the text parser reads it.

use std::process::{Command, Stdio};

use gateway_core::ExitInfo;
use gateway_provider::gemini::{GeminiApprovalMode, GeminiBackend, GeminiOptions};
use gateway_provider::{ProviderOptions, SessionMode};
use gateway_test_support::FakeClis;

use super::{build, request};

#[test]
fn agy_argv_runs_on_the_fake_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let fakes = FakeClis::install(dir.path());
    let options = GeminiOptions {
        backend: GeminiBackend::Antigravity,
        approval_mode: Some(GeminiApprovalMode::Plan),
        include_dirs: vec![dir.path().display().to_string()],
        ..GeminiOptions::default()
    };
    let mut run = request("review this change", ProviderOptions::Gemini(options));
    run.session = SessionMode::ResumeLatest;
    run.working_dir = Some(dir.path().display().to_string());
    let spec = build("agy", &run);
    assert_eq!(spec.program, "agy");
    let output = Command::new(fakes.cli(&spec.program))
        .args(&spec.args)
        .current_dir(dir.path())
        .env("FAKE_AGENT_LOG", &fakes.log)
        .env("FAKE_AGENT_RESPONSE", "agy says hi")
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let (Some(text), Some(mut stdin)) = (&spec.stdin, child.stdin.take()) {
                std::io::Write::write_all(&mut stdin, text.as_bytes())?;
            }
            child.wait_with_output()
        })
        .unwrap();
    assert!(output.status.success());
    let invocation = fakes.invocations().pop().unwrap();
    assert_eq!(invocation.prompt.as_deref(), Some("review this change"));
    let mut parser = gateway_provider::parser_for(&spec);
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        parser.feed_line(line);
    }
    let outcome = parser.finish(
        ExitInfo {
            code: output.status.code(),
            signal: None,
        },
        "",
    );
    assert_eq!(outcome.text.trim(), "agy says hi");
}
