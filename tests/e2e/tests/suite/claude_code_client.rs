//! Jobs outlive the MCP client that started them, with the **real** Claude Code as the client:
//! a first `claude -p` starts a `codex_request_async` job and exits while the (fake) codex is
//! still working; a second `claude -p`, through a new gateway process on the same
//! `LLM_GATEWAY_HOME`, collects the answer the job's detached supervisor recorded.
//!
//! Claude Code talks to the loopback [`MockVendorApi`], scripted per run. MCP tools are
//! deferred behind `ToolSearch` (spec mcp-testing.md §5b), so each script first loads the tools
//! it calls; the tool results Claude Code sends back are the gateway's structuredContent JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gateway_e2e::{World, gateway_bin, workspace_root};
use gateway_test_support::{MockTurn, MockVendorApi};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

/// The name the gateway is registered under; its tools are `mcp__<SERVER>__<tool>`.
pub(crate) const SERVER: &str = "llm-cli-gateway";
/// What the fake codex answers.
const CODEX_ANSWER: &str = "fake codex: the review is done";
/// How long the fake codex works before answering: well beyond a whole `claude -p` run.
const CODEX_WORK_MS: u64 = 8_000;
/// Longest a `claude -p` run may take before the test gives up on it.
const CLAUDE_DEADLINE: Duration = Duration::from_secs(90);

pub(crate) fn tool(name: &str) -> String {
    format!("mcp__{SERVER}__{name}")
}

/// `$GATEWAY_TOOLS_BIN`, else `<repo>/.tools/bin`; fails (never skips) without claude and node.
pub(crate) fn tools_bin() -> PathBuf {
    let bin = std::env::var_os("GATEWAY_TOOLS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".tools/bin"));
    let missing: Vec<&str> = ["claude", "node"]
        .into_iter()
        .filter(|tool| !bin.join(tool).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "Claude Code is not installed under {} (missing: {}): run scripts/install-test-tools.sh",
        bin.display(),
        missing.join(", ")
    );
    bin
}

/// A world for Claude Code: the temp home (`HOME`, `LLM_GATEWAY_HOME`, …), the real claude and
/// node on `PATH` (the fake CLIs only reach the gateway, see [`register_gateway`]), the mock API.
pub(crate) fn claude_world(mock: &MockVendorApi) -> World {
    let bin = tools_bin();
    World::new()
        .with(
            "PATH",
            &format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
        )
        .with("ANTHROPIC_BASE_URL", &mock.base_url())
        .with("ANTHROPIC_API_KEY", "sk-e2e-claude-code-client")
        .with("CLAUDE_CODE_MAX_RETRIES", "0")
        .with("DISABLE_AUTOUPDATER", "1")
        .with("NO_COLOR", "1")
}

/// A `claude` command in `world` and nothing else: no variable of the test's own environment
/// (`CLAUDE_CONFIG_DIR`, `LLM_GATEWAY_ON_EXIT`, …) reaches Claude Code or the gateway.
pub(crate) fn claude(world: &World) -> Command {
    let mut command = Command::new(tools_bin().join("claude"));
    command.env_clear();
    world.apply(&mut command);
    command.current_dir(world.home.path());
    command
}

/// `claude mcp add -s user` into the temp home: the gateway, with the fake CLIs first on its
/// `PATH` and a fake codex that works [`CODEX_WORK_MS`] before answering [`CODEX_ANSWER`].
pub(crate) fn register_gateway(world: &World) {
    register_gateway_with(
        world,
        &[
            format!("FAKE_AGENT_SLEEP_BEFORE_MS_CODEX={CODEX_WORK_MS}"),
            format!("FAKE_AGENT_RESPONSE_CODEX={CODEX_ANSWER}"),
        ],
    );
}

/// `claude mcp add -s user` of the gateway with the fake CLIs first on its `PATH`, plus `extra`
/// (`NAME=value`) in its environment.
pub(crate) fn register_gateway_with(world: &World, extra: &[String]) {
    let mut env = vec![
        format!("PATH={}", world.clis.path().to_string_lossy()),
        format!("LLM_GATEWAY_HOME={}", world.home.gateway_home().display()),
        format!("FAKE_AGENT_LOG={}", world.clis.log.display()),
    ];
    env.extend_from_slice(extra);
    let mut command = claude(world);
    command.args(["mcp", "add", "-s", "user", SERVER]);
    for pair in &env {
        command.args(["-e", pair]);
    }
    command.arg("--").arg(gateway_bin()).arg("serve");
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("run claude mcp add: {error}"));
    assert!(
        output.status.success(),
        "claude mcp add failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One finished `claude -p` run.
pub(crate) struct ClaudeRun {
    output: Output,
    took: Duration,
    /// When it had exited, in ms since the Unix epoch (the clock the gateway records with).
    exited_at_ms: i64,
}

impl ClaudeRun {
    /// The `--output-format json` result, after checking the run succeeded.
    pub(crate) fn result(&self) -> Value {
        let stdout = String::from_utf8_lossy(&self.output.stdout);
        let stderr = String::from_utf8_lossy(&self.output.stderr);
        assert!(
            self.output.status.success(),
            "claude -p failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
            self.output.status
        );
        serde_json::from_str(stdout.trim()).unwrap_or_else(|error| {
            panic!("claude -p printed no JSON result ({error}):\n{stdout}\nstderr:\n{stderr}")
        })
    }
}

/// Runs `claude -p PROMPT --output-format json` with only the gateway's tools allowed, and
/// kills it after [`CLAUDE_DEADLINE`].
pub(crate) fn run_claude(world: &World, prompt: &str) -> ClaudeRun {
    run_claude_in(world, prompt, world.home.path())
}

/// [`run_claude`] with `dir` as Claude Code's working directory (its project).
pub(crate) fn run_claude_in(world: &World, prompt: &str, dir: &Path) -> ClaudeRun {
    let logs = tempfile::tempdir().unwrap();
    let (out, err) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut command = claude(world);
    command.current_dir(dir);
    let allowed = tool("*");
    command
        .args(["-p", prompt, "--output-format", "json", "--allowedTools"])
        .arg(&allowed)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("spawn claude: {error}"));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CLAUDE_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "claude -p {prompt:?} still running after {CLAUDE_DEADLINE:?}:\nstdout:\n{}\nstderr:\n{}",
                read(&out),
                read(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let exited_at_ms = epoch_ms();
    ClaudeRun {
        output: Output {
            status,
            stdout: read(&out).into_bytes(),
            stderr: read(&err).into_bytes(),
        },
        took,
        exited_at_ms,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn epoch_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

/// The one result Claude Code sent back for the gateway tool `name`, parsed.
pub(crate) fn only_result(mock: &MockVendorApi, name: &str) -> Value {
    let results = mock.tool_results(&tool(name));
    let [result] = results.as_slice() else {
        panic!("expected one result of {name}, got {results:#?}");
    };
    serde_json::from_str(result)
        .unwrap_or_else(|error| panic!("{name} result is not JSON ({error}): {result}"))
}

#[test]
fn a_job_started_by_one_claude_code_session_is_collected_by_the_next_after_the_first_exited() {
    let mock = MockVendorApi::start();
    let world = claude_world(&mock);
    register_gateway(&world);

    // First client: load codex_request_async, start the review, answer, exit.
    mock.script_conversation(vec![
        MockTurn::tool_use(
            "ToolSearch",
            json!({"query": format!("select:{}", tool("codex_request_async"))}),
        ),
        MockTurn::tool_use(
            tool("codex_request_async"),
            json!({"prompt": "review this"}),
        ),
        MockTurn::text("review started"),
    ]);
    let first = run_claude(&world, "start a codex review of this repository");
    assert_eq!(first.result()["result"], "review started");
    let started = only_result(&mock, "codex_request_async");
    let job_id = started["jobId"]
        .as_str()
        .unwrap_or_else(|| panic!("no jobId in {started}"))
        .to_owned();

    // Second client, new gateway process: wait for the job, collect it. Each long poll ends at
    // a status change (queued → running → completed), never at progress: no event has that seq.
    let wait = json!({"jobId": job_id, "waitMs": 30_000, "afterProgressSeq": 1_000_000_000});
    mock.script_conversation(vec![
        MockTurn::tool_use(
            "ToolSearch",
            json!({"query": format!("select:{},{}", tool("llm_job_status"), tool("llm_job_result"))}),
        ),
        MockTurn::tool_use(tool("llm_job_status"), wait.clone()),
        MockTurn::tool_use(tool("llm_job_status"), wait),
        MockTurn::tool_use(tool("llm_job_result"), json!({"jobId": job_id})),
        MockTurn::text("collected"),
    ]);
    let second = run_claude(&world, "collect the codex review job");
    assert_eq!(second.result()["result"], "collected");

    let collected = only_result(&mock, "llm_job_result");
    assert_eq!(
        (
            &collected["jobId"],
            &collected["status"],
            &collected["error"]
        ),
        (&json!(job_id), &json!("completed"), &Value::Null),
        "{collected:#}"
    );
    assert_eq!(collected["response"], CODEX_ANSWER, "{collected:#}");

    let statuses = mock.tool_results(&tool("llm_job_status"));
    let last: Value = serde_json::from_str(statuses.last().unwrap()).unwrap();
    let (started_at, finished_at) = (
        last["startedAtMs"].as_i64().unwrap(),
        last["finishedAtMs"].as_i64().unwrap(),
    );
    assert!(
        first.exited_at_ms < finished_at,
        "the job finished ({finished_at}) before its client exited ({})",
        first.exited_at_ms
    );
    assert!(
        first.took < Duration::from_millis((finished_at - started_at).unsigned_abs()),
        "the first claude run ({:?}) outlasted the job ({} ms)",
        first.took,
        finished_at - started_at
    );

    let codex_runs: Vec<_> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|run| run.name == "codex" && run.kind == "run")
        .collect();
    assert_eq!(codex_runs.len(), 1, "{codex_runs:#?}");
    assert_eq!(codex_runs[0].prompt.as_deref(), Some("review this"));
}
