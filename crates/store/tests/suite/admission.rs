//! Admission through the store: the running limit holds for every claimant, older queued jobs
//! go first, and a job that is no longer queued cannot be claimed.

use gateway_core::JobStatus;
use gateway_store::{Claim, DedupPolicy, JobFinish, SlotLimits, now_ms};
use pretty_assertions::assert_eq;

use super::{Engine, engine_tests, new_job, store};

const NO_DEDUP: DedupPolicy = DedupPolicy {
    window_ms: 0,
    force_refresh: false,
};

const ONE: SlotLimits = SlotLimits {
    max_running: 1,
    max_per_provider: 1,
};

fn claims_admit_the_oldest_first_up_to_the_limit_and_hand_the_job_over(engine: Engine) {
    let (_dir, store) = store(engine);
    for (id, at) in [("a", 1), ("b", 2)] {
        let mut job = new_job(id, id);
        job.created_at_ms = at;
        store.submit_job(&job, NO_DEDUP).unwrap();
    }
    // b is younger: it may not overtake a, whose supervisor has not claimed yet.
    assert!(matches!(
        store.claim_slot("b", "sup-b", ONE, now_ms()).unwrap(),
        Claim::Full(load) if load.running == 0
    ));
    assert_eq!(store.admissible(ONE).unwrap(), ["a"]);
    assert_eq!(
        store.claim_slot("a", "sup-a", ONE, now_ms()).unwrap(),
        Claim::Admitted
    );
    let a = store.job("a").unwrap().unwrap();
    assert_eq!(
        (a.status, a.owner_instance.as_str()),
        (JobStatus::Running, "sup-a")
    );
    assert!(store.admissible(ONE).unwrap().is_empty());
    assert!(matches!(
        store.claim_slot("b", "sup-b", ONE, now_ms()).unwrap(),
        Claim::Full(load) if load.running == 1 && load.queued == 1
    ));
    let (runs_now, load) = store.outlook("b", ONE).unwrap();
    assert_eq!((runs_now, load.queued), (false, 1));

    let done = JobFinish {
        status: JobStatus::Completed,
        exit_code: Some(0),
        error: None,
        error_category: None,
        finished_at_ms: now_ms(),
        output_truncated: false,
        outcome: None,
        retention_days: 30,
    };
    assert!(store.finish_job("a", JobStatus::Running, &done).unwrap());
    assert_eq!(store.admissible(ONE).unwrap(), ["b"]);
    assert!(store.adopt_job("b", "instance-a", "sup-b").unwrap());
    assert!(
        !store.adopt_job("b", "instance-a", "sup-b").unwrap(),
        "only once"
    );
    assert_eq!(
        store.claim_slot("b", "sup-b", ONE, now_ms()).unwrap(),
        Claim::Admitted
    );
    assert_eq!(
        store.claim_slot("b", "sup-b", ONE, now_ms()).unwrap(),
        Claim::Gone(Some(JobStatus::Running))
    );
    assert_eq!(
        store.claim_slot("missing", "sup", ONE, now_ms()).unwrap(),
        Claim::Gone(None)
    );
}

engine_tests!(claims_admit_the_oldest_first_up_to_the_limit_and_hand_the_job_over);
