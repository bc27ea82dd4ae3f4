//! Gateway sessions (a gw- id resumes the native session it learned), the approval manager,
//! the flight recorder, resources, and tool-call recording — through the Python SDK, with the
//! argv the fake CLI received and the `logs --json` view of the same database as evidence.

use gateway_e2e::{World, gateway_bin, python_scenarios};
use pretty_assertions::assert_eq;
use serde_json::Value;

#[test]
fn sessions_approvals_recorder_resources_and_tool_call_log() {
    let world = World::new();
    let out = python_scenarios(
        &world,
        gateway_bin().to_str().unwrap(),
        "legacy",
        "records",
        None,
    );
    let records = &out["records"];

    let native = records["native"]
        .as_str()
        .expect("the gateway session learned the native id");
    assert_eq!(records["first"]["structured"]["sessionId"], native);
    let claude_runs: Vec<Vec<String>> = world
        .clis
        .invocations()
        .into_iter()
        .filter(|i| i.name == "claude" && i.kind == "run")
        .map(|i| i.argv)
        .collect();
    assert_eq!(
        claude_runs.len(),
        2,
        "the denied request must not run: {claude_runs:?}"
    );
    assert!(
        !claude_runs[0].contains(&"--resume".to_owned()),
        "{claude_runs:?}"
    );
    assert!(
        claude_runs[1]
            .windows(2)
            .any(|w| w[0] == "--resume" && w[1] == native),
        "{claude_runs:?}"
    );

    assert_eq!(records["denied"]["isError"], true);
    assert!(
        records["denied"]["text"]
            .as_str()
            .unwrap()
            .contains("denied by MCP-managed approval"),
        "{records}"
    );
    let approval = &records["approvals"]["structured"]["approvals"][0];
    assert_eq!(approval["decision"], "denied");
    assert_eq!(
        approval["reasons"],
        serde_json::json!(["permission_bypass", "sensitive_prompt"])
    );
    assert_eq!(approval["promptSha256"].as_str().unwrap().len(), 64);

    let recorded = &records["recorded"]["structured"];
    assert_eq!(
        (&recorded["status"], &recorded["originTool"]),
        (&Value::from("completed"), &Value::from("claude_request"))
    );
    assert!(
        recorded.get("prompt").is_none(),
        "the prompt is only returned on request"
    );
    assert_eq!(records["jobText"], "fake claude answer");
    assert_eq!(records["models"]["provider"], "claude");
    assert_eq!(records["sessions"][0]["nativeSessionId"], native);
    assert_eq!(records["deleted"]["structured"]["deleted"], 1);
    assert_eq!(records["missing"]["isError"], true);

    let logs = world
        .gateway()
        .args(["logs", "--json", "--limit", "200"])
        .output()
        .unwrap();
    let envelope: Value = serde_json::from_slice(&logs.stdout).unwrap();
    let calls: Vec<&Value> = envelope["data"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "toolCall")
        .collect();
    let tools: Vec<&str> = calls.iter().map(|c| c["tool"].as_str().unwrap()).collect();
    for tool in [
        "session_create",
        "claude_request",
        "approval_list",
        "llm_request_result",
        "session_delete",
    ] {
        assert!(tools.contains(&tool), "{tool} not recorded: {tools:?}");
    }
    let denied = calls
        .iter()
        .find(|c| c["tool"] == "claude_request" && c["isError"] == true)
        .expect("denied call recorded");
    let summary = denied["argsSummary"].as_str().unwrap();
    assert!(
        summary.contains(r#""prompt":"<16 bytes>""#) && !summary.contains("wipe"),
        "prompt leaked: {summary}"
    );
    assert_eq!(denied["clientName"], "mcp");
}
