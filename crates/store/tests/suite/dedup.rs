use std::sync::{Arc, Barrier};

use gateway_core::JobStatus;
use gateway_store::{DedupPolicy, JobFinish, Store, SubmitOutcome, now_ms};

use super::{Engine, engine_tests, new_job, place, store};

const WINDOW: DedupPolicy = DedupPolicy {
    window_ms: 3_600_000,
    force_refresh: false,
};

fn created(outcome: &SubmitOutcome) -> bool {
    matches!(outcome, SubmitOutcome::Created)
}

fn deduped_to(outcome: &SubmitOutcome) -> Option<String> {
    match outcome {
        SubmitOutcome::Deduplicated { job, .. } => Some(job.id.clone()),
        _ => None,
    }
}

fn end(store: &Store, id: &str, from: JobStatus, to: JobStatus) {
    let finish = JobFinish {
        status: to,
        exit_code: None,
        error: None,
        error_category: None,
        finished_at_ms: now_ms(),
        output_truncated: false,
        outcome: None,
        retention_days: 30,
    };
    assert!(store.finish_job(id, from, &finish).unwrap());
}

fn hit_within_the_window_for_queued_running_and_completed(engine: Engine) {
    let (_dir, store) = store(engine);
    assert!(created(
        &store.submit_job(&new_job("first", "k"), WINDOW).unwrap()
    ));
    assert_eq!(
        deduped_to(&store.submit_job(&new_job("second", "k"), WINDOW).unwrap()).as_deref(),
        Some("first")
    );
    let info = gateway_store::RunningInfo {
        pid: 1,
        pgid: 1,
        proc_start_ticks: None,
        started_at_ms: now_ms(),
    };
    store.mark_running("first", info).unwrap();
    assert_eq!(
        deduped_to(&store.submit_job(&new_job("third", "k"), WINDOW).unwrap()).as_deref(),
        Some("first")
    );
    end(&store, "first", JobStatus::Running, JobStatus::Completed);
    let outcome = store.submit_job(&new_job("fourth", "k"), WINDOW).unwrap();
    let SubmitOutcome::Deduplicated { job, age_ms } = outcome else {
        panic!("expected a hit")
    };
    assert_eq!(
        (job.id.as_str(), job.status),
        ("first", JobStatus::Completed)
    );
    assert!(age_ms >= 0);
    assert!(
        store.job("second").unwrap().is_none(),
        "a hit inserts nothing"
    );
}

fn miss_when_off_forced_expired_or_different(engine: Engine) {
    let (_dir, store) = store(engine);
    store.submit_job(&new_job("a", "k"), WINDOW).unwrap();
    assert!(
        created(&store.submit_job(&new_job("b", "other"), WINDOW).unwrap()),
        "different key"
    );
    let off = DedupPolicy {
        window_ms: 0,
        force_refresh: false,
    };
    assert!(
        created(&store.submit_job(&new_job("c", "k"), off).unwrap()),
        "window 0 = off"
    );
    let force = DedupPolicy {
        window_ms: 3_600_000,
        force_refresh: true,
    };
    assert!(
        created(&store.submit_job(&new_job("d", "k"), force).unwrap()),
        "forceRefresh"
    );
    let mut late = new_job("e", "k");
    late.created_at_ms += 7_200_000; // two hours later: every earlier row is outside the window
    assert!(
        created(&store.submit_job(&late, WINDOW).unwrap()),
        "expired"
    );
}

fn failed_canceled_and_orphaned_jobs_are_never_reused(engine: Engine) {
    for to in [JobStatus::Failed, JobStatus::Canceled, JobStatus::Orphaned] {
        let (_dir, store) = store(engine);
        store.submit_job(&new_job("a", "k"), WINDOW).unwrap();
        end(&store, "a", JobStatus::Queued, to);
        assert!(
            created(&store.submit_job(&new_job("b", "k"), WINDOW).unwrap()),
            "{to} reused"
        );
    }
}

fn idempotency_key_returns_the_same_job_or_a_conflict(engine: Engine) {
    let (_dir, store) = store(engine);
    let keyed = |id: &str, key: &str| {
        let mut job = new_job(id, key);
        job.idempotency_key = Some("idem-1".to_owned());
        job
    };
    let force = DedupPolicy {
        window_ms: 0,
        force_refresh: true,
    };
    assert!(created(&store.submit_job(&keyed("a", "k"), force).unwrap()));
    end(&store, "a", JobStatus::Queued, JobStatus::Failed);
    // Same key, same arguments: the same job, whatever its status, even with dedup off.
    assert_eq!(
        deduped_to(&store.submit_job(&keyed("b", "k"), force).unwrap()).as_deref(),
        Some("a")
    );
    let conflict = store.submit_job(&keyed("c", "other-args"), force).unwrap();
    assert!(
        matches!(conflict, SubmitOutcome::IdempotencyConflict { ref job_id } if job_id == "a"),
        "{conflict:?}"
    );
}

/// Eight connections (as eight processes would have) race on one key: exactly one job.
fn racing_connections_on_one_key_get_one_job(engine: Engine) {
    let place = Arc::new(place(engine));
    drop(place.open());
    let barrier = Arc::new(Barrier::new(8));
    let mut handles = Vec::new();
    for index in 0..8 {
        let (place, barrier) = (Arc::clone(&place), Arc::clone(&barrier));
        handles.push(std::thread::spawn(move || {
            let store = place.open();
            barrier.wait();
            store
                .submit_job(&new_job(&format!("job-{index}"), "same-key"), WINDOW)
                .unwrap()
        }));
    }
    let outcomes: Vec<SubmitOutcome> = handles
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .collect();
    let winners = outcomes.iter().filter(|outcome| created(outcome)).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    let targets: std::collections::BTreeSet<_> = outcomes.iter().filter_map(deduped_to).collect();
    assert_eq!(targets.len(), 1, "every loser points at the one winner");
}

engine_tests!(
    failed_canceled_and_orphaned_jobs_are_never_reused,
    racing_connections_on_one_key_get_one_job,
    hit_within_the_window_for_queued_running_and_completed,
    miss_when_off_forced_expired_or_different,
    idempotency_key_returns_the_same_job_or_a_conflict
);
