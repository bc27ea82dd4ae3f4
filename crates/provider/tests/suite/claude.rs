//! Claude Code: argv for every option and rejection, parses of real 2.1.330 output, and the
//! edge cases of a stream that ends badly.

use std::path::Path;

use gateway_core::{AgentEvent, ExitInfo};
use gateway_provider::claude::{
    ClaudeOptions, ClaudeOutputFormat, ClaudePermissionMode, DebugSetting, Effort,
};
use gateway_provider::request::{RunRequest, SessionMode};
use gateway_provider::{CommandSpec, PromptVia, ProviderOptions, build};
use proptest::prelude::*;
use serde_json::json;

use super::common::{
    FAILED, KILLED, OK, UUID, describe, fixture_exit, line_strategy, request, run, run_bytes,
    spec_for, table,
};

pub(super) fn claude(options: ClaudeOptions) -> RunRequest {
    request(ProviderOptions::Claude(options))
}

fn format(format: ClaudeOutputFormat) -> CommandSpec {
    spec_for(ProviderOptions::Claude(ClaudeOptions {
        output_format: Some(format),
        ..ClaudeOptions::default()
    }))
}

fn with_session(session: SessionMode, options: ClaudeOptions) -> RunRequest {
    RunRequest {
        session,
        working_dir: Some("/work".to_owned()),
        ..claude(options)
    }
}

#[test]
fn argv_for_every_option() {
    let everything = ClaudeOptions {
        output_format: Some(ClaudeOutputFormat::StreamJson),
        include_hook_events: true,
        fallback_model: Some("sonnet".into()),
        allowed_tools: vec!["Read".into(), "Bash(git *)".into()],
        disallowed_tools: vec!["WebFetch".into()],
        tools: Some(vec!["Bash".into(), "Edit".into()]),
        permission_mode: Some(ClaudePermissionMode::Plan),
        mcp_config: vec!["/cfg/mcp.json".into(), r#"{"mcpServers":{}}"#.into()],
        strict_mcp_config: true,
        system_prompt: Some("-be terse\nsecond line".into()),
        append_system_prompt: Some("and kind".into()),
        exclude_dynamic_system_prompt_sections: true,
        max_turns: Some(3),
        max_budget_usd: Some(0.5),
        effort: Some(Effort::Xhigh),
        agent: Some("reviewer".into()),
        agents: Some(
            json!({"reviewer": {"description": "Reviews", "prompt": "Review"}})
                .as_object()
                .unwrap()
                .clone(),
        ),
        no_session_persistence: true,
        name: Some("nightly review".into()),
        json_schema: Some(json!({"type": "object"})),
        add_dirs: vec!["/a".into(), "/b".into()],
        settings: Some(r#"{"model":"opus"}"#.into()),
        setting_sources: Some("user,project".into()),
        plugin_dirs: vec!["/p1".into(), "/p2.zip".into()],
        plugin_urls: vec!["https://example.com/p.zip".into()],
        safe_mode: false,
        bare: true,
        debug: Some(DebugSetting::Filter("api,hooks".into())),
        debug_file: Some("/tmp/debug.log".into()),
        ..ClaudeOptions::default()
    };
    let cases = vec![
        (
            "minimal (defaults to stream-json, whole content blocks)",
            claude(ClaudeOptions::default()),
        ),
        (
            "text",
            claude(ClaudeOptions {
                output_format: Some(ClaudeOutputFormat::Text),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "json",
            claude(ClaudeOptions {
                output_format: Some(ClaudeOutputFormat::Json),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "stream-json with partial messages",
            claude(ClaudeOptions {
                include_partial_messages: Some(true),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "safe mode",
            claude(ClaudeOptions {
                safe_mode: true,
                ..ClaudeOptions::default()
            }),
        ),
        (
            "model and workingDir",
            RunRequest {
                model: Some("claude-sonnet-4-5".into()),
                working_dir: Some("/work".into()),
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "new session with id",
            with_session(
                SessionMode::NewWithId(UUID.into()),
                ClaudeOptions::default(),
            ),
        ),
        (
            "resume by id",
            with_session(SessionMode::Resume(UUID.into()), ClaudeOptions::default()),
        ),
        (
            "resume latest",
            with_session(SessionMode::ResumeLatest, ClaudeOptions::default()),
        ),
        (
            "resume and fork",
            with_session(
                SessionMode::Resume(UUID.into()),
                ClaudeOptions {
                    fork_session: true,
                    ..ClaudeOptions::default()
                },
            ),
        ),
        (
            "permissionMode manual is sent as default",
            claude(ClaudeOptions {
                permission_mode: Some(ClaudePermissionMode::Manual),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "permissionMode bypassPermissions",
            claude(ClaudeOptions {
                permission_mode: Some(ClaudePermissionMode::BypassPermissions),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "dangerouslySkipPermissions (no IS_SANDBOX added)",
            claude(ClaudeOptions {
                dangerously_skip_permissions: true,
                ..ClaudeOptions::default()
            }),
        ),
        (
            "no built-in tools",
            claude(ClaudeOptions {
                tools: Some(vec![]),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "appendSystemPromptFile and systemPromptFile",
            claude(ClaudeOptions {
                system_prompt_file: Some("/s.md".into()),
                append_system_prompt_file: Some("/a.md".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "jsonSchema given as text",
            claude(ClaudeOptions {
                json_schema: Some(json!("{ \"type\": \"object\" }")),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "debug true",
            claude(ClaudeOptions {
                debug: Some(DebugSetting::Enabled(true)),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "debug false emits nothing",
            claude(ClaudeOptions {
                debug: Some(DebugSetting::Enabled(false)),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "everything",
            RunRequest {
                model: Some("opus".into()),
                ..with_session(
                    SessionMode::Resume(UUID.into()),
                    ClaudeOptions {
                        fork_session: true,
                        ..everything
                    },
                )
            },
        ),
    ];
    insta::assert_snapshot!(table(cases));
}

#[test]
fn rejections_name_the_parameter() {
    let cases = vec![
        (
            "blank prompt",
            RunRequest {
                prompt: "  \n".into(),
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "flag-like model",
            RunRequest {
                model: Some("--bogus".into()),
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "skip permissions with permissionMode",
            claude(ClaudeOptions {
                dangerously_skip_permissions: true,
                permission_mode: Some(ClaudePermissionMode::Plan),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "systemPrompt with systemPromptFile",
            claude(ClaudeOptions {
                system_prompt: Some("x".into()),
                system_prompt_file: Some("/x".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "appendSystemPrompt with appendSystemPromptFile",
            claude(ClaudeOptions {
                append_system_prompt: Some("x".into()),
                append_system_prompt_file: Some("/x".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "safeMode with custom agents",
            claude(ClaudeOptions {
                safe_mode: true,
                agents: Some(serde_json::Map::new()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "empty systemPrompt",
            claude(ClaudeOptions {
                system_prompt: Some(" ".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "forkSession without a resume",
            claude(ClaudeOptions {
                fork_session: true,
                ..ClaudeOptions::default()
            }),
        ),
        (
            "resumeLatest without workingDir",
            RunRequest {
                session: SessionMode::ResumeLatest,
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "resume a non-UUID",
            RunRequest {
                session: SessionMode::Resume("my-session".into()),
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "resume a gateway id",
            RunRequest {
                session: SessionMode::Resume("gw-123".into()),
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "new session with a non-UUID",
            RunRequest {
                session: SessionMode::NewWithId("abc".into()),
                ..claude(ClaudeOptions::default())
            },
        ),
        (
            "flag-like allowed tool",
            claude(ClaudeOptions {
                allowed_tools: vec!["Read".into(), "-rf".into()],
                ..ClaudeOptions::default()
            }),
        ),
        (
            "flag-like disallowed tool",
            claude(ClaudeOptions {
                disallowed_tools: vec!["--bogus".into()],
                ..ClaudeOptions::default()
            }),
        ),
        (
            "empty tool name",
            claude(ClaudeOptions {
                tools: Some(vec![String::new()]),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "flag-like addDir",
            claude(ClaudeOptions {
                add_dirs: vec!["--evil".into()],
                ..ClaudeOptions::default()
            }),
        ),
        (
            "flag-like mcpConfig",
            claude(ClaudeOptions {
                mcp_config: vec!["-x".into()],
                ..ClaudeOptions::default()
            }),
        ),
        (
            "partial messages with json",
            claude(ClaudeOptions {
                output_format: Some(ClaudeOutputFormat::Json),
                include_partial_messages: Some(true),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "hook events with text",
            claude(ClaudeOptions {
                output_format: Some(ClaudeOutputFormat::Text),
                include_hook_events: true,
                ..ClaudeOptions::default()
            }),
        ),
        (
            "zero maxTurns",
            claude(ClaudeOptions {
                max_turns: Some(0),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "negative maxBudgetUsd",
            claude(ClaudeOptions {
                max_budget_usd: Some(-1.0),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "NaN maxBudgetUsd",
            claude(ClaudeOptions {
                max_budget_usd: Some(f64::NAN),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "jsonSchema not JSON",
            claude(ClaudeOptions {
                json_schema: Some(json!("{type: object")),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "jsonSchema an array",
            claude(ClaudeOptions {
                json_schema: Some(json!([1])),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "unknown setting source",
            claude(ClaudeOptions {
                setting_sources: Some("user,bogus".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "flag-like debug filter",
            claude(ClaudeOptions {
                debug: Some(DebugSetting::Filter("-x".into())),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "name with a line break",
            claude(ClaudeOptions {
                name: Some("a\nb".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "flag-like settings",
            claude(ClaudeOptions {
                settings: Some("--x".into()),
                ..ClaudeOptions::default()
            }),
        ),
        (
            "NUL in prompt",
            RunRequest {
                prompt: "a\0b".into(),
                ..claude(ClaudeOptions::default())
            },
        ),
    ];
    insta::assert_snapshot!(table(cases));
}

#[test]
fn options_read_camel_case_and_reference_aliases() {
    let options: ClaudeOptions = serde_json::from_value(json!({
        "outputFormat": "json", "permissionMode": "manual", "addDir": ["/a"], "pluginDir": ["/p"],
        "maxBudgetUsd": 1.5, "effort": "max", "debug": true, "jsonSchema": {"type": "object"}
    }))
    .unwrap();
    assert_eq!(options.output_format, Some(ClaudeOutputFormat::Json));
    assert_eq!(options.permission_mode, Some(ClaudePermissionMode::Manual));
    assert_eq!(options.add_dirs, vec!["/a".to_owned()]);
    assert_eq!(options.plugin_dirs, vec!["/p".to_owned()]);
    assert_eq!(options.debug, Some(DebugSetting::Enabled(true)));
    assert!(serde_json::from_value::<ClaudeOptions>(json!({"permissionMode": "yolo"})).is_err());
}

#[test]
fn prompt_goes_on_stdin_even_when_it_looks_like_a_flag() {
    let spec = build(&RunRequest {
        prompt: "--help -rf me".into(),
        ..claude(ClaudeOptions::default())
    })
    .unwrap();
    assert_eq!(spec.stdin.as_deref(), Some("--help -rf me"));
    assert_eq!(spec.prompt_via, PromptVia::Stdin);
    assert!(
        !spec.args.iter().any(|arg| arg.contains("--help")),
        "{:?}",
        spec.args
    );
}

#[test]
fn one_mebibyte_prompt_travels_on_stdin() {
    let prompt = "é".repeat(512 * 1024);
    let spec = build(&RunRequest {
        prompt: prompt.clone(),
        ..claude(ClaudeOptions::default())
    })
    .unwrap();
    assert_eq!(spec.stdin.as_deref(), Some(prompt.as_str()));
    assert_eq!(spec.prompt_bytes, 1024 * 1024);
    assert!(spec.args.iter().all(|arg| arg.len() < 100));
}

#[test]
fn fixtures_parse() {
    insta::glob!("../../fixtures", "claude/*.json*", |path| {
        let name = path.file_name().unwrap().to_string_lossy();
        let spec = format(if name.contains("_stream-json_") {
            ClaudeOutputFormat::StreamJson
        } else {
            ClaudeOutputFormat::Json
        });
        let stdout = std::fs::read_to_string(path).unwrap();
        let (events, outcome) = run(&spec, &stdout, fixture_exit(path), "");
        insta::assert_snapshot!(describe(&events, &outcome));
    });
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/claude")
            .join(name),
    )
    .unwrap()
}

#[test]
fn auth_failure_is_an_error_even_with_subtype_success() {
    let (_, outcome) = run(
        &format(ClaudeOutputFormat::Json),
        &fixture("claude-2.1.330_json_not-logged-in.json"),
        FAILED,
        "",
    );
    assert!(outcome.is_error);
    assert_eq!(
        outcome.error.as_deref(),
        Some("Not logged in · Please run /login")
    );
    assert_eq!(outcome.text, "");
    assert_eq!(
        outcome.session_id.as_deref(),
        Some("9d3ac5d5-ed9e-4d30-864b-45e22701a7a3")
    );
}

#[test]
fn partial_messages_are_not_counted_twice() {
    let (events, outcome) = run(
        &format(ClaudeOutputFormat::StreamJson),
        &fixture("claude-2.1.330_stream-json_partial-messages_ok.jsonl"),
        OK,
        "",
    );
    let texts: Vec<&AgentEvent> = events
        .iter()
        .filter(|event| matches!(event, AgentEvent::Text { .. }))
        .collect();
    assert_eq!(
        texts,
        vec![&AgentEvent::Text {
            text: "MOCK_OK".into(),
            delta: true
        }]
    );
    assert_eq!(outcome.text, "MOCK_OK");
    assert_eq!(outcome.usage.cache_read_tokens, Some(3));
    assert!(
        (outcome.cost_usd.unwrap() - 0.0001119).abs() < 1e-12,
        "{:?}",
        outcome.cost_usd
    );
}

#[test]
fn killed_mid_stream_keeps_partial_text_and_a_partial_final_line() {
    let stdout = fixture("claude-2.1.330_stream-json_partial-messages_ok.jsonl");
    let cut = stdout.find(r#"{"type":"assistant""#).unwrap() + 40;
    let (events, outcome) = run(
        &format(ClaudeOutputFormat::StreamJson),
        &stdout[..cut],
        KILLED,
        "",
    );
    assert!(
        matches!(events.last(), Some(AgentEvent::Unrecognized { .. })),
        "{events:?}"
    );
    assert_eq!(outcome.text, "MOCK_OK");
    assert!(outcome.is_error);
    assert_eq!(
        outcome.error.as_deref(),
        Some("killed by signal 15 before reporting a result")
    );
    assert_eq!(
        outcome.session_id.as_deref(),
        Some("01d29393-4d4e-4b43-bc97-01ed4d6bb97a")
    );
}

#[test]
fn stdout_noise_is_kept_as_unrecognized_and_does_not_change_the_outcome() {
    let clean = fixture("claude-2.1.330_stream-json_tool-use_ok.jsonl");
    let noisy: String = clean
        .lines()
        .flat_map(|line| ["Warning: something odd", line, "", "[1/2] 50%"])
        .collect::<Vec<_>>()
        .join("\n");
    let spec = format(ClaudeOutputFormat::StreamJson);
    let (_, quiet) = run(&spec, &clean, OK, "");
    let (events, loud) = run(&spec, &noisy, OK, "Warning: no stdin data received in 3s\n");
    assert_eq!(quiet, loud);
    let unrecognized = events
        .iter()
        .filter(|event| matches!(event, AgentEvent::Unrecognized { .. }))
        .count();
    assert_eq!(unrecognized, 2 * clean.lines().count());
    assert!(events.contains(&AgentEvent::ToolUse {
        name: "Bash".into(),
        summary: "echo mock-tool".into()
    }));
}

#[test]
fn empty_output_with_a_failed_exit_uses_the_stderr_tail() {
    for output_format in [
        ClaudeOutputFormat::Text,
        ClaudeOutputFormat::Json,
        ClaudeOutputFormat::StreamJson,
    ] {
        let (events, outcome) = run(
            &format(output_format),
            "",
            FAILED,
            "error: unknown option '--bogus'\n",
        );
        assert!(events.is_empty());
        assert!(outcome.is_error, "{output_format:?}");
        assert_eq!(
            outcome.error.as_deref(),
            Some("error: unknown option '--bogus'"),
            "{output_format:?}"
        );
    }
    let (_, outcome) = run(&format(ClaudeOutputFormat::Json), "", OK, "");
    assert!(!outcome.is_error);
}

#[test]
fn api_retries_are_notices_and_max_turns_is_an_error() {
    let (events, _) = run(
        &format(ClaudeOutputFormat::StreamJson),
        &fixture("claude-2.1.330_stream-json_api_retry.jsonl"),
        KILLED,
        "",
    );
    assert!(events.contains(&AgentEvent::Error {
        message: "API retry 1/10 (unknown)".into(),
        fatal: false
    }));
    let (_, outcome) = run(
        &format(ClaudeOutputFormat::Json),
        &fixture("claude-2.1.330_json_error_max_turns.json"),
        FAILED,
        "",
    );
    assert_eq!(
        outcome.error.as_deref(),
        Some("Reached maximum number of turns (1)")
    );
    assert_eq!(outcome.stop_reason.as_deref(), Some("max_turns"));
}

#[test]
fn text_format_and_a_multibyte_character_split_across_reads() {
    let spec = format(ClaudeOutputFormat::Text);
    let stdout = "naïve café ☕\nsecond line\n".as_bytes();
    for chunk in 1..8 {
        let (_, outcome) = run_bytes(&spec, stdout, chunk, OK, "");
        assert_eq!(outcome.text, "naïve café ☕\nsecond line", "chunk {chunk}");
    }
    let stream = format!(
        "{}\n",
        json!({"type":"stream_event","event":{"type":"content_block_delta","delta":{"type":"text_delta","text":"日本語 ✓"}}})
    );
    let (_, outcome) = run_bytes(
        &format(ClaudeOutputFormat::StreamJson),
        stream.as_bytes(),
        1,
        KILLED,
        "",
    );
    assert_eq!(outcome.text, "日本語 ✓");
}

#[test]
fn grok_style_error_lines_are_fatal() {
    let (events, outcome) = run(
        &format(ClaudeOutputFormat::StreamJson),
        r#"{"type":"error","message":"Not signed in"}"#,
        FAILED,
        "Error: Not signed in",
    );
    assert_eq!(
        events,
        vec![AgentEvent::Error {
            message: "Not signed in".into(),
            fatal: true
        }]
    );
    assert_eq!(outcome.error.as_deref(), Some("Not signed in"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(line_strategy(), 0..12), code in proptest::option::of(0i32..3)) {
        for output_format in [ClaudeOutputFormat::Text, ClaudeOutputFormat::Json, ClaudeOutputFormat::StreamJson] {
            let exit = ExitInfo { code, signal: if code.is_none() { Some(9) } else { None } };
            let (_, outcome) = run(&format(output_format), &lines.join("\n"), exit, "tail");
            prop_assert_eq!(outcome.is_error, outcome.error.is_some());
        }
    }
}
