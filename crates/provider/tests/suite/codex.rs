//! Codex CLI: argv for every option and rejection (exec-only flags before `resume`), parses of
//! real 0.169.0 JSONL, and the edge cases of a stream that ends badly.

use std::collections::BTreeMap;

use gateway_core::AgentEvent;
use gateway_provider::codex::{
    CodexApproval, CodexOptions, CodexOutputFormat, CodexSandbox, LocalProvider,
};
use gateway_provider::request::{RunRequest, SessionMode};
use gateway_provider::{CommandSpec, PromptVia, ProviderOptions, build};
use proptest::prelude::*;
use serde_json::json;

use super::common::{
    FAILED, KILLED, OK, describe, fixture_exit, line_strategy, request, run, run_bytes, spec_for,
    table,
};

const THREAD: &str = "01a1ffee-da3a-7953-99a4-93772003f72f";

fn codex(options: CodexOptions) -> RunRequest {
    request(ProviderOptions::Codex(options))
}

fn with_session(session: SessionMode, options: CodexOptions) -> RunRequest {
    RunRequest {
        session,
        working_dir: Some("/work".to_owned()),
        ..codex(options)
    }
}

fn spec() -> CommandSpec {
    spec_for(ProviderOptions::Codex(CodexOptions::default()))
}

fn everything() -> CodexOptions {
    CodexOptions {
        output_format: Some(CodexOutputFormat::Json),
        sandbox: Some(CodexSandbox::WorkspaceWrite),
        ask_for_approval: Some(CodexApproval::Never),
        dangerously_bypass_hook_trust: true,
        output_schema: Some("/schemas/answer.json".into()),
        output_last_message: Some("/tmp/last.txt".into()),
        profile: Some("review".into()),
        config_overrides: BTreeMap::from([
            ("model_reasoning_effort".to_owned(), json!("high")),
            (
                "sandbox_workspace_write.network_access".to_owned(),
                json!(true),
            ),
            (
                "model_providers.local".to_owned(),
                json!({"name": "local", "base_url": "http://127.0.0.1:1/v1"}),
            ),
            (
                "sandbox_permissions".to_owned(),
                json!(["disk-full-read-access"]),
            ),
        ]),
        ephemeral: true,
        images: vec!["/img/a.png".into(), "/img/b.png".into()],
        add_dirs: vec!["/extra".into()],
        ignore_user_config: true,
        ignore_rules: true,
        strict_config: true,
        enable: vec!["web_search_request".into()],
        disable: vec!["apply_patch_freeform".into()],
        oss: true,
        local_provider: Some(LocalProvider::Ollama),
        ..CodexOptions::default()
    }
}

#[test]
fn argv_for_every_option() {
    let cases = vec![
        ("minimal", codex(CodexOptions::default())),
        (
            "outputFormat text still runs --json",
            codex(CodexOptions {
                output_format: Some(CodexOutputFormat::Text),
                ..CodexOptions::default()
            }),
        ),
        (
            "model and workingDir",
            RunRequest {
                model: Some("gpt-5".into()),
                working_dir: Some("/work".into()),
                ..codex(CodexOptions::default())
            },
        ),
        (
            "sandbox read-only",
            codex(CodexOptions {
                sandbox: Some(CodexSandbox::ReadOnly),
                ..CodexOptions::default()
            }),
        ),
        (
            "sandbox danger-full-access",
            codex(CodexOptions {
                sandbox: Some(CodexSandbox::DangerFullAccess),
                ..CodexOptions::default()
            }),
        ),
        (
            "fullAuto maps to -s workspace-write",
            codex(CodexOptions {
                full_auto: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "askForApproval never is what exec does anyway",
            codex(CodexOptions {
                ask_for_approval: Some(CodexApproval::Never),
                ..CodexOptions::default()
            }),
        ),
        (
            "approveForMe",
            codex(CodexOptions {
                approve_for_me: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "dangerouslyBypassApprovalsAndSandbox",
            codex(CodexOptions {
                dangerously_bypass_approvals_and_sandbox: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "skipGitRepoCheck false",
            codex(CodexOptions {
                skip_git_repo_check: Some(false),
                ..CodexOptions::default()
            }),
        ),
        (
            "everything",
            RunRequest {
                model: Some("gpt-5".into()),
                ..codex(everything())
            },
        ),
        (
            "resume by id: exec-only flags before resume",
            RunRequest {
                model: Some("gpt-5".into()),
                ..with_session(SessionMode::Resume(THREAD.into()), everything())
            },
        ),
        (
            "resume latest",
            with_session(
                SessionMode::ResumeLatest,
                CodexOptions {
                    sandbox: Some(CodexSandbox::ReadOnly),
                    ephemeral: true,
                    ..CodexOptions::default()
                },
            ),
        ),
        (
            "resume by thread name",
            with_session(
                SessionMode::Resume("nightly-review".into()),
                CodexOptions::default(),
            ),
        ),
        (
            "a CR inside a structured config value is escaped, not passed raw",
            codex(CodexOptions {
                config_overrides: BTreeMap::from([("a".to_owned(), json!({"b": "x\ry"}))]),
                ..CodexOptions::default()
            }),
        ),
    ];
    insta::assert_snapshot!(table(cases));
}

#[test]
fn rejections_name_the_parameter() {
    let override_with = |key: &str, value: serde_json::Value| {
        codex(CodexOptions {
            config_overrides: BTreeMap::from([(key.to_owned(), value)]),
            ..CodexOptions::default()
        })
    };
    let cases = vec![
        (
            "new session with a chosen id",
            RunRequest {
                session: SessionMode::NewWithId("d0f2b5b6-08af-47de-89ad-c7866de14c05".into()),
                ..codex(CodexOptions::default())
            },
        ),
        (
            "resume a gateway id",
            RunRequest {
                session: SessionMode::Resume("gw-abc".into()),
                ..codex(CodexOptions::default())
            },
        ),
        (
            "resume an id with spaces",
            RunRequest {
                session: SessionMode::Resume("my thread".into()),
                ..codex(CodexOptions::default())
            },
        ),
        (
            "resumeLatest without workingDir",
            RunRequest {
                session: SessionMode::ResumeLatest,
                ..codex(CodexOptions::default())
            },
        ),
        (
            "askForApproval on-request",
            codex(CodexOptions {
                ask_for_approval: Some(CodexApproval::OnRequest),
                ..CodexOptions::default()
            }),
        ),
        (
            "askForApproval untrusted",
            codex(CodexOptions {
                ask_for_approval: Some(CodexApproval::Untrusted),
                ..CodexOptions::default()
            }),
        ),
        (
            "search",
            codex(CodexOptions {
                search: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "useLegacyFullAutoFlag",
            codex(CodexOptions {
                use_legacy_full_auto_flag: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "fullAuto with sandbox",
            codex(CodexOptions {
                full_auto: true,
                sandbox: Some(CodexSandbox::ReadOnly),
                ..CodexOptions::default()
            }),
        ),
        (
            "bypass with sandbox",
            codex(CodexOptions {
                dangerously_bypass_approvals_and_sandbox: true,
                sandbox: Some(CodexSandbox::ReadOnly),
                ..CodexOptions::default()
            }),
        ),
        (
            "bypass with fullAuto",
            codex(CodexOptions {
                dangerously_bypass_approvals_and_sandbox: true,
                full_auto: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "approveForMe with sandbox",
            codex(CodexOptions {
                approve_for_me: true,
                sandbox: Some(CodexSandbox::WorkspaceWrite),
                ..CodexOptions::default()
            }),
        ),
        (
            "approveForMe with bypass",
            codex(CodexOptions {
                approve_for_me: true,
                dangerously_bypass_approvals_and_sandbox: true,
                ..CodexOptions::default()
            }),
        ),
        (
            "config value with a line break",
            override_with("model", json!("o3\nmodel=\"x\"")),
        ),
        (
            "config value null",
            override_with("model", serde_json::Value::Null),
        ),
        (
            "config key with a space",
            override_with("bad key", json!(1)),
        ),
        ("config key flag-like", override_with("-c", json!(1))),
        (
            "config key with an empty segment",
            override_with("a..b", json!(1)),
        ),
        (
            "config value with NUL",
            override_with("model", json!("a\u{0}b")),
        ),
        (
            "flag-like image",
            codex(CodexOptions {
                images: vec!["-x.png".into()],
                ..CodexOptions::default()
            }),
        ),
        (
            "flag-like addDir",
            codex(CodexOptions {
                add_dirs: vec!["--evil".into()],
                ..CodexOptions::default()
            }),
        ),
        (
            "flag-like profile",
            codex(CodexOptions {
                profile: Some("-p".into()),
                ..CodexOptions::default()
            }),
        ),
        (
            "empty outputSchema",
            codex(CodexOptions {
                output_schema: Some(String::new()),
                ..CodexOptions::default()
            }),
        ),
        (
            "flag-like feature",
            codex(CodexOptions {
                enable: vec!["--all".into()],
                ..CodexOptions::default()
            }),
        ),
    ];
    insta::assert_snapshot!(table(cases));
}

#[test]
fn options_read_camel_case_and_reference_aliases() {
    let options: CodexOptions = serde_json::from_value(json!({
        "sandboxMode": "workspace-write", "addDir": ["/a"], "askForApproval": "never", "outputFormat": "text",
        "configOverrides": {"model": "o3"}, "skipGitRepoCheck": false, "localProvider": "lmstudio"
    }))
    .unwrap();
    assert_eq!(options.sandbox, Some(CodexSandbox::WorkspaceWrite));
    assert_eq!(options.add_dirs, vec!["/a".to_owned()]);
    assert_eq!(options.skip_git_repo_check, Some(false));
    assert!(serde_json::from_value::<CodexOptions>(json!({"sandbox": "yolo"})).is_err());
    assert!(
        serde_json::from_value::<CodexOptions>(json!({"outputSchema": {"type": "object"}}))
            .is_err()
    );
}

#[test]
fn prompt_goes_on_stdin_after_the_end_of_options() {
    for session in [
        SessionMode::Fresh,
        SessionMode::Resume(THREAD.into()),
        SessionMode::ResumeLatest,
    ] {
        let built = build(&RunRequest {
            prompt: "-rf --help".into(),
            ..with_session(session.clone(), CodexOptions::default())
        })
        .unwrap();
        assert_eq!(built.stdin.as_deref(), Some("-rf --help"));
        assert_eq!(built.prompt_via, PromptVia::Stdin);
        assert_eq!(
            built.args.last().map(String::as_str),
            Some("-"),
            "{session:?}"
        );
        let end = built.args.iter().position(|arg| arg == "--").unwrap();
        assert!(built.args.len() - end <= 3, "{:?}", built.args);
    }
}

#[test]
fn one_mebibyte_prompt_travels_on_stdin() {
    let prompt = "x".repeat(1024 * 1024);
    let built = build(&RunRequest {
        prompt: prompt.clone(),
        ..codex(CodexOptions::default())
    })
    .unwrap();
    assert_eq!(built.stdin.as_deref(), Some(prompt.as_str()));
    assert!(built.args.iter().all(|arg| arg.len() < 100));
}

#[test]
fn fixtures_parse() {
    insta::glob!("../../fixtures", "codex/*.jsonl", |path| {
        let stdout = std::fs::read_to_string(path).unwrap();
        let (events, outcome) = run(&spec(), &stdout, fixture_exit(path), "");
        insta::assert_snapshot!(describe(&events, &outcome));
    });
}

#[test]
fn usage_separates_cached_input() {
    let stdout = r#"{"type":"turn.completed","usage":{"input_tokens":12,"cached_input_tokens":3,"cache_write_input_tokens":2,"output_tokens":5,"reasoning_output_tokens":0}}"#;
    let (_, outcome) = run(&spec(), stdout, OK, "");
    assert_eq!(outcome.usage.input_tokens, Some(9));
    assert_eq!(outcome.usage.cache_read_tokens, Some(3));
    assert_eq!(outcome.usage.cache_creation_tokens, Some(2));
}

#[test]
fn error_lines_are_notices_and_turn_failed_is_fatal() {
    let stdout = [
        r#"{"type":"thread.started","thread_id":"t-1"}"#,
        r#"{"type":"error","message":"Reconnecting... 1/5"}"#,
        r#"{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"partial answer"}}"#,
        r#"{"type":"turn.failed","error":{"message":"unexpected status 401"}}"#,
    ]
    .join("\n");
    let (events, outcome) = run(&spec(), &stdout, FAILED, "");
    assert!(events.contains(&AgentEvent::Error {
        message: "Reconnecting... 1/5".into(),
        fatal: false
    }));
    assert!(events.contains(&AgentEvent::Error {
        message: "unexpected status 401".into(),
        fatal: true
    }));
    assert!(outcome.is_error);
    assert_eq!(outcome.error.as_deref(), Some("unexpected status 401"));
    assert_eq!(outcome.text, "partial answer");
    assert_eq!(outcome.session_id.as_deref(), Some("t-1"));
}

#[test]
fn items_become_progress_events() {
    let stdout = [
        r#"{"type":"item.started","item":{"id":"1","type":"command_execution","command":"cargo test","aggregated_output":"","status":"in_progress"}}"#,
        r#"{"type":"item.updated","item":{"id":"1","type":"command_execution","command":"cargo test","aggregated_output":"ok","status":"in_progress"}}"#,
        r#"{"type":"item.completed","item":{"id":"1","type":"command_execution","command":"cargo test","aggregated_output":"ok","exit_code":101,"status":"failed"}}"#,
        r#"{"type":"item.completed","item":{"id":"2","type":"file_change","changes":[{"path":"src/a.rs","kind":"update"},{"path":"b.txt","kind":"add"}],"status":"completed"}}"#,
        r#"{"type":"item.started","item":{"id":"3","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"query":"rmcp"},"status":"in_progress"}}"#,
        r#"{"type":"item.completed","item":{"id":"4","type":"reasoning","text":"thinking hard"}}"#,
        r#"{"type":"item.completed","item":{"id":"5","type":"web_search","query":"codex exec json"}}"#,
        r#"{"type":"item.updated","item":{"id":"6","type":"todo_list","items":[{"text":"a","completed":true},{"text":"b","completed":false}]}}"#,
        r#"{"type":"item.completed","item":{"id":"7","type":"error","message":"Falling back to HTTPS"}}"#,
        r#"{"type":"item.completed","item":{"id":"8","type":"hologram","text":"?"}}"#,
        r#"{"type":"request_user_input","prompt":"?"}"#,
    ]
    .join("\n");
    let (events, _) = run(&spec(), &stdout, OK, "");
    insta::assert_snapshot!(describe(&events, &Default::default()));
}

#[test]
fn killed_mid_stream_keeps_partial_text_and_a_partial_final_line() {
    let stdout = "{\"type\":\"thread.started\",\"thread_id\":\"t-2\"}\n{\"type\":\"item.completed\",\"item\":{\"id\":\"i\",\"type\":\"agent_message\",\"text\":\"half done\"}}\n{\"type\":\"turn.comp";
    let (events, outcome) = run(&spec(), stdout, KILLED, "");
    assert!(
        matches!(events.last(), Some(AgentEvent::Unrecognized { raw }) if raw == "{\"type\":\"turn.comp")
    );
    assert_eq!(outcome.text, "half done");
    assert!(outcome.is_error);
    assert_eq!(
        outcome.error.as_deref(),
        Some("killed by signal 15 before reporting a result")
    );
}

#[test]
fn empty_output_and_stderr_noise() {
    let (events, outcome) = run(
        &spec(),
        "",
        FAILED,
        "Reading prompt from stdin...\nNot inside a trusted directory and --skip-git-repo-check was not specified.\n",
    );
    assert!(events.is_empty());
    assert_eq!(
        outcome.error.as_deref(),
        Some("Not inside a trusted directory and --skip-git-repo-check was not specified.")
    );
    let clap = "error: unexpected argument '-a' found\n\n  tip: to pass '-a' as a value, use '-- -a'\n\nUsage: codex exec [OPTIONS] [PROMPT]\n\nFor more information, try '--help'.\n";
    let (_, outcome) = run(&spec(), "", exit_code(2), clap);
    assert_eq!(
        outcome.error.as_deref(),
        Some("error: unexpected argument '-a' found")
    );
    let ok = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/codex/codex-0.169.0_exec-json_ok.jsonl"
    ))
    .unwrap();
    let noisy: String = ok
        .lines()
        .flat_map(|line| [line, "2026-11-21T21:00:00Z WARN codex_core: something"])
        .collect::<Vec<_>>()
        .join("\n");
    let (_, clean) = run(&spec(), &ok, OK, "");
    let (_, loud) = run(&spec(), &noisy, OK, "WARN lots of stderr\n");
    assert_eq!(clean, loud);
    assert!(!loud.is_error);
}

#[test]
fn a_killed_reconnect_loop_reports_the_last_notice_unless_stderr_has_an_error() {
    let stdout = "{\"type\":\"error\",\"message\":\"Reconnecting... waiting for network\"}";
    let (_, outcome) = run(&spec(), stdout, KILLED, "Reading prompt from stdin...\n");
    assert_eq!(
        outcome.error.as_deref(),
        Some("Reconnecting... waiting for network")
    );
    let (_, outcome) = run(
        &spec(),
        stdout,
        FAILED,
        "Error: thread/resume failed: no rollout found\n",
    );
    assert_eq!(
        outcome.error.as_deref(),
        Some("Error: thread/resume failed: no rollout found")
    );
}

#[test]
fn multibyte_text_split_across_reads() {
    let stdout = format!(
        "{}\n",
        json!({"type":"item.completed","item":{"id":"i","type":"agent_message","text":"réponse ✓ 完了"}})
    );
    for chunk in 1..6 {
        let (_, outcome) = run_bytes(&spec(), stdout.as_bytes(), chunk, OK, "");
        assert_eq!(outcome.text, "réponse ✓ 完了");
    }
}

fn exit_code(code: i32) -> gateway_core::ExitInfo {
    gateway_core::ExitInfo {
        code: Some(code),
        signal: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(line_strategy(), 0..12), failed in any::<bool>()) {
        let (_, outcome) = run(&spec(), &lines.join("\n"), if failed { FAILED } else { OK }, "error: tail");
        prop_assert_eq!(outcome.is_error, outcome.error.is_some());
        prop_assert!(!failed || outcome.is_error);
    }
}
