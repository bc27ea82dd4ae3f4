//! The real Claude Code as the MCP host, as a new user would set it up (issue 14): run in a
//! project directory, it calls `codex_request` and `validate_with_models`; the result it hands
//! the model starts with the answer and carries the job id, and the fake CLIs ran in the project
//! (Claude Code's roots, or the directory it started the gateway in). The `--http` registration
//! command connects and leaves the bearer token out of `~/.claude.json`.

use std::path::Path;
use std::process::Stdio;

use gateway_e2e::{World, gateway_bin, project_dir};
use gateway_test_support::{MockTurn, MockVendorApi};
use serde_json::json;

use super::claude_code_client::{claude, claude_world, register_gateway_with, run_claude_in, tool};

const ANSWER: &str = "fake codex: the patch looks right";
const TOKEN: &str = "e2e-claude-http-token-0123456789";

/// The fake codex, then the two validation seats, each ran in `project`.
fn assert_three_runs_in(world: &World, project: &Path) {
    let runs: Vec<_> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|run| run.kind == "run")
        .collect();
    assert_eq!(runs.len(), 3, "codex, then two seats: {runs:#?}");
    for run in runs {
        assert_eq!(run.cwd, project, "{} ran outside the project", run.name);
    }
}

#[test]
fn claude_code_gets_the_answer_first_with_the_job_id_and_jobs_run_in_its_project_dir() {
    let mock = MockVendorApi::start();
    let world = claude_world(&mock);
    register_gateway_with(&world, &[format!("FAKE_AGENT_RESPONSE_CODEX={ANSWER}")]);
    let (_keep, project) = project_dir();
    mock.script_conversation(vec![
        MockTurn::tool_use(
            "ToolSearch",
            json!({"query": format!("select:{},{}", tool("codex_request"), tool("validate_with_models"))}),
        ),
        MockTurn::tool_use(tool("codex_request"), json!({"prompt": "review my change"})),
        MockTurn::tool_use(
            tool("validate_with_models"),
            json!({"question": "Is retrying on 502 safe?", "models": ["codex", "gemini"]}),
        ),
        MockTurn::text("done"),
    ]);
    let run = run_claude_in(&world, "review my change, then validate", &project);
    assert_eq!(run.result()["result"], "done");

    let [request] = mock
        .tool_results(&tool("codex_request"))
        .try_into()
        .unwrap();
    let prefix = format!(r#"{{"response":"{ANSWER}","status":"completed","jobId":""#);
    assert!(request.starts_with(&prefix), "the answer first: {request}");
    let [validation] = mock
        .tool_results(&tool("validate_with_models"))
        .try_into()
        .unwrap();
    assert!(
        validation.starts_with(r#"{"finalRecommendation":"#),
        "the conclusion first: {validation}"
    );
    assert!(validation.contains(r#""validationId":""#), "{validation}");
    assert!(validation.contains(r#""jobIds":[""#), "{validation}");

    assert_three_runs_in(&world, &project);
}

#[test]
fn the_http_registration_connects_and_keeps_the_token_out_of_claude_json() {
    let mock = MockVendorApi::start();
    let world = claude_world(&mock).with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    let printed = std::process::Command::new(gateway_bin())
        .args(["print-client-config", "claude-code", "--http", &gateway.url])
        .output()
        .unwrap();
    let command = String::from_utf8(printed.stdout).unwrap();
    let mut shell = claude(&world);
    let program = shell.get_program().to_owned();
    let added = std::process::Command::new("sh")
        .arg("-c")
        .arg(command.replacen("claude", &program.to_string_lossy(), 1))
        .env_clear()
        .envs(shell.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(world.home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(added.status.success(), "{command}: {added:?}");

    let listed = shell
        .args(["mcp", "list"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    let line = listed
        .lines()
        .find(|line| line.contains("llm-cli-gateway"))
        .unwrap_or_else(|| panic!("not listed: {listed}"));
    assert!(line.contains("Connected"), "{listed}");

    let config = std::fs::read_to_string(world.home.path().join(".claude.json")).unwrap();
    assert!(
        !config.contains(TOKEN),
        "the token was written into ~/.claude.json"
    );
    assert!(config.contains("${LLM_GATEWAY_AUTH_TOKEN}"), "{config}");
}

/// Gemini CLI names the gateway's tools `mcp_<server>_<tool>`.
fn gemini_tool(name: &str) -> String {
    format!("mcp_llm-cli-gateway_{name}")
}

/// Gemini CLI shows the model only the text block: it must carry the answer first and the
/// job id. Gemini runs in a trusted project folder (else it disables MCP servers).
#[test]
fn gemini_cli_gets_the_answer_first_with_the_job_id_and_jobs_run_in_its_project() {
    let mock = MockVendorApi::start();
    let bin = super::claude_code_client::tools_bin();
    let world = World::new()
        .with(
            "PATH",
            &format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
        )
        .with("GOOGLE_GEMINI_BASE_URL", &mock.base_url())
        .with("GEMINI_API_KEY", "e2e-gemini-host-key")
        .with("NO_COLOR", "1");
    let (_keep, project) = project_dir();
    let home = world.home.path();
    let settings = json!({
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "mcpServers": {"llm-cli-gateway": {
            "command": gateway_bin(), "args": ["serve"],
            "env": {
                "PATH": world.clis.path().to_string_lossy(),
                "LLM_GATEWAY_HOME": world.home.gateway_home(),
                "FAKE_AGENT_LOG": world.clis.log,
                "FAKE_AGENT_RESPONSE_CODEX": ANSWER,
            },
        }},
    });
    std::fs::create_dir_all(home.join(".gemini")).unwrap();
    std::fs::write(home.join(".gemini/settings.json"), settings.to_string()).unwrap();
    let trusted = json!({project.to_str().unwrap(): "TRUST_FOLDER"});
    std::fs::write(
        home.join(".gemini/trustedFolders.json"),
        trusted.to_string(),
    )
    .unwrap();
    mock.script_conversation(vec![
        MockTurn::tool_use(
            gemini_tool("codex_request"),
            json!({"prompt": "review my change"}),
        ),
        MockTurn::tool_use(
            gemini_tool("validate_with_models"),
            json!({"question": "Is retrying on 502 safe?", "models": ["codex", "gemini"]}),
        ),
        MockTurn::text("done"),
    ]);
    let mut gemini = std::process::Command::new(bin.join("gemini"));
    gemini.env_clear();
    world.apply(&mut gemini);
    let output = gemini
        .args([
            "-p",
            "review my change, then validate",
            "-o",
            "json",
            "--approval-mode",
            "yolo",
        ])
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let declared: Vec<String> = mock
        .requests()
        .iter()
        .flat_map(|request| {
            request.body["tools"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|tool| {
            tool["functionDeclarations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|function| Some(function["name"].as_str()?.to_owned()))
        .filter(|name| name.contains("request"))
        .collect();
    let said = || {
        format!(
            "{}\n{}\ndeclared: {declared:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    assert!(output.status.success(), "gemini failed: {}", said());
    assert!(
        !declared.is_empty(),
        "gemini did not offer the gateway's tools: {}",
        said()
    );

    let results = mock.tool_results(&gemini_tool("codex_request"));
    let [request] = results.as_slice() else {
        panic!(
            "one codex_request result expected, got {results:#?}\n{}",
            said()
        );
    };
    assert!(request.contains(ANSWER), "{request}");
    assert!(
        request.find(ANSWER) < request.find("jobId"),
        "the answer first, then the job id: {request}"
    );
    let [validation] = mock
        .tool_results(&gemini_tool("validate_with_models"))
        .try_into()
        .unwrap();
    assert!(validation.contains("Validation "), "{validation}");

    assert_three_runs_in(&world, &project);
}
