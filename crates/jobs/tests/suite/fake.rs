//! Jobs of every provider against `fake-agent` (the fake provider CLI from
//! gateway-test-support), built by the real argv builders and read by the real parsers.

use std::time::Duration;

use gateway_core::JobStatus;
use gateway_jobs::CancelOutcome;
use gateway_provider::{CommandSpec, ProviderOptions, RunRequest, SessionMode};
use gateway_test_support::FakeClis;

use super::{LONG, all_output, gone_within, harness, request};

fn every_provider() -> Vec<ProviderOptions> {
    vec![
        ProviderOptions::Claude(Default::default()),
        ProviderOptions::Codex(Default::default()),
        ProviderOptions::Gemini(Default::default()),
        ProviderOptions::Grok(Default::default()),
        ProviderOptions::Mistral(Default::default()),
    ]
}

/// A built spec that runs the fake CLIs (PATH first) with extra `FAKE_AGENT_*` controls.
fn fake_spec(
    clis: &FakeClis,
    options: ProviderOptions,
    prompt: &str,
    controls: &[(&str, &str)],
) -> CommandSpec {
    let run = RunRequest {
        prompt: prompt.to_owned(),
        model: None,
        session: SessionMode::Fresh,
        working_dir: None,
        options,
    };
    let mut spec = gateway_provider::build(&run).unwrap();
    spec.env.insert(
        "PATH".to_owned(),
        clis.path().to_string_lossy().into_owned(),
    );
    spec.env.insert(
        "FAKE_AGENT_LOG".to_owned(),
        clis.log.to_string_lossy().into_owned(),
    );
    for (name, value) in controls {
        spec.env.insert((*name).to_owned(), (*value).to_owned());
    }
    spec
}

#[tokio::test]
async fn every_provider_runs_to_a_parsed_outcome_with_progress() {
    let h = harness().await;
    let clis = FakeClis::install(h.dir.path());
    for options in every_provider() {
        let provider = options.provider();
        let answer = format!("answer from {provider}");
        let spec = fake_spec(
            &clis,
            options,
            "-a prompt that starts with a dash",
            &[("FAKE_AGENT_RESPONSE", &answer)],
        );
        let job = h.service.submit(request(spec)).await.unwrap();
        let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
        let result = h
            .service
            .result(&job.job_id, all_output())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            done.status,
            JobStatus::Completed,
            "{provider}: {done:?}\nstderr: {}",
            result.stderr.text
        );
        let outcome = done.outcome.unwrap();
        assert!(
            outcome.text.contains(&answer),
            "{provider}: {:?}",
            outcome.text
        );
        let events = h.service.progress(&job.job_id, 0, 1_000).await.unwrap();
        assert!(
            events.iter().any(|event| event.kind != "lifecycle"),
            "{provider}: no parsed progress"
        );
    }
    let prompts: Vec<Option<String>> = clis
        .invocations()
        .into_iter()
        .map(|call| call.prompt)
        .collect();
    assert_eq!(prompts.len(), 5);
    assert!(
        prompts
            .iter()
            .all(|prompt| prompt.as_deref() == Some("-a prompt that starts with a dash")),
        "{prompts:?}"
    );
}

/// The CLI ignores SIGTERM and leaves a grandchild: cancel ends the whole tree.
#[tokio::test]
async fn cancel_ends_a_cli_that_ignores_sigterm_and_its_grandchild() {
    let h = harness().await;
    let clis = FakeClis::install(h.dir.path());
    let controls = [
        ("FAKE_AGENT_IGNORE_SIGTERM", "1"),
        ("FAKE_AGENT_GRANDCHILD", "1"),
        ("FAKE_AGENT_SLEEP_BETWEEN_MS", "600000"),
    ];
    let spec = fake_spec(
        &clis,
        ProviderOptions::Claude(Default::default()),
        "hang",
        &controls,
    );
    let job = h.service.submit(request(spec)).await.unwrap();
    let deadline = std::time::Instant::now() + LONG;
    let call = loop {
        if let Some(call) = clis
            .invocations()
            .into_iter()
            .find(|call| call.grandchild_pid.is_some())
        {
            break call;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "fake-agent never logged its grandchild"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        h.service.cancel(&job.job_id).await.unwrap(),
        CancelOutcome::Canceled
    );
    for pid in [call.pid, call.grandchild_pid.unwrap()] {
        let pid = i32::try_from(pid).unwrap();
        assert!(
            gone_within(pid, Duration::from_secs(2)).await,
            "pid {pid} survived the cancel"
        );
    }
    assert_eq!(
        h.service.status(&job.job_id).await.unwrap().unwrap().status,
        JobStatus::Canceled
    );
}

#[tokio::test]
async fn invalid_utf8_and_large_output_from_a_cli_are_stored() {
    let h = harness().await;
    let clis = FakeClis::install(h.dir.path());
    let controls = [
        ("FAKE_AGENT_INVALID_UTF8", "1"),
        ("FAKE_AGENT_OUTPUT_BYTES", "2000000"),
    ];
    let spec = fake_spec(
        &clis,
        ProviderOptions::Codex(Default::default()),
        "big",
        &controls,
    );
    let job = h.service.submit(request(spec)).await.unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed, "{done:?}");
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        result.stdout.total_chars >= 2_000_000,
        "{}",
        result.stdout.total_chars
    );
    assert!(result.stdout.text.contains('\u{fffd}'));
}

/// A 2.5 MB answer arrives twice (text events, then one 2.5 MB `result` line). The parser sees
/// that line bounded but still valid JSON, so session, usage and cost survive, and the answer
/// text is a bounded head with a note; the store has every byte.
#[tokio::test]
async fn a_huge_answer_keeps_session_usage_and_cost_with_a_bounded_text() {
    let h = harness().await;
    let clis = FakeClis::install(h.dir.path());
    let controls = [
        ("FAKE_AGENT_OUTPUT_BYTES", "2500000"),
        (
            "FAKE_AGENT_SESSION_ID",
            "5b4f7c1e-9d7c-4a53-8c55-0c1b2d3e4f50",
        ),
    ];
    let spec = fake_spec(
        &clis,
        ProviderOptions::Claude(Default::default()),
        "huge",
        &controls,
    );
    let job = h.service.submit(request(spec)).await.unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed, "{:?}", done.error);
    let outcome = done.outcome.unwrap();
    assert_eq!(
        outcome.session_id.as_deref(),
        Some("5b4f7c1e-9d7c-4a53-8c55-0c1b2d3e4f50")
    );
    assert_eq!(outcome.usage.input_tokens, Some(12));
    assert!(outcome.cost_usd.is_some());
    let limit = gateway_provider::bounded::ANSWER_MAX_BYTES;
    assert!(outcome.text.len() < limit + 200, "{}", outcome.text.len());
    assert!(outcome.text.contains("more bytes not kept in memory"));
    let result = h
        .service
        .result(&job.job_id, all_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        result.stdout.total_chars >= 5_000_000,
        "{}",
        result.stdout.total_chars
    );
}

#[tokio::test]
async fn an_auth_failure_is_a_failed_job_with_the_clis_message() {
    let h = harness().await;
    let clis = FakeClis::install(h.dir.path());
    let spec = fake_spec(
        &clis,
        ProviderOptions::Claude(Default::default()),
        "hi",
        &[("FAKE_AGENT_AUTH_FAILURE", "1")],
    );
    let job = h.service.submit(request(spec)).await.unwrap();
    let done = h.service.wait(&job.job_id, LONG).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Failed, "{done:?}");
    assert!(done.error.is_some());
}
