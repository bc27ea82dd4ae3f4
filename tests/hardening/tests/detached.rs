//! Jobs outlive the client that started them; no process outlives its job (spec decision 7,
//! issue 11). Each scenario drives the real binary over stdio with raw JSON-RPC, on a fresh
//! store, ends the gateway the way a client does (stdin closed, SIGTERM, SIGKILL), and reads
//! the job back through a *later* gateway process.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: failing loudly is the point"
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use gateway_hardening::{World, alive, eventually};
use serde_json::{Value, json};

/// A gateway on stdio with a raw JSON-RPC client.
struct StdioGateway {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    next_id: u64,
}

/// How a client lets go of its gateway.
#[derive(Debug, Clone, Copy)]
enum Ending {
    StdinClosed,
    Sigterm,
    Sigkill,
}

impl StdioGateway {
    fn start(world: &World) -> StdioGateway {
        let mut child = world.serve_stdio(Stdio::null());
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    panic!("non-JSON on stdout: {line}");
                };
                if send.send(value).is_err() {
                    break;
                }
            }
        });
        let mut gateway = StdioGateway {
            stdin: child.stdin.take(),
            child,
            lines,
            next_id: 1,
        };
        gateway.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "detached-test", "version": "1"}}),
        );
        gateway.notify("notifications/initialized");
        gateway
    }

    fn notify(&mut self, method: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{}", json!({"jsonrpc": "2.0", "method": method})).unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let stdin = self.stdin.as_mut().unwrap();
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(stdin, "{message}").unwrap();
        loop {
            let reply = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no reply to {method}"));
            if reply["id"] == id {
                return reply;
            }
        }
    }

    /// `structuredContent` of a tool call (panics on a protocol error).
    fn tool(&mut self, name: &str, arguments: Value) -> Value {
        let reply = self.request("tools/call", json!({"name": name, "arguments": arguments}));
        let result = &reply["result"];
        assert!(result.is_object(), "{name} failed: {reply}");
        assert_ne!(result["isError"], true, "{name} failed: {reply}");
        result["structuredContent"].clone()
    }

    /// Ends the gateway the way `ending` says and waits for it to exit.
    fn end(mut self, ending: Ending) {
        match ending {
            Ending::StdinClosed => drop(self.stdin.take()),
            Ending::Sigterm => signal(self.child.id(), "-TERM"),
            Ending::Sigkill => self.child.kill().unwrap(),
        }
        let exited = eventually(Duration::from_secs(15), || {
            self.child.try_wait().unwrap().is_some()
        });
        assert!(exited, "the gateway did not exit after {ending:?}");
    }
}

impl Drop for StdioGateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, which: &str) {
    Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .unwrap();
}

/// Starts an async job and returns its id.
fn start_async(gateway: &mut StdioGateway, tool: &str, arguments: Value) -> String {
    let started = gateway.tool(tool, arguments);
    started["jobId"].as_str().unwrap().to_owned()
}

/// Long-polls `llm_job_status` until the job is in `wanted` (or terminal when `None`).
fn wait_status(gateway: &mut StdioGateway, job_id: &str, wanted: Option<&str>) -> Value {
    let mut after = 0;
    for _ in 0..60 {
        let status = gateway.tool(
            "llm_job_status",
            json!({"jobId": job_id, "waitMs": 2000, "afterProgressSeq": after}),
        );
        after = status["nextProgressSeq"].as_i64().unwrap_or(after);
        let now = status["status"].as_str().unwrap_or_default().to_owned();
        let done = match wanted {
            Some(wanted) => now == wanted,
            None => !matches!(now.as_str(), "queued" | "running"),
        };
        if done {
            return status;
        }
    }
    panic!("job {job_id} never reached {wanted:?}");
}

fn world() -> World {
    World::new().with("FAKE_AGENT_SLEEP_BETWEEN_MS", "1000")
}

/// The job ended `completed` with the fake's parsed answer and usage, as a later gateway sees it.
fn assert_completed(world: &World, job_id: &str) {
    let mut later = StdioGateway::start(world);
    let status = wait_status(&mut later, job_id, None);
    assert_eq!(status["status"], "completed", "{status}");
    let result = later.tool("llm_job_result", json!({"jobId": job_id}));
    assert!(
        result["response"]
            .as_str()
            .is_some_and(|text| text.contains("fake codex answer")),
        "the parsed answer is missing: {result}"
    );
    let db = rusqlite::Connection::open(world.home.gateway_home().join("logs.db")).unwrap();
    let tokens: Option<i64> = db
        .query_row(
            "SELECT input_tokens FROM jobs WHERE id = ?1",
            [job_id],
            |row| row.get(0),
        )
        .unwrap();
    assert!(tokens.is_some_and(|tokens| tokens > 0), "usage is missing");
}

/// Pids of every fake CLI run so far and of their grandchildren.
fn cli_pids(world: &World) -> Vec<u32> {
    world
        .clis
        .invocations()
        .into_iter()
        .filter(|call| call.kind == "run")
        .flat_map(|call| [Some(call.pid), call.grandchild_pid])
        .flatten()
        .collect()
}

#[test]
fn an_async_job_outlives_its_gateway_however_the_gateway_ends() {
    for ending in [Ending::StdinClosed, Ending::Sigterm, Ending::Sigkill] {
        let world = world();
        let mut gateway = StdioGateway::start(&world);
        let job_id = start_async(
            &mut gateway,
            "codex_request_async",
            json!({"prompt": format!("survive {ending:?}")}),
        );
        wait_status(&mut gateway, &job_id, Some("running"));
        gateway.end(ending);
        assert_completed(&world, &job_id);
    }
}

#[test]
fn a_sync_call_that_deferred_finishes_after_its_client_left() {
    let world = world().with("LLM_GATEWAY_SYNC_DEADLINE_MS", "300");
    let mut gateway = StdioGateway::start(&world);
    let deferred = gateway.tool("codex_request", json!({"prompt": "take your time"}));
    assert_eq!(deferred["status"], "deferred", "{deferred}");
    let job_id = deferred["jobId"].as_str().unwrap().to_owned();
    gateway.end(Ending::StdinClosed);
    assert_completed(&world, &job_id);
}

#[test]
fn a_job_queued_behind_the_limit_when_its_gateway_exits_runs_and_completes() {
    let world = world();
    let config = world.home.path().join("limits.toml");
    std::fs::write(&config, "[limits]\nmax_running = 1\n").unwrap();
    let world = world.with("LLM_GATEWAY_CONFIG", config.to_str().unwrap());
    let mut gateway = StdioGateway::start(&world);
    let first = start_async(
        &mut gateway,
        "codex_request_async",
        json!({"prompt": "first"}),
    );
    wait_status(&mut gateway, &first, Some("running"));
    let second = start_async(
        &mut gateway,
        "codex_request_async",
        json!({"prompt": "second"}),
    );
    let queued = gateway.tool("llm_job_status", json!({"jobId": second}));
    assert_eq!(queued["status"], "queued", "{queued}");
    gateway.end(Ending::StdinClosed);
    assert_completed(&world, &first);
    assert_completed(&world, &second);
    let db = rusqlite::Connection::open(world.home.gateway_home().join("logs.db")).unwrap();
    let at = |column: &str, id: &str| -> i64 {
        db.query_row(
            &format!("SELECT {column} FROM jobs WHERE id = ?1"),
            [id],
            |row| row.get(0),
        )
        .unwrap()
    };
    assert!(
        at("started_at", &second) >= at("finished_at", &first),
        "the limit of one running job did not hold"
    );
}

#[test]
fn with_on_exit_cancel_running_jobs_end_canceled_with_the_gateway() {
    let world = World::new()
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS", "60000")
        .with("FAKE_AGENT_GRANDCHILD", "1")
        .with("LLM_GATEWAY_ON_EXIT", "cancel");
    let mut gateway = StdioGateway::start(&world);
    let job_id = start_async(
        &mut gateway,
        "codex_request_async",
        json!({"prompt": "bye"}),
    );
    wait_status(&mut gateway, &job_id, Some("running"));
    assert!(eventually(Duration::from_secs(10), || cli_pids(&world)
        .len()
        == 2));
    gateway.end(Ending::StdinClosed);
    let mut later = StdioGateway::start(&world);
    let status = wait_status(&mut later, &job_id, None);
    assert_eq!(status["status"], "canceled", "{status}");
    let pids = cli_pids(&world);
    assert!(
        eventually(Duration::from_secs(6), || pids
            .iter()
            .all(|&pid| !alive(pid))),
        "processes outlived the canceled job: {pids:?}"
    );
}

#[test]
fn a_wall_clock_limit_holds_after_the_gateway_exited() {
    let world = World::new()
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS", "60000")
        .with("FAKE_AGENT_GRANDCHILD", "1");
    let mut gateway = StdioGateway::start(&world);
    let job_id = start_async(
        &mut gateway,
        "codex_request_async",
        json!({"prompt": "forever", "timeoutMs": 3000}),
    );
    wait_status(&mut gateway, &job_id, Some("running"));
    assert!(eventually(Duration::from_secs(10), || cli_pids(&world)
        .len()
        == 2));
    gateway.end(Ending::Sigkill);
    let mut later = StdioGateway::start(&world);
    let status = wait_status(&mut later, &job_id, None);
    assert_eq!(
        (status["status"].clone(), status["exitCode"].clone()),
        (json!("failed"), json!(124)),
        "{status}"
    );
    let pids = cli_pids(&world);
    assert!(
        eventually(Duration::from_secs(2), || pids
            .iter()
            .all(|&pid| !alive(pid))),
        "processes outlived the timed-out job: {pids:?}"
    );
}

#[test]
fn a_second_gateway_sees_the_first_ones_job_waits_on_it_and_cancels_it() {
    let world = World::new()
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS", "60000")
        .with("FAKE_AGENT_GRANDCHILD", "1");
    let mut first = StdioGateway::start(&world);
    let job_id = start_async(
        &mut first,
        "codex_request_async",
        json!({"prompt": "shared"}),
    );
    wait_status(&mut first, &job_id, Some("running"));
    assert!(eventually(Duration::from_secs(10), || cli_pids(&world)
        .len()
        == 2));

    let mut second = StdioGateway::start(&world);
    let listed = second.tool("llm_job_list", json!({}));
    assert!(listed.to_string().contains(&job_id), "{listed}");
    let seen = second.tool("llm_job_status", json!({"jobId": job_id}));
    let after = seen["nextProgressSeq"].clone();
    let waited = second.tool(
        "llm_job_status",
        json!({"jobId": job_id, "waitMs": 1500, "afterProgressSeq": after}),
    );
    assert_eq!(waited["status"], "running", "{waited}");
    let canceled = second.tool("llm_job_cancel", json!({"jobId": job_id}));
    assert_eq!(canceled["canceled"], true, "{canceled}");
    let pids = cli_pids(&world);
    assert!(
        eventually(Duration::from_secs(6), || pids
            .iter()
            .all(|&pid| !alive(pid))),
        "the CLI's process group outlived the cancel: {pids:?}"
    );
    let status = wait_status(&mut first, &job_id, None);
    assert_eq!(
        status["status"], "canceled",
        "the first gateway's view: {status}"
    );
}
