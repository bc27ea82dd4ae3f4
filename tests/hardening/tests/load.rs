//! HTTP under load: 500 concurrent cheap tool calls from 50 sessions on loopback.

use gateway_hardening::{World, databases, http_calls};
use serde_json::{Value, json};

const TOKEN: &str = "hardening-token";

#[test]
fn five_hundred_concurrent_calls_from_fifty_sessions_all_answer_and_are_recorded() {
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    let calls: Vec<Value> = (0..500)
        .map(|n| match n % 2 {
            0 => json!({"tool": "llm_job_list", "args": {}}),
            _ => json!({"tool": "codex_request", "args": {"prompt": format!("load {n}"), "dryRun": true}}),
        })
        .collect();
    let seen = http_calls(&world, &gateway.url, 50, &calls);
    let failed: Vec<&Value> = seen
        .iter()
        .filter(|line| line["isError"] != false)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 500 calls failed, e.g. {:?}",
        failed.len(),
        failed.iter().take(3).collect::<Vec<_>>()
    );
    assert!(
        world
            .clis
            .invocations()
            .iter()
            .all(|call| call.kind != "run"),
        "a dry run spawned a CLI"
    );

    let recorded = tool_calls_recorded(&world);
    assert!(
        recorded >= 500,
        "only {recorded} of 500 tool calls recorded in tool_calls"
    );
}

/// Rows in `tool_calls` over every database of the home, opened read-only.
fn tool_calls_recorded(world: &World) -> i64 {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    databases(world)
        .iter()
        .filter_map(|path| rusqlite::Connection::open_with_flags(path, flags).ok())
        .filter_map(|db| {
            db.query_row("SELECT count(*) FROM tool_calls", [], |row| {
                row.get::<_, i64>(0)
            })
            .ok()
        })
        .sum()
}

#[test]
fn slow_loris_connections_do_not_lock_out_a_normal_client() {
    use std::io::Write;
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    // 200 connections, each sending a request head one byte at a time and never finishing it.
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 100000\r\n",
        gateway.addr
    );
    let mut lorises: Vec<std::net::TcpStream> = (0..200)
        .filter_map(|_| std::net::TcpStream::connect(gateway.addr).ok())
        .collect();
    assert!(
        lorises.len() >= 100,
        "only {} slow connections opened",
        lorises.len()
    );
    let stop = std::sync::atomic::AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        scope.spawn(|| {
            for byte in head.as_bytes().iter().cycle().take(400) {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                for loris in &mut lorises {
                    let _ = loris.write_all(&[*byte]);
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        let calls = [
            json!({"tool": "llm_job_list", "args": {}}),
            json!({"tool": "claude_request", "args": {"prompt": "hi", "dryRun": true}}),
        ];
        let seen = http_calls(&world, &gateway.url, 1, &calls);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        seen
    });
    assert!(
        seen.iter().all(|line| line["isError"] == false),
        "a normal client was locked out: {seen:?}"
    );
}

/// 32 jobs stream 512 KiB each at once, each written by its own supervisor process into the one
/// SQLite file (issue 11): every chunk a supervisor counted is stored, in order, and no write
/// was refused (a `SQLITE_BUSY` past the busy time-out would be logged by the gateway).
#[test]
fn thirty_two_supervisors_streaming_at_once_lose_no_chunk_and_hit_no_busy_error() {
    const BYTES: usize = 512 * 1024;
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("FAKE_AGENT_OUTPUT_BYTES", &BYTES.to_string());
    let gateway = world.serve_http(&[]);
    let starts: Vec<Value> = (0..32)
        .map(|n| {
            let tool = if n % 2 == 0 {
                "claude_request_async"
            } else {
                "codex_request_async"
            };
            json!({"tool": tool, "args": {"prompt": format!("stream {n}")}})
        })
        .collect();
    let ids: Vec<String> = http_calls(&world, &gateway.url, 32, &starts)
        .iter()
        .map(|seen| {
            seen["structured"]["jobId"]
                .as_str()
                .unwrap_or_else(|| panic!("async start failed: {seen}"))
                .to_owned()
        })
        .collect();
    let waits: Vec<Value> = ids
        .iter()
        .map(|id| json!({"tool": "llm_job_status", "args": {"jobId": id, "waitMs": 5000}}))
        .collect();
    let finished = gateway_hardening::eventually(std::time::Duration::from_secs(120), || {
        http_calls(&world, &gateway.url, 8, &waits)
            .iter()
            .all(|seen| {
                !matches!(
                    seen["structured"]["status"].as_str(),
                    Some("queued" | "running")
                )
            })
    });
    assert!(finished, "the 32 streaming jobs never finished");
    let db = rusqlite::Connection::open(world.home.gateway_home().join("logs.db")).unwrap();
    for id in &ids {
        let (status, counted): (String, i64) = db
            .query_row(
                "SELECT status, stdout_bytes FROM jobs WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        let (stored, chunks, last_seq): (i64, i64, i64) = db
            .query_row(
                "SELECT coalesce(sum(bytes), 0), count(*), coalesce(max(seq), -1)
                 FROM job_output WHERE job_id = ?1 AND stream = 'stdout'",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!(status, "completed", "job {id}");
        assert!(
            counted >= BYTES as i64,
            "job {id}: only {counted} bytes counted"
        );
        assert_eq!(
            stored, counted,
            "job {id}: chunks lost between capture and store"
        );
        assert!(
            last_seq + 1 == chunks,
            "job {id}: chunk sequence has holes ({chunks} chunks, last seq {last_seq})"
        );
    }
    let log = gateway.stderr();
    assert!(
        !log.contains("cannot write the job") && !log.contains("locked"),
        "a supervisor's write was refused:\n{log}"
    );
}
