//! Every persona × output format prints the real CLI's shape with the answer, session id and
//! token counts where the real one has them.

use serde_json::Value;

use super::util::{Fakes, json_lines, stdout};

const ANSWER: &str = "the answer";

fn run_json(fakes: &Fakes, name: &str, args: &[&str], stdin: Option<&str>) -> Vec<Value> {
    let output = fakes.run(
        name,
        args,
        &[
            ("FAKE_AGENT_RESPONSE", ANSWER),
            ("FAKE_AGENT_SESSION_ID", "sess-1"),
        ],
        stdin,
    );
    assert!(
        output.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    json_lines(&output)
}

#[test]
fn claude_formats() {
    let fakes = Fakes::new();
    let text = fakes.run(
        "claude",
        &["-p", "--", "hi"],
        &[("FAKE_AGENT_RESPONSE", ANSWER)],
        None,
    );
    assert_eq!(stdout(&text), format!("{ANSWER}\n"));

    let result = &run_json(
        &fakes,
        "claude",
        &["-p", "--output-format", "json", "hi"],
        None,
    )[0];
    assert_eq!(
        (
            result["type"].as_str(),
            result["result"].as_str(),
            result["is_error"].as_bool()
        ),
        (Some("result"), Some(ANSWER), Some(false))
    );
    assert_eq!(
        (
            result["session_id"].as_str(),
            result["usage"]["input_tokens"].as_u64()
        ),
        (Some("sess-1"), Some(12))
    );

    let lines = run_json(
        &fakes,
        "claude",
        &["-p", "--output-format", "stream-json", "--verbose"],
        Some("hi"),
    );
    let kinds: Vec<_> = lines
        .iter()
        .map(|line| line["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["system", "system", "assistant", "result"]);
    assert_eq!(lines[0]["subtype"], "init");
    assert_eq!(lines[2]["message"]["content"][0]["text"], ANSWER);

    let partial = run_json(
        &fakes,
        "claude",
        &[
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--include-partial-messages",
            "hi",
        ],
        None,
    );
    assert!(
        partial
            .iter()
            .any(|line| line["event"]["delta"]["text"] == ANSWER)
    );

    let verbose_json = &run_json(
        &fakes,
        "claude",
        &["-p", "--output-format", "json", "--verbose", "hi"],
        None,
    )[0];
    assert_eq!(verbose_json.as_array().map(Vec::len), Some(3));
}

#[test]
fn codex_formats() {
    let fakes = Fakes::new();
    let lines = run_json(
        &fakes,
        "codex",
        &["exec", "--json", "--skip-git-repo-check", "-"],
        Some("hi"),
    );
    let kinds: Vec<_> = lines
        .iter()
        .map(|line| line["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "thread.started",
            "turn.started",
            "item.completed",
            "turn.completed"
        ]
    );
    assert_eq!(lines[0]["thread_id"], "sess-1");
    assert_eq!(lines[2]["item"]["text"], ANSWER);
    let usage = lines[3]["usage"].as_object().unwrap();
    assert_eq!(usage.len(), 5, "0.169.0 reports five usage fields");

    let text = fakes.run(
        "codex",
        &["exec", "--skip-git-repo-check", "hi"],
        &[("FAKE_AGENT_RESPONSE", ANSWER)],
        None,
    );
    assert_eq!(stdout(&text), format!("{ANSWER}\n"));
    assert!(String::from_utf8_lossy(&text.stderr).contains("OpenAI Codex v0.169.0"));

    let resumed = run_json(
        &fakes,
        "codex",
        &[
            "exec",
            "--json",
            "--skip-git-repo-check",
            "resume",
            "abc-123",
            "-",
        ],
        Some("again"),
    );
    assert_eq!(
        resumed[0]["thread_id"], "sess-1",
        "FAKE_AGENT_SESSION_ID wins"
    );
    let output = fakes.run(
        "codex",
        &[
            "exec",
            "--json",
            "--skip-git-repo-check",
            "resume",
            "abc-123",
            "more",
        ],
        &[],
        None,
    );
    assert_eq!(
        json_lines(&output)[0]["thread_id"],
        "abc-123",
        "the resumed id by default"
    );
}

#[test]
fn gemini_formats() {
    let fakes = Fakes::new();
    let output = fakes.run(
        "gemini",
        &["--skip-trust", "-o", "json", "-p", "hi"],
        &[("FAKE_AGENT_RESPONSE", ANSWER)],
        None,
    );
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["response"], ANSWER);
    assert!(
        stdout(&output).contains("\n  \"session_id\""),
        "pretty-printed like the real CLI"
    );

    let lines = run_json(
        &fakes,
        "gemini",
        &["--skip-trust", "-o", "stream-json"],
        Some("from stdin"),
    );
    let kinds: Vec<_> = lines
        .iter()
        .map(|line| line["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["init", "message", "message", "result"]);
    assert_eq!(
        (lines[1]["content"].as_str(), lines[2]["content"].as_str()),
        (Some("from stdin"), Some(ANSWER))
    );
    assert_eq!(lines[3]["stats"]["input_tokens"], 12);
}

#[test]
fn grok_formats() {
    let fakes = Fakes::new();
    let body: Value = serde_json::from_slice(
        &fakes
            .run(
                "grok",
                &["-p=hi", "--output-format", "json"],
                &[("FAKE_AGENT_RESPONSE", ANSWER)],
                None,
            )
            .stdout,
    )
    .unwrap();
    assert_eq!(
        (body["text"].as_str(), body["stopReason"].as_str()),
        (Some(ANSWER), Some("end_turn"))
    );

    let lines = run_json(
        &fakes,
        "grok",
        &["-p=hi", "--output-format", "streaming-json"],
        None,
    );
    let kinds: Vec<_> = lines
        .iter()
        .map(|line| line["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "available_commands",
            "available_commands",
            "text",
            "usage",
            "end"
        ]
    );
    assert_eq!(lines[4]["sessionId"], "sess-1");

    let messages = run_json(
        &fakes,
        "grok",
        &["-p=hi", "--output-format", "streaming-messages-json"],
        None,
    );
    assert_eq!(messages.last().unwrap()["result"], ANSWER);
    let plain = fakes.run(
        "grok",
        &["-p", "hi"],
        &[("FAKE_AGENT_RESPONSE", ANSWER)],
        None,
    );
    assert_eq!(stdout(&plain), format!("{ANSWER}\n"));
}

#[test]
fn vibe_and_agy_formats() {
    let fakes = Fakes::new();
    let output = fakes.run(
        "vibe",
        &["--prompt=hi", "--output", "json"],
        &[("FAKE_AGENT_RESPONSE", ANSWER)],
        None,
    );
    let entries: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(entries[1]["content"][0]["text"], ANSWER);
    assert_eq!(entries[1]["role"], "assistant");

    let streamed = run_json(&fakes, "vibe", &["-p", "--output", "streaming"], Some("hi"));
    assert_eq!(streamed.len(), 2);

    let export_dir = fakes.dir.path().join("out");
    let export_arg = export_dir.to_str().unwrap();
    fakes.run(
        "vibe",
        &["--prompt=hi", "--output-dir", export_arg],
        &[],
        None,
    );
    let export: Value =
        serde_json::from_str(&std::fs::read_to_string(export_dir.join("export.json")).unwrap())
            .unwrap();
    assert_eq!(
        (
            export["outcome"].as_str(),
            export["usage"]["input_tokens"].as_u64()
        ),
        (Some("finished"), Some(12))
    );

    let agy = fakes.run(
        "agy",
        &["--print", "hi", "--unknown-flag"],
        &[("FAKE_AGENT_RESPONSE", ANSWER)],
        None,
    );
    assert_eq!(stdout(&agy), format!("{ANSWER}\n"));
}

#[test]
fn version_lines_match_the_real_clis() {
    let fakes = Fakes::new();
    let cases = [
        ("claude", "--version", "2.1.330 (Claude Code)"),
        ("codex", "--version", "codex-cli 0.169.0"),
        ("gemini", "--version", "0.61.0"),
        ("grok", "--version", "grok 1.0.41 (4220f3b224a6)"),
        ("vibe", "--version", "vibe 3.0.2"),
        ("agy", "--version", "1.1.13"),
    ];
    for (name, flag, line) in cases {
        let output = fakes.run(name, &[flag], &[], None);
        assert_eq!(stdout(&output).trim_end(), line, "{name}");
    }
    let overridden = fakes.run(
        "codex",
        &["--version"],
        &[("FAKE_AGENT_VERSION_CODEX", "codex-cli 9.9.9")],
        None,
    );
    assert_eq!(stdout(&overridden).trim_end(), "codex-cli 9.9.9");
}
