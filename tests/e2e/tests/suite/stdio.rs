//! The stdio transport, spoken to with raw JSON lines: stdout carries nothing but JSON-RPC,
//! EOF on stdin shuts the gateway down cleanly, and the `tools/list` surface is pinned by an
//! exact snapshot and a size budget (≤ 40 KB: Codex and Gemini CLI send it with every model
//! request), and `LLM_GATEWAY_TOOLSETS` serves only the chosen families.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use gateway_e2e::World;
use serde_json::{Value, json};

/// Sends `messages` (one JSON per line), closes stdin and returns every stdout line.
fn exchange(world: &World, messages: &[Value]) -> (Vec<Value>, std::process::ExitStatus, Duration) {
    let mut child = world.serve_stdio(Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let expected_responses = messages.iter().filter(|m| m.get("id").is_some()).count();
    for message in messages {
        writeln!(stdin, "{message}").unwrap();
    }
    let mut lines = Vec::new();
    let mut responses = 0;
    let mut reader = stdout.lines();
    while responses < expected_responses {
        let Some(Ok(line)) = reader.next() else { break };
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"));
        assert_eq!(value["jsonrpc"], "2.0", "{line}");
        if value.get("id").is_some() {
            responses += 1;
        }
        lines.push(value);
    }
    drop(stdin);
    let closed = Instant::now();
    let rest: Vec<String> = reader.map_while(Result::ok).collect();
    assert!(rest.is_empty(), "unexpected stdout after EOF: {rest:?}");
    let status = child.wait().unwrap();
    (lines, status, closed.elapsed())
}

fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
           "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
}

#[test]
fn stdout_is_json_rpc_only_and_eof_shuts_down() {
    let world = World::new();
    let messages = [
        initialize("2025-11-25"),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
    ];
    let (lines, status, shutdown) = exchange(&world, &messages);
    assert_eq!(lines[0]["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(lines[0]["result"]["serverInfo"]["name"], "llm-cli-gateway");
    assert!(
        lines[0]["result"]["capabilities"].get("logging").is_none(),
        "logging must not be advertised"
    );
    assert_eq!(lines[1]["id"], 2);
    assert!(status.success(), "{status:?}");
    assert!(
        shutdown < Duration::from_secs(10),
        "shutdown took {shutdown:?}"
    );
}

/// Every revision is answered with itself when it has an `initialize` handshake; 2026-07-28
/// (which has none) and unknown revisions get the newest that does.
#[test]
fn every_declared_protocol_version_negotiates() {
    let cases = [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
    ];
    for (declared, answered) in cases {
        let (lines, _, _) = exchange(&World::new(), &[initialize(declared)]);
        assert_eq!(
            lines[0]["result"]["protocolVersion"], answered,
            "{declared}"
        );
    }
}

#[test]
fn tools_list_exact_schema_and_size() {
    let messages = [
        initialize("2025-11-25"),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    ];
    let (lines, _, _) = exchange(&World::new(), &messages);
    let result = &lines[1]["result"];
    let bytes = serde_json::to_string(result).unwrap().len();
    assert!(
        bytes <= 40 * 1024,
        "tools/list is {bytes} bytes; the budget is 40 KB"
    );
    insta::assert_json_snapshot!("tools_list", result);
    eprintln!(
        "tools/list: {} tools, {bytes} bytes",
        result["tools"].as_array().map_or(0, Vec::len)
    );
}

#[test]
fn toolsets_serve_only_the_chosen_families() {
    let messages = [
        initialize("2025-11-25"),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    ];
    let world = World::new().with("LLM_GATEWAY_TOOLSETS", "sessions, jobs,nonsense");
    let (lines, _, _) = exchange(&world, &messages);
    let names: Vec<&str> = lines[1]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "llm_job_cancel",
            "llm_job_list",
            "llm_job_result",
            "llm_job_status",
            "llm_request_result",
            "session_clear_all",
            "session_create",
            "session_delete",
            "session_get",
            "session_list",
            "session_set_active",
        ]
    );
}
