//! MCP tasks on the durable store, through real clients: the official Python SDK's 2025-11-25
//! task API over stdio and HTTP, and the `io.modelcontextprotocol/tasks` extension in raw
//! JSON-RPC. A task is created, the client closes and the gateway process stops, and a new
//! gateway on the same database finishes serving it.

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use gateway_e2e::{World, gateway_bin, mcp_tasks_python, workspace_root};
use serde_json::{Value, json};

use super::python_sdk::assert_no_live_fake;

/// Claude answers after 3 s (long enough to outlive its client), codex hangs a minute.
fn world() -> World {
    World::new()
        .with("FAKE_AGENT_SLEEP_BEFORE_MS_CLAUDE", "3000")
        .with("FAKE_AGENT_SLEEP_BEFORE_MS_CODEX", "60000")
}

/// Runs one step of `tests/e2e/clients/tasks.py` and returns its observations.
fn python(world: &World, target: &str, args: &[&str]) -> Value {
    let script = workspace_root().join("tests/e2e/clients/tasks.py");
    let mut command = Command::new(mcp_tasks_python());
    world.apply(&mut command);
    let output = command
        .arg("-W")
        .arg("ignore::DeprecationWarning")
        .arg(script)
        .arg(target)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run the Python task client: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "task client failed:\n{stdout}\n{stderr}"
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| panic!("bad client output ({error}):\n{stdout}\n{stderr}"))
}

/// What every session sees: `capabilities.tasks` and the tools that may run as tasks.
fn check_surface(out: &Value) {
    assert_eq!(
        out["capabilities"]["tasks"],
        json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}})
    );
    let support = out["taskSupport"].as_object().unwrap();
    assert_eq!(support.len(), 9, "{support:?}");
    assert_eq!(support["validate_with_models"], "optional");
    assert!(
        !support.contains_key("llm_job_status") && !support.contains_key("claude_request_async")
    );
}

/// The task a `create` step made, still working when its client left.
fn created_task(out: &Value) -> String {
    check_surface(out);
    let task = &out["created"]["task"];
    assert_eq!(task["status"], "working", "{out}");
    assert_eq!(task["pollInterval"], 1000);
    assert!(task["ttl"].as_u64().unwrap() >= 86_400_000, "{task}");
    task["taskId"].as_str().unwrap().to_owned()
}

/// A `finish` step: polled to completed, the answer with parsed usage and the related task.
fn check_finished(out: &Value, task_id: &str) {
    assert_eq!(out["final"]["status"], "completed", "{out}");
    let result = &out["result"];
    // The sync tool's exact answer: the response, then the status / job / session line.
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("fake claude answer\n")
            && text.ends_with("]")
            && text.contains(&format!("[completed · jobId {task_id}")),
        "{result}"
    );
    assert_eq!(
        result["structuredContent"]["response"],
        "fake claude answer"
    );
    assert_eq!(result["structuredContent"]["status"], "completed");
    assert_eq!(result["structuredContent"]["inputTokens"], 12);
    assert_eq!(result["structuredContent"]["outputTokens"], 5);
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        task_id
    );
    assert!(
        out["listed"].as_array().unwrap().contains(&json!(task_id)),
        "{out}"
    );
}

#[test]
fn python_task_survives_a_gateway_restart_over_stdio() {
    let world = world();
    let binary = gateway_bin();
    let binary = binary.to_str().unwrap();
    // The SDK starts the gateway and stops it when the client closes.
    let created = python(
        &world,
        binary,
        &[
            "create",
            "claude_request",
            r#"{"prompt": "task over stdio"}"#,
        ],
    );
    let task_id = created_task(&created);
    let finished = python(&world, binary, &["finish", &task_id]);
    check_finished(&finished, &task_id);
}

#[test]
fn python_task_survives_a_gateway_restart_over_http() {
    let world = world().with("LLM_GATEWAY_AUTH_TOKEN", "tasks-e2e-token");
    let mut gateway = world.serve_http(&[]);
    let created = python(
        &world,
        &gateway.url,
        &[
            "create",
            "claude_request",
            // Over HTTP with no MCP roots a job needs a directory: a private one here.
            r#"{"prompt": "task over http", "isolated": true}"#,
        ],
    );
    let task_id = created_task(&created);
    assert!(
        gateway.terminate(Duration::from_secs(15)).is_some(),
        "gateway did not stop"
    );
    let gateway = world.serve_http(&[]);
    let finished = python(&world, &gateway.url, &["finish", &task_id]);
    check_finished(&finished, &task_id);
}

#[test]
fn python_task_cancel_leaves_no_process() {
    let world = world();
    let binary = gateway_bin();
    let out = python(
        &world,
        binary.to_str().unwrap(),
        &["cancel", "codex_request", r#"{"prompt": "hang"}"#],
    );
    assert_eq!(out["canceled"]["status"], "cancelled", "{out}");
    assert_eq!(out["after"]["status"], "cancelled", "{out}");
    wait_until(|| world.clis.invocations().iter().any(|i| i.name == "codex"));
    std::thread::sleep(Duration::from_secs(2));
    assert_no_live_fake(&world, "codex");
}

#[test]
fn python_validation_task_completes_with_the_report_and_notifies() {
    let world = world();
    let binary = gateway_bin();
    let args = r#"{"question": "Is 2 + 2 = 4?", "models": ["claude", "gemini"]}"#;
    let out = python(
        &world,
        binary.to_str().unwrap(),
        &["notify", "validate_with_models", args],
    );
    assert_eq!(out["final"]["status"], "completed", "{out}");
    let report = &out["result"]["structuredContent"];
    assert_eq!(report["schemaVersion"], "validation-report.v1", "{report}");
    assert_eq!(report["validationId"], out["final"]["taskId"]);
    assert_eq!(
        report["perModelOutputs"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    let notified = out["notifications"].as_array().unwrap();
    assert!(
        notified
            .iter()
            .any(|n| n["status"] == "completed" && n["taskId"] == out["final"]["taskId"]),
        "{out}"
    );
}

fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A raw JSON-RPC stdio session of a client that declared the tasks extension.
struct Raw {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: u64,
    notifications: Vec<Value>,
}

impl Raw {
    fn start(world: &World, extension: bool) -> Raw {
        let mut child = world.serve_stdio(Stdio::null());
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut raw = Raw {
            child,
            stdin,
            lines,
            next_id: 1,
            notifications: Vec::new(),
        };
        let capabilities = match extension {
            true => json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}),
            false => json!({}),
        };
        let init = raw.request(
            "initialize",
            json!({"protocolVersion": "2026-07-28",
            "capabilities": capabilities, "clientInfo": {"name": "raw-tasks", "version": "1"}}),
        );
        assert!(init.get("result").is_some(), "{init}");
        writeln!(
            raw.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
        )
        .unwrap();
        raw
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        writeln!(
            self.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        )
        .unwrap();
        loop {
            let Some(line) = self.lines.next() else {
                panic!("the gateway closed stdout")
            };
            let line = line.unwrap();
            let value: Value = serde_json::from_str(&line).unwrap();
            if value["id"] == id {
                return value;
            }
            self.notifications.push(value);
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    fn get(&mut self, task_id: &str) -> Value {
        self.request("tasks/get", json!({"taskId": task_id}))
    }

    fn stop(mut self) {
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
}

/// With the extension declared, a call that would defer becomes a task; a quick one answers.
#[test]
fn extension_task_survives_a_restart_and_cancels() {
    let world = world().with("LLM_GATEWAY_SYNC_DEADLINE_MS", "500");
    let mut raw = Raw::start(&world, true);
    let quick = raw.call("gemini_request", json!({"prompt": "quick"}));
    assert_eq!(
        quick["result"]["structuredContent"]["status"], "completed",
        "{quick}"
    );
    assert_ne!(quick["result"]["resultType"], "task");
    let created = raw.call("claude_request", json!({"prompt": "extension task"}));
    let task = &created["result"];
    assert_eq!(task["resultType"], "task", "{created}");
    assert_eq!(task["status"], "working");
    let task_id = task["taskId"].as_str().unwrap().to_owned();
    // The same request again lands on the same job, so on the same task (dedup).
    let again = raw.call("claude_request", json!({"prompt": "extension task"}));
    assert_eq!(again["result"]["taskId"], task_id.as_str(), "{again}");
    raw.stop();

    let mut raw = Raw::start(&world, true);
    let done = loop {
        let got = raw.get(&task_id);
        if got["result"]["status"] != "working" {
            break got;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let result = &done["result"];
    assert_eq!(result["status"], "completed", "{done}");
    assert_eq!(
        result["result"]["structuredContent"]["inputTokens"], 12,
        "{done}"
    );
    assert_eq!(
        result["ttlMs"].as_u64().map(|ttl| ttl >= 86_400_000),
        Some(true)
    );

    let hanging = raw.call("codex_request", json!({"prompt": "hang"}));
    let hanging_id = hanging["result"]["taskId"].as_str().unwrap().to_owned();
    wait_until(|| world.clis.invocations().iter().any(|i| i.name == "codex"));
    let ack = raw.request("tasks/cancel", json!({"taskId": hanging_id}));
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    assert_eq!(raw.get(&hanging_id)["result"]["status"], "cancelled");
    let unknown = raw.get("no-such-task");
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    raw.stop();
    std::thread::sleep(Duration::from_secs(2));
    assert_no_live_fake(&world, "codex");
}

/// 2025-11-25: a task of a tool that forbids tasks, or a refused call, is a JSON-RPC error.
#[test]
fn a_task_of_a_forbidden_tool_or_a_refused_call_is_an_error() {
    let mut raw = Raw::start(&world(), false);
    let task = json!({"ttl": 60000});
    let forbidden = raw.request(
        "tools/call",
        json!({"name": "llm_job_list", "arguments": {}, "task": task}),
    );
    assert_eq!(forbidden["error"]["code"], -32602, "{forbidden}");
    assert!(
        forbidden["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot run as a task")
    );
    let refused = raw.request(
        "tools/call",
        json!({"name": "claude_request", "arguments": {"promt": "typo"}, "task": task}),
    );
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("promt"),
        "{refused}"
    );
    let listed = raw.request("tasks/list", json!({}));
    assert_eq!(listed["result"]["tasks"], json!([]), "{listed}");
    raw.stop();
}

/// A task call submits as an `_async` call does: the same idempotency key lands on the same
/// job even with dedup skipped, so the task is that job.
#[test]
fn a_task_call_shares_idempotency_with_async_calls() {
    let mut raw = Raw::start(&world(), false);
    let args = json!({"prompt": "once", "idempotencyKey": "key-1", "forceRefresh": true});
    let started = raw.call("claude_request_async", args.clone());
    let job_id = started["result"]["structuredContent"]["jobId"].clone();
    assert!(job_id.is_string(), "{started}");
    let task = raw.request(
        "tools/call",
        json!({"name": "claude_request", "arguments": args, "task": {"ttl": 1000}}),
    );
    assert_eq!(task["result"]["task"]["taskId"], job_id, "{task}");
    raw.stop();
}

#[test]
fn a_client_that_asks_for_no_task_gets_a_plain_answer() {
    let world = world().with("LLM_GATEWAY_SYNC_DEADLINE_MS", "20000");
    let mut child = world.serve_stdio(Stdio::null());
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for message in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
            "capabilities": {}, "clientInfo": {"name": "plain", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "claude_request",
            "arguments": {"prompt": "no task"}}}),
    ] {
        writeln!(stdin, "{message}").unwrap();
    }
    let _init = lines.next().unwrap().unwrap();
    let answer: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(
        answer["result"]["structuredContent"]["status"], "completed",
        "{answer}"
    );
    assert!(answer["result"].get("resultType").is_none(), "{answer}");
    drop(stdin);
    child.wait().unwrap();
}
