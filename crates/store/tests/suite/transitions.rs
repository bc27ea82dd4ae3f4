use gateway_core::{JobStatus, RunOutcome, Usage};
use gateway_store::{DedupPolicy, JobFinish, RunningInfo, now_ms};
use pretty_assertions::assert_eq;

use super::{Engine, engine_tests, new_job, store};

const NO_DEDUP: DedupPolicy = DedupPolicy {
    window_ms: 0,
    force_refresh: false,
};

fn running() -> RunningInfo {
    RunningInfo {
        pid: 4242,
        pgid: 4242,
        proc_start_ticks: Some(7),
        started_at_ms: now_ms(),
    }
}

fn finish(status: JobStatus) -> JobFinish {
    JobFinish {
        status,
        exit_code: Some(0),
        error: None,
        error_category: None,
        finished_at_ms: now_ms(),
        output_truncated: false,
        outcome: Some(RunOutcome {
            text: "the answer".to_owned(),
            session_id: Some("sess-1".to_owned()),
            usage: Usage {
                input_tokens: Some(10),
                output_tokens: Some(5),
                cache_read_tokens: Some(3),
                cache_creation_tokens: Some(1),
            },
            cost_usd: Some(0.25),
            stop_reason: Some("end_turn".to_owned()),
            ..RunOutcome::default()
        }),
        retention_days: 30,
    }
}

/// Every legal transition succeeds once through the store; replaying it loses the CAS.
fn every_legal_transition_is_a_single_winner_cas(engine: Engine) {
    let (_dir, store) = store(engine);
    for (index, to) in [
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Canceled,
        JobStatus::Orphaned,
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("run-{index}");
        store.submit_job(&new_job(&id, &id), NO_DEDUP).unwrap();
        assert!(
            store.mark_running(&id, running()).unwrap(),
            "queued → running"
        );
        assert!(
            !store.mark_running(&id, running()).unwrap(),
            "running → running refused"
        );
        assert!(
            store
                .finish_job(&id, JobStatus::Running, &finish(to))
                .unwrap(),
            "running → {to}"
        );
        assert!(
            !store
                .finish_job(&id, JobStatus::Running, &finish(JobStatus::Failed))
                .unwrap(),
            "second finish refused"
        );
        assert_eq!(store.job(&id).unwrap().unwrap().status, to);
    }
    for (index, to) in [JobStatus::Failed, JobStatus::Canceled, JobStatus::Orphaned]
        .into_iter()
        .enumerate()
    {
        let id = format!("queued-{index}");
        store.submit_job(&new_job(&id, &id), NO_DEDUP).unwrap();
        assert!(
            store
                .finish_job(&id, JobStatus::Queued, &finish(to))
                .unwrap(),
            "queued → {to}"
        );
        assert!(
            !store.mark_running(&id, running()).unwrap(),
            "{to} → running refused"
        );
    }
    // Illegal by the state machine: refused before touching SQL.
    store.submit_job(&new_job("q", "q"), NO_DEDUP).unwrap();
    assert!(
        !store
            .finish_job("q", JobStatus::Queued, &finish(JobStatus::Completed))
            .unwrap()
    );
    assert_eq!(store.job("q").unwrap().unwrap().status, JobStatus::Queued);
}

fn finishing_records_the_outcome_on_the_job_and_the_flight_recorder(engine: Engine) {
    let (_dir, store) = store(engine);
    store.submit_job(&new_job("j", "k"), NO_DEDUP).unwrap();
    store.mark_running("j", running()).unwrap();
    store
        .finish_job("j", JobStatus::Running, &finish(JobStatus::Completed))
        .unwrap();
    let job = store.job("j").unwrap().unwrap();
    assert_eq!(
        (job.pid, job.pgid, job.proc_start_ticks),
        (Some(4242), Some(4242), Some(7))
    );
    let outcome = job.outcome.unwrap();
    assert_eq!(outcome.text, "the answer");
    assert_eq!(outcome.usage.cache_read_tokens, Some(3));
    assert!(job.expires_at_ms.unwrap() > job.finished_at_ms.unwrap());
    let request = store.request_by_correlation("corr-j").unwrap().unwrap();
    assert_eq!(request.status, "completed");
    assert_eq!(request.job_id.as_deref(), Some("j"));
    assert_eq!(request.response.as_deref(), Some("the answer"));
    assert_eq!(
        (request.input_tokens, request.output_tokens),
        (Some(10), Some(5))
    );
    assert_eq!(
        (request.cache_read_tokens, request.cache_creation_tokens),
        (Some(3), Some(1))
    );
    assert_eq!(request.cost_usd, Some(0.25));
    assert_eq!(request.prompt, "hello");
    assert!(request.duration_ms.is_some());
}

fn orphaning_says_the_job_was_cut_off(engine: Engine) {
    let (_dir, store) = store(engine);
    store.submit_job(&new_job("j", "k"), NO_DEDUP).unwrap();
    store.mark_running("j", running()).unwrap();
    assert_eq!(
        store.active_owners().unwrap(),
        vec!["instance-a".to_owned()]
    );
    let job = store.active_jobs_of("instance-a").unwrap().remove(0);
    assert!(store.mark_orphaned(&job, 30).unwrap());
    assert!(store.active_owners().unwrap().is_empty());
    let request = store.request_by_correlation("corr-j").unwrap().unwrap();
    assert_eq!(request.status, "orphaned");
    assert!(request.error.unwrap().contains("cut off"));
}

fn listing_filters_by_status_provider_and_time(engine: Engine) {
    let (_dir, store) = store(engine);
    for (id, provider) in [("a", "claude"), ("b", "codex"), ("c", "claude")] {
        let mut job = new_job(id, id);
        job.provider = provider.to_owned();
        store.submit_job(&job, NO_DEDUP).unwrap();
    }
    store.mark_running("c", running()).unwrap();
    let ids = |filter: gateway_store::JobFilter| -> Vec<String> {
        store
            .list_jobs(&filter)
            .unwrap()
            .into_iter()
            .map(|job| job.id)
            .collect()
    };
    assert_eq!(
        ids(gateway_store::JobFilter {
            provider: Some("claude".into()),
            ..Default::default()
        })
        .len(),
        2
    );
    assert_eq!(
        ids(gateway_store::JobFilter {
            statuses: vec![JobStatus::Running],
            ..Default::default()
        }),
        ["c"]
    );
    assert_eq!(
        ids(gateway_store::JobFilter {
            created_after_ms: Some(now_ms() + 60_000),
            ..Default::default()
        })
        .len(),
        0
    );
    assert_eq!(
        ids(gateway_store::JobFilter {
            limit: Some(1),
            ..Default::default()
        })
        .len(),
        1
    );
}

/// A finish without a reported cost gets the estimate, in the row and in the outcome handed
/// back for the supervisor's report; a reported cost is left alone and unflagged.
fn an_estimated_cost_is_filled_into_the_finish_and_read_back(engine: Engine) {
    let (_dir, store) = store(engine);
    let price = gateway_store::costs::ModelPrice {
        provider: "claude".to_owned(),
        model: "*".to_owned(),
        input_per_mtok: 1.0,
        cached_input_per_mtok: 1.0,
        output_per_mtok: 1.0,
        source: "test".to_owned(),
    };
    store.set_cost_policy(&[price], &[]).unwrap();
    for (id, reported) in [("estimated", None), ("reported", Some(0.25))] {
        store.submit_job(&new_job(id, id), NO_DEDUP).unwrap();
        assert!(store.mark_running(id, running()).unwrap());
        let mut done = finish(JobStatus::Completed);
        done.outcome.as_mut().unwrap().cost_usd = reported;
        assert!(
            store
                .finish_job_with_output(id, JobStatus::Running, &mut done, &[], &[], false)
                .unwrap()
        );
        // 10 input + 1 cache creation + 3 cached + 5 output tokens at $1 per million.
        let expected = (reported.unwrap_or(19e-6), reported.is_none());
        let reported = done.outcome.unwrap();
        assert_eq!(
            (reported.cost_usd.unwrap(), reported.cost_estimated),
            expected
        );
        let stored = store.job(id).unwrap().unwrap().outcome.unwrap();
        assert_eq!((stored.cost_usd.unwrap(), stored.cost_estimated), expected);
    }
}

engine_tests!(
    every_legal_transition_is_a_single_winner_cas,
    finishing_records_the_outcome_on_the_job_and_the_flight_recorder,
    orphaning_says_the_job_was_cut_off,
    listing_filters_by_status_provider_and_time,
    an_estimated_cost_is_filled_into_the_finish_and_read_back
);
