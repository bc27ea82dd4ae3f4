use gateway_core::JobStatus;
use gateway_jobs::{SubmitError, default_idle_timeout};
use gateway_provider::spec::PROMPT_FILE_PLACEHOLDER;
use pretty_assertions::assert_eq;

use super::{LONG, all_output, harness, request, script, spec};

#[tokio::test]
async fn a_job_runs_to_completion_with_output_events_and_a_flight_record() {
    let h = harness().await;
    let submitted = h
        .service
        .submit(request(spec("printf", &["hello\\nworld\\n"])))
        .await
        .unwrap();
    assert_eq!(submitted.status, JobStatus::Queued);
    let done = h
        .service
        .wait(&submitted.job_id, LONG)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status, done.exit_code, done.error.as_deref()),
        (JobStatus::Completed, Some(0), None)
    );
    assert!(done.started_at_ms.is_some() && done.finished_at_ms.is_some());
    let result = h
        .service
        .result(&submitted.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.stdout.text, "hello\nworld\n");
    assert_eq!(
        (result.stdout.total_chars, result.stdout.truncated),
        (12, false)
    );
    let events = h.service.progress(&submitted.job_id, 0, 100).await.unwrap();
    let lifecycle: Vec<&str> = events
        .iter()
        .filter(|event| event.kind == "lifecycle")
        .map(|event| event.message.as_str())
        .collect();
    assert!(
        lifecycle[0].starts_with("started `printf` (pid "),
        "{lifecycle:?}"
    );
    assert_eq!(lifecycle.last().copied(), Some("completed (exit 0)"));
    let record = h
        .service
        .request_by_correlation(&submitted.correlation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.status.as_str(), record.exit_code),
        ("completed", Some(0))
    );
    assert_eq!(record.job_id.as_deref(), Some(submitted.job_id.as_str()));
    assert_eq!(record.origin_tool.as_deref(), Some("test"));
    // From the store alone (another process's view) the job reads the same.
    h.service.shutdown().await;
    let other = gateway_jobs::JobService::start(super::config(h.dir.path()))
        .await
        .unwrap();
    let stored = other.status(&submitted.job_id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.exit_code),
        (JobStatus::Completed, Some(0))
    );
}

#[tokio::test]
async fn stdin_is_written_then_closed_and_is_null_otherwise() {
    let h = harness().await;
    let mut with_stdin = spec("cat", &[]);
    with_stdin.stdin = Some("from stdin".to_owned());
    let fed = h.service.submit(request(with_stdin)).await.unwrap();
    let without = h.service.submit(request(spec("cat", &[]))).await.unwrap();
    for (id, expected) in [(&fed.job_id, "from stdin"), (&without.job_id, "")] {
        let done = h.service.wait(id, LONG).await.unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Completed);
        let result = h.service.result(id, all_output()).await.unwrap().unwrap();
        assert_eq!(result.stdout.text, expected);
    }
}

#[tokio::test]
async fn the_prompt_file_is_private_and_replaces_the_placeholder() {
    let h = harness().await;
    let mut with_file = spec("stat", &["-c", "%a", PROMPT_FILE_PLACEHOLDER]);
    with_file.prompt_file = Some("the prompt".to_owned());
    let mode = h.service.submit(request(with_file)).await.unwrap();
    let mut read_back = spec("cat", &[PROMPT_FILE_PLACEHOLDER]);
    read_back.prompt_file = Some("-starts with a dash".to_owned());
    let content = h.service.submit(request(read_back)).await.unwrap();
    for (id, expected) in [
        (&mode.job_id, "600\n"),
        (&content.job_id, "-starts with a dash"),
    ] {
        h.service.wait(id, LONG).await.unwrap().unwrap();
        assert_eq!(
            h.service
                .result(id, all_output())
                .await
                .unwrap()
                .unwrap()
                .stdout
                .text,
            expected
        );
    }
}

#[tokio::test]
async fn a_non_zero_exit_fails_with_the_code_and_the_last_stderr_line() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(script(
            "echo partial; echo 'bad flag --x' >&2; exit 3",
        )))
        .await
        .unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!((done.status, done.exit_code), (JobStatus::Failed, Some(3)));
    assert_eq!(
        done.error.as_deref(),
        Some("exited with code 3: bad flag --x")
    );
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (result.stdout.text.as_str(), result.stderr.text.as_str()),
        ("partial\n", "bad flag --x\n")
    );
}

#[tokio::test]
async fn a_missing_executable_fails_with_127_naming_it_and_doctor() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(spec("definitely-not-installed-cli", &[])))
        .await
        .unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.exit_code),
        (JobStatus::Failed, Some(127))
    );
    let error = done.error.unwrap();
    assert!(
        error.contains("`definitely-not-installed-cli` was not found")
            && error.contains("llm-cli-gateway doctor"),
        "{error}"
    );
}

#[tokio::test]
async fn working_dir_is_checked_before_anything_and_used_when_valid() {
    let h = harness().await;
    let mut missing = spec("pwd", &[]);
    missing.cwd = Some("/no/such/dir".to_owned());
    let error = h.service.submit(request(missing)).await.unwrap_err();
    assert!(
        matches!(&error, SubmitError::WorkingDir(message) if message.contains("/no/such/dir")),
        "{error}"
    );
    let mut a_file = spec("pwd", &[]);
    a_file.cwd = Some("/etc/hostname".to_owned());
    assert!(matches!(
        h.service.submit(request(a_file)).await,
        Err(SubmitError::WorkingDir(_))
    ));
    assert!(
        h.service.list(Default::default()).await.unwrap().is_empty(),
        "nothing recorded"
    );

    let mut explicit = spec("pwd", &[]);
    explicit.cwd = Some(h.dir.path().to_string_lossy().into_owned());
    let explicit = h.service.submit(request(explicit)).await.unwrap();
    let temp = h.service.submit(request(spec("pwd", &[]))).await.unwrap();
    h.service
        .wait(&explicit.job_id, LONG)
        .await
        .unwrap()
        .unwrap();
    h.service.wait(&temp.job_id, LONG).await.unwrap().unwrap();
    let out = |id: String| {
        let service = h.service.clone();
        async move {
            service
                .result(&id, all_output())
                .await
                .unwrap()
                .unwrap()
                .stdout
                .text
        }
    };
    assert_eq!(
        out(explicit.job_id).await.trim(),
        h.dir.path().to_string_lossy()
    );
    let temp_dir = out(temp.job_id).await.trim().to_owned();
    assert!(temp_dir.contains("llm-cli-gateway-job-"), "{temp_dir}");
    assert!(
        !std::path::Path::new(&temp_dir).exists(),
        "the private temp dir is removed afterwards"
    );
}

#[tokio::test]
async fn invalid_utf8_output_is_stored_with_replacement_characters() {
    let h = harness().await;
    let job = h
        .service
        .submit(request(spec("printf", &["a\\377b\\n\\303\\251\\n"])))
        .await
        .unwrap();
    h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.stdout.text, "a\u{fffd}b\né\n");
}

#[tokio::test]
async fn env_additions_and_removals_reach_the_child() {
    let h = harness().await;
    let mut with_env = spec("env", &[]);
    with_env
        .env
        .insert("GW_TEST_ADDED".to_owned(), "yes".to_owned());
    with_env.env_remove.push("HOME".to_owned());
    let job = h.service.submit(request(with_env)).await.unwrap();
    h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    let text = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap()
        .stdout
        .text;
    assert!(text.lines().any(|line| line == "GW_TEST_ADDED=yes"));
    assert!(!text.lines().any(|line| line.starts_with("HOME=")));
    assert!(
        text.lines().any(|line| line.starts_with("PATH=")),
        "the rest is inherited"
    );
}

/// A fake key in the prompt, in stdin and echoed to stdout, never reaches the DB file or WAL.
#[tokio::test]
async fn secrets_are_redacted_at_rest() {
    const KEY: &str = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let h = harness().await;
    let mut echo = spec("cat", &[]);
    echo.stdin = Some(format!("my key is {KEY}\n"));
    let mut job = request(echo);
    job.prompt = format!("my key is {KEY}");
    let job = h.service.submit(job).await.unwrap();
    h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.stdout.text, "my key is [REDACTED:openai_key]\n");
    h.service.shutdown().await;
    let mut bytes = std::fs::read(h.dir.path().join("logs.db")).unwrap();
    bytes.extend(std::fs::read(h.dir.path().join("logs.db-wal")).unwrap_or_default());
    assert!(
        !bytes
            .windows(KEY.len())
            .any(|window| window == KEY.as_bytes())
    );
    assert!(
        bytes.windows(10).any(|window| window == b"my key is "),
        "the rest was written"
    );
}

#[test]
fn idle_defaults_follow_the_reference() {
    use gateway_core::ProviderId;
    let secs: Vec<u64> = ProviderId::ALL
        .iter()
        .map(|id| default_idle_timeout(*id).as_secs())
        .collect();
    assert_eq!(secs, [600, 600, 3_600, 600, 3_600]);
}

/// A supervisor that does not work (a gateway binary without the hidden mode, a bad path) is
/// detected at start; jobs then run directly instead of all failing.
#[tokio::test]
async fn a_broken_supervisor_is_detected_and_jobs_still_run() {
    let h = super::harness_with(|config| {
        config.supervisor = Some(gateway_jobs::SupervisorCommand::standalone(
            "/bin/false".into(),
        ));
    })
    .await;
    assert!(!h.service.supervised().await);
    let job = h
        .service
        .submit(request(spec("echo", &["direct"])))
        .await
        .unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    let working = super::harness().await;
    assert!(working.service.supervised().await);
}
