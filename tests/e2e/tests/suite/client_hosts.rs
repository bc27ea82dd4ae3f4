//! The real Claude Code as the MCP host, as a new user would set it up (issue 14): run in a
//! project directory, it calls `codex_request` and `validate_with_models`; the result it hands
//! the model starts with the answer and carries the job id, and the fake CLIs ran in the project
//! (Claude Code's roots, or the directory it started the gateway in). The `--http` registration
//! command connects and leaves the bearer token out of `~/.claude.json`. Gemini CLI and Codex
//! (`codex exec`, registered with the printed snippet unchanged) do the same two calls.

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

/// Codex offers the gateway's tools in one namespace tool, `mcp__llm_cli_gateway`; the mock
/// calls `<namespace>__<tool>` as `tool` in that namespace.
fn codex_tool(name: &str) -> String {
    format!("mcp__llm_cli_gateway__{name}")
}

/// `$CODEX_HOME/config.toml`: a mock model provider, then the snippet `print-client-config
/// codex` prints, unchanged, then the environment the test gives the gateway (the fake CLIs
/// first on its `PATH`). A model with known metadata, so that Codex offers MCP tools directly
/// (its default model reaches them only through a JavaScript `exec` tool).
fn write_codex_config(world: &World, mock: &MockVendorApi) {
    let printed = std::process::Command::new(gateway_bin())
        .args(["print-client-config", "codex"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let snippet = String::from_utf8(printed.stdout).unwrap();
    let quoted = |value: &Path| json!(value).to_string();
    let config = format!(
        "model = \"gpt-5.1-codex\"\nmodel_provider = \"mock\"\n\n[model_providers.mock]\nname = \"mock\"\nbase_url = \"{}/v1\"\nenv_key = \"CODEX_HOST_API_KEY\"\nwire_api = \"responses\"\nrequest_max_retries = 0\nstream_max_retries = 0\n\n{snippet}\n[mcp_servers.llm-cli-gateway.env]\nPATH = {}\nLLM_GATEWAY_HOME = {}\nFAKE_AGENT_LOG = {}\nFAKE_AGENT_RESPONSE_CODEX = \"{ANSWER}\"\n",
        mock.base_url(),
        quoted(Path::new(&world.clis.path())),
        quoted(&world.home.gateway_home()),
        quoted(&world.clis.log),
    );
    let home = world.home.codex_home();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), config).unwrap();
}

/// Codex hands the model the structuredContent JSON (after a `Wall time` header): the answer
/// first, then the job id. The gateway's `default_tools_approval_mode = "approve"` lets
/// `codex exec` (which cannot ask) run the tools.
#[test]
fn codex_gets_the_answer_first_with_the_job_id_and_jobs_run_in_its_project() {
    let mock = MockVendorApi::start();
    let bin = super::claude_code_client::tools_bin();
    assert!(
        bin.join("codex").exists(),
        "run scripts/install-test-tools.sh"
    );
    let world = World::new()
        .with(
            "PATH",
            &format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
        )
        .with("CODEX_HOST_API_KEY", "sk-e2e-codex-host")
        .with("NO_COLOR", "1");
    write_codex_config(&world, &mock);
    let (_keep, project) = project_dir();
    mock.script_conversation(vec![
        MockTurn::tool_use(
            codex_tool("codex_request"),
            json!({"prompt": "review my change"}),
        ),
        MockTurn::tool_use(
            codex_tool("validate_with_models"),
            json!({"question": "Is retrying on 502 safe?", "models": ["codex", "gemini"]}),
        ),
        MockTurn::text("done"),
    ]);
    let mut codex = std::process::Command::new(bin.join("codex"));
    codex.env_clear();
    world.apply(&mut codex);
    let output = codex
        .args(["exec", "--json", "--skip-git-repo-check"])
        .arg("review my change, then validate")
        .current_dir(&project)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = || {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    assert!(output.status.success(), "codex failed: {}", said());
    let offered = mock.requests().iter().any(|request| {
        request.body["tools"].as_array().is_some_and(|tools| {
            tools
                .iter()
                .any(|tool| tool["name"] == "mcp__llm_cli_gateway")
        })
    });
    assert!(
        offered,
        "codex did not offer the gateway's tools: {}",
        said()
    );

    let results = mock.tool_results(&codex_tool("codex_request"));
    let [request] = results.as_slice() else {
        panic!(
            "one codex_request result expected, got {results:#?}\n{}",
            said()
        );
    };
    let prefix = format!(r#"{{"response":"{ANSWER}","status":"completed","jobId":""#);
    let model_sees = |result: &str| {
        result
            .split_once("Output:\n")
            .map(|(_, json)| json.to_owned())
    };
    assert!(
        model_sees(request).is_some_and(|json| json.starts_with(&prefix)),
        "the answer first, then the job id: {request}"
    );
    let [validation] = mock
        .tool_results(&codex_tool("validate_with_models"))
        .try_into()
        .unwrap();
    assert!(
        model_sees(&validation).is_some_and(|json| json.starts_with(r#"{"finalRecommendation":"#)),
        "the conclusion first: {validation}"
    );
    assert!(validation.contains(r#""jobIds":[""#), "{validation}");

    assert_three_runs_in(&world, &project);
}
