//! grok: every option the builder emits, accepted by the real Grok Build 1.0.41; and the
//! success path through the mock, resume included.

use gateway_core::{ProviderId, Usage};
use gateway_provider::grok::{GrokOptions, GrokOutputFormat, GrokPermissionMode};
use gateway_provider::{ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::{MOCK_TEXT, MockVendorApi};
use serde_json::json;

use super::{Fixtures, assert_accepted, big_prompt, request, run_against_mock};

const SESSION: &str = "0f3e2d1c-4b5a-4697-8a7b-6c5d4e3f2a1b";

fn grok(prompt: &str, options: GrokOptions) -> RunRequest {
    request(prompt, ProviderOptions::Grok(options))
}

pub(crate) fn cases() -> Vec<(&'static str, RunRequest)> {
    let everything = GrokOptions {
        permission_mode: Some(GrokPermissionMode::Plan),
        tools: vec!["read_file".into(), "grep".into()],
        disallowed_tools: vec!["web_search".into()],
        allow: vec!["Bash(git status)".into()],
        deny: vec!["Bash(rm *)".into()],
        agent: Some("reviewer".into()),
        agents: Some(json!({"reviewer": {"description": "Reviews", "prompt": "Review it."}})),
        max_turns: Some(3),
        system_prompt: Some("-You are terse.".into()),
        rules: Some("Be brief.".into()),
        effort: Some("high".into()),
        disable_web_search: true,
        verbatim: true,
        no_plan: true,
        no_subagents: true,
        ..GrokOptions::default()
    };
    let structured = GrokOptions {
        output_format: Some(GrokOutputFormat::Json),
        always_approve: true,
        json_schema: Some(json!({"type": "object", "properties": {"ok": {"type": "boolean"}}})),
        ..GrokOptions::default()
    };
    let messages = GrokOptions {
        output_format: Some(GrokOutputFormat::StreamingMessagesJson),
        include_partial_messages: true,
        permission_mode: Some(GrokPermissionMode::BypassPermissions),
        ..GrokOptions::default()
    };
    let mut with_model = grok(
        "hi",
        GrokOptions {
            output_format: Some(GrokOutputFormat::Plain),
            ..GrokOptions::default()
        },
    );
    with_model.model = Some("grok-4.6".into());
    let mut new_session = grok("hi", GrokOptions::default());
    new_session.session = SessionMode::NewWithId(SESSION.into());
    vec![
        (
            "defaults, dash prompt",
            grok("-rf looks like a flag", GrokOptions::default()),
        ),
        (
            "JSON-looking prompt",
            grok(r#"{"content": "not blocks"}"#, GrokOptions::default()),
        ),
        ("every option", grok("hi", everything)),
        ("json, always approve, schema", grok("hi", structured)),
        ("messages json, partial", grok("hi", messages)),
        ("plain, model", with_model),
        ("new session id", new_session),
        ("1 MiB prompt", grok(&big_prompt(), GrokOptions::default())),
    ]
}

fn accepted(names: &[&str]) {
    let fixtures = Fixtures::new();
    assert_accepted(ProviderId::Grok, &fixtures, cases(), names);
}

#[test]
fn real_grok_accepts_defaults_and_json_looking_prompts() {
    accepted(&["defaults, dash prompt", "JSON-looking prompt"]);
}

#[test]
fn real_grok_accepts_every_option() {
    accepted(&[
        "every option",
        "json, always approve, schema",
        "messages json, partial",
        "plain, model",
    ]);
}

#[test]
fn real_grok_accepts_session_flags_and_a_1_mib_prompt() {
    accepted(&["new session id", "1 MiB prompt"]);
}

#[test]
fn real_grok_output_parses_to_the_mock_answer_and_resumes() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let expected = Usage {
        input_tokens: Some(12),
        output_tokens: Some(5),
        cache_read_tokens: Some(0),
        cache_creation_tokens: Some(0),
    };
    let mut session = None;
    for format in [
        GrokOutputFormat::StreamingJson,
        GrokOutputFormat::Json,
        GrokOutputFormat::StreamingMessagesJson,
        GrokOutputFormat::Plain,
    ] {
        let parsed = run_against_mock(
            ProviderId::Grok,
            &fixtures,
            &mock,
            &grok(
                "say ok",
                GrokOptions {
                    output_format: Some(format),
                    ..GrokOptions::default()
                },
            ),
        );
        assert_eq!(
            parsed.outcome.text.trim(),
            MOCK_TEXT,
            "{format:?}\n{}",
            parsed.run.describe()
        );
        assert!(!parsed.outcome.is_error, "{format:?}");
        if format != GrokOutputFormat::Plain {
            assert_eq!(
                parsed.outcome.usage, expected,
                "{format:?}: {:?}",
                parsed.outcome
            );
            assert!(parsed.outcome.session_id.is_some(), "{format:?}");
            session = session.or_else(|| parsed.outcome.session_id.clone());
        }
    }
    let session = session.unwrap();
    let mut resume = grok("again", GrokOptions::default());
    resume.session = SessionMode::Resume(session.clone());
    let resumed = run_against_mock(ProviderId::Grok, &fixtures, &mock, &resume);
    assert_eq!(
        resumed.outcome.session_id.as_deref(),
        Some(session.as_str()),
        "{}",
        resumed.run.describe()
    );
}
