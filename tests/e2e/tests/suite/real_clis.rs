//! The five `*_request` tools through the real binary, driven by the official MCP Python SDK,
//! with the **real** provider CLIs (installed by `scripts/install-test-tools.sh`) talking to the
//! loopback [`MockVendorApi`]: each answers the mock's text with its session id and tokens.
//!
//! The per-CLI wiring (env, config files, codex's mock provider) mirrors the contract suite's
//! `gateway_contract::vendor::point_at_mock`; here it reaches the CLI through the gateway.

use std::path::{Path, PathBuf};
use std::process::Command;

use gateway_e2e::{World, gateway_bin, mcp_python, workspace_root};
use gateway_test_support::{MOCK_TEXT, MOCK_USAGE, MockVendorApi};
use serde_json::{Value, json};

/// Any key without `invalid` is accepted by the mock.
const MOCK_KEY: &str = "sk-e2e-real-clis";

/// The CLIs (and node, which runs three of them) this test needs.
const REQUIRED: [&str; 6] = ["node", "claude", "codex", "gemini", "grok", "vibe"];

/// `$GATEWAY_TOOLS_BIN`, else `<repo>/.tools/bin`; fails (never skips) when a CLI is missing.
fn tools_bin() -> PathBuf {
    let bin = std::env::var_os("GATEWAY_TOOLS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".tools/bin"));
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|tool| !bin.join(tool).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "the real CLIs are not installed under {} (missing: {}): run scripts/install-test-tools.sh",
        bin.display(),
        missing.join(", ")
    );
    bin
}

/// `PATH` for the gateway: the real CLIs first, then the pinned node, then the system.
fn real_path(bin: &Path) -> String {
    let node_dir = std::fs::canonicalize(bin.join("node"))
        .ok()
        .and_then(|node| node.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        bin.display(),
        node_dir.display()
    )
}

fn write(home: &Path, relative: &str, contents: &str) {
    let path = home.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
}

/// A world whose CLIs all talk to `mock`: env for claude, gemini, grok and vibe; config files
/// for gemini (auth type) and vibe (provider base URL) in the temp home.
fn world(mock: &MockVendorApi) -> World {
    let base = mock.base_url();
    let world = World::new()
        .with("PATH", &real_path(&tools_bin()))
        .with("LLM_GATEWAY_SYNC_DEADLINE_MS", "100000")
        .with("DISABLE_AUTOUPDATER", "1")
        .with("GROK_DISABLE_AUTOUPDATER", "1")
        .with("NO_COLOR", "1")
        .with("ANTHROPIC_BASE_URL", &base)
        .with("ANTHROPIC_API_KEY", MOCK_KEY)
        .with("CLAUDE_CODE_MAX_RETRIES", "0")
        // provider-clis.md §6: claude refuses bypass flags as root unless IS_SANDBOX=1.
        .with("IS_SANDBOX", "1")
        .with("OPENAI_API_KEY", MOCK_KEY)
        .with("GOOGLE_GEMINI_BASE_URL", &base)
        .with("GEMINI_API_KEY", MOCK_KEY)
        .with("XAI_API_KEY", MOCK_KEY)
        .with("GROK_MODELS_BASE_URL", &format!("{base}/v1"))
        .with("GROK_MODELS_LIST_URL", &format!("{base}/v1/models"))
        .with("MISTRAL_API_KEY", MOCK_KEY);
    let home = world.home.path();
    write(
        home,
        ".gemini/settings.json",
        r#"{"security":{"auth":{"selectedType":"gemini-api-key"}}}"#,
    );
    write(
        home,
        ".vibe/config.toml",
        &format!(
            "enable_telemetry = false\n\n[[providers]]\nname = \"mistral\"\napi_base = \"{base}/v1\"\napi_key_env_var = \"MISTRAL_API_KEY\"\nbackend = \"mistral\"\n"
        ),
    );
    world
}

/// One call per provider tool; codex gets the mock provider through `configOverrides`.
fn calls(mock: &MockVendorApi) -> Value {
    let provider = json!({
        "name": "mock",
        "base_url": format!("{}/v1", mock.base_url()),
        "env_key": "OPENAI_API_KEY",
        "wire_api": "responses",
        "request_max_retries": 0,
        "stream_max_retries": 0,
    });
    json!({
        "claude_request": {"prompt": "say ok"},
        "codex_request": {
            "prompt": "say ok",
            "configOverrides": {"model_provider": "mock", "model_providers.mock": provider},
        },
        "gemini_request": {"prompt": "say ok"},
        "grok_request": {"prompt": "say ok"},
        "mistral_request": {"prompt": "say ok"},
    })
}

/// Runs `tests/e2e/clients/real_clis.py` and returns its observations per tool.
fn run_client(world: &World, calls: &Value) -> Value {
    let script = workspace_root().join("tests/e2e/clients/real_clis.py");
    let mut command = Command::new(mcp_python());
    world.apply(&mut command);
    command
        .arg(script)
        .arg(gateway_bin())
        .arg(calls.to_string());
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("run the Python MCP client: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python client failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|error| panic!("bad client output ({error}):\n{stdout}\nstderr:\n{stderr}"))
}

/// The Gemini model calls the mock answered: its router adds one per turn, and the CLI sums
/// usage over all of them.
fn gemini_calls(mock: &MockVendorApi) -> u64 {
    let calls = mock
        .requests()
        .iter()
        .filter(|request| request.target.contains("enerateContent") && request.status == 200)
        .count();
    calls as u64
}

/// Problems with one tool's answer (empty when it matches); `tokens` = (input, output), `None`
/// to skip the token check.
fn check(tool: &str, observed: &Value, tokens: Option<(u64, u64)>) -> Vec<String> {
    let structured = &observed["structured"];
    let mut problems = Vec::new();
    if observed["isError"] != false || structured["status"] != "completed" {
        problems.push("not completed".to_owned());
    }
    if !structured["response"]
        .as_str()
        .is_some_and(|text| text.contains(MOCK_TEXT))
    {
        problems.push(format!("response lacks {MOCK_TEXT}"));
    }
    if structured["sessionId"].as_str().is_none_or(str::is_empty) {
        problems.push("no sessionId".to_owned());
    }
    let actual = (&structured["inputTokens"], &structured["outputTokens"]);
    if let Some(tokens) = tokens
        && actual != (&Value::from(tokens.0), &Value::from(tokens.1))
    {
        problems.push(format!(
            "tokens (in, out) = ({}, {}), expected {tokens:?}",
            actual.0, actual.1
        ));
    }
    problems
        .into_iter()
        .map(|problem| format!("{tool}: {problem}\n  observed: {observed}"))
        .collect()
}

#[test]
fn every_request_tool_answers_through_its_real_cli() {
    let mock = MockVendorApi::start();
    let world = world(&mock);
    let out = run_client(&world, &calls(&mock));
    let gemini = gemini_calls(&mock);
    let uncached = MOCK_USAGE.input - MOCK_USAGE.cached;
    // How each CLI reports the mock's 12 in (3 cached) / 5 out: Anthropic and xAI count cached
    // tokens apart from input already, OpenAI and Gemini inside it (the parsers subtract).
    let expected = [
        (
            "claude_request",
            Some((MOCK_USAGE.input, MOCK_USAGE.output)),
        ),
        ("codex_request", Some((uncached, MOCK_USAGE.output))),
        (
            "gemini_request",
            Some((uncached * gemini, MOCK_USAGE.output * gemini)),
        ),
        ("grok_request", Some((MOCK_USAGE.input, MOCK_USAGE.output))),
        // Mistral's chat completions report no cached tokens; vibe prints no usage on stdout,
        // so these come from the export.json the job engine reads from vibe's `--output-dir`.
        (
            "mistral_request",
            Some((MOCK_USAGE.input, MOCK_USAGE.output)),
        ),
    ];
    let problems: Vec<String> = expected
        .into_iter()
        .flat_map(|(tool, tokens)| check(tool, &out[tool], tokens))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
