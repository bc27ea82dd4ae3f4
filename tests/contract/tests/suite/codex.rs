//! codex: every option the builder emits, accepted by the real codex-cli 0.169.0 (offline it
//! prints `thread.started` once its argv parsed, then retries forever; the run is stopped
//! there); and the success path, resume included, through the mock.

use std::collections::BTreeMap;

use gateway_core::{ProviderId, Usage};
use gateway_provider::codex::{CodexApproval, CodexOptions, CodexOutputFormat, CodexSandbox};
use gateway_provider::{ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::{MOCK_TEXT, MockVendorApi};
use serde_json::json;

use super::{Fixtures, assert_accepted, big_prompt, request, run_against_mock};

fn codex(prompt: &str, options: CodexOptions) -> RunRequest {
    request(prompt, ProviderOptions::Codex(options))
}

pub(crate) fn cases(fixtures: &Fixtures) -> Vec<(&'static str, RunRequest)> {
    let everything = CodexOptions {
        sandbox: Some(CodexSandbox::WorkspaceWrite),
        output_schema: Some(fixtures.schema_file.clone()),
        output_last_message: Some(
            fixtures
                .home
                .path()
                .join("last-message.txt")
                .display()
                .to_string(),
        ),
        profile: Some("contract".into()),
        config_overrides: BTreeMap::from([("model_reasoning_effort".to_owned(), json!("low"))]),
        ephemeral: true,
        images: vec![fixtures.image.clone()],
        add_dirs: vec![fixtures.dir.clone()],
        ignore_user_config: true,
        ignore_rules: true,
        ask_for_approval: Some(CodexApproval::Never),
        ..CodexOptions::default()
    };
    let bypass = CodexOptions {
        dangerously_bypass_approvals_and_sandbox: true,
        dangerously_bypass_hook_trust: true,
        strict_config: true,
        output_format: Some(CodexOutputFormat::Text),
        ..CodexOptions::default()
    };
    let mut with_model = codex(
        "hi",
        CodexOptions {
            approve_for_me: true,
            ..CodexOptions::default()
        },
    );
    with_model.model = Some("gpt-5.5-codex".into());
    vec![
        (
            "defaults, dash prompt",
            codex("-rf looks like a flag", CodexOptions::default()),
        ),
        ("every exec option", codex("hi", everything)),
        ("bypass, strict config, text", codex("hi", bypass)),
        ("approve-for-me, model", with_model),
        (
            "legacy fullAuto",
            codex(
                "hi",
                CodexOptions {
                    full_auto: true,
                    ..CodexOptions::default()
                },
            ),
        ),
        (
            "read-only sandbox",
            codex(
                "hi",
                CodexOptions {
                    sandbox: Some(CodexSandbox::ReadOnly),
                    ..CodexOptions::default()
                },
            ),
        ),
        (
            "1 MiB prompt",
            codex(&big_prompt(), CodexOptions::default()),
        ),
    ]
}

fn accepted(names: &[&str]) {
    let fixtures = Fixtures::new();
    assert_accepted(ProviderId::Codex, &fixtures, cases(&fixtures), names);
}

#[test]
fn real_codex_accepts_defaults_and_a_dash_prompt() {
    accepted(&[
        "defaults, dash prompt",
        "read-only sandbox",
        "legacy fullAuto",
    ]);
}

#[test]
fn real_codex_accepts_every_exec_option() {
    accepted(&[
        "every exec option",
        "bypass, strict config, text",
        "approve-for-me, model",
    ]);
}

#[test]
fn real_codex_accepts_a_1_mib_prompt() {
    accepted(&["1 MiB prompt"]);
}

#[test]
fn real_codex_output_parses_to_the_mock_answer_and_resumes() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let fresh = run_against_mock(
        ProviderId::Codex,
        &fixtures,
        &mock,
        &codex("say ok", CodexOptions::default()),
    );
    assert_eq!(
        fresh.outcome.text.trim(),
        MOCK_TEXT,
        "{}",
        fresh.run.describe()
    );
    assert!(!fresh.outcome.is_error);
    let thread = fresh
        .outcome
        .session_id
        .clone()
        .expect("the thread id is the session id");
    // OpenAI counts cached tokens inside input_tokens: 12 in, 3 of them cached.
    let expected = Usage {
        input_tokens: Some(9),
        output_tokens: Some(5),
        cache_read_tokens: Some(3),
        cache_creation_tokens: Some(0),
    };
    assert_eq!(fresh.outcome.usage, expected, "{:?}", fresh.outcome);

    let mut resume = codex("again", CodexOptions::default());
    resume.session = SessionMode::Resume(thread.clone());
    let resumed = run_against_mock(ProviderId::Codex, &fixtures, &mock, &resume);
    assert_eq!(
        resumed.outcome.session_id.as_deref(),
        Some(thread.as_str()),
        "{}",
        resumed.run.describe()
    );
    assert_eq!(resumed.outcome.text.trim(), MOCK_TEXT);

    let mut latest = codex("and again", CodexOptions::default());
    latest.session = SessionMode::ResumeLatest;
    latest.working_dir = Some(fixtures.work_dir().display().to_string());
    let latest = run_against_mock(ProviderId::Codex, &fixtures, &mock, &latest);
    assert_eq!(
        latest.outcome.session_id.as_deref(),
        Some(thread.as_str()),
        "{}",
        latest.run.describe()
    );
}
