//! Grok Build: argv for every option and rejection (prompt through `--prompt-file`, JSON
//! prompts through `--prompt-json`), parses of real 1.0.41 output in all four formats, and the
//! edge cases of a stream that ends badly.

use gateway_core::AgentEvent;
use gateway_provider::grok::{GrokOptions, GrokOutputFormat, GrokPermissionMode};
use gateway_provider::request::{RunRequest, SessionMode};
use gateway_provider::spec::PROMPT_FILE_PLACEHOLDER;
use gateway_provider::{CommandSpec, PromptVia, ProviderOptions, build};
use proptest::prelude::*;
use serde_json::json;

use super::common::{
    FAILED, KILLED, OK, UUID, describe, fixture_exit, line_strategy, request, run, run_bytes,
    spec_for, table,
};

fn grok(options: GrokOptions) -> RunRequest {
    request(ProviderOptions::Grok(options))
}

fn with_session(session: SessionMode, options: GrokOptions) -> RunRequest {
    RunRequest {
        session,
        working_dir: Some("/work".to_owned()),
        ..grok(options)
    }
}

fn format(format: GrokOutputFormat) -> CommandSpec {
    spec_for(ProviderOptions::Grok(GrokOptions {
        output_format: Some(format),
        ..GrokOptions::default()
    }))
}

#[test]
fn argv_for_every_option() {
    let everything = GrokOptions {
        permission_mode: Some(GrokPermissionMode::AcceptEdits),
        tools: vec!["read_file".into(), "grep".into()],
        disallowed_tools: vec!["run_terminal_command".into()],
        allow: vec!["Bash(git *)".into(), "Read".into()],
        deny: vec!["Bash(rm *)".into()],
        agent: Some("reviewer".into()),
        agents: Some(json!({"reviewer": {"description": "Reviews", "prompt": "Review"}})),
        max_turns: Some(10_000),
        system_prompt: Some("-be terse".into()),
        rules: Some("no force pushes\nno deletes".into()),
        effort: Some("high".into()),
        sandbox: Some("workspace".into()),
        disable_web_search: true,
        verbatim: true,
        no_plan: true,
        no_subagents: true,
        ..GrokOptions::default()
    };
    let cases = vec![
        ("minimal (streaming-json)", grok(GrokOptions::default())),
        (
            "plain",
            grok(GrokOptions {
                output_format: Some(GrokOutputFormat::Plain),
                ..GrokOptions::default()
            }),
        ),
        (
            "json",
            grok(GrokOptions {
                output_format: Some(GrokOutputFormat::Json),
                ..GrokOptions::default()
            }),
        ),
        (
            "streaming-messages-json with partial messages",
            grok(GrokOptions {
                output_format: Some(GrokOutputFormat::StreamingMessagesJson),
                include_partial_messages: true,
                ..GrokOptions::default()
            }),
        ),
        (
            "model and workingDir",
            RunRequest {
                model: Some("grok-4.6".into()),
                working_dir: Some("/work".into()),
                ..grok(GrokOptions::default())
            },
        ),
        (
            "new session with id",
            with_session(SessionMode::NewWithId(UUID.into()), GrokOptions::default()),
        ),
        (
            "resume by id",
            with_session(SessionMode::Resume(UUID.into()), GrokOptions::default()),
        ),
        (
            "resume latest",
            with_session(SessionMode::ResumeLatest, GrokOptions::default()),
        ),
        (
            "resume, fork and restore code",
            with_session(
                SessionMode::Resume(UUID.into()),
                GrokOptions {
                    fork_session: true,
                    restore_code: true,
                    ..GrokOptions::default()
                },
            ),
        ),
        (
            "alwaysApprove",
            grok(GrokOptions {
                always_approve: true,
                ..GrokOptions::default()
            }),
        ),
        (
            "jsonSchema implies json",
            grok(GrokOptions {
                json_schema: Some(json!({"type": "object"})),
                ..GrokOptions::default()
            }),
        ),
        (
            "jsonSchema as text with explicit json",
            grok(GrokOptions {
                json_schema: Some(json!("{\"type\":\"object\"}")),
                output_format: Some(GrokOutputFormat::Json),
                ..GrokOptions::default()
            }),
        ),
        (
            "dash prompt goes in the file",
            RunRequest {
                prompt: "-p --help".into(),
                ..grok(GrokOptions::default())
            },
        ),
        (
            "JSON prompt goes in the file too",
            RunRequest {
                prompt: "{\"review\": \"this\"}".into(),
                ..grok(GrokOptions::default())
            },
        ),
        (
            "everything",
            RunRequest {
                model: Some("grok-4.6".into()),
                ..with_session(
                    SessionMode::ResumeLatest,
                    GrokOptions {
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
            "alwaysApprove with permissionMode",
            grok(GrokOptions {
                always_approve: true,
                permission_mode: Some(GrokPermissionMode::Plan),
                ..GrokOptions::default()
            }),
        ),
        (
            "jsonSchema with streaming-json",
            grok(GrokOptions {
                json_schema: Some(json!({})),
                output_format: Some(GrokOutputFormat::StreamingJson),
                ..GrokOptions::default()
            }),
        ),
        (
            "partial messages with streaming-json",
            grok(GrokOptions {
                include_partial_messages: true,
                ..GrokOptions::default()
            }),
        ),
        (
            "forkSession without a resume",
            grok(GrokOptions {
                fork_session: true,
                ..GrokOptions::default()
            }),
        ),
        (
            "restoreCode without a resume",
            grok(GrokOptions {
                restore_code: true,
                ..GrokOptions::default()
            }),
        ),
        (
            "resumeLatest without workingDir",
            RunRequest {
                session: SessionMode::ResumeLatest,
                ..grok(GrokOptions::default())
            },
        ),
        (
            "resume a title, not a UUID",
            RunRequest {
                session: SessionMode::Resume("my session".into()),
                ..grok(GrokOptions::default())
            },
        ),
        (
            "new session with a non-UUID",
            RunRequest {
                session: SessionMode::NewWithId("abc".into()),
                ..grok(GrokOptions::default())
            },
        ),
        (
            "tool with a comma",
            grok(GrokOptions {
                tools: vec!["read_file".into(), "a,b".into()],
                ..GrokOptions::default()
            }),
        ),
        (
            "flag-like disallowed tool",
            grok(GrokOptions {
                disallowed_tools: vec!["--all".into()],
                ..GrokOptions::default()
            }),
        ),
        (
            "flag-like allow rule",
            grok(GrokOptions {
                allow: vec!["-x".into()],
                ..GrokOptions::default()
            }),
        ),
        (
            "deny rule with a line break",
            grok(GrokOptions {
                deny: vec!["a\nb".into()],
                ..GrokOptions::default()
            }),
        ),
        (
            "zero maxTurns",
            grok(GrokOptions {
                max_turns: Some(0),
                ..GrokOptions::default()
            }),
        ),
        (
            "maxTurns over the cap",
            grok(GrokOptions {
                max_turns: Some(10_001),
                ..GrokOptions::default()
            }),
        ),
        (
            "agents not an object",
            grok(GrokOptions {
                agents: Some(json!(["a"])),
                ..GrokOptions::default()
            }),
        ),
        (
            "agents text not JSON",
            grok(GrokOptions {
                agents: Some(json!("reviewer")),
                ..GrokOptions::default()
            }),
        ),
        (
            "flag-like effort",
            grok(GrokOptions {
                effort: Some("--max".into()),
                ..GrokOptions::default()
            }),
        ),
        (
            "blank rules",
            grok(GrokOptions {
                rules: Some(String::new()),
                ..GrokOptions::default()
            }),
        ),
        (
            "NUL in systemPrompt",
            grok(GrokOptions {
                system_prompt: Some("a\0b".into()),
                ..GrokOptions::default()
            }),
        ),
        (
            "flag-like sandbox",
            grok(GrokOptions {
                sandbox: Some("-off".into()),
                ..GrokOptions::default()
            }),
        ),
    ];
    insta::assert_snapshot!(table(cases));
}

#[test]
fn options_read_camel_case_and_reference_aliases() {
    let options: GrokOptions = serde_json::from_value(json!({
        "outputFormat": "streaming-messages-json", "allowedTools": ["grep"], "systemPromptOverride": "terse",
        "reasoningEffort": "low", "permissionMode": "dontAsk", "agents": "{\"a\":{}}"
    }))
    .unwrap();
    assert_eq!(
        options.output_format,
        Some(GrokOutputFormat::StreamingMessagesJson)
    );
    assert_eq!(options.tools, vec!["grep".to_owned()]);
    assert_eq!(options.system_prompt.as_deref(), Some("terse"));
    assert_eq!(options.effort.as_deref(), Some("low"));
    assert!(serde_json::from_value::<GrokOptions>(json!({"outputFormat": "stream-json"})).is_err());
}

#[test]
fn dash_prompts_travel_in_the_prompt_file() {
    let built = build(&RunRequest {
        prompt: "-rf / --yolo".into(),
        ..grok(GrokOptions::default())
    })
    .unwrap();
    assert_eq!(built.prompt_via, PromptVia::File);
    assert_eq!(built.prompt_file.as_deref(), Some("-rf / --yolo"));
    assert_eq!(built.stdin, None);
    assert_eq!(&built.args[..2], ["--prompt-file", PROMPT_FILE_PLACEHOLDER]);
    assert!(!built.args.iter().any(|arg| arg.contains("--yolo")));
}

/// Grok reads a prompt file as JSON content blocks only when its name ends in `.json`
/// (verified with 1.0.41); the engine writes `prompt.txt`, so JSON prompts are plain files too.
#[test]
fn json_prompts_travel_in_the_file_like_any_other() {
    for prompt in ["{\"a\": 1}", "[1, 2]", "42", "\"quoted\"", " true "] {
        let built = build(&RunRequest {
            prompt: prompt.into(),
            ..grok(GrokOptions::default())
        })
        .unwrap();
        assert_eq!(built.prompt_via, PromptVia::File, "{prompt}");
        assert_eq!(built.prompt_file.as_deref(), Some(prompt));
        assert!(!built.args.iter().any(|arg| arg == "--prompt-json"));
    }
}

#[test]
fn one_mebibyte_prompts_travel_in_the_file_even_when_they_are_json() {
    let text = "review this line\n".repeat(64 * 1024);
    let json_prompt = serde_json::to_string(&vec!["x".repeat(1000); 1100]).unwrap();
    for prompt in [text, json_prompt] {
        assert!(prompt.len() >= 1024 * 1024);
        let built = build(&RunRequest {
            prompt: prompt.clone(),
            ..grok(GrokOptions::default())
        })
        .unwrap();
        assert_eq!(built.prompt_file.as_deref(), Some(prompt.as_str()));
        assert!(built.args.iter().all(|arg| arg.len() < 100));
    }
}

#[test]
fn fixtures_parse() {
    insta::glob!("../../fixtures", "grok/*.json*", |path| {
        let name = path.file_name().unwrap().to_string_lossy();
        let output_format = if name.contains("_streaming-messages-json_") {
            GrokOutputFormat::StreamingMessagesJson
        } else if name.contains("_streaming-json_") {
            GrokOutputFormat::StreamingJson
        } else {
            GrokOutputFormat::Json
        };
        let stdout = std::fs::read_to_string(path).unwrap();
        let (events, outcome) = run(&format(output_format), &stdout, fixture_exit(path), "");
        insta::assert_snapshot!(describe(&events, &outcome));
    });
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/grok")
            .join(name),
    )
    .unwrap()
}

#[test]
fn not_signed_in_is_an_error_from_stdout() {
    for output_format in [
        GrokOutputFormat::Json,
        GrokOutputFormat::StreamingJson,
        GrokOutputFormat::StreamingMessagesJson,
    ] {
        let stdout = fixture("grok-1.0.41_json_not-signed-in.stdout.json");
        let (events, outcome) = run(
            &format(output_format),
            &stdout,
            FAILED,
            "Error: Not signed in.\n",
        );
        assert!(
            matches!(events.as_slice(), [AgentEvent::Error { fatal: true, .. }]),
            "{output_format:?}: {events:?}"
        );
        assert!(outcome.is_error);
        assert!(
            outcome
                .error
                .as_deref()
                .unwrap()
                .starts_with("Not signed in."),
            "{:?}",
            outcome.error
        );
    }
}

#[test]
fn streaming_events_and_a_kill_mid_stream() {
    let stdout = [
        r#"{"type":"thought","data":"let me look"}"#,
        r#"{"type":"tool_call","toolCallId":"t1","title":"Read src/main.rs","kind":"read","status":"pending","toolName":"read_file","rawInput":{"path":"src/main.rs"}}"#,
        r#"{"type":"tool_call_update","toolCallId":"t1","status":"completed"}"#,
        r#"{"type":"plan","entries":[{"content":"a"},{"content":"b"}]}"#,
        r#"{"type":"text","data":"Half "}"#,
        r#"{"type":"text","data":"an answ"#,
    ]
    .join("\n");
    let (events, outcome) = run(
        &format(GrokOutputFormat::StreamingJson),
        &stdout,
        KILLED,
        "",
    );
    insta::assert_snapshot!(describe(&events, &outcome));
}

#[test]
fn max_turns_and_unknown_events() {
    let stdout = "{\"type\":\"text\",\"data\":\"partial\"}\n{\"type\":\"max_turns_reached\"}\n{\"type\":\"auto_compact_started\"}\n{\"type\":\"brand_new\",\"x\":1}\nnot json at all";
    let (events, outcome) = run(&format(GrokOutputFormat::StreamingJson), stdout, FAILED, "");
    assert_eq!(
        events
            .iter()
            .filter(|event| matches!(event, AgentEvent::Unrecognized { .. }))
            .count(),
        2
    );
    assert_eq!(outcome.stop_reason.as_deref(), Some("max_turns"));
    assert_eq!(outcome.text, "partial");
    assert!(outcome.is_error);
}

#[test]
fn empty_output_uses_the_stderr_tail_and_noise_does_not_change_the_outcome() {
    for output_format in [
        GrokOutputFormat::Plain,
        GrokOutputFormat::Json,
        GrokOutputFormat::StreamingJson,
    ] {
        let (_, outcome) = run(
            &format(output_format),
            "",
            code(2),
            "error: unexpected argument '--bogus' found\n\n  tip: …\n",
        );
        assert_eq!(
            outcome.error.as_deref(),
            Some("error: unexpected argument '--bogus' found"),
            "{output_format:?}"
        );
    }
    let clean = fixture("grok-1.0.41_streaming-json_ok.jsonl");
    let noisy: String = clean
        .lines()
        .flat_map(|line| [line, "Checking for updates…"])
        .collect::<Vec<_>>()
        .join("\n");
    let spec = format(GrokOutputFormat::StreamingJson);
    assert_eq!(
        run(&spec, &clean, OK, "").1,
        run(&spec, &noisy, OK, "some stderr").1
    );
}

#[test]
fn pretty_printed_json_and_multibyte_text_split_across_reads() {
    let stdout = format!(
        "{:#}\n",
        json!({"text": "Grüße 🌍", "sessionId": UUID, "stopReason": "end_turn", "total_cost_usd": 0.25})
    );
    for chunk in [1, 2, 3, 7] {
        let (_, outcome) = run_bytes(
            &format(GrokOutputFormat::Json),
            stdout.as_bytes(),
            chunk,
            OK,
            "",
        );
        assert_eq!(outcome.text, "Grüße 🌍");
        assert_eq!(outcome.cost_usd, Some(0.25));
        assert_eq!(outcome.session_id.as_deref(), Some(UUID));
    }
}

fn code(code: i32) -> gateway_core::ExitInfo {
    gateway_core::ExitInfo {
        code: Some(code),
        signal: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(line_strategy(), 0..12), failed in any::<bool>()) {
        for output_format in [GrokOutputFormat::Plain, GrokOutputFormat::Json, GrokOutputFormat::StreamingJson, GrokOutputFormat::StreamingMessagesJson] {
            let (_, outcome) = run(&format(output_format), &lines.join("\n"), if failed { FAILED } else { KILLED }, "");
            prop_assert_eq!(outcome.is_error, outcome.error.is_some());
        }
    }
}
