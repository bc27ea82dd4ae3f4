//! Gemini CLI and agy: argv for every option and every rejection, parses of real 0.61.0 output
//! (fixtures/gemini, fixtures/agy), and the edge cases of a stream that ends badly.

use std::path::Path;

use gateway_core::{AgentEvent, ExitInfo};
use gateway_provider::gemini::{
    self, GeminiApprovalMode, GeminiBackend, GeminiOptions, GeminiOutputFormat,
};
use gateway_provider::request::{MAX_ARGV_VALUE_BYTES, RunRequest, SessionMode};
use gateway_provider::{LineSplitter, PromptVia, ProviderOptions, build};
use proptest::prelude::*;
use serde_json::json;

use super::common::{OK, feed, feed_fixture, plan, request};

const UUID: &str = "33333333-3333-4333-8333-333333333333";
fn gemini_request(edit: impl FnOnce(&mut RunRequest, &mut GeminiOptions)) -> RunRequest {
    let mut options = GeminiOptions::default();
    let mut request = request(ProviderOptions::Gemini(GeminiOptions::default()));
    edit(&mut request, &mut options);
    request.options = ProviderOptions::Gemini(options);
    request
}

fn agy_request(edit: impl FnOnce(&mut RunRequest, &mut GeminiOptions)) -> RunRequest {
    gemini_request(|request, options| {
        options.backend = GeminiBackend::Antigravity;
        edit(request, options);
    })
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

#[test]
fn gemini_cli_argv_for_every_option() {
    let cases = vec![
        ("minimal", gemini_request(|_, _| {})),
        (
            "output text",
            gemini_request(|_, o| o.output_format = Some(GeminiOutputFormat::Text)),
        ),
        (
            "output json",
            gemini_request(|_, o| o.output_format = Some(GeminiOutputFormat::Json)),
        ),
        (
            "model",
            gemini_request(|r, _| r.model = Some("gemini-2.5-pro".into())),
        ),
        (
            "approval default",
            gemini_request(|_, o| o.approval_mode = Some(GeminiApprovalMode::Default)),
        ),
        (
            "approval auto_edit",
            gemini_request(|_, o| o.approval_mode = Some(GeminiApprovalMode::AutoEdit)),
        ),
        (
            "approval plan",
            gemini_request(|_, o| o.approval_mode = Some(GeminiApprovalMode::Plan)),
        ),
        (
            "yolo flag becomes --approval-mode yolo",
            gemini_request(|_, o| o.yolo = true),
        ),
        (
            "yolo flag with approval yolo",
            gemini_request(|_, o| {
                o.yolo = true;
                o.approval_mode = Some(GeminiApprovalMode::Yolo);
            }),
        ),
        ("sandbox", gemini_request(|_, o| o.sandbox = true)),
        (
            "include dirs repeat the flag",
            gemini_request(|_, o| o.include_dirs = strings(&["/tmp", "/srv/data dir"])),
        ),
        (
            "mcp server names repeat",
            gemini_request(|_, o| o.allowed_mcp_server_names = strings(&["a", "b"])),
        ),
        (
            "policy files",
            gemini_request(|_, o| o.policy_files = strings(&["/etc/policy.toml", "/etc/policies"])),
        ),
        (
            "admin policy files",
            gemini_request(|_, o| o.admin_policy_files = strings(&["/etc/admin.toml"])),
        ),
        (
            "allowed tools (deprecated)",
            gemini_request(|_, o| o.allowed_tools = strings(&["read_file", "glob"])),
        ),
        (
            "new session with id",
            gemini_request(|r, _| r.session = SessionMode::NewWithId(UUID.into())),
        ),
        (
            "resume by uuid",
            gemini_request(|r, _| r.session = SessionMode::Resume(UUID.into())),
        ),
        (
            "resume latest",
            gemini_request(|r, _| r.session = SessionMode::ResumeLatest),
        ),
        (
            "working dir",
            gemini_request(|r, _| r.working_dir = Some("/work/repo".into())),
        ),
        (
            "dash prompt stays on stdin",
            gemini_request(|r, _| r.prompt = "--help -rf /".into()),
        ),
        (
            "everything",
            gemini_request(|r, o| {
                r.model = Some("gemini-2.5-flash".into());
                r.session = SessionMode::ResumeLatest;
                o.output_format = Some(GeminiOutputFormat::StreamJson);
                o.approval_mode = Some(GeminiApprovalMode::AutoEdit);
                o.sandbox = true;
                o.include_dirs = strings(&["/a"]);
                o.allowed_mcp_server_names = strings(&["srv"]);
                o.policy_files = strings(&["/p.toml"]);
                o.admin_policy_files = strings(&["/q.toml"]);
                o.allowed_tools = strings(&["glob"]);
            }),
        ),
    ];
    insta::assert_snapshot!(plan(cases));
}

#[test]
fn gemini_cli_rejections() {
    let cases = vec![
        (
            "yolo with another approval mode",
            gemini_request(|_, o| {
                o.yolo = true;
                o.approval_mode = Some(GeminiApprovalMode::Plan);
            }),
        ),
        (
            "include dir looks like a flag",
            gemini_request(|_, o| o.include_dirs = strings(&["/ok", "--yolo"])),
        ),
        (
            "empty include dir",
            gemini_request(|_, o| o.include_dirs = strings(&[" "])),
        ),
        (
            "include dir with a comma",
            gemini_request(|_, o| o.include_dirs = strings(&["/a,/b"])),
        ),
        (
            "policy file with a comma",
            gemini_request(|_, o| o.policy_files = strings(&["/ok", "/p,q.toml"])),
        ),
        (
            "mcp name with newline",
            gemini_request(|_, o| o.allowed_mcp_server_names = strings(&["a\nb"])),
        ),
        (
            "policy file with NUL",
            gemini_request(|_, o| o.policy_files = strings(&["/p\0"])),
        ),
        (
            "admin policy flag-like",
            gemini_request(|_, o| o.admin_policy_files = strings(&["-x"])),
        ),
        (
            "allowed tool flag-like",
            gemini_request(|_, o| o.allowed_tools = strings(&["--all"])),
        ),
        (
            "model flag-like",
            gemini_request(|r, _| r.model = Some("--yolo".into())),
        ),
        (
            "new session id not a uuid",
            gemini_request(|r, _| r.session = SessionMode::NewWithId("abc".into())),
        ),
        (
            "resume id not a uuid",
            gemini_request(|r, _| r.session = SessionMode::Resume("latest".into())),
        ),
        (
            "resume gateway id",
            gemini_request(|r, _| r.session = SessionMode::Resume("gw-123".into())),
        ),
        (
            "agy-only project",
            gemini_request(|_, o| o.project = Some("p1".into())),
        ),
        (
            "agy-only newProject",
            gemini_request(|_, o| o.new_project = true),
        ),
        (
            "agy-only printTimeout",
            gemini_request(|_, o| o.print_timeout = Some("5m".into())),
        ),
        (
            "blank prompt",
            gemini_request(|r, _| r.prompt = " \n ".into()),
        ),
        (
            "prompt with NUL",
            gemini_request(|r, _| r.prompt = "a\0b".into()),
        ),
    ];
    insta::assert_snapshot!(plan(cases));
}

#[test]
fn agy_argv_for_every_option() {
    let cases = vec![
        ("minimal", agy_request(|_, _| {})),
        (
            "output text accepted",
            agy_request(|_, o| o.output_format = Some(GeminiOutputFormat::Text)),
        ),
        (
            "model",
            agy_request(|r, _| r.model = Some("gemini-3-pro".into())),
        ),
        (
            "include dirs become --add-dir",
            agy_request(|_, o| o.include_dirs = strings(&["/a", "/b"])),
        ),
        ("sandbox", agy_request(|_, o| o.sandbox = true)),
        (
            "approval default adds nothing",
            agy_request(|_, o| o.approval_mode = Some(GeminiApprovalMode::Default)),
        ),
        (
            "approval auto_edit",
            agy_request(|_, o| o.approval_mode = Some(GeminiApprovalMode::AutoEdit)),
        ),
        (
            "approval plan",
            agy_request(|_, o| o.approval_mode = Some(GeminiApprovalMode::Plan)),
        ),
        ("yolo", agy_request(|_, o| o.yolo = true)),
        (
            "project",
            agy_request(|_, o| o.project = Some("my-project".into())),
        ),
        ("new project", agy_request(|_, o| o.new_project = true)),
        (
            "print timeout",
            agy_request(|_, o| o.print_timeout = Some("1h30m".into())),
        ),
        (
            "resume conversation",
            agy_request(|r, _| r.session = SessionMode::Resume(UUID.into())),
        ),
        (
            "resume latest",
            agy_request(|r, _| r.session = SessionMode::ResumeLatest),
        ),
        (
            "prompt with inner dashes",
            agy_request(|r, _| r.prompt = "explain `rm -rf`".into()),
        ),
    ];
    insta::assert_snapshot!(plan(cases));
}

#[test]
fn agy_rejections() {
    let cases = vec![
        (
            "json output",
            agy_request(|_, o| o.output_format = Some(GeminiOutputFormat::Json)),
        ),
        (
            "stream-json output",
            agy_request(|_, o| o.output_format = Some(GeminiOutputFormat::StreamJson)),
        ),
        (
            "policy files",
            agy_request(|_, o| o.policy_files = strings(&["/p.toml"])),
        ),
        (
            "admin policy files",
            agy_request(|_, o| o.admin_policy_files = strings(&["/p.toml"])),
        ),
        (
            "allowed tools",
            agy_request(|_, o| o.allowed_tools = strings(&["glob"])),
        ),
        (
            "mcp server names",
            agy_request(|_, o| o.allowed_mcp_server_names = strings(&["a"])),
        ),
        (
            "project and newProject",
            agy_request(|_, o| {
                o.project = Some("p".into());
                o.new_project = true;
            }),
        ),
        (
            "project flag-like",
            agy_request(|_, o| o.project = Some("-p".into())),
        ),
        (
            "bad print timeout",
            agy_request(|_, o| o.print_timeout = Some("10 minutes".into())),
        ),
        (
            "yolo with auto_edit",
            agy_request(|_, o| {
                o.yolo = true;
                o.approval_mode = Some(GeminiApprovalMode::AutoEdit);
            }),
        ),
        (
            "new session with id",
            agy_request(|r, _| r.session = SessionMode::NewWithId(UUID.into())),
        ),
        (
            "dash prompt",
            agy_request(|r, _| r.prompt = "-rf everything".into()),
        ),
        (
            "include dir flag-like",
            agy_request(|_, o| o.include_dirs = strings(&["--x"])),
        ),
    ];
    insta::assert_snapshot!(plan(cases));
}

#[test]
fn dash_prompt_reaches_gemini_on_stdin_only() {
    let prompt = "--yolo -p hi";
    let spec = build(&gemini_request(|r, _| r.prompt = prompt.into())).unwrap();
    assert_eq!(spec.stdin.as_deref(), Some(prompt));
    assert_eq!(spec.prompt_via, PromptVia::Stdin);
    assert!(
        spec.args.iter().all(|arg| !arg.contains(prompt)),
        "{:?}",
        spec.args
    );
    assert!(
        !spec
            .args
            .iter()
            .any(|arg| arg == "-p" || arg.starts_with("--prompt")),
        "{:?}",
        spec.args
    );
}

#[test]
fn dash_prompt_is_refused_for_agy_naming_the_parameter() {
    let err = build(&agy_request(|r, _| r.prompt = "-x".into())).unwrap_err();
    assert_eq!(err.param, "prompt");
    assert!(
        err.message.contains("LLM_GATEWAY_GEMINI_BACKEND=gemini"),
        "{}",
        err.message
    );
}

#[test]
fn one_mib_prompt_goes_through_stdin_for_gemini() {
    let prompt = "x".repeat(1024 * 1024);
    let spec = build(&gemini_request(|r, _| r.prompt = prompt.clone())).unwrap();
    assert_eq!(spec.stdin.as_ref().map(String::len), Some(prompt.len()));
    assert_eq!(spec.prompt_bytes, prompt.len());
    assert!(spec.args.iter().all(|arg| arg.len() < 64));
}

#[test]
fn agy_refuses_a_prompt_too_large_for_argv_before_spawn() {
    let fits = "y".repeat(MAX_ARGV_VALUE_BYTES);
    let spec = build(&agy_request(|r, _| r.prompt = fits.clone())).unwrap();
    assert_eq!(spec.args[..2], ["--print".to_owned(), fits]);
    assert_eq!(spec.stdin, None);
    let err = build(&agy_request(|r, _| r.prompt = "y".repeat(1024 * 1024))).unwrap_err();
    assert_eq!(err.param, "prompt");
    assert!(err.message.contains("1048576 bytes"), "{}", err.message);
}

#[test]
fn options_deserialize_from_the_wire_with_reference_names() {
    let wire = json!({
        "outputFormat": "json",
        "approvalMode": "auto_edit",
        "includeDirectories": ["/a"],
        "allowedMcpServerNames": ["m"],
        "policyFiles": ["/p"],
        "sandbox": true,
        "backend": "agy"
    });
    let options: GeminiOptions = serde_json::from_value(wire).unwrap();
    assert_eq!(options.output_format, Some(GeminiOutputFormat::Json));
    assert_eq!(options.approval_mode, Some(GeminiApprovalMode::AutoEdit));
    assert_eq!(options.include_dirs, vec!["/a".to_owned()]);
    // The backend is the gateway's choice: a caller cannot set it.
    assert_eq!(options.backend, GeminiBackend::GeminiCli);
    let bad = serde_json::from_value::<GeminiOptions>(json!({"approvalMode": "bogus"}));
    assert!(bad.is_err());
}

// ---- parsing ----

#[test]
fn gemini_fixtures_parse() {
    insta::glob!("../../fixtures/gemini", "*.stdout", |path| {
        insta::assert_json_snapshot!(feed_fixture(path, |format| gemini::parser(
            format, "gemini"
        )));
    });
}

#[test]
fn agy_fixtures_parse() {
    insta::glob!("../../fixtures/agy", "*.stdout", |path| {
        insta::assert_json_snapshot!(feed_fixture(path, |format| gemini::parser(
            format,
            "/usr/local/bin/agy"
        )));
    });
}

#[test]
fn stderr_noise_with_a_clean_exit_is_not_an_error() {
    let stdout = br#"{"type":"result","status":"success","stats":{"input_tokens":3,"output_tokens":1,"cached":0,"input":3}}"#;
    let noise = "Warning: 256-color support not detected.\nRipgrep is not available. Falling back to GrepTool.\n";
    let (_, outcome) = feed(
        gemini::parser("stream-json", "gemini").as_mut(),
        stdout,
        OK,
        noise,
    );
    assert!(!outcome.is_error, "{outcome:?}");
    assert_eq!(outcome.error, None);
}

#[test]
fn auth_failure_is_reported_from_stderr_in_every_format() {
    let stderr = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gemini/json__no-auth.stderr"),
    )
    .unwrap();
    let exit = ExitInfo {
        code: Some(41),
        signal: None,
    };
    for format in ["stream-json", "json", "text"] {
        let (_, outcome) = feed(
            gemini::parser(format, "gemini").as_mut(),
            b"",
            exit,
            &stderr,
        );
        assert!(outcome.is_error, "{format}");
        let message = outcome.error.unwrap_or_default();
        assert!(
            message.starts_with("Please set an Auth method"),
            "{format}: {message}"
        );
    }
}

#[test]
fn multibyte_text_split_across_reads_survives() {
    let line = r#"{"type":"message","role":"assistant","content":"héllo wörld ✓","delta":true}"#;
    let bytes = format!("{line}\n");
    let bytes = bytes.as_bytes();
    let cut = bytes.iter().position(|byte| *byte == 0xc3).unwrap() + 1; // inside 'é'
    let mut splitter = LineSplitter::new();
    let mut parser = gemini::parser("stream-json", "gemini");
    let mut events = Vec::new();
    for part in [&bytes[..cut], &bytes[cut..]] {
        for line in splitter.push(part) {
            events.extend(parser.feed_line(&line));
        }
    }
    assert_eq!(
        events,
        vec![AgentEvent::Text {
            text: "héllo wörld ✓".into(),
            delta: true
        }]
    );
    assert_eq!(parser.finish(OK, "").text, "héllo wörld ✓");
}

#[test]
fn partial_final_json_line_is_kept_as_unrecognized() {
    let stdout =
        b"{\"type\":\"init\",\"session_id\":\"s1\",\"model\":\"m\"}\n{\"type\":\"result\",\"sta";
    let (events, outcome) = feed(
        gemini::parser("stream-json", "gemini").as_mut(),
        stdout,
        OK,
        "",
    );
    assert_eq!(events.len(), 2);
    assert!(matches!(&events[1], AgentEvent::Unrecognized { raw } if raw.ends_with("\"sta")));
    assert_eq!(outcome.session_id.as_deref(), Some("s1"));
}

#[test]
fn empty_output_with_failing_exit_names_the_exit() {
    let exit = ExitInfo {
        code: Some(1),
        signal: None,
    };
    let (events, outcome) = feed(
        gemini::parser("stream-json", "gemini").as_mut(),
        b"",
        exit,
        "",
    );
    assert!(events.is_empty());
    assert_eq!(outcome.error.as_deref(), Some("gemini exited with code 1"));
    let killed = ExitInfo {
        code: None,
        signal: Some(9),
    };
    let (_, outcome) = feed(gemini::parser("json", "gemini").as_mut(), b"", killed, "");
    assert_eq!(
        outcome.error.as_deref(),
        Some("gemini was killed by signal 9")
    );
}

fn arbitrary_line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[{}\\[\\]\":,a-z0-9 ]{0,40}",
        (
            prop::sample::select(vec!["init", "message", "tool_use", "tool_result", "error", "result", "x"]),
            any::<String>()
        )
            .prop_map(|(kind, text)| {
                let models: serde_json::Map<String, serde_json::Value> = [(text.clone(), json!({"output_tokens": 1}))].into_iter().collect();
                json!({"type": kind, "role": "assistant", "content": text, "stats": {"models": models}, "error": text}).to_string()
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn parsers_never_panic(lines in prop::collection::vec(arbitrary_line(), 0..12), stderr in any::<String>(), code in any::<Option<i32>>()) {
        for (format, program) in [("stream-json", "gemini"), ("json", "gemini"), ("text", "gemini"), ("text", "agy"), ("bogus", "gemini")] {
            let mut parser = gemini::parser(format, program);
            for line in &lines {
                parser.feed_line(line);
            }
            parser.finish(ExitInfo { code, signal: None }, &stderr);
        }
    }
}

#[test]
fn required_paths_name_their_parameter() {
    let options = GeminiOptions {
        include_dirs: strings(&["/a", "/b"]),
        policy_files: strings(&["/p.toml"]),
        ..GeminiOptions::default()
    };
    assert_eq!(
        options.required_paths(),
        vec![
            ("includeDirs[0]".to_owned(), "/a".to_owned()),
            ("includeDirs[1]".to_owned(), "/b".to_owned()),
            ("policyFiles[0]".to_owned(), "/p.toml".to_owned()),
        ]
    );
}

#[test]
fn json_mode_tolerates_noise_and_compact_objects() {
    let stdout =
        b"noise before\n{\"session_id\":\"s2\",\"response\":\"one line\"}\n{\n  \"broken\": \n}\n";
    let (events, outcome) = feed(gemini::parser("json", "gemini").as_mut(), stdout, OK, "");
    assert!(matches!(&events[0], AgentEvent::Unrecognized { raw } if raw == "noise before"));
    assert_eq!(
        events[1],
        AgentEvent::Session {
            session_id: "s2".into(),
            model: None
        }
    );
    assert_eq!(
        events[2],
        AgentEvent::Text {
            text: "one line".into(),
            delta: false
        }
    );
    assert!(matches!(&events[3], AgentEvent::Unrecognized { raw } if raw.contains("broken")));
    assert_eq!(outcome.text, "one line");
    assert!(!outcome.is_error);
}
