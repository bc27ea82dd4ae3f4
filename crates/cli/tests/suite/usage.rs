//! `usage summary|daily|providers`: real jobs, and a store filled through its own API with
//! requests on several days, whose figures are known.

use gateway_core::{JobStatus, RunOutcome, Usage};
use gateway_store::query::DAY_MS;
use gateway_store::{DedupPolicy, JobFinish, NewJob, RunningInfo, Store, StoreOptions, now_ms};

use super::{Fixture, assert_valid, claude, codex, gateway, json_of};

#[tokio::test]
async fn usage_of_real_jobs_per_provider() {
    let f = Fixture::start().await;
    f.run(f.request(claude(), "one", &[])).await;
    f.run(f.request(claude(), "two", &[])).await;
    f.run(f.request(codex(), "three", &[("FAKE_AGENT_EXIT_CODE", "2")]))
        .await;

    let mut command = f.cli();
    command.args(["usage", "providers", "--json"]);
    let providers = json_of(command, 0);
    assert_valid(&providers);
    let rows = providers["data"]["rows"].as_array().unwrap();
    let brief: Vec<(&str, i64, i64)> = rows
        .iter()
        .map(|row| {
            (
                row["key"].as_str().unwrap(),
                row["requests"].as_i64().unwrap(),
                row["failures"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(brief, [("claude", 2, 0), ("codex", 1, 1)]);
    assert!(rows[0]["medianMs"].is_i64(), "{rows:#?}");

    let mut command = f.cli();
    command.args(["usage", "--json"]);
    let summary = json_of(command, 0);
    assert_valid(&summary);
    assert_eq!(summary["schema"], "llm-cli-gateway.v1.usage-summary");
    assert_eq!(summary["data"]["rows"][0]["requests"], 3);

    let mut command = f.cli();
    command.args(["usage", "daily"]);
    let daily = String::from_utf8(command.output().unwrap().stdout).unwrap();
    assert!(daily.starts_with("DAY (UTC)"), "{daily}");
    assert!(daily.contains('█'), "a bar per day: {daily}");
}

/// One finished request `age_ms` ago that took `duration_ms`.
fn record(store: &Store, n: usize, provider: &str, age_ms: i64, duration_ms: i64, failed: bool) {
    let created = now_ms() - age_ms;
    let job = NewJob {
        id: format!("job-{n:05}"),
        correlation_id: format!("corr-{n}"),
        dedup_key: format!("key-{n}"),
        idempotency_key: None,
        provider: provider.to_owned(),
        model: None,
        program: provider.to_owned(),
        argv: Vec::new(),
        cwd: None,
        origin_tool: None,
        owner_instance: "instance".to_owned(),
        created_at_ms: created,
        prompt: "p".to_owned(),
    };
    store
        .submit_job(
            &job,
            DedupPolicy {
                window_ms: 0,
                force_refresh: true,
            },
        )
        .unwrap();
    let outcome = RunOutcome {
        usage: Usage {
            input_tokens: Some(100),
            output_tokens: Some(10),
            cache_read_tokens: Some(1),
            cache_creation_tokens: None,
        },
        cost_usd: Some(0.25),
        ..RunOutcome::default()
    };
    let finish = JobFinish {
        status: if failed {
            JobStatus::Failed
        } else {
            JobStatus::Completed
        },
        exit_code: Some(i32::from(failed)),
        error: None,
        error_category: None,
        finished_at_ms: created + duration_ms,
        output_truncated: false,
        outcome: Some(outcome),
        retention_days: 30,
    };
    let running = RunningInfo {
        pid: 1,
        pgid: 1,
        proc_start_ticks: None,
        started_at_ms: created,
    };
    assert!(store.mark_running(&job.id, running).unwrap());
    assert!(
        store
            .finish_job(&job.id, JobStatus::Running, &finish)
            .unwrap()
    );
}

#[test]
fn windows_combine_rollups_with_the_raw_rows_of_the_partial_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreOptions {
        location: gateway_store::Location::File(dir.path().join("logs.db")),
        redact: true,
    })
    .unwrap();
    // Ten requests a day for five days, the last ones now; every fifth fails.
    let mut n = 0;
    for day in 0..5 {
        for hour in 0..10 {
            let age = day * DAY_MS + hour * 3_600_000 + 60_000;
            record(
                &store,
                n,
                if n % 2 == 0 { "claude" } else { "grok" },
                age,
                1_000 + (n as i64) * 100,
                n % 5 == 0,
            );
            n += 1;
        }
    }
    let usage = |since: Option<&str>| {
        let mut command = gateway(dir.path());
        command.args(["usage", "--json"]);
        if let Some(since) = since {
            command.args(["--since", since]);
        }
        let value = json_of(command, 0);
        assert_valid(&value);
        value["data"]["rows"][0].clone()
    };
    let all = usage(None);
    assert_eq!(
        (all["requests"].as_i64(), all["failures"].as_i64()),
        (Some(50), Some(10))
    );
    assert_eq!(
        (all["inputTokens"].as_i64(), all["cacheReadTokens"].as_i64()),
        (Some(5_000), Some(50))
    );
    assert_eq!(all["costUsd"].as_f64(), Some(12.5));
    // Durations 1,000..5,900 ms: the median is the 25th (3,400 ms, bucket 3,400–3,500).
    assert_eq!(all["medianMs"].as_i64(), Some(3_450));
    assert_eq!(all["p95Ms"].as_i64(), Some(5_750));
    // Windows that end mid-day count exactly the requests created inside them.
    for (since, expected) in [("5h", 5), ("30h", 16), ("50h", 22), ("30d", 50)] {
        let row = usage(Some(since));
        assert_eq!(
            row["requests"].as_i64(),
            Some(expected),
            "--since {since}: {row:#}"
        );
    }
}
