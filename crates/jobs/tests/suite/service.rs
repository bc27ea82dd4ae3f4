use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::{JobFilter, JobService, JobsError, OutputPaging, SubmitError};
use pretty_assertions::assert_eq;

use super::{LONG, config, harness, harness_with, request, script, spec};

#[tokio::test]
async fn identical_requests_are_deduplicated_and_say_so() {
    let h = harness().await;
    let first = h
        .service
        .submit(request(spec("echo", &["same"])))
        .await
        .unwrap();
    assert!(first.deduped_from.is_none());
    let second = h
        .service
        .submit(request(spec("echo", &["same"])))
        .await
        .unwrap();
    let from = second.deduped_from.expect("deduplicated");
    assert_eq!(
        (second.job_id.as_str(), from.job_id.as_str()),
        (first.job_id.as_str(), first.job_id.as_str())
    );
    h.service.wait(&first.job_id, LONG).await.unwrap().unwrap();
    let after = h
        .service
        .submit(request(spec("echo", &["same"])))
        .await
        .unwrap();
    assert_eq!(
        (after.job_id.as_str(), after.status),
        (first.job_id.as_str(), JobStatus::Completed)
    );
    let mut forced = request(spec("echo", &["same"]));
    forced.force_refresh = true;
    assert_ne!(h.service.submit(forced).await.unwrap().job_id, first.job_id);
    let other = h
        .service
        .submit(request(spec("echo", &["different"])))
        .await
        .unwrap();
    assert_ne!(other.job_id, first.job_id);
}

#[tokio::test]
async fn failed_jobs_are_not_reused() {
    let h = harness().await;
    let failed = h.service.submit(request(spec("false", &[]))).await.unwrap();
    h.service.wait(&failed.job_id, LONG).await.unwrap().unwrap();
    let again = h.service.submit(request(spec("false", &[]))).await.unwrap();
    assert!(again.deduped_from.is_none());
    assert_ne!(again.job_id, failed.job_id);
}

#[tokio::test]
async fn an_idempotency_key_with_other_arguments_is_a_conflict() {
    let h = harness().await;
    let keyed = |word: &str| {
        let mut job = request(spec("echo", &[word]));
        job.idempotency_key = Some("key-1".to_owned());
        job.force_refresh = true;
        job
    };
    let first = h.service.submit(keyed("a")).await.unwrap();
    assert_eq!(
        h.service.submit(keyed("a")).await.unwrap().job_id,
        first.job_id
    );
    let error = h.service.submit(keyed("b")).await.unwrap_err();
    assert!(
        matches!(&error, SubmitError::IdempotencyConflict { key, job_id } if key == "key-1" && *job_id == first.job_id)
    );
    assert!(error.to_string().contains("idempotencyKey `key-1`"));
}

/// Two services (as two gateway processes would) on one file race on one key: one job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_services_racing_on_one_key_get_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let a = JobService::start(config(dir.path())).await.unwrap();
    let b = JobService::start(config(dir.path())).await.unwrap();
    let mut handles = Vec::new();
    for index in 0..16 {
        let service = if index % 2 == 0 { a.clone() } else { b.clone() };
        handles.push(tokio::spawn(async move {
            service
                .submit(request(spec("sleep", &["0.2"])))
                .await
                .unwrap()
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for handle in handles {
        ids.insert(handle.await.unwrap().job_id);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let id = ids.pop_first().unwrap();
    let done = a
        .wait(&id, LONG)
        .await
        .unwrap()
        .or(b.wait(&id, LONG).await.unwrap())
        .unwrap();
    assert_eq!(done.status, JobStatus::Completed);
}

#[tokio::test]
async fn long_polls_wake_on_progress_and_subscribers_see_events() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(script("sleep 0.3; echo one; sleep 0.3; echo two")))
        .await
        .unwrap();
    let mut events = h.service.subscribe(&job.job_id).expect("a live job");
    h.service
        .wait_for_change(&job.job_id, 0, LONG)
        .await
        .unwrap();
    let first = events.recv().await.unwrap();
    assert_eq!(first.seq, 1);
    h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    let stored = h.service.progress(&job.job_id, 0, 1_000).await.unwrap();
    let seqs: Vec<i64> = stored.iter().map(|event| event.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "contiguous"
    );
    assert_eq!(
        h.service.progress(&job.job_id, 1, 1).await.unwrap()[0].seq,
        2
    );
    // A finished job: the long-poll returns at once.
    let started = std::time::Instant::now();
    h.service
        .wait_for_change(&job.job_id, 1_000, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn results_page_by_characters_per_stream() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(script("printf abcdefghij; printf 'éèê' >&2")))
        .await
        .unwrap();
    h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    let page = |stdout, stderr| {
        let service = h.service.clone();
        let id = job.job_id.clone();
        async move {
            let paging = OutputPaging {
                max_chars: 4,
                stdout_offset_chars: stdout,
                stderr_offset_chars: stderr,
            };
            service.result(&id, paging).await.unwrap().unwrap()
        }
    };
    let first = page(0, 0).await;
    assert_eq!(
        (first.stdout.text.as_str(), first.stdout.total_chars),
        ("abcd", 10)
    );
    assert_eq!(
        (first.stdout.truncated, first.stdout.next_offset_chars),
        (true, Some(4))
    );
    assert_eq!(
        (first.stderr.text.as_str(), first.stderr.truncated),
        ("éèê", false)
    );
    let last = page(8, 1).await;
    assert_eq!(
        (last.stdout.text.as_str(), last.stdout.next_offset_chars),
        ("ij", None)
    );
    assert_eq!(last.stderr.text, "èê");
    assert!(
        h.service
            .result("missing", first_paging())
            .await
            .unwrap()
            .is_none()
    );
}

fn first_paging() -> OutputPaging {
    OutputPaging {
        max_chars: 10,
        stdout_offset_chars: 0,
        stderr_offset_chars: 0,
    }
}

#[tokio::test]
async fn in_memory_mode_runs_jobs_without_a_file() {
    let h = harness_with(|config| config.store = gateway_store::Location::Memory).await;
    let job = h
        .service
        .submit(request(spec("echo", &["mem"])))
        .await
        .unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert!(!h.dir.path().join("logs.db").exists());
    let listed = h.service.list(JobFilter::default()).await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn an_unusable_database_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), b"x").unwrap();
    let mut settings = config(dir.path());
    settings.store = gateway_store::Location::File(dir.path().join("file").join("logs.db"));
    let error = JobService::start(settings).await.unwrap_err();
    assert!(matches!(error, JobsError::Store(_)));
    assert!(
        error.to_string().starts_with("cannot open the database at"),
        "{error}"
    );
}

#[tokio::test]
async fn records_are_reachable_through_the_service() {
    let h = harness().await;
    let records = h.service.records();
    let session = gateway_jobs::NewSession {
        id: "gw-1".to_owned(),
        provider: "codex".to_owned(),
        native_session_id: None,
        name: None,
        active: true,
    };
    records.create_session(session).await.unwrap();
    assert_eq!(
        records.active_session("codex").await.unwrap().unwrap().id,
        "gw-1"
    );
    let call = gateway_jobs::NewToolCall {
        tool: "llm_job_status".to_owned(),
        client_name: None,
        client_version: None,
        args_summary: "{}".to_owned(),
        duration_ms: 1,
        is_error: false,
        result_summary: None,
        job_id: None,
        validation_id: None,
    };
    records.record_tool_call(call).await.unwrap();
    assert_eq!(records.recent_tool_calls(5).await.unwrap().len(), 1);
    records
        .put_validation_run("val-1", "validation", 1, r#"{"id":"val-1"}"#.to_owned())
        .await
        .unwrap();
    assert_eq!(
        records
            .get_validation_run("val-1")
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"id":"val-1"}"#)
    );
    assert_eq!(records.get_validation_run("val-2").await.unwrap(), None);
}
