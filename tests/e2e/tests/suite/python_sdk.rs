//! The official MCP Python SDK (PyPI `mcp` 2.x) drives the real binary over stdio and HTTP,
//! in both protocol eras: tool listing, dry run, sync and async calls through the fake CLIs,
//! progress notifications, cancellation, error results, deferral, and where a request without
//! `workingDir` runs: the client's root (legacy handshake), else over stdio the gateway's own
//! directory, else over HTTP an error asking for `workingDir`.

use std::path::Path;

use gateway_e2e::{World, gateway_bin, project_dir, python_scenarios};
use pretty_assertions::assert_eq;
use serde_json::Value;

const TOKEN: &str = "python-e2e-token";
const ALL: &str = "surface,dry_run,workdir,sync,async,progress,cancel,errors";

/// Fake CLIs tuned per scenario: codex answers a fixed text, gemini is slow enough to report
/// progress, grok hangs long enough to be canceled.
fn world() -> World {
    World::new()
        .with("FAKE_AGENT_RESPONSE_CODEX", "hello from codex")
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS_GEMINI", "600")
        .with("FAKE_AGENT_SLEEP_BEFORE_MS_GROK", "60000")
}

/// The whole default surface (spec §3), validation tools included.
const TOOLS: [&str; 36] = [
    "approval_list",
    "ask_model",
    "claude_request",
    "claude_request_async",
    "cli_upgrade",
    "cli_versions",
    "codex_request",
    "codex_request_async",
    "compare_answers",
    "consensus_check",
    "doctor",
    "gemini_request",
    "gemini_request_async",
    "grok_request",
    "grok_request_async",
    "job_result",
    "job_status",
    "list_models",
    "llm_job_cancel",
    "llm_job_list",
    "llm_job_result",
    "llm_job_status",
    "llm_request_result",
    "mistral_request",
    "mistral_request_async",
    "red_team_review",
    "review_changes",
    "second_opinion",
    "session_clear_all",
    "session_create",
    "session_delete",
    "session_get",
    "session_list",
    "session_set_active",
    "synthesize_validation",
    "validate_with_models",
];

/// Where the jobs of a run were expected to run.
enum Dir<'a> {
    /// The client's root, or the gateway's directory over stdio: the default.
    Default(&'a Path),
    /// Over HTTP without roots: only where `workingDir` says.
    Named(&'a Path),
}

fn check_workdir(out: &Value, world: &World, dir: &Dir) {
    let workdir = &out["workdir"];
    let isolated = &workdir["isolated"]["structured"]["command"]["cwd"];
    assert!(isolated.is_null(), "isolated: a fresh temp dir: {workdir}");
    match dir {
        Dir::Default(path) => {
            let cwd = &workdir["plain"]["structured"]["command"]["cwd"];
            assert_eq!(cwd, path.to_str().unwrap(), "{workdir}");
        }
        Dir::Named(_) => {
            assert_eq!(workdir["plain"]["isError"], true, "{workdir}");
            let text = workdir["plain"]["text"].as_str().unwrap();
            assert!(text.contains("pass `workingDir`"), "{text}");
        }
    }
    let (Dir::Default(path) | Dir::Named(path)) = dir;
    let runs: Vec<_> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|i| i.kind == "run")
        .collect();
    assert!(!runs.is_empty());
    for run in runs {
        assert_eq!(&run.cwd, path, "{} ran elsewhere", run.name);
    }
}

fn check_all(out: &Value, protocol: &str, world: &World, dir: &Dir) {
    check_workdir(out, world, dir);
    let surface = &out["surface"];
    assert_eq!(surface["protocol"], protocol);
    assert_eq!(surface["server"], "llm-cli-gateway");
    let tools: Vec<&str> = surface["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tools, TOOLS);
    let read_only = surface["readOnly"].as_array().unwrap();
    assert!(
        read_only.contains(&Value::from("llm_job_status"))
            && !read_only.contains(&Value::from("claude_request"))
    );
    assert!(
        surface["skillText"].as_str().unwrap().starts_with("---"),
        "{surface}"
    );

    let dry = &out["dry_run"]["structured"];
    assert_eq!(dry["status"], "dry_run");
    assert_eq!(dry["command"]["program"], "claude");
    assert_eq!(dry["command"]["promptVia"], "stdin");
    let shown = dry["command"]["args"].to_string();
    assert!(
        !shown.contains("-rf looks like a flag"),
        "prompt leaked into argv: {shown}"
    );

    let sync = &out["sync"];
    assert_eq!(sync["isError"], false);
    assert_eq!(sync["structured"]["status"], "completed", "{sync}");
    assert_eq!(sync["structured"]["response"], "hello from codex");
    // The answer first, then one line a text-only client (Gemini CLI) can follow up with.
    let job_id = sync["structured"]["jobId"].as_str().unwrap();
    let session_id = sync["structured"]["sessionId"].as_str().unwrap();
    assert_eq!(
        sync["text"],
        format!("hello from codex\n\n[completed · jobId {job_id} · sessionId {session_id}]")
    );
    let keys: Vec<&String> = sync["structured"].as_object().unwrap().keys().collect();
    // (`model` follows `provider` when the CLI names one; the fake codex does not.)
    assert_eq!(
        keys[..5],
        ["response", "status", "jobId", "sessionId", "provider"],
        "the answer first: {keys:?}"
    );
    // The fake codex reports tokens but no cost: the estimate from the price table.
    assert!(
        keys.ends_with(&[
            &"cacheReadTokens".to_owned(),
            &"cacheCreationTokens".to_owned(),
            &"costUsd".to_owned(),
            &"costEstimated".to_owned()
        ]),
        "counters last: {keys:?}"
    );
    assert!(
        sync["structured"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| !v.is_null()),
        "no null fields: {sync}"
    );
    assert_eq!(sync["structured"]["provider"], "codex");
    assert_eq!(sync["structured"]["exitCode"], 0);

    let asynchronous = &out["async"];
    assert_eq!(
        asynchronous["started"]["structured"]["pollWith"],
        "llm_job_status"
    );
    assert_eq!(
        asynchronous["status"]["structured"]["status"], "completed",
        "{asynchronous}"
    );
    assert_eq!(
        asynchronous["result"]["structured"]["response"],
        "fake claude answer"
    );

    let progress = &out["progress"];
    assert_eq!(
        progress["result"]["structured"]["status"], "completed",
        "{progress}"
    );
    let notes = progress["notifications"].as_array().unwrap();
    assert!(!notes.is_empty(), "no progress notifications: {progress}");
    let values: Vec<f64> = notes
        .iter()
        .map(|n| n["progress"].as_f64().unwrap())
        .collect();
    assert!(
        values.windows(2).all(|pair| pair[0] < pair[1]),
        "progress must increase: {values:?}"
    );
    assert!(
        notes
            .iter()
            .all(|n| n["message"].as_str().unwrap().starts_with("gemini: ")),
        "{notes:?}"
    );

    let cancel = &out["cancel"];
    assert_eq!(cancel["status"], "canceled", "{cancel}");
    assert_no_live_fake(world, "grok");

    let errors = &out["errors"];
    assert_eq!(errors["unknownJob"]["isError"], true);
    assert!(
        errors["unknownJob"]["text"]
            .as_str()
            .unwrap()
            .contains("Job not found: `no-such-job`")
    );
    assert_eq!(errors["unknownParam"]["isError"], true);
    assert!(
        errors["unknownParam"]["text"]
            .as_str()
            .unwrap()
            .contains("unknown parameter `promt`"),
        "{errors}"
    );
    assert_eq!(errors["badRange"]["isError"], true);
    assert!(
        errors["badRange"]["text"]
            .as_str()
            .unwrap()
            .contains("`idleTimeoutMs`"),
        "{errors}"
    );
}

/// Every process a fake CLI logged as `name` is gone (no orphans after a cancel).
pub(super) fn assert_no_live_fake(world: &World, name: &str) {
    let pids: Vec<u32> = world
        .clis
        .invocations()
        .iter()
        .filter(|i| i.name == name && i.kind == "run")
        .map(|i| i.pid)
        .collect();
    assert!(!pids.is_empty(), "{name} never ran");
    for pid in pids {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let zombie_or_gone = status.is_empty() || status.contains("State:\tZ");
        assert!(
            zombie_or_gone,
            "{name} pid {pid} still running after cancel"
        );
    }
}

#[test]
fn stdio_legacy_handshake() {
    let (_keep, root) = project_dir();
    let world = world().with("E2E_ROOT", root.to_str().unwrap());
    let out = python_scenarios(&world, gateway_bin().to_str().unwrap(), "legacy", ALL, None);
    check_all(&out, "2025-11-25", &world, &Dir::Default(&root));
}

#[test]
fn stdio_2026_07_28() {
    // No roots in 2026-07-28: the gateway's own directory, which it inherits from the client.
    let world = world();
    let out = python_scenarios(&world, gateway_bin().to_str().unwrap(), "auto", ALL, None);
    let here = std::env::current_dir().unwrap().canonicalize().unwrap();
    check_all(&out, "2026-07-28", &world, &Dir::Default(&here));
}

#[test]
fn http_legacy_handshake() {
    let (_keep, root) = project_dir();
    let world = world()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("E2E_ROOT", root.to_str().unwrap());
    let gateway = world.serve_http(&[]);
    let out = python_scenarios(&world, &gateway.url, "legacy", ALL, Some(TOKEN));
    check_all(&out, "2025-11-25", &world, &Dir::Default(&root));
}

#[test]
fn http_2026_07_28() {
    let (_keep, dir) = project_dir();
    let world = world()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("E2E_WORKDIR", dir.to_str().unwrap());
    let gateway = world.serve_http(&[]);
    let out = python_scenarios(&world, &gateway.url, "auto", ALL, Some(TOKEN));
    check_all(&out, "2026-07-28", &world, &Dir::Named(&dir));
}

#[test]
fn sync_call_defers_after_the_deadline() {
    let world = World::new()
        .with("LLM_GATEWAY_SYNC_DEADLINE_MS", "300")
        .with("FAKE_AGENT_SLEEP_BEFORE_MS_VIBE", "1500")
        .with("FAKE_AGENT_RESPONSE_VIBE", "late answer");
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "legacy",
        "deferred",
        None,
    );
    let deferred = &out["deferred"];
    let first = &deferred["deferred"]["structured"];
    assert_eq!(first["status"], "deferred", "{deferred}");
    assert_eq!(
        (
            &first["pollWith"],
            &first["collectWith"],
            &first["cancelWith"]
        ),
        (
            &Value::from("llm_job_status"),
            &Value::from("llm_job_result"),
            &Value::from("llm_job_cancel")
        )
    );
    assert_eq!(deferred["final"], "completed");
    assert_eq!(
        deferred["collected"]["structured"]["response"],
        "late answer"
    );
    assert_eq!(deferred["cancelFinished"]["isError"], true);
    assert!(
        deferred["cancelFinished"]["text"]
            .as_str()
            .unwrap()
            .contains("already finished"),
        "{deferred}"
    );
}
