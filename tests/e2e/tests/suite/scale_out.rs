//! Scale out, end to end (issue 17): two gateway processes serving HTTP on one PostgreSQL
//! database — one dedup across both, a job of one seen, waited on and canceled from the other
//! and from the CLI, a killed gateway's jobs orphaned by the other after the lease — and a
//! PostgreSQL restart in the middle of a job. Real processes, a real server, raw JSON-RPC over
//! HTTP; no mocks. Every test asserts the database password never reaches a gateway's stderr.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use gateway_e2e::{HttpGateway, MCP_POST, World, gateway_bin, http, initialize_body, project_dir};
use gateway_test_support::{PgServer, psql, test_database};
use serde_json::{Value, json};

const TOKEN: &str = "e2e-scale-out-token";
/// How fast a canceled job's process group must be gone (the issue's promise).
const CANCEL_BOUND: Duration = Duration::from_secs(2);

/// One legacy MCP session on one gateway, spoken to in raw JSON-RPC over HTTP.
#[derive(Clone)]
struct Client {
    addr: std::net::SocketAddr,
    session: String,
}

impl Client {
    fn open(gateway: &HttpGateway) -> Client {
        let bearer = format!("Bearer {TOKEN}");
        let mut headers: Vec<(&str, &str)> = MCP_POST.to_vec();
        headers.push(("Authorization", &bearer));
        let opened = http(
            gateway.addr,
            "POST",
            "/mcp",
            &headers,
            initialize_body().as_bytes(),
        );
        assert_eq!(opened.status, 200, "initialize: {opened:?}");
        let session = opened
            .header("mcp-session-id")
            .unwrap_or_else(|| panic!("no session id: {opened:?}"))
            .to_owned();
        let client = Client {
            addr: gateway.addr,
            session,
        };
        let ack = client.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        assert_eq!(ack.status, 202, "initialized: {ack:?}");
        client
    }

    fn post(&self, body: &Value) -> gateway_e2e::Response {
        let bearer = format!("Bearer {TOKEN}");
        let mut headers: Vec<(&str, &str)> = MCP_POST.to_vec();
        headers.extend([
            ("Authorization", bearer.as_str()),
            ("Mcp-Session-Id", self.session.as_str()),
            ("MCP-Protocol-Version", "2025-11-25"),
        ]);
        http(
            self.addr,
            "POST",
            "/mcp",
            &headers,
            body.to_string().as_bytes(),
        )
    }

    /// The `structuredContent` of a successful tool call; panics on any error.
    fn tool(&self, name: &str, arguments: Value) -> Value {
        // Ids unique per session: rmcp routes a reply by its id.
        static NEXT_ID: AtomicU64 = AtomicU64::new(2);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": name, "arguments": arguments}});
        let reply = self.post(&request);
        assert_eq!(reply.status, 200, "{name}: {reply:?}");
        let json = reply
            .body
            .lines()
            .find_map(|line| line.strip_prefix("data:"))
            .unwrap_or(&reply.body);
        let message: Value = serde_json::from_str(json.trim())
            .unwrap_or_else(|error| panic!("{name}: {error}: {}", reply.body));
        assert_eq!(message["id"], id, "{name}: the reply to another request");
        let result = &message["result"];
        assert!(
            result.is_object() && result["isError"] != true,
            "{name} failed: {message}"
        );
        result["structuredContent"].clone()
    }

    fn status(&self, job: &str) -> Value {
        self.tool("llm_job_status", json!({"jobId": job}))
    }

    /// Long-polls `llm_job_status` until the job is terminal (or `within` passes: panics).
    fn wait_terminal(&self, job: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        let mut seen = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "job {job} not terminal within {within:?}");
            let wait = left.as_millis().min(10_000) as u64;
            // A long-poll also returns on new progress: page past what was seen.
            let status = self.tool(
                "llm_job_status",
                json!({"jobId": job, "waitMs": wait, "afterProgressSeq": seen}),
            );
            if !matches!(status["status"].as_str(), Some("queued" | "running")) {
                return status;
            }
            seen = status["nextProgressSeq"].as_i64().unwrap_or(seen);
        }
    }
}

/// A gateway world on database `url`: bearer auth plus `extra` environment.
fn world(url: &str, extra: &[(&str, &str)]) -> World {
    extra.iter().fold(
        World::new()
            .with("LLM_GATEWAY_DATABASE_URL", url)
            .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN),
        |world, (name, value)| world.with(name, value),
    )
}

/// The host name gateway B runs under (its own UTS namespace): to the engine it is another
/// machine, which cannot signal A's processes nor see its pids.
const HOST_B: &str = "gw-scale-b";

/// `serve --http` of `world` as host `host`: `unshare --uts` (root, as the suite runs) gives the
/// gateway, its supervisors and its CLIs a host name of their own.
fn serve_http_as_host(world: &World, host: &str) -> HttpGateway {
    let mut command = Command::new("unshare");
    world.apply(&mut command);
    command
        .args(["--uts", "sh", "-c", r#"hostname "$0" && exec "$@""#, host])
        .arg(gateway_bin())
        .args(["serve", "--http", "127.0.0.1:0"]);
    HttpGateway::start(command)
}

/// The registered host of each instance whose process is `pid`.
fn hosts_of(url: &str, pid: u32) -> String {
    psql(
        url,
        &format!("SELECT DISTINCT host FROM instances WHERE pid = {pid}"),
    )
}

/// The password of a `postgres://user:password@host/db` URL.
fn password_of(url: &str) -> String {
    let userinfo = url.trim_start_matches("postgres://");
    let userinfo = userinfo.split('@').next().unwrap();
    userinfo.split_once(':').unwrap().1.to_owned()
}

fn assert_no_password(password: &str, gateways: &[&HttpGateway]) {
    assert!(password.len() >= 16, "a real password: {password:?}");
    for (index, gateway) in gateways.iter().enumerate() {
        let stderr = gateway.stderr();
        assert!(
            !stderr.contains(password),
            "gateway {index} printed the database password:\n{stderr}"
        );
    }
}

/// Polls `probe` every 20 ms until it gives a value; panics naming `what` after `within`.
fn poll<T>(what: &str, within: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One column of one job's row, read straight from the database.
fn job_column(url: &str, job: &str, column: &str) -> String {
    psql(
        url,
        &format!("SELECT {column} FROM jobs WHERE id = '{job}'"),
    )
}

/// `(pid, state)` of every live (not zombie) process in process group `pgid`, from /proc.
fn group_members(pgid: i64) -> Vec<(i64, char)> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i64>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2).and_then(|group| group.parse::<i64>().ok()) == Some(pgid)
            && fields[0] != "Z"
        {
            members.push((pid, fields[0].chars().next().unwrap_or('?')));
        }
    }
    members
}

/// A live process: a zombie has ended (no reaper may come for it here: pid 1 may not reap).
fn process_exists(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|rest| !rest.starts_with('Z'))
}

/// The recorded `pid` and `pgid` of a running job; both present, and the group alive.
fn running_group(url: &str, job: &str) -> (i64, i64) {
    let row = poll(&format!("job {job} has a pid and pgid"), secs(10), || {
        let row = job_column(url, job, "pid || '|' || pgid");
        let (pid, pgid) = row.split_once('|')?;
        Some((pid.parse::<i64>().ok()?, pgid.parse::<i64>().ok()?))
    });
    assert!(
        !group_members(row.1).is_empty(),
        "job {job}: group {} empty while running",
        row.1
    );
    row
}

/// The pid the fake CLI logged for the run whose prompt is `prompt`.
fn cli_pid(world: &World, prompt: &str) -> i64 {
    poll(&format!("the CLI logged {prompt:?}"), secs(10), || {
        world
            .clis
            .invocations()
            .into_iter()
            .find(|run| run.prompt.as_deref() == Some(prompt))
            .map(|run| i64::from(run.pid))
    })
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

fn start(client: &Client, tool: &str, prompt: &str, dir: &Path) -> String {
    let started = client.tool(tool, json!({"prompt": prompt, "workingDir": dir}));
    assert_eq!(started["deduped"], false, "{started}");
    started["jobId"].as_str().unwrap().to_owned()
}

#[test]
fn a_hundred_identical_requests_across_two_gateways_make_one_job() {
    let url = test_database();
    let (a_world, b_world) = (world(&url, &[]), world(&url, &[]));
    let (a, b) = (
        a_world.serve_http(&[]),
        serve_http_as_host(&b_world, HOST_B),
    );
    let (_dir, project) = project_dir();
    // Ten sessions per gateway, five callers each, all released at once.
    let clients: Vec<Client> = (0..20)
        .map(|n| Client::open(if n % 2 == 0 { &a } else { &b }))
        .collect();
    let barrier = Arc::new(Barrier::new(100));
    let began = Instant::now();
    let mut callers = Vec::with_capacity(100);
    for n in 0..100 {
        let client = clients[n % 20].clone();
        let barrier = Arc::clone(&barrier);
        let project = project.clone();
        callers.push(std::thread::spawn(move || {
            let arguments =
                json!({"prompt": "one job for a hundred callers", "workingDir": project});
            barrier.wait();
            client.tool("claude_request_async", arguments)
        }));
    }
    let answers: Vec<Value> = callers.into_iter().map(|c| c.join().unwrap()).collect();
    let elapsed = began.elapsed();

    let rows = psql(&url, "SELECT id FROM jobs");
    assert_eq!(rows.lines().count(), 1, "jobs in the database: {rows}");
    let job = rows.trim();
    let fresh: Vec<&Value> = answers.iter().filter(|a| a["deduped"] == false).collect();
    assert_eq!(
        fresh.len(),
        1,
        "exactly one caller created the job: {fresh:?}"
    );
    for answer in &answers {
        assert_eq!(answer["jobId"], job, "{answer}");
        if answer["deduped"] == true {
            assert_eq!(answer["dedupedFrom"]["jobId"], job, "{answer}");
        }
    }
    // Both gateways answered callers from the job, whichever of them made it.
    let deduped_by = |addr| {
        (0..100)
            .filter(|n| clients[n % 20].addr == addr && answers[*n]["deduped"] == true)
            .count()
    };
    assert!(deduped_by(a.addr) >= 49 && deduped_by(b.addr) >= 49);
    eprintln!("100 concurrent identical requests on 2 gateways: 1 job, 99 deduped, {elapsed:?}");

    let done = Client::open(&b).wait_terminal(job, secs(30));
    assert_eq!(done["status"], "completed", "{done}");
    assert_no_password(&password_of(&url), &[&a, &b]);
}

#[test]
fn a_job_of_gateway_a_is_seen_waited_on_and_canceled_from_gateway_b_and_the_cli() {
    let url = test_database();
    // On A: codex answers after 2 s, claude never does. `cancel` on exit: nothing outlives
    // the test even when it fails half-way.
    let a_world = world(
        &url,
        &[
            ("FAKE_AGENT_SLEEP_BEFORE_MS_CODEX", "2000"),
            ("FAKE_AGENT_HANG_CLAUDE", "1"),
            ("LLM_GATEWAY_ON_EXIT", "cancel"),
        ],
    );
    let b_world = world(&url, &[]);
    let (a, b) = (
        a_world.serve_http(&[]),
        serve_http_as_host(&b_world, HOST_B),
    );
    let (on_a, on_b) = (Client::open(&a), Client::open(&b));
    assert_eq!(hosts_of(&url, b.pid()), HOST_B);
    assert_ne!(hosts_of(&url, a.pid()), HOST_B);
    let (_dir, project) = project_dir();

    let slow = start(&on_a, "codex_request_async", "slow but sure", &project);
    let hung_b = start(
        &on_a,
        "claude_request_async",
        "hang until B cancels",
        &project,
    );
    let hung_cli = start(
        &on_a,
        "claude_request_async",
        "hang until the CLI cancels",
        &project,
    );

    // Seen from B: the row A's supervisor keeps, with its status.
    for job in [&slow, &hung_b, &hung_cli] {
        let seen = poll(&format!("B sees {job} running"), secs(15), || {
            let status = on_b.status(job);
            (status["status"] == "running").then_some(status)
        });
        assert_eq!(seen["jobId"], job.as_str(), "{seen}");
        assert!(seen["startedAtMs"].is_i64(), "{seen}");
    }
    assert_eq!(on_b.status(&hung_b)["provider"], "claude");

    // Waited on from B, to its answer.
    let waited = Instant::now();
    let done = on_b.wait_terminal(&slow, secs(20));
    assert_eq!(done["status"], "completed", "{done}");
    let result = on_b.tool("llm_job_result", json!({"jobId": slow}));
    assert!(
        result.to_string().contains("fake codex answer"),
        "B reads A's answer: {result}"
    );
    eprintln!("B waited {:?} for A's job to complete", waited.elapsed());

    // Canceled from B, while another caller on B waits on it. B is on another host: it marks
    // the row, and A's supervisor, which polls its row, stops the CLI.
    let (pid, pgid) = running_group(&url, &hung_b);
    let cli = cli_pid(&a_world, "hang until B cancels");
    let waiter = {
        let (client, job) = (on_b.clone(), hung_b.clone());
        std::thread::spawn(move || client.wait_terminal(&job, secs(20)))
    };
    let sent = Instant::now();
    let canceled = on_b.tool("llm_job_cancel", json!({"jobId": hung_b}));
    assert_eq!(canceled["canceled"], true, "{canceled}");
    poll(
        "B's cancel ends the job's process group",
        CANCEL_BOUND,
        || {
            (group_members(pgid).is_empty() && !process_exists(pid) && !process_exists(cli))
                .then_some(())
        },
    );
    eprintln!(
        "cancel from B: group gone {:?} after the call",
        sent.elapsed()
    );
    assert_eq!(waiter.join().unwrap()["status"], "canceled");
    assert_eq!(job_column(&url, &hung_b, "status"), "canceled");

    // Canceled from the CLI on A's host (the database named by the environment): it signals
    // the recorded group itself.
    let (pid, pgid) = running_group(&url, &hung_cli);
    let cli = cli_pid(&a_world, "hang until the CLI cancels");
    let sent = Instant::now();
    let output = b_world
        .gateway()
        .args(["jobs", "cancel", &hung_cli, "--json"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "jobs cancel: {printed}");
    let envelope: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(envelope["data"]["status"], "canceled", "{envelope}");
    poll(
        "the CLI's cancel ends the job's process group",
        CANCEL_BOUND,
        || {
            (group_members(pgid).is_empty() && !process_exists(pid) && !process_exists(cli))
                .then_some(())
        },
    );
    eprintln!(
        "cancel from the CLI: group gone {:?} after it started",
        sent.elapsed()
    );
    assert!(!printed.contains(&password_of(&url)), "{printed}");
    // A, which runs it, agrees.
    let on_a_view = on_a.wait_terminal(&hung_cli, secs(10));
    assert_eq!(on_a_view["status"], "canceled", "{on_a_view}");
    assert_no_password(&password_of(&url), &[&a, &b]);
}

/// The job supervisors of `world`'s gateway: processes with its `LLM_GATEWAY_HOME` in their
/// environment running a supervisor binary, except the group keepers, which are forks of
/// their supervisor (same binary; the parent is a supervisor) and must live on to end their
/// CLI's group.
fn supervisors_of(world: &World) -> Vec<i64> {
    let marker = format!(
        "LLM_GATEWAY_HOME={}",
        world.home.gateway_home().to_string_lossy()
    );
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i64>() else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let ours = environ
            .split(|byte| *byte == 0)
            .any(|pair| pair == marker.as_bytes());
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        let supervisor_binary = exe
            .file_name()
            .is_some_and(|name| name.to_string_lossy().contains("supervisor"));
        let parent = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| {
                let (_, rest) = stat.rsplit_once(')')?;
                rest.split_whitespace().nth(1)?.parse::<i64>().ok()
            });
        if ours && supervisor_binary && process_exists(pid) {
            found.push((pid, parent));
        }
    }
    let all: Vec<i64> = found.iter().map(|(pid, _)| *pid).collect();
    found
        .into_iter()
        .filter(|(_, parent)| parent.is_none_or(|parent| !all.contains(&parent)))
        .map(|(pid, _)| pid)
        .collect()
}

fn sigkill(pid: i64) {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -KILL {pid}");
}

#[test]
fn gateway_a_killed_with_its_supervisors_leaves_its_jobs_orphaned_on_b_after_the_lease() {
    let url = test_database();
    let lease = [("LLM_GATEWAY_LEASE_MS", "2000"), ("FAKE_AGENT_HANG", "1")];
    let (a_world, b_world) = (world(&url, &lease), world(&url, &lease));
    let (a, b) = (
        a_world.serve_http(&[]),
        serve_http_as_host(&b_world, HOST_B),
    );
    let (on_a, on_b) = (Client::open(&a), Client::open(&b));
    let (_dir, project) = project_dir();
    let jobs = [
        start(&on_a, "claude_request_async", "orphan one", &project),
        start(&on_a, "codex_request_async", "orphan two", &project),
    ];
    let mut clis = Vec::new();
    for (job, prompt) in jobs.iter().zip(["orphan one", "orphan two"]) {
        poll(&format!("B sees {job} running"), secs(15), || {
            (on_b.status(job)["status"] == "running").then_some(())
        });
        clis.push(cli_pid(&a_world, prompt));
    }
    let a_pid = i64::from(a.pid());
    let supervisors = supervisors_of(&a_world);
    // Each job's owner is a registered supervisor of A.
    for job in &jobs {
        let owner_pid = psql(
            &url,
            &format!(
                "SELECT i.pid FROM jobs j JOIN instances i ON i.id = j.owner_instance WHERE j.id = '{job}'"
            ),
        );
        let owner_pid: i64 = owner_pid
            .parse()
            .unwrap_or_else(|_| panic!("job {job}'s owner has no instances row: {owner_pid:?}"));
        assert!(
            supervisors.contains(&owner_pid),
            "job {job}'s owner {owner_pid} is not among A's supervisors {supervisors:?}"
        );
        // The group's leader, the keeper, is no supervisor: it stays to end the group.
        let (leader, _) = running_group(&url, job);
        assert!(
            !supervisors.contains(&leader),
            "{leader} in {supervisors:?}"
        );
    }

    let killed = Instant::now();
    sigkill(a_pid);
    for pid in &supervisors {
        sigkill(*pid);
    }
    // Without their supervisors the CLIs are gone too, within 2 s (the keeper's lifeline).
    poll("the killed supervisors' CLIs are gone", secs(2), || {
        clis.iter().all(|pid| !process_exists(*pid)).then_some(())
    });
    eprintln!("A's CLIs were gone {:?} after the kill", killed.elapsed());
    for job in &jobs {
        let status = on_b.wait_terminal(job, secs(20));
        assert_eq!(status["status"], "orphaned", "{status}");
    }
    let orphaned_after = killed.elapsed();
    // The last beat came at most a third of the lease before the kill.
    assert!(
        orphaned_after >= Duration::from_millis(1300),
        "orphaned before the 2 s lease could expire ({orphaned_after:?})"
    );
    eprintln!(
        "killed A and {} supervisor(s); B saw both jobs orphaned after {orphaned_after:?}",
        supervisors.len()
    );
    for job in &jobs {
        assert_eq!(job_column(&url, job, "status"), "orphaned");
    }
    assert_no_password(&password_of(&url), &[&a, &b]);
}

#[test]
fn a_job_streaming_through_a_postgres_restart_completes_with_all_its_output() {
    let server = PgServer::start();
    let url = server.create_database("scale_restart");
    // 24 lines of 16 KiB, then the answer, one line every 200 ms: about 5 s of output.
    let stream = [
        ("FAKE_AGENT_OUTPUT_BYTES_CODEX", "393216"),
        (
            "FAKE_AGENT_SESSION_ID_CODEX",
            "0199a0a0-0000-7000-8000-000000000017",
        ),
    ];
    let a_world = world(&url, &stream).with("FAKE_AGENT_SLEEP_BETWEEN_MS_CODEX", "200");
    let a = a_world.serve_http(&[]);
    let on_a = Client::open(&a);
    let (_dir, project) = project_dir();
    let prompt = "stream through a restart";
    let job = start(&on_a, "codex_request_async", prompt, &project);
    let before = poll("the first output is stored", secs(15), || {
        let bytes = job_column(&url, &job, "stdout_bytes")
            .parse::<usize>()
            .ok()?;
        (bytes > 0).then_some(bytes)
    });

    let down = Instant::now();
    server.stop();
    // Down long enough for several lines to come while it is away.
    std::thread::sleep(Duration::from_millis(1500));
    server.start_again();
    let back_at_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    eprintln!("PostgreSQL was down for {:?}", down.elapsed());

    let status = on_a.wait_terminal(&job, secs(40));
    assert_eq!(status["status"], "completed", "{status}");
    // It streamed on through the outage: it ended after the server was back.
    assert!(
        status["finishedAtMs"].as_i64().unwrap() > back_at_ms,
        "{status}"
    );
    poll("the row reads completed", secs(15), || {
        (job_column(&url, &job, "status") == "completed").then_some(())
    });

    // What the fake CLI printed: the same run again, without its pauses.
    let run = a_world
        .clis
        .invocations()
        .into_iter()
        .find(|run| run.prompt.as_deref() == Some(prompt))
        .expect("the CLI ran");
    let mut again = Command::new(a_world.clis.cli("codex"));
    again.args(&run.argv).current_dir(&project).env_clear();
    for (name, value) in stream {
        again.env(name, value);
    }
    let expected = if let Some(stdin) = &run.stdin {
        use std::io::Write;
        let mut child = again
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    } else {
        again.output().unwrap()
    };
    assert!(expected.status.success(), "{expected:?}");
    let expected = String::from_utf8(expected.stdout).unwrap();
    assert!(expected.len() > 390_000 && expected.contains("fake codex answer"));
    assert!(
        before < expected.len() / 2,
        "the outage came mid-stream: {before} of {} bytes stored before it",
        expected.len()
    );

    let result = on_a.tool(
        "llm_job_result",
        json!({"jobId": job, "maxChars": 2_000_000}),
    );
    let stdout = result["stdout"]
        .as_str()
        .unwrap_or_else(|| panic!("{result:#}"));
    assert_eq!(
        stdout.len(),
        expected.len(),
        "stored stdout length (truncated: {})",
        result["stdoutTruncated"]
    );
    assert!(
        stdout == expected,
        "the stored stdout differs from what the CLI printed"
    );
    assert_eq!(
        job_column(&url, &job, "stdout_bytes"),
        expected.len().to_string()
    );
    let answer = a_world
        .gateway()
        .args(["jobs", "show", &job, "--output"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&answer.stdout).contains("fake codex answer"),
        "{answer:?}"
    );
    assert_no_password(server.password(), &[&a]);
}
