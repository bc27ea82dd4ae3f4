//! Crash and fault tests with real processes: SIGKILL of the gateway, restart on the same home.

use std::time::Duration;

use gateway_hardening::{World, alive, eventually, http_calls};
use serde_json::{Value, json};

const TOKEN: &str = "hardening-token";

#[test]
fn sigkill_of_the_gateway_during_ten_jobs_lets_them_finish_and_a_restart_reads_their_answers() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS", "4000")
        .with("FAKE_AGENT_GRANDCHILD", "1");
    let gateway = world.serve_http(&[]);
    let starts: Vec<Value> = (0..10)
        .map(|n| json!({"tool": "claude_request_async", "args": {"prompt": format!("crash job {n}")}}))
        .collect();
    let started = http_calls(&world, &gateway.url, 2, &starts);
    let job_ids: Vec<String> = started
        .iter()
        .map(|seen| {
            seen["structured"]["jobId"]
                .as_str()
                .unwrap_or_else(|| panic!("async start failed: {seen}"))
                .to_owned()
        })
        .collect();
    let runs = || {
        world
            .clis
            .invocations()
            .into_iter()
            .filter(|call| call.kind == "run")
            .collect::<Vec<_>>()
    };
    assert!(
        eventually(Duration::from_secs(20), || runs().len() == 10),
        "10 fake CLIs never started: {:?}",
        runs()
    );
    let pids: Vec<u32> = runs()
        .iter()
        .flat_map(|call| [Some(call.pid), call.grandchild_pid])
        .flatten()
        .collect();
    assert_eq!(pids.len(), 20, "every fake CLI reports a grandchild");
    drop(gateway); // Child::kill is SIGKILL
    std::thread::sleep(Duration::from_millis(500));
    let dead: Vec<u32> = pids.iter().copied().filter(|&pid| !alive(pid)).collect();
    assert!(
        dead.is_empty(),
        "jobs died with their gateway (a job must outlive its client): {dead:?}"
    );

    let gateway = world.serve_http(&[]);
    let waits: Vec<Value> = job_ids
        .iter()
        .map(|id| json!({"tool": "llm_job_status", "args": {"jobId": id, "waitMs": 30000}}))
        .collect();
    let finished = eventually(Duration::from_secs(60), || {
        http_calls(&world, &gateway.url, 2, &waits)
            .iter()
            .all(|seen| {
                seen["structured"]["status"] != "queued"
                    && seen["structured"]["status"] != "running"
            })
    });
    assert!(finished, "the jobs never finished after their gateway died");
    let results: Vec<Value> = job_ids
        .iter()
        .map(|id| json!({"tool": "llm_job_result", "args": {"jobId": id}}))
        .collect();
    for (id, seen) in job_ids
        .iter()
        .zip(http_calls(&world, &gateway.url, 2, &results))
    {
        let structured = &seen["structured"];
        assert_eq!(structured["status"], "completed", "job {id}: {seen}");
        assert!(
            structured["response"]
                .as_str()
                .is_some_and(|text| text.contains("fake claude answer")),
            "job {id}: the parsed answer is missing: {seen}"
        );
    }
    let db = rusqlite::Connection::open(world.home.gateway_home().join("logs.db")).unwrap();
    for id in &job_ids {
        let tokens: Option<i64> = db
            .query_row("SELECT input_tokens FROM jobs WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .unwrap();
        assert!(
            tokens.is_some_and(|tokens| tokens > 0),
            "job {id}: usage is missing"
        );
    }
    let gone = eventually(Duration::from_secs(2), || {
        pids.iter().all(|&pid| !alive(pid))
    });
    let left: Vec<u32> = pids.iter().copied().filter(|&pid| alive(pid)).collect();
    for &pid in &left {
        // Clean up before failing so the CI machine keeps no stray sleepers.
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    assert!(gone, "processes outlived their finished jobs: {left:?}");
}

#[test]
fn sigkill_during_store_writes_leaves_a_sound_database_with_every_acknowledged_job() {
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    let batch = |tag: &str, count: usize| -> Vec<Value> {
        (0..count).map(|n| json!({"tool": "codex_request_async", "args": {"prompt": format!("{tag} {n}")}})).collect()
    };
    let acknowledged: Vec<String> = http_calls(&world, &gateway.url, 5, &batch("acked", 50))
        .iter()
        .map(|seen| {
            seen["structured"]["jobId"]
                .as_str()
                .unwrap_or_else(|| panic!("async start failed: {seen}"))
                .to_owned()
        })
        .collect();
    // A second wave keeps the store busy (inserts, output chunks, state changes) while the
    // gateway is killed; its own calls may fail, which is the point.
    let url = gateway.url.clone();
    let wave = std::thread::scope(|scope| {
        let wave = scope.spawn(|| {
            std::panic::catch_unwind(|| http_calls(&world, &url, 5, &batch("wave", 300)))
        });
        let busy = eventually(Duration::from_secs(20), || {
            world.clis.invocations().len() >= 80
        });
        drop(gateway); // SIGKILL mid-write
        let _ = wave.join();
        busy
    });
    assert!(wave, "the second wave never got going");

    let dbs = gateway_hardening::databases(&world);
    assert!(!dbs.is_empty(), "no database under the gateway home");
    for path in &dbs {
        let db = rusqlite::Connection::open(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{} is damaged", path.display());
    }
    let jobs_db = dbs.iter().find_map(|path| {
        let db = rusqlite::Connection::open(path).ok()?;
        db.query_row("SELECT count(*) FROM jobs", [], |row| row.get::<_, i64>(0))
            .ok()
            .map(|_| db)
    });
    let jobs_db = jobs_db.expect("no database holds the jobs table");
    for id in &acknowledged {
        let found: i64 = jobs_db
            .query_row("SELECT count(*) FROM jobs WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(found, 1, "acknowledged job {id} lost after SIGKILL");
    }
}
