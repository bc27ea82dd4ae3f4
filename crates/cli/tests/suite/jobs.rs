//! `jobs list|show|tail|cancel` against real jobs, from another process than the one running
//! them (the test process is the gateway; the binary is the second process).

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::time::Duration;

use gateway_core::JobStatus;
use gateway_store::{DedupPolicy, NewJob, RunningInfo, Store, StoreOptions, now_ms};
use serde_json::Value;

use super::{Fixture, LONG, assert_valid, claude, codex, gateway, gone_within, json_of};

#[tokio::test]
async fn list_and_show_report_real_jobs() {
    let f = Fixture::start().await;
    let ok = f
        .run(f.request(
            claude(),
            "say hi",
            &[("FAKE_AGENT_RESPONSE", "hello there")],
        ))
        .await;
    let failed = f
        .run(f.request(codex(), "fail please", &[("FAKE_AGENT_EXIT_CODE", "3")]))
        .await;

    let mut command = f.cli();
    command.args(["jobs", "list", "--json"]);
    let listed = json_of(command, 0);
    assert_valid(&listed);
    let ids: Vec<&str> = listed["data"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["jobId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [failed.as_str(), ok.as_str()], "newest first");

    let mut command = f.cli();
    command.args([
        "jobs",
        "list",
        "--status",
        "failed",
        "--provider",
        "codex",
        "--since",
        "1h",
        "--json",
    ]);
    let failures = json_of(command, 0);
    assert_eq!(failures["data"]["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(failures["data"]["jobs"][0]["exitCode"], 3);

    let mut command = f.cli();
    command.args(["jobs", "show", &ok[..13], "--json"]);
    let shown = json_of(command, 0);
    assert_valid(&shown);
    let job = &shown["data"];
    assert_eq!(job["jobId"], ok.as_str());
    assert_eq!(job["status"], "completed");
    assert_eq!(job["program"], "claude");
    assert!(
        job["argv"]
            .as_array()
            .unwrap()
            .iter()
            .any(|arg| arg == "stream-json"),
        "{job:#}"
    );
    assert!(job["sessionId"].is_string(), "{job:#}");
    assert!(job["durationMs"].as_i64().unwrap() >= 0);

    let mut command = f.cli();
    command.args(["jobs", "show", &failed]);
    let human = command.output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("status:      failed"), "{text}");
    assert!(text.contains("exit code:   3"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal: {text:?}"
    );

    let mut command = f.cli();
    command.args(["jobs", "list"]);
    let table = String::from_utf8(command.output().unwrap().stdout).unwrap();
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("STATUS") && header.contains("COST"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 3, "{table}");

    let mut command = f.cli();
    command.args(["jobs", "tail", &ok]);
    let tailed = String::from_utf8(command.output().unwrap().stdout).unwrap();
    assert!(tailed.contains("hello there"), "{tailed}");
}

#[tokio::test]
async fn errors_have_stable_exit_codes_and_envelopes() {
    let f = Fixture::start().await;
    let done = f.run(f.request(claude(), "quick", &[])).await;

    let mut command = f.cli();
    command.args([
        "jobs",
        "show",
        "00000000-0000-0000-0000-000000000000",
        "--json",
    ]);
    let missing = json_of(command, 1);
    assert_valid(&missing);
    assert_eq!(
        (missing["ok"].as_bool(), missing["error"]["code"].as_str()),
        (Some(false), Some("not_found"))
    );

    let mut command = f.cli();
    command.args(["jobs", "cancel", &done, "--json"]);
    let finished = json_of(command, 1);
    assert_eq!(finished["error"]["code"], "already_finished");

    let empty = tempfile::tempdir().unwrap();
    let mut command = gateway(empty.path());
    command.args(["jobs", "list", "--json"]);
    let no_store = json_of(command, 3);
    assert_eq!(no_store["error"]["code"], "store_not_found");
    assert!(
        !empty.path().join("logs.db").exists(),
        "reading never creates the store"
    );

    let mut command = f.cli();
    command.args(["jobs", "list", "--since", "soon"]);
    let usage = command.output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("use e.g. 30m"));
}

/// Reads NDJSON envelopes from a child's stdout on a thread.
fn envelopes(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<Value> {
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if send.send(serde_json::from_str(&line).unwrap()).is_err() {
                return;
            }
        }
    });
    receive
}

#[tokio::test]
async fn tail_follow_streams_output_while_the_job_runs() {
    let f = Fixture::start().await;
    let request = f.request(
        claude(),
        "slowly",
        &[("FAKE_AGENT_SLEEP_BETWEEN_MS", "700")],
    );
    let job = f.service.submit(request).await.unwrap().job_id;
    let mut tail = super::gateway_process(f.dir.path())
        .args(["jobs", "tail", &job, "--follow", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = envelopes(&mut tail);
    let first = tokio::task::spawn_blocking(move || {
        let first = lines.recv_timeout(LONG).unwrap();
        (first, lines)
    });
    let (first, lines) = first.await.unwrap();
    assert_valid(&first);
    assert_eq!(first["data"]["type"], "output", "{first:#}");
    let status = f.service.status(&job).await.unwrap().unwrap().status;
    assert_eq!(
        status,
        JobStatus::Running,
        "the first chunk arrived while the job still ran"
    );
    let rest: Vec<Value> = tokio::task::spawn_blocking(move || lines.iter().collect())
        .await
        .unwrap();
    let end = rest.last().unwrap();
    assert_valid(end);
    assert_eq!(
        (end["data"]["type"].as_str(), end["data"]["status"].as_str()),
        (Some("end"), Some("completed"))
    );
    assert!(rest.len() >= 2, "more chunks followed: {rest:#?}");
    assert!(tail.wait().unwrap().success());
}

#[tokio::test]
async fn cancel_from_a_second_process_stops_the_job_and_its_tree() {
    let f = Fixture::start().await;
    let request = f.request(
        claude(),
        "hang",
        &[("FAKE_AGENT_HANG", "1"), ("FAKE_AGENT_GRANDCHILD", "1")],
    );
    let job = f.service.submit(request).await.unwrap().job_id;
    let invocation = loop {
        if let Some(invocation) = f.clis.invocations().pop() {
            break invocation;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let grandchild = invocation.grandchild_pid.expect("grandchild pid logged");

    let mut command = f.cli();
    command.args(["jobs", "cancel", &job, "--json"]);
    let canceled = tokio::task::spawn_blocking(move || json_of(command, 0))
        .await
        .unwrap();
    assert_valid(&canceled);
    let data = &canceled["data"];
    assert_eq!(
        (
            data["status"].as_str(),
            data["owner"].as_str(),
            data["signaled"].as_bool()
        ),
        (Some("canceled"), Some("alive"), Some(true))
    );

    let snapshot = f
        .service
        .wait(&job, LONG)
        .await
        .unwrap()
        .expect("the owner saw the job end");
    assert_eq!(snapshot.status, JobStatus::Canceled);
    assert!(
        gone_within(invocation.pid, Duration::from_secs(5)).await,
        "the CLI survived"
    );
    assert!(
        gone_within(grandchild, Duration::from_secs(5)).await,
        "the grandchild survived"
    );
}

#[tokio::test]
async fn cancel_kills_the_recorded_group_when_its_owner_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("logs.db");
    let store = Store::open(&StoreOptions {
        location: gateway_store::Location::File(db),
        redact: true,
    })
    .unwrap();
    let job = NewJob {
        id: uuid_like(),
        correlation_id: "corr".to_owned(),
        dedup_key: "key".to_owned(),
        idempotency_key: None,
        provider: "claude".to_owned(),
        model: None,
        program: "sleep".to_owned(),
        argv: vec!["600".to_owned()],
        cwd: None,
        origin_tool: None,
        owner_instance: "gateway-that-died".to_owned(),
        created_at_ms: now_ms(),
        prompt: "p".to_owned(),
    };
    store
        .submit_job(
            &job,
            DedupPolicy {
                window_ms: 0,
                force_refresh: true,
            },
        )
        .unwrap();
    let mut sleeper = std::process::Command::new("sleep")
        .arg("600")
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = i64::from(sleeper.id());
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ticks: i64 = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let info = RunningInfo {
        pid,
        pgid: pid,
        proc_start_ticks: Some(ticks),
        started_at_ms: now_ms(),
    };
    assert!(store.mark_running(&job.id, info).unwrap());

    let mut command = gateway(dir.path());
    command.args(["jobs", "cancel", &job.id, "--json"]);
    let canceled = json_of(command, 0);
    assert_eq!(
        (
            canceled["data"]["owner"].as_str(),
            canceled["data"]["signaled"].as_bool()
        ),
        (Some("gone"), Some(true))
    );
    let status = sleeper.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "SIGTERM reached the group"
    );
    assert_eq!(
        store.job(&job.id).unwrap().unwrap().status,
        JobStatus::Canceled
    );
}

/// A queued job row with `id`, as a gateway writes it.
fn queued(store: &Store, id: &str) {
    let job = NewJob {
        id: id.to_owned(),
        correlation_id: format!("corr-{id}"),
        dedup_key: format!("key-{id}"),
        idempotency_key: None,
        provider: "claude".to_owned(),
        model: None,
        program: "claude".to_owned(),
        argv: vec!["-p".to_owned()],
        cwd: None,
        origin_tool: None,
        owner_instance: "gateway".to_owned(),
        created_at_ms: now_ms(),
        prompt: "p".to_owned(),
    };
    let policy = DedupPolicy {
        window_ms: 0,
        force_refresh: true,
    };
    store.submit_job(&job, policy).unwrap();
}

#[test]
fn short_ids_of_jobs_made_together_are_distinct_and_each_finds_its_job() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreOptions {
        location: gateway_store::Location::File(dir.path().join("logs.db")),
        redact: true,
    })
    .unwrap();
    // Ids made the way the job service makes them, all within a few milliseconds.
    let ids: Vec<String> = (0..50).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for id in &ids {
        queued(&store, id);
    }

    let mut command = gateway(dir.path());
    command.args(["jobs", "list", "--limit", "100"]);
    let table = String::from_utf8(command.output().unwrap().stdout).unwrap();
    let shown: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    let distinct: std::collections::BTreeSet<&str> = shown.iter().copied().collect();
    assert_eq!((shown.len(), distinct.len()), (50, 50), "{table}");
    for short in shown {
        assert_eq!(short.len(), 8, "{table}");
        let mut command = gateway(dir.path());
        command.args(["jobs", "show", short, "--json"]);
        let job = json_of(command, 0);
        let id = job["data"]["jobId"].as_str().unwrap();
        assert!(
            id.ends_with(short) && ids.iter().any(|made| made == id),
            "{short} -> {id}"
        );
    }

    // The time-ordered head of the ids is shared: as a prefix it names the candidates.
    let mut heads: Vec<&str> = ids.iter().map(|id| &id[..8]).collect();
    heads.sort_unstable();
    let head = heads[heads.len() / 2];
    let sharing: Vec<&String> = ids.iter().filter(|id| id.starts_with(head)).collect();
    assert!(sharing.len() > 5, "most ids share the head {head}");
    let mut command = gateway(dir.path());
    command.args(["jobs", "cancel", head, "--json"]);
    let ambiguous = json_of(command, 1);
    assert_valid(&ambiguous);
    assert_eq!(ambiguous["error"]["code"], "ambiguous");
    let message = ambiguous["error"]["message"].as_str().unwrap();
    let named = sharing
        .iter()
        .filter(|id| message.contains(id.as_str()))
        .count();
    assert_eq!(named, 5, "{message}");
    assert!(message.contains('…'), "{message}");
}

fn uuid_like() -> String {
    format!("0190abcd-0000-7000-8000-{:012x}", now_ms())
}
