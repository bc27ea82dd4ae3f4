//! gemini (Gemini CLI 0.61.0): every option the builder emits, accepted by the real CLI (no
//! credentials: exit 41); the success path through the mock, whose model router adds a request
//! (so token totals are per request × requests served).

use gateway_core::ProviderId;
use gateway_provider::gemini::{GeminiApprovalMode, GeminiOptions, GeminiOutputFormat};
use gateway_provider::{ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::{MOCK_TEXT, MOCK_USAGE, MockVendorApi};

use super::{Fixtures, assert_accepted, big_prompt, request, run_against_mock};

const SESSION: &str = "7c6b5a49-3827-4165-9f4e-3d2c1b0a9f8e";

fn gemini(prompt: &str, options: GeminiOptions) -> RunRequest {
    request(prompt, ProviderOptions::Gemini(options))
}

pub(crate) fn cases(fixtures: &Fixtures) -> Vec<(&'static str, RunRequest)> {
    let policy = fixtures.home.path().join("fixtures/policy.toml");
    std::fs::write(
        &policy,
        "[[rule]]\ntoolName = \"read_file\"\ndecision = \"allow\"\npriority = 100\n",
    )
    .unwrap();
    let policy = policy.display().to_string();
    let everything = GeminiOptions {
        approval_mode: Some(GeminiApprovalMode::AutoEdit),
        include_dirs: vec![
            fixtures.dir.clone(),
            fixtures.work_dir().display().to_string(),
        ],
        allowed_mcp_server_names: vec!["alpha".into(), "beta".into()],
        policy_files: vec![policy.clone()],
        admin_policy_files: vec![policy],
        allowed_tools: vec!["read_file".into()],
        ..GeminiOptions::default()
    };
    let mut with_model = gemini(
        "hi",
        GeminiOptions {
            yolo: true,
            output_format: Some(GeminiOutputFormat::Json),
            ..GeminiOptions::default()
        },
    );
    with_model.model = Some("gemini-2.5-pro".into());
    let mut new_session = gemini("hi", GeminiOptions::default());
    new_session.session = SessionMode::NewWithId(SESSION.into());
    vec![
        (
            "defaults, dash prompt",
            gemini("-rf looks like a flag", GeminiOptions::default()),
        ),
        ("every option", gemini("hi", everything)),
        ("yolo, json, model", with_model),
        (
            "text, plan",
            gemini(
                "hi",
                GeminiOptions {
                    output_format: Some(GeminiOutputFormat::Text),
                    approval_mode: Some(GeminiApprovalMode::Plan),
                    ..GeminiOptions::default()
                },
            ),
        ),
        (
            "1 MiB prompt",
            gemini(&big_prompt(), GeminiOptions::default()),
        ),
        // Resuming needs a stored session, which a run without credentials does not leave
        // ("No previous sessions found", exit 42): the mock test below covers both resumes.
        ("new session id", new_session),
    ]
}

fn accepted(names: &[&str]) {
    let fixtures = Fixtures::new();
    assert_accepted(ProviderId::Gemini, &fixtures, cases(&fixtures), names);
}

#[test]
fn real_gemini_accepts_defaults_and_a_dash_prompt() {
    accepted(&["defaults, dash prompt", "new session id"]);
}

#[test]
fn real_gemini_accepts_every_option() {
    accepted(&["every option"]);
}

#[test]
fn real_gemini_accepts_yolo_json_text_and_plan() {
    accepted(&["yolo, json, model", "text, plan"]);
}

#[test]
fn real_gemini_accepts_a_1_mib_prompt() {
    accepted(&["1 MiB prompt"]);
}

/// Model calls the mock answered since `before` (router + main turn).
fn model_calls(mock: &MockVendorApi, before: usize) -> u64 {
    let calls = mock.requests()[before..]
        .iter()
        .filter(|request| request.target.contains("enerateContent") && request.status == 200)
        .count();
    calls as u64
}

#[test]
fn real_gemini_output_parses_to_the_mock_answer() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    for format in [
        GeminiOutputFormat::Text,
        GeminiOutputFormat::Json,
        GeminiOutputFormat::StreamJson,
    ] {
        let before = mock.requests().len();
        let request = gemini(
            "say ok",
            GeminiOptions {
                output_format: Some(format),
                ..GeminiOptions::default()
            },
        );
        let parsed = run_against_mock(ProviderId::Gemini, &fixtures, &mock, &request);
        assert_eq!(
            parsed.outcome.text.trim(),
            MOCK_TEXT,
            "{format:?}\n{}",
            parsed.run.describe()
        );
        assert!(!parsed.outcome.is_error, "{format:?}");
        if format != GeminiOutputFormat::Text {
            let calls = model_calls(&mock, before);
            let usage = parsed.outcome.usage;
            assert_eq!(
                usage.output_tokens,
                Some(MOCK_USAGE.output * calls),
                "{format:?}: {usage:?} over {calls} calls"
            );
            assert_eq!(
                usage.cache_read_tokens,
                Some(MOCK_USAGE.cached * calls),
                "{format:?}: {usage:?}"
            );
            assert_eq!(
                usage.input_tokens,
                Some((MOCK_USAGE.input - MOCK_USAGE.cached) * calls),
                "{format:?}: uncached input"
            );
            assert!(parsed.outcome.session_id.is_some(), "{format:?}");
        }
    }
}

#[test]
fn real_gemini_resumes_by_id_and_latest() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let fresh = run_against_mock(
        ProviderId::Gemini,
        &fixtures,
        &mock,
        &gemini("say ok", GeminiOptions::default()),
    );
    let session = fresh.outcome.session_id.expect("a session id");

    let mut latest = gemini("and again", GeminiOptions::default());
    latest.session = SessionMode::ResumeLatest;
    latest.working_dir = Some(fixtures.work_dir().display().to_string());
    let latest = run_against_mock(ProviderId::Gemini, &fixtures, &mock, &latest);
    assert_eq!(
        latest.outcome.session_id.as_ref(),
        Some(&session),
        "{}",
        latest.run.describe()
    );

    let mut resume = gemini("again", GeminiOptions::default());
    resume.session = SessionMode::Resume(session.clone());
    let resumed = run_against_mock(ProviderId::Gemini, &fixtures, &mock, &resume);
    assert_eq!(
        resumed.outcome.session_id.as_ref(),
        Some(&session),
        "{}",
        resumed.run.describe()
    );
    assert_eq!(resumed.outcome.text.trim(), MOCK_TEXT);
}
