//! Crash and fault tests with real processes: SIGKILL of the gateway, restart on the same home.

use std::time::Duration;

use gateway_hardening::{World, alive, eventually, http_calls};
use serde_json::{Value, json};

const TOKEN: &str = "hardening-token";

#[test]
fn sigkill_during_ten_jobs_leaves_no_process_and_restart_orphans_them_with_output() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS", "60000")
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
    // Output is durable within 1 s of arriving (spec §2.8); give the first lines that long.
    std::thread::sleep(Duration::from_millis(1500));

    let pids: Vec<u32> = runs()
        .iter()
        .flat_map(|call| [Some(call.pid), call.grandchild_pid])
        .flatten()
        .collect();
    assert_eq!(pids.len(), 20, "every fake CLI reports a grandchild");
    assert!(
        pids.iter().all(|&pid| alive(pid)),
        "jobs died before the kill"
    );
    drop(gateway); // Child::kill is SIGKILL
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
    assert!(
        gone,
        "provider processes survived the gateway's SIGKILL by 2 s: {left:?}"
    );

    let gateway = world.serve_http(&[]);
    let inspect: Vec<Value> = job_ids
        .iter()
        .flat_map(|id| {
            [
                json!({"tool": "llm_job_status", "args": {"jobId": id}}),
                json!({"tool": "llm_job_result", "args": {"jobId": id}}),
            ]
        })
        .collect();
    let seen = http_calls(&world, &gateway.url, 1, &inspect);
    for (id, pair) in job_ids.iter().zip(seen.chunks(2)) {
        assert_eq!(
            pair[0]["structured"]["status"], "orphaned",
            "job {id} after restart: {}",
            pair[0]
        );
        let stdout = pair[1]["structured"]["stdout"].as_str().unwrap_or_default();
        assert!(
            stdout.contains("\"type\":\"system\""),
            "job {id}: partial output lost: {}",
            pair[1]
        );
    }
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
