//! vibe (mistral-vibe 3.0.2): every option the builder emits, accepted by the real CLI (no key:
//! `Missing MISTRAL_API_KEY`); the success path through the mock, resume included, and the
//! usage that only `--output-dir`'s `export.json` carries.

use gateway_core::{ProviderId, Usage};
use gateway_provider::vibe::{VibeOptions, VibeOutputFormat};
use gateway_provider::{ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::{MOCK_TEXT, MOCK_USAGE, MockVendorApi};

use super::{Fixtures, assert_accepted, big_prompt, request, run_against_mock};

fn vibe(prompt: &str, options: VibeOptions) -> RunRequest {
    request(prompt, ProviderOptions::Mistral(options))
}

pub(crate) fn cases(fixtures: &Fixtures) -> Vec<(&'static str, RunRequest)> {
    let everything = VibeOptions {
        agent: Some("ask".into()),
        enabled_tools: vec!["read_file".into(), "grep".into()],
        disabled_tools: vec!["bash".into()],
        max_turns: Some(3),
        max_price: Some(0.5),
        max_tokens: Some(100_000),
        time_limit: Some(60),
        add_dir: vec![fixtures.dir.clone()],
        trust: true,
        output_dir: Some(
            fixtures
                .home
                .path()
                .join("vibe-export")
                .display()
                .to_string(),
        ),
        ..VibeOptions::default()
    };
    let mut with_model = vibe(
        "hi",
        VibeOptions {
            auto_approve: true,
            output_format: Some(VibeOutputFormat::Json),
            ..VibeOptions::default()
        },
    );
    with_model.model = Some("devstral-small".into());
    vec![
        (
            "defaults, dash prompt",
            vibe("-rf looks like a flag", VibeOptions::default()),
        ),
        ("every option", vibe("hi", everything)),
        ("auto-approve, json, model", with_model),
        (
            "smart-approve, text",
            vibe(
                "hi",
                VibeOptions {
                    smart_approve: true,
                    output_format: Some(VibeOutputFormat::Text),
                    ..VibeOptions::default()
                },
            ),
        ),
        ("1 MiB prompt", vibe(&big_prompt(), VibeOptions::default())),
    ]
}

fn accepted(names: &[&str]) {
    let fixtures = Fixtures::new();
    assert_accepted(ProviderId::Mistral, &fixtures, cases(&fixtures), names);
}

#[test]
fn real_vibe_accepts_defaults_and_a_dash_prompt() {
    accepted(&["defaults, dash prompt"]);
}

#[test]
fn real_vibe_accepts_every_option() {
    accepted(&["every option"]);
}

#[test]
fn real_vibe_accepts_approval_modes_and_formats() {
    accepted(&["auto-approve, json, model", "smart-approve, text"]);
}

#[test]
fn real_vibe_accepts_a_1_mib_prompt() {
    accepted(&["1 MiB prompt"]);
}

/// One format per test: a vibe run takes 5–40 s on a busy 2-core machine.
fn parses_to_the_mock_answer(format: VibeOutputFormat) {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let request = vibe(
        "say ok",
        VibeOptions {
            output_format: Some(format),
            ..VibeOptions::default()
        },
    );
    let parsed = run_against_mock(ProviderId::Mistral, &fixtures, &mock, &request);
    assert_eq!(
        parsed.outcome.text.trim(),
        MOCK_TEXT,
        "{format:?}\n{}",
        parsed.run.describe()
    );
    assert!(!parsed.outcome.is_error, "{format:?}");
    if format != VibeOutputFormat::Text {
        assert!(
            parsed.outcome.session_id.is_some(),
            "{format:?}: {:?}",
            parsed.outcome
        );
    }
    assert!(
        mock.requests()
            .iter()
            .any(|request| request.target.ends_with("/chat/completions") && request.status == 200)
    );
}

#[test]
fn real_vibe_streaming_output_parses_to_the_mock_answer() {
    parses_to_the_mock_answer(VibeOutputFormat::Streaming);
}

#[test]
fn real_vibe_json_output_parses_to_the_mock_answer() {
    parses_to_the_mock_answer(VibeOutputFormat::Json);
}

#[test]
fn real_vibe_text_output_parses_to_the_mock_answer() {
    parses_to_the_mock_answer(VibeOutputFormat::Text);
}

#[test]
fn real_vibe_resumes_a_session() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let fresh = run_against_mock(
        ProviderId::Mistral,
        &fixtures,
        &mock,
        &vibe("say ok", VibeOptions::default()),
    );
    let session = fresh.outcome.session_id.expect("a session id");
    let mut resume = vibe("again", VibeOptions::default());
    resume.session = SessionMode::Resume(session.clone());
    let resumed = run_against_mock(ProviderId::Mistral, &fixtures, &mock, &resume);
    assert_eq!(
        resumed.outcome.session_id.as_ref(),
        Some(&session),
        "{}",
        resumed.run.describe()
    );
    assert_eq!(resumed.outcome.text.trim(), MOCK_TEXT);
}

/// With no `outputDir` the builder asks for the engine's private directory (made empty and 0700
/// before the run, as here): the real vibe writes `export.json` into it, and our hook reads the
/// mock's usage (chat completions: 12 prompt, 5 completion, no cached) and a cost from it.
#[test]
fn real_vibe_export_carries_the_mock_usage() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let parsed = run_against_mock(
        ProviderId::Mistral,
        &fixtures,
        &mock,
        &vibe("say ok", VibeOptions::default()),
    );
    let export = parsed.run.export().unwrap_or_else(|| {
        panic!(
            "no export at {:?}\n{}",
            parsed.run.export_file,
            parsed.run.describe()
        )
    });
    assert!(
        gateway_provider::apply_export(ProviderId::Mistral, &mut Default::default(), &export),
        "{export}"
    );
    assert_eq!(
        parsed.outcome.usage,
        Usage {
            input_tokens: Some(MOCK_USAGE.input),
            output_tokens: Some(MOCK_USAGE.output),
            cache_read_tokens: Some(0),
            cache_creation_tokens: None,
        },
        "{export}"
    );
    assert!(
        parsed.outcome.cost_usd.is_some_and(|cost| cost > 0.0),
        "{export}"
    );
    assert!(!parsed.outcome.is_error, "{export}");
}
