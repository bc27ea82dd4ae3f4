//! claude: every option the builder emits, accepted by the real Claude Code 2.1.330; and the
//! success path through the mock, parsed by our parser.

use gateway_core::{ProviderId, Usage};
use gateway_provider::claude::{
    ClaudeOptions, ClaudeOutputFormat, ClaudePermissionMode, DebugSetting, Effort,
};
use gateway_provider::{ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::{MOCK_TEXT, MockVendorApi};
use serde_json::json;

use super::{Fixtures, assert_accepted, big_prompt, request, run_against_mock};

const SESSION: &str = "5b1f4c8e-2d3a-4e6f-9a0b-1c2d3e4f5a6b";

fn claude(prompt: &str, options: ClaudeOptions) -> RunRequest {
    request(prompt, ProviderOptions::Claude(options))
}

pub(crate) fn cases(fixtures: &Fixtures) -> Vec<(&'static str, RunRequest)> {
    let everything = ClaudeOptions {
        allowed_tools: vec!["Read".into(), "Bash(git status:*)".into()],
        disallowed_tools: vec!["WebFetch".into()],
        tools: Some(vec!["Read".into(), "Bash".into()]),
        permission_mode: Some(ClaudePermissionMode::AcceptEdits),
        mcp_config: vec![fixtures.mcp_config.clone()],
        strict_mcp_config: true,
        append_system_prompt: Some("-Be brief.".into()),
        exclude_dynamic_system_prompt_sections: true,
        max_turns: Some(3),
        max_budget_usd: Some(0.5),
        effort: Some(Effort::High),
        fallback_model: Some("claude-haiku-4-5".into()),
        add_dirs: vec![fixtures.dir.clone()],
        name: Some("contract".into()),
        settings: Some("{}".into()),
        setting_sources: Some("user,project".into()),
        include_hook_events: true,
        debug: Some(DebugSetting::Filter("api".into())),
        debug_file: Some(
            fixtures
                .home
                .path()
                .join("claude-debug.log")
                .display()
                .to_string(),
        ),
        ..ClaudeOptions::default()
    };
    let structured = ClaudeOptions {
        output_format: Some(ClaudeOutputFormat::Json),
        system_prompt: Some("You are terse.".into()),
        json_schema: Some(json!({"type": "object", "properties": {"ok": {"type": "boolean"}}})),
        agents: Some(
            serde_json::from_value(
                json!({"reviewer": {"description": "Reviews", "prompt": "Review it."}}),
            )
            .unwrap(),
        ),
        agent: Some("reviewer".into()),
        no_session_persistence: true,
        permission_mode: Some(ClaudePermissionMode::Manual),
        ..ClaudeOptions::default()
    };
    let bypass = ClaudeOptions {
        output_format: Some(ClaudeOutputFormat::Text),
        dangerously_skip_permissions: true,
        system_prompt_file: Some(fixtures.text_file.clone()),
        append_system_prompt_file: Some(fixtures.text_file.clone()),
        tools: Some(Vec::new()),
        plugin_dirs: vec![fixtures.dir.clone()],
        ..ClaudeOptions::default()
    };
    // `--safe-mode` disables custom agents (`--agent X` then fails "not found"), so apart.
    let safe = ClaudeOptions {
        safe_mode: true,
        output_format: Some(ClaudeOutputFormat::Json),
        ..ClaudeOptions::default()
    };
    let bare = ClaudeOptions {
        bare: true,
        permission_mode: Some(ClaudePermissionMode::Plan),
        include_partial_messages: Some(false),
        ..ClaudeOptions::default()
    };
    let mut with_model = claude("hi", ClaudeOptions::default());
    with_model.model = Some("claude-sonnet-4-5".into());
    let mut new_session = claude(
        "hi",
        ClaudeOptions {
            output_format: Some(ClaudeOutputFormat::Json),
            ..ClaudeOptions::default()
        },
    );
    new_session.session = SessionMode::NewWithId(SESSION.into());
    let mut resume = claude(
        "again",
        ClaudeOptions {
            fork_session: true,
            ..ClaudeOptions::default()
        },
    );
    resume.session = SessionMode::Resume(SESSION.into());
    let mut latest = claude("again", ClaudeOptions::default());
    latest.session = SessionMode::ResumeLatest;
    latest.working_dir = Some(fixtures.work_dir().display().to_string());
    vec![
        (
            "defaults, dash prompt",
            claude("-rf looks like a flag", ClaudeOptions::default()),
        ),
        ("every stream-json option", claude("hi", everything)),
        ("json, schema, agents", claude("hi", structured)),
        ("text, bypass, prompt files", claude("hi", bypass)),
        ("safe mode", claude("hi", safe)),
        ("bare, plan", claude("hi", bare)),
        ("model", with_model),
        (
            "1 MiB prompt",
            claude(&big_prompt(), ClaudeOptions::default()),
        ),
        // Order matters: the resumes need the session the first run persisted.
        ("new session id", new_session),
        ("resume + fork", resume),
        ("resume latest", latest),
    ]
}

fn accepted(names: &[&str]) {
    let fixtures = Fixtures::new();
    assert_accepted(ProviderId::Claude, &fixtures, cases(&fixtures), names);
}

#[test]
fn real_claude_accepts_defaults_and_a_dash_prompt() {
    accepted(&["defaults, dash prompt", "model"]);
}

#[test]
fn real_claude_accepts_every_stream_json_option() {
    accepted(&["every stream-json option"]);
}

#[test]
fn real_claude_accepts_json_schema_and_agents() {
    accepted(&["json, schema, agents", "safe mode"]);
}

#[test]
fn real_claude_accepts_bypass_and_prompt_files() {
    accepted(&["text, bypass, prompt files", "bare, plan"]);
}

#[test]
fn real_claude_accepts_a_1_mib_prompt() {
    accepted(&["1 MiB prompt"]);
}

#[test]
fn real_claude_accepts_session_flags() {
    accepted(&["new session id", "resume + fork", "resume latest"]);
}

#[test]
fn real_claude_output_parses_to_the_mock_answer() {
    let fixtures = Fixtures::new();
    let mock = MockVendorApi::start();
    let expected = Usage {
        input_tokens: Some(12),
        output_tokens: Some(5),
        cache_read_tokens: Some(3),
        cache_creation_tokens: Some(0),
    };
    let mut first_session = None;
    for format in [
        ClaudeOutputFormat::StreamJson,
        ClaudeOutputFormat::Json,
        ClaudeOutputFormat::Text,
    ] {
        let parsed = run_against_mock(
            ProviderId::Claude,
            &fixtures,
            &mock,
            &claude(
                "say ok",
                ClaudeOptions {
                    output_format: Some(format),
                    ..ClaudeOptions::default()
                },
            ),
        );
        let outcome = &parsed.outcome;
        assert_eq!(
            outcome.text.trim(),
            MOCK_TEXT,
            "{format:?}\n{}",
            parsed.run.describe()
        );
        assert!(!outcome.is_error, "{format:?}: {outcome:?}");
        if format != ClaudeOutputFormat::Text {
            assert_eq!(outcome.usage, expected, "{format:?}");
            assert!(outcome.session_id.is_some(), "{format:?}");
            assert!(
                outcome.cost_usd.is_some_and(|cost| cost > 0.0),
                "{format:?}: {outcome:?}"
            );
            first_session = first_session.or_else(|| outcome.session_id.clone());
        }
        if format == ClaudeOutputFormat::StreamJson {
            assert!(
                parsed
                    .events
                    .iter()
                    .any(|event| matches!(event, gateway_core::AgentEvent::Text { .. })),
                "{:?}",
                parsed.events
            );
        }
    }
    let session = first_session.unwrap();
    let mut resume = claude("again", ClaudeOptions::default());
    resume.session = SessionMode::Resume(session.clone());
    let resumed = run_against_mock(ProviderId::Claude, &fixtures, &mock, &resume);
    assert_eq!(
        resumed.outcome.session_id.as_deref(),
        Some(session.as_str()),
        "resuming keeps the session id"
    );
    assert_eq!(resumed.outcome.text.trim(), MOCK_TEXT);
    let messages: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|request| request.target.starts_with("/v1/messages"))
        .collect();
    assert!(messages.len() >= 4, "{messages:?}");
    assert!(messages.iter().all(
        |request| request.headers.get("x-api-key").map(String::as_str)
            == Some(gateway_contract::vendor::MOCK_KEY)
    ));
}
