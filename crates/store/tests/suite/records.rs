use gateway_core::JobStatus;
use gateway_store::{
    DedupPolicy, JobFinish, NewApproval, NewEvent, NewSession, NewToolCall, OutputChunk,
    RunningInfo, Store, StoreOptions, Stream, now_ms,
};
use pretty_assertions::assert_eq;

use super::{Engine, engine_tests, new_job, store};

const NO_DEDUP: DedupPolicy = DedupPolicy {
    window_ms: 0,
    force_refresh: false,
};

fn chunk(stream: Stream, text: &str) -> OutputChunk {
    OutputChunk {
        stream,
        text: text.to_owned(),
        bytes: text.len() as u64,
    }
}

fn output_is_appended_in_chunks_and_paged_by_characters(engine: Engine) {
    let (_dir, store) = store(engine);
    store.submit_job(&new_job("j", "k"), NO_DEDUP).unwrap();
    store
        .append(
            "j",
            &[
                chunk(Stream::Stdout, "abcdé"),
                chunk(Stream::Stderr, "warn\n"),
            ],
            &[],
            false,
        )
        .unwrap();
    store
        .append("j", &[chunk(Stream::Stdout, "fghij")], &[], false)
        .unwrap();
    let page = |offset, max| store.output_page("j", Stream::Stdout, offset, max).unwrap();
    assert_eq!(
        (page(0, 4).text.as_str(), page(0, 4).total_chars),
        ("abcd", 10)
    );
    assert_eq!(page(3, 4).text, "défg");
    assert_eq!(page(8, 100).text, "ij");
    assert_eq!(page(10, 100).text, "");
    assert_eq!(
        store.output_page("j", Stream::Stderr, 0, 100).unwrap().text,
        "warn\n"
    );
    let job = store.job("j").unwrap().unwrap();
    assert_eq!(
        (job.stdout_chars, job.stdout_bytes, job.stderr_chars),
        (10, 11, 5)
    );
}

fn events_page_after_a_sequence_number(engine: Engine) {
    let (_dir, store) = store(engine);
    store.submit_job(&new_job("j", "k"), NO_DEDUP).unwrap();
    let events: Vec<NewEvent> = (1..=5)
        .map(|seq| NewEvent {
            seq,
            at_ms: seq * 10,
            kind: "text".to_owned(),
            message: format!("m{seq}"),
        })
        .collect();
    store.append("j", &[], &events, true).unwrap();
    let page: Vec<i64> = store
        .events("j", 2, 2)
        .unwrap()
        .into_iter()
        .map(|event| event.seq)
        .collect();
    assert_eq!(page, [3, 4]);
    assert_eq!(store.last_event_seq("j").unwrap(), 5);
    assert!(store.job("j").unwrap().unwrap().events_truncated);
}

/// A fake key in the prompt, argv, output, events and outcome never reaches the file (WAL
/// included); with redaction off it does (so the check can fail).
#[test]
fn secrets_never_reach_the_database_file() {
    const KEY: &str = "sk-ant-api03-SECRETSECRETSECRET0123456789";
    for redact in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.db");
        let store = Store::open(&StoreOptions {
            location: gateway_store::Location::File(path.clone()),
            redact,
        })
        .unwrap();
        let mut job = new_job("j", "k");
        job.prompt = format!("use {KEY} please");
        job.argv.push(format!("--key={KEY}"));
        store.submit_job(&job, NO_DEDUP).unwrap();
        store
            .mark_running(
                "j",
                RunningInfo {
                    pid: 1,
                    pgid: 1,
                    proc_start_ticks: None,
                    started_at_ms: now_ms(),
                },
            )
            .unwrap();
        let event = NewEvent {
            seq: 1,
            at_ms: 1,
            kind: "text".to_owned(),
            message: format!("saw {KEY}"),
        };
        store
            .append(
                "j",
                &[chunk(Stream::Stdout, &format!("out {KEY}\n"))],
                &[event],
                false,
            )
            .unwrap();
        let outcome = gateway_core::RunOutcome {
            text: format!("answer {KEY}"),
            ..Default::default()
        };
        let finish = JobFinish {
            status: JobStatus::Completed,
            exit_code: Some(0),
            error: None,
            error_category: None,
            finished_at_ms: now_ms(),
            output_truncated: false,
            outcome: Some(outcome),
            retention_days: 30,
        };
        store.finish_job("j", JobStatus::Running, &finish).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(dir.path().join("logs.db-wal")).unwrap_or_default());
        let found = bytes
            .windows(KEY.len())
            .any(|window| window == KEY.as_bytes());
        assert_eq!(found, !redact, "redact = {redact}");
        if redact {
            let request = store.request_by_correlation("corr-j").unwrap().unwrap();
            assert_eq!(request.prompt, "use [REDACTED:anthropic_key] please");
        }
    }
}

fn retention_prunes_old_rows_from_every_table_but_keeps_active_jobs(engine: Engine) {
    let (dir, store) = store(engine);
    let old = now_ms() - 40 * 86_400_000;
    for (id, status) in [
        ("old-done", JobStatus::Failed),
        ("old-running", JobStatus::Running),
    ] {
        let mut job = new_job(id, id);
        job.created_at_ms = old;
        store.submit_job(&job, NO_DEDUP).unwrap();
        if status == JobStatus::Failed {
            let finish = JobFinish {
                status,
                exit_code: Some(1),
                error: None,
                error_category: None,
                finished_at_ms: old,
                output_truncated: false,
                outcome: None,
                retention_days: 30,
            };
            store.finish_job(id, JobStatus::Queued, &finish).unwrap();
            store
                .append(id, &[chunk(Stream::Stdout, "x")], &[], false)
                .unwrap();
        } else {
            store
                .mark_running(
                    id,
                    RunningInfo {
                        pid: 1,
                        pgid: 1,
                        proc_start_ticks: None,
                        started_at_ms: old,
                    },
                )
                .unwrap();
        }
    }
    store.submit_job(&new_job("new", "new"), NO_DEDUP).unwrap();
    store.record_tool_call(&tool_call()).unwrap();
    store.register_instance("gone", 1, "host").unwrap();
    store.create_session(&session("gw-1", true)).unwrap();
    store.record_approval(&approval()).unwrap();
    store
        .put_validation_run("val-old", "validation", old, "{}")
        .unwrap();
    store
        .put_validation_run("val-new", "validation", now_ms(), "{}")
        .unwrap();
    // Age the non-job rows too.
    dir.sql(&format!(
        "UPDATE tool_calls SET created_at = {old}; UPDATE instances SET heartbeat_at = {old};
         UPDATE sessions SET updated_at = {old}; UPDATE approvals SET created_at = {old};"
    ));
    let counts = store.prune(now_ms() - 30 * 86_400_000).unwrap();
    assert_eq!(
        counts,
        gateway_store::PruneCounts {
            jobs: 1,
            requests: 2,
            tool_calls: 1,
            sessions: 1,
            approvals: 1,
            instances: 1,
            validation_runs: 1,
            tasks: 0,
        }
    );
    assert_eq!(store.get_validation_run("val-old").unwrap(), None);
    assert!(store.get_validation_run("val-new").unwrap().is_some());
    assert!(store.job("old-done").unwrap().is_none());
    assert!(
        store.job("old-running").unwrap().is_some(),
        "active jobs are never pruned"
    );
    assert!(store.job("new").unwrap().is_some());
    assert_eq!(
        dir.sql("SELECT count(*) FROM job_output"),
        "0",
        "output goes with its job"
    );
}

fn tool_call() -> NewToolCall {
    NewToolCall {
        tool: "claude_request".to_owned(),
        client_name: Some("inspector".to_owned()),
        client_version: Some("1.0".to_owned()),
        args_summary: "{\"prompt\":\"password=hunter2\"}".to_owned(),
        duration_ms: 12,
        is_error: false,
        result_summary: Some("ok".to_owned()),
        job_id: Some("job-1".to_owned()),
        validation_id: None,
    }
}

fn session(id: &str, active: bool) -> NewSession {
    NewSession {
        id: id.to_owned(),
        provider: "claude".to_owned(),
        native_session_id: None,
        name: Some("work".to_owned()),
        active,
    }
}

fn approval() -> NewApproval {
    NewApproval {
        id: "ap-1".to_owned(),
        provider: "claude".to_owned(),
        decision: "approved".to_owned(),
        policy: "default".to_owned(),
        score: Some(0.1),
        reasons: vec!["read-only".to_owned()],
        prompt_sha256: gateway_core::dedup::hex_sha256(b"prompt"),
    }
}

fn sessions_keep_one_active_per_provider(engine: Engine) {
    let (_dir, store) = store(engine);
    store.create_session(&session("gw-1", true)).unwrap();
    store.create_session(&session("gw-2", true)).unwrap();
    assert_eq!(store.active_session("claude").unwrap().unwrap().id, "gw-2");
    assert!(store.set_session_active("gw-1", true).unwrap());
    assert_eq!(store.active_session("claude").unwrap().unwrap().id, "gw-1");
    assert!(!store.set_session_active("gw-missing", true).unwrap());
    assert!(store.set_native_session("gw-1", "native-uuid").unwrap());
    assert_eq!(
        store
            .session("gw-1")
            .unwrap()
            .unwrap()
            .native_session_id
            .as_deref(),
        Some("native-uuid")
    );
    assert_eq!(store.list_sessions(Some("claude")).unwrap().len(), 2);
    assert!(store.delete_session("gw-2").unwrap());
    assert_eq!(store.clear_sessions(None).unwrap(), 1);
    assert!(store.list_sessions(None).unwrap().is_empty());
}

fn tool_calls_and_approvals_round_trip_redacted(engine: Engine) {
    let (_dir, store) = store(engine);
    store.record_tool_call(&tool_call()).unwrap();
    let calls = store.recent_tool_calls(10).unwrap();
    assert_eq!(
        calls[0].args_summary,
        "{\"prompt\":\"password=[REDACTED:secret_assignment]\"}"
    );
    let recorded = store.record_approval(&approval()).unwrap();
    assert_eq!(store.list_approvals(10).unwrap(), vec![recorded]);
}

fn views_for_people_aggregate_usage_and_failures(engine: Engine) {
    let (dir, store) = store(engine);
    store.submit_job(&new_job("j", "k"), NO_DEDUP).unwrap();
    let finish = JobFinish {
        status: JobStatus::Failed,
        exit_code: Some(2),
        error: Some("boom".to_owned()),
        error_category: Some("exit_code".to_owned()),
        finished_at_ms: now_ms(),
        output_truncated: false,
        outcome: None,
        retention_days: 30,
    };
    store.finish_job("j", JobStatus::Queued, &finish).unwrap();
    assert_eq!(
        dir.sql("SELECT provider, requests FROM usage_daily"),
        "claude|1"
    );
    assert_eq!(dir.sql("SELECT error FROM recent_failures"), "boom");
}

fn pages_start_in_the_right_chunk_of_many(engine: Engine) {
    let (_dir, store) = store(engine);
    store.submit_job(&new_job("j", "k"), NO_DEDUP).unwrap();
    for index in 0..50 {
        store
            .append(
                "j",
                &[chunk(Stream::Stdout, &format!("{index:03}é|"))],
                &[],
                false,
            )
            .unwrap();
    }
    // Each chunk is 5 characters: chunk 20 starts at 100.
    let page = store.output_page("j", Stream::Stdout, 102, 6).unwrap();
    assert_eq!((page.text.as_str(), page.total_chars), ("0é|021", 250));
    assert_eq!(
        store
            .output_page("j", Stream::Stdout, 245, 100)
            .unwrap()
            .text,
        "049é|"
    );
    assert_eq!(
        store.output_page("j", Stream::Stdout, 0, 3).unwrap().text,
        "000"
    );
    assert_eq!(
        store
            .output_page("missing", Stream::Stdout, 0, 3)
            .unwrap()
            .total_chars,
        0
    );
}

engine_tests!(
    output_is_appended_in_chunks_and_paged_by_characters,
    events_page_after_a_sequence_number,
    retention_prunes_old_rows_from_every_table_but_keeps_active_jobs,
    sessions_keep_one_active_per_provider,
    tool_calls_and_approvals_round_trip_redacted,
    views_for_people_aggregate_usage_and_failures,
    pages_start_in_the_right_chunk_of_many
);
