//! The database directory fills up or turns read-only while a job runs (issue 8): real,
//! size-limited filesystems mounted over the gateway's data dir, in a private mount namespace
//! so that no mount outlives the test.
//!
//! Read-only uses ext4's emergency read-only (`remount,abort`, what `errors=remount-ro` does on
//! a failing disk): the kernel refuses a plain `remount,ro` with EBUSY while the gateway holds
//! the database open for writing, so a filesystem only turns read-only under a running gateway
//! that way, and only unmounting it ends that state.

use std::time::Duration;

use gateway_hardening::{
    HttpGateway, TestMount, World, alive, eventually, fill_up, gateway_pid, http_calls,
    kill_holders, private_mount_namespace,
};
use serde_json::{Value, json};

const TOKEN: &str = "hardening-token";
/// Extra answer text of the long claude job: six 16 KiB text events 500 ms apart (about 4 s
/// of writing), under the 100 000-character inline cap so the whole answer comes back.
const LONG_OUTPUT: usize = 96 * 1024;

fn world() -> World {
    World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("FAKE_AGENT_OUTPUT_BYTES_CLAUDE", &LONG_OUTPUT.to_string())
        .with("FAKE_AGENT_SLEEP_BETWEEN_MS_CLAUDE", "500")
}

fn call(tool: &str, args: Value) -> Value {
    json!({"tool": tool, "args": args})
}

/// What the client saw during and after the fault.
struct Seen {
    /// The long job's answer (a synchronous `claude_request` started before the fault).
    long: Value,
    /// A new `codex_request` sent while the disk is broken.
    new_job: Value,
    /// `llm_job_list` sent while the disk is broken.
    list: Value,
}

/// Starts the long job, lets it write for a moment, runs `fault`, then sends a new job and a
/// read while the disk is broken and waits for the long job's answer.
fn break_the_disk_mid_run(world: &World, gateway: &HttpGateway, fault: impl FnOnce()) -> Seen {
    std::thread::scope(|scope| {
        let long = scope.spawn(|| {
            http_calls(
                world,
                &gateway.url,
                1,
                &[call("claude_request", json!({"prompt": "long job"}))],
            )
        });
        assert!(
            eventually(Duration::from_secs(30), || !world
                .clis
                .invocations()
                .is_empty()),
            "the long job never started"
        );
        std::thread::sleep(Duration::from_millis(800));
        fault();
        let during = http_calls(
            world,
            &gateway.url,
            1,
            &[
                call(
                    "codex_request",
                    json!({"prompt": "while the disk is broken"}),
                ),
                call("llm_job_list", json!({})),
            ],
        );
        let long = long
            .join()
            .unwrap_or_else(|_| panic!("the long job's client panicked"));
        Seen {
            long: long[0].clone(),
            new_job: during[0].clone(),
            list: during[1].clone(),
        }
    })
}

/// The gateway lived through the fault: the running job answered in full from memory, the new
/// job failed with `cause` in the text, reads went on, and the log says what happened.
fn assert_survived(seen: &Seen, gateway: &HttpGateway, pid: u32, cause: &str) -> String {
    let long = &seen.long["structured"];
    assert_eq!(long["exitCode"], 0, "long job: {}", seen.long);
    let response = long["response"].as_str().unwrap_or_default();
    assert!(
        response.len() >= LONG_OUTPUT && response.ends_with("fake claude answer"),
        "the long job's answer lost output ({} bytes)",
        response.len()
    );
    let new_error = format!(
        "{}{}",
        seen.new_job["exception"].as_str().unwrap_or_default(),
        if seen.new_job["isError"] == true {
            seen.new_job["text"].as_str().unwrap_or_default()
        } else {
            ""
        }
    );
    assert!(
        new_error.contains(&format!("database error: {cause}")),
        "a new job on a broken disk must fail naming the cause ({cause}): {}",
        seen.new_job
    );
    let job_id = long["jobId"].as_str().unwrap_or_default().to_owned();
    assert!(
        seen.list["isError"] == false
            && seen.list["text"]
                .as_str()
                .unwrap_or_default()
                .contains(&job_id),
        "llm_job_list must still answer and show the running job: {}",
        seen.list
    );
    assert!(alive(pid), "the gateway died");
    let log = gateway.stderr();
    assert!(!log.contains("panicked"), "the gateway panicked:\n{log}");
    assert!(
        log.contains("cannot write the job to the database; keeping it in memory")
            && log.contains(cause),
        "the log must say the store failed and why:\n{log}"
    );
    job_id
}

fn assert_sound_database(world: &World) {
    let path = world.home.gateway_home().join("logs.db");
    let db = rusqlite::Connection::open(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap_or_else(|error| panic!("integrity check of {}: {error}", path.display()));
    assert_eq!(check, "ok", "{} is damaged", path.display());
}

/// A new job succeeds; `more` calls go in the same client run (a Python start costs seconds).
fn assert_new_job_works(world: &World, gateway: &HttpGateway, more: &[Value]) -> Vec<Value> {
    let mut calls = vec![call("codex_request", json!({"prompt": "after the fault"}))];
    calls.extend_from_slice(more);
    let mut seen = http_calls(world, &gateway.url, 1, &calls);
    assert_eq!(
        seen[0]["structured"]["response"], "fake codex answer",
        "{}",
        seen[0]
    );
    seen.split_off(1)
}

#[test]
fn a_full_disk_mid_run_gives_clear_errors_keeps_the_running_job_and_recovers() {
    private_mount_namespace();
    let world = world();
    // Declared after `world` so it is unmounted before the temp home is removed.
    let mount = TestMount::tmpfs(&world.home.gateway_home(), "16m");
    let gateway = world.serve_http(&[]);
    let pid = gateway_pid(&world);
    let mut filler = None;
    let seen = break_the_disk_mid_run(&world, &gateway, || {
        filler = Some(fill_up(mount.dir()));
    });
    let job_id = assert_survived(&seen, &gateway, pid, "database or disk is full");

    // Space comes back: the same process serves new jobs, and still knows the long job.
    std::fs::remove_file(filler.expect("the disk was filled")).unwrap();
    let status = assert_new_job_works(
        &world,
        &gateway,
        &[call("llm_job_status", json!({"jobId": job_id}))],
    );
    assert_eq!(
        status[0]["structured"]["status"], "completed",
        "{}",
        status[0]
    );
    // The database catches up too: the final row and every byte the store refused land once
    // it takes writes again (otherwise the row stays `running` and turns `orphaned` on restart).
    let stored = || stored_job(&world, &job_id);
    assert!(
        eventually(Duration::from_secs(20), || stored().0 == "completed"),
        "the database still shows {:?} for the finished job",
        stored()
    );
    assert!(
        stored().1 >= LONG_OUTPUT as i64,
        "stdout refused during the fault was not stored later: {:?}",
        stored()
    );
    assert_sound_database(&world);
}

/// The job's stored status and stdout bytes.
fn stored_job(world: &World, job_id: &str) -> (String, i64) {
    let path = world.home.gateway_home().join("logs.db");
    let db = rusqlite::Connection::open(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    db.query_row(
        "SELECT status, (SELECT coalesce(sum(bytes), 0) FROM job_output
             WHERE job_id = ?1 AND stream = 'stdout') FROM jobs WHERE id = ?1",
        [job_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .unwrap_or_else(|error| panic!("job {job_id} in {}: {error}", path.display()))
}

#[test]
fn a_disk_turning_read_only_mid_run_gives_clear_errors_keeps_the_running_job() {
    private_mount_namespace();
    let world = world();
    let image = world.home.path().join("data.img");
    let mount = TestMount::ext4(&world.home.gateway_home(), &image, 32);
    let gateway = world.serve_http(&[]);
    let pid = gateway_pid(&world);
    let seen = break_the_disk_mid_run(&world, &gateway, || mount.remount("abort"));
    assert_survived(&seen, &gateway, pid, "disk I/O error");

    // Only unmounting ends an emergency read-only state: stop, remount (the kernel replays
    // the journal), restart on the same data dir.
    drop(gateway);
    // The long job's supervisor is still retrying its final row on the dead disk.
    kill_holders(&world.home.gateway_home());
    drop(mount);
    let _mount = TestMount::image(&world.home.gateway_home(), &image);
    assert_sound_database(&world);
    let gateway = world.serve_http(&[]);
    assert_new_job_works(&world, &gateway, &[]);
}
