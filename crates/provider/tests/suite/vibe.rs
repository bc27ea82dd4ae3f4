//! Mistral Vibe: argv and env for every option and every rejection, parses of real 3.0.2 output
//! (fixtures/vibe), the `export.json` merge, and the edge cases of a stream that ends badly.

use std::path::Path;

use gateway_core::ProviderId;
use gateway_core::{AgentEvent, ExitInfo, RunOutcome, Usage};
use gateway_provider::request::{RunRequest, SessionMode};
use gateway_provider::spec::OUTPUT_DIR_PLACEHOLDER;
use gateway_provider::vibe::{self, VibeOptions, VibeOutputFormat};
use gateway_provider::{LineSplitter, PromptVia, ProviderOptions, build};
use proptest::prelude::*;
use serde_json::json;

use super::common::{OK, feed, feed_fixture, plan, request};

const VIBE_ID: &str = "8d00f24f-4005-e27b-4e8e-ea87c5288cb2";

fn vibe_request(edit: impl FnOnce(&mut RunRequest, &mut VibeOptions)) -> RunRequest {
    let mut options = VibeOptions::default();
    let mut request = request(ProviderOptions::Mistral(VibeOptions::default()));
    edit(&mut request, &mut options);
    request.options = ProviderOptions::Mistral(options);
    request
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

#[test]
fn argv_for_every_option() {
    let cases = vec![
        ("minimal", vibe_request(|_, _| {})),
        (
            "output text",
            vibe_request(|_, o| o.output_format = Some(VibeOutputFormat::Text)),
        ),
        (
            "output json",
            vibe_request(|_, o| o.output_format = Some(VibeOutputFormat::Json)),
        ),
        (
            "model goes to VIBE_ACTIVE_MODEL",
            vibe_request(|r, _| r.model = Some("mistral-medium-3.5".into())),
        ),
        (
            "agent ask",
            vibe_request(|_, o| o.agent = Some("ask".into())),
        ),
        (
            "agent smart-approve",
            vibe_request(|_, o| o.agent = Some("smart-approve".into())),
        ),
        (
            "agent auto-approve",
            vibe_request(|_, o| o.agent = Some("auto-approve".into())),
        ),
        (
            "custom agent",
            vibe_request(|_, o| o.agent = Some("reviewer_v2".into())),
        ),
        ("auto approve", vibe_request(|_, o| o.auto_approve = true)),
        ("smart approve", vibe_request(|_, o| o.smart_approve = true)),
        (
            "enabled tools repeat",
            vibe_request(|_, o| o.enabled_tools = strings(&["read_file", "bash"])),
        ),
        (
            "disabled tools repeat",
            vibe_request(|_, o| o.disabled_tools = strings(&["bash", "write_file"])),
        ),
        ("max turns", vibe_request(|_, o| o.max_turns = Some(3))),
        ("max price", vibe_request(|_, o| o.max_price = Some(0.5))),
        (
            "tiny max price",
            vibe_request(|_, o| o.max_price = Some(0.000_001)),
        ),
        ("max tokens", vibe_request(|_, o| o.max_tokens = Some(1000))),
        ("time limit", vibe_request(|_, o| o.time_limit = Some(30))),
        (
            "add dirs repeat",
            vibe_request(|_, o| o.add_dir = strings(&["/tmp", "/srv/a b"])),
        ),
        ("trust", vibe_request(|_, o| o.trust = true)),
        (
            "output dir",
            vibe_request(|_, o| o.output_dir = Some("/tmp/vibe-out".into())),
        ),
        (
            "resume opaque id",
            vibe_request(|r, _| r.session = SessionMode::Resume(VIBE_ID.into())),
        ),
        (
            "continue latest",
            vibe_request(|r, _| r.session = SessionMode::ResumeLatest),
        ),
        (
            "working dir",
            vibe_request(|r, _| r.working_dir = Some("/work/repo".into())),
        ),
        (
            "dash prompt stays on stdin",
            vibe_request(|r, _| r.prompt = "--model x -rf".into()),
        ),
        (
            "everything",
            vibe_request(|r, o| {
                r.model = Some("devstral-2".into());
                r.session = SessionMode::Resume(VIBE_ID.into());
                o.output_format = Some(VibeOutputFormat::Streaming);
                o.agent = Some("auto-approve".into());
                o.auto_approve = true;
                o.enabled_tools = strings(&["read_file"]);
                o.disabled_tools = strings(&["bash"]);
                o.max_turns = Some(10);
                o.max_price = Some(1.25);
                o.max_tokens = Some(50_000);
                o.time_limit = Some(600);
                o.add_dir = strings(&["/x"]);
                o.trust = true;
                o.output_dir = Some("/tmp/out".into());
            }),
        ),
    ];
    insta::assert_snapshot!(plan(cases));
}

#[test]
fn rejections() {
    let cases = vec![
        (
            "agent plan is not a vibe agent",
            vibe_request(|_, o| o.agent = Some("plan".into())),
        ),
        (
            "agent default is not a vibe agent",
            vibe_request(|_, o| o.agent = Some("default".into())),
        ),
        (
            "agent with a slash",
            vibe_request(|_, o| o.agent = Some("../evil".into())),
        ),
        (
            "agent flag-like",
            vibe_request(|_, o| o.agent = Some("--yolo".into())),
        ),
        (
            "auto and smart approve",
            vibe_request(|_, o| {
                o.auto_approve = true;
                o.smart_approve = true;
            }),
        ),
        (
            "enabled tool flag-like",
            vibe_request(|_, o| o.enabled_tools = strings(&["read_file", "-x"])),
        ),
        (
            "disabled tool empty",
            vibe_request(|_, o| o.disabled_tools = strings(&[""])),
        ),
        ("max turns zero", vibe_request(|_, o| o.max_turns = Some(0))),
        (
            "max turns too many",
            vibe_request(|_, o| o.max_turns = Some(10_001)),
        ),
        (
            "max price zero",
            vibe_request(|_, o| o.max_price = Some(0.0)),
        ),
        (
            "max price NaN",
            vibe_request(|_, o| o.max_price = Some(f64::NAN)),
        ),
        (
            "max price too high",
            vibe_request(|_, o| o.max_price = Some(10_000.5)),
        ),
        (
            "max tokens too many",
            vibe_request(|_, o| o.max_tokens = Some(100_000_001)),
        ),
        (
            "time limit zero",
            vibe_request(|_, o| o.time_limit = Some(0)),
        ),
        (
            "add dir with newline",
            vibe_request(|_, o| o.add_dir = strings(&["/a\n/b"])),
        ),
        (
            "output dir flag-like",
            vibe_request(|_, o| o.output_dir = Some("--trust".into())),
        ),
        (
            "new session with chosen id",
            vibe_request(|r, _| r.session = SessionMode::NewWithId(VIBE_ID.into())),
        ),
        (
            "resume gateway id",
            vibe_request(|r, _| r.session = SessionMode::Resume("gw-abc".into())),
        ),
        (
            "model flag-like",
            vibe_request(|r, _| r.model = Some("-m".into())),
        ),
    ];
    insta::assert_snapshot!(plan(cases));
}

#[test]
fn dash_prompt_reaches_vibe_on_stdin_only() {
    let prompt = "--model evil -p x";
    let spec = build(&vibe_request(|r, _| r.prompt = prompt.into())).unwrap();
    assert_eq!(spec.stdin.as_deref(), Some(prompt));
    assert_eq!(spec.prompt_via, PromptVia::Stdin);
    assert_eq!(
        spec.args.last().map(String::as_str),
        Some("-p"),
        "bare -p must be last: {:?}",
        spec.args
    );
    assert!(spec.args.iter().all(|arg| !arg.contains("evil")));
}

#[test]
fn one_mib_prompt_goes_through_stdin_for_vibe() {
    let prompt = "z".repeat(1024 * 1024);
    let spec = build(&vibe_request(|r, _| r.prompt = prompt.clone())).unwrap();
    assert_eq!(spec.stdin.as_ref().map(String::len), Some(1024 * 1024));
    assert!(spec.args.iter().all(|arg| arg.len() < 64));
}

#[test]
fn prompt_over_one_mib_is_refused_before_spawn_naming_prompt() {
    let prompt = "z".repeat(1024 * 1024 + 1);
    let error = build(&vibe_request(|r, _| r.prompt = prompt.clone())).unwrap_err();
    assert_eq!(error.param, "prompt");
    assert!(error.message.contains("1048576"), "{error}");
}

#[test]
fn model_is_env_never_a_flag() {
    let spec = build(&vibe_request(|r, _| r.model = Some("mistral-large".into()))).unwrap();
    assert_eq!(
        spec.env.get(vibe::MODEL_ENV).map(String::as_str),
        Some("mistral-large")
    );
    assert!(!spec.args.iter().any(|arg| arg.contains("model")));
    let spec = build(&vibe_request(|_, _| {})).unwrap();
    assert!(spec.env.is_empty());
}

#[test]
fn options_deserialize_with_reference_names() {
    let wire = json!({
        "outputFormat": "stream-json",
        "permissionMode": "auto-approve",
        "allowedTools": ["read_file"],
        "disallowedTools": ["bash"],
        "addDir": ["/a"],
        "maxPrice": 0.25,
        "timeLimit": 60
    });
    let options: VibeOptions = serde_json::from_value(wire).unwrap();
    assert_eq!(options.output_format, Some(VibeOutputFormat::Streaming));
    assert_eq!(options.agent.as_deref(), Some("auto-approve"));
    assert_eq!(options.enabled_tools, vec!["read_file".to_owned()]);
    assert_eq!(options.disabled_tools, vec!["bash".to_owned()]);
    let plain: VibeOptions = serde_json::from_value(json!({"outputFormat": "plain"})).unwrap();
    assert_eq!(plain.output_format, Some(VibeOutputFormat::Text));
}

// ---- parsing ----

#[test]
fn vibe_fixtures_parse() {
    insta::glob!("../../fixtures/vibe", "*.stdout", |path| {
        insta::assert_json_snapshot!(feed_fixture(path, vibe::parser));
    });
}

#[test]
fn killed_json_run_keeps_every_complete_entry() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vibe/synthetic-json__partial.stdout");
    let stdout = std::fs::read(path).unwrap();
    let exit = ExitInfo {
        code: Some(3),
        signal: None,
    };
    let (events, outcome) = feed(
        vibe::parser("json").as_mut(),
        &stdout,
        exit,
        "Stopped: terminated\n",
    );
    assert_eq!(
        events.len(),
        1,
        "only the session announcement from the user entry: {events:?}"
    );
    assert_eq!(
        outcome.session_id.as_deref(),
        Some("392ba82a-5a53-3f24-4b0c-4206358200af")
    );
    assert_eq!(outcome.stop_reason.as_deref(), Some("terminated"));
    assert!(outcome.is_error);
    assert_eq!(outcome.text, "");
}

#[test]
fn compact_single_line_array_parses() {
    let line = r#"[{"sessionId":"s","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}]}]"#;
    let (events, outcome) = feed(vibe::parser("json").as_mut(), line.as_bytes(), OK, "");
    assert_eq!(events.len(), 2);
    assert_eq!(outcome.text, "hi");
    let (events, _) = feed(vibe::parser("json").as_mut(), b"[] trailing", OK, "");
    assert!(matches!(events.as_slice(), [AgentEvent::Unrecognized { raw }] if raw == "trailing"));
}

#[test]
fn errors_come_from_stderr_text() {
    let stderr = "Reading API keys from the system keyring (set them as environment variables to skip this)\n\
                  Error: Missing MISTRAL_API_KEY environment variable for mistral provider\n";
    let exit = ExitInfo {
        code: Some(1),
        signal: None,
    };
    for format in ["streaming", "json", "text"] {
        let (_, outcome) = feed(vibe::parser(format).as_mut(), b"", exit, stderr);
        assert!(outcome.is_error, "{format}");
        assert_eq!(
            outcome.error.as_deref(),
            Some("Missing MISTRAL_API_KEY environment variable for mistral provider"),
            "{format}"
        );
    }
    let clap = "error: unexpected argument '--model' found\n\n  tip: to pass '--model' as a value, use '-- --model'\n";
    let (_, outcome) = feed(vibe::parser("streaming").as_mut(), b"", exit, clap);
    assert_eq!(
        outcome.error.as_deref(),
        Some("vibe rejected its arguments: error: unexpected argument '--model' found")
    );
}

#[test]
fn multibyte_text_split_across_reads_survives() {
    let line = r#"{"sessionId":"s","type":"message","role":"assistant","content":[{"type":"text","text":"naïve café ✓"}]}"#;
    let bytes = format!("{line}\n");
    let bytes = bytes.as_bytes();
    let cut = bytes.iter().position(|byte| *byte == 0xc3).unwrap() + 1;
    let mut splitter = LineSplitter::new();
    let mut parser = vibe::parser("streaming");
    for part in [&bytes[..cut], &bytes[cut..]] {
        for line in splitter.push(part) {
            parser.feed_line(&line);
        }
    }
    assert_eq!(parser.finish(OK, "").text, "naïve café ✓");
}

#[test]
fn export_json_merges_into_the_outcome() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vibe");
    let ok = std::fs::read_to_string(samples.join("export__ok.json")).unwrap();
    let mut outcome = RunOutcome {
        text: "MOCK_OK".into(),
        ..RunOutcome::default()
    };
    assert!(vibe::apply_export(&mut outcome, &ok));
    assert_eq!(
        outcome.usage,
        Usage {
            input_tokens: Some(12),
            output_tokens: Some(5),
            cache_read_tokens: Some(0),
            cache_creation_tokens: None
        }
    );
    assert_eq!(outcome.cost_usd, Some(5.55e-05));
    assert!(!outcome.is_error);
    assert_eq!(outcome.stop_reason, None);
    let invalid = std::fs::read_to_string(samples.join("export__invalid-key.json")).unwrap();
    let mut outcome = RunOutcome::default();
    assert!(vibe::apply_export(&mut outcome, &invalid));
    assert!(outcome.is_error);
    assert_eq!(outcome.stop_reason.as_deref(), Some("config_error"));
    assert_eq!(
        outcome.session_id.as_deref(),
        Some("a45963b6-2035-c120-70ed-03a3f52d8b07")
    );
    assert!(!vibe::apply_export(&mut RunOutcome::default(), "not json"));
}

#[test]
fn the_export_lands_in_the_private_output_dir_unless_the_caller_names_one() {
    let private = build(&vibe_request(|_, _| {})).unwrap();
    let at = private.args.iter().position(|arg| arg == "--output-dir");
    assert_eq!(
        at.map(|at| private.args[at + 1].as_str()),
        Some(OUTPUT_DIR_PLACEHOLDER)
    );
    assert_eq!(
        private.export_file,
        Some(format!("{OUTPUT_DIR_PLACEHOLDER}/export.json"))
    );
    assert!(
        private
            .display_args("hello!")
            .contains(&"<job output dir>".to_owned())
    );
    for (dir, export) in [
        ("/tmp/out", "/tmp/out/export.json"),
        ("/tmp/out/", "/tmp/out/export.json"),
    ] {
        let own = build(&vibe_request(|_, o| o.output_dir = Some(dir.into()))).unwrap();
        assert_eq!(own.export_file.as_deref(), Some(export), "{dir}");
        assert!(
            !own.args
                .iter()
                .any(|arg| arg.contains(OUTPUT_DIR_PLACEHOLDER))
        );
    }
}

#[test]
fn only_mistral_reads_an_export() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vibe");
    let ok = std::fs::read_to_string(samples.join("export__ok.json")).unwrap();
    for provider in ProviderId::ALL {
        let mut outcome = RunOutcome::default();
        let applied = gateway_provider::apply_export(provider, &mut outcome, &ok);
        assert_eq!(applied, provider == ProviderId::Mistral, "{provider}");
        assert_eq!(outcome.usage.output_tokens.is_some(), applied, "{provider}");
    }
}

fn arbitrary_line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\[\\]{}\":, a-z]{0,40}",
        (
            prop::sample::select(vec!["message", "reasoning", "effect", "notice", "callback", "checkpoint", "x"]),
            any::<String>()
        )
            .prop_map(|(kind, text)| json!({
                "sessionId": text, "type": kind, "role": "assistant", "text": text, "level": "error",
                "content": [{"type": "text", "text": text}], "detail": {"kind": "shell", "input": {"command": text}},
                "state": {"status": "failed"}
            })
            .to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn parsers_never_panic(lines in prop::collection::vec(arbitrary_line(), 0..12), stderr in any::<String>(), code in any::<Option<i32>>()) {
        for format in ["streaming", "json", "text", "bogus"] {
            let mut parser = vibe::parser(format);
            for line in &lines {
                parser.feed_line(line);
            }
            parser.finish(ExitInfo { code, signal: None }, &stderr);
        }
        let mut outcome = RunOutcome::default();
        for line in &lines {
            vibe::apply_export(&mut outcome, line);
        }
    }
}

#[test]
fn required_paths_are_the_extra_dirs() {
    let options = VibeOptions {
        add_dir: strings(&["/a"]),
        output_dir: Some("/out".into()),
        ..VibeOptions::default()
    };
    assert_eq!(
        options.required_paths(),
        vec![("addDir[0]".to_owned(), "/a".to_owned())]
    );
}
