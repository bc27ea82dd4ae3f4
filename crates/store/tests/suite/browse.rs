//! The dashboard's read queries, through a read-only `ReadStore` on a file a `Store` wrote.

use gateway_store::{DedupPolicy, NewEvent, OutputChunk, Stream, now_ms};

use super::{Engine, engine_tests, new_job, store};

const NO_DEDUP: DedupPolicy = DedupPolicy {
    window_ms: 0,
    force_refresh: false,
};

fn job_page_queries_read_events_tail_runs_instances_and_model_usage(engine: Engine) {
    let (dir, store) = store(engine);
    let mut job = new_job("job-1", "k1");
    job.prompt =
        "use token=sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa please".to_owned();
    store.submit_job(&job, NO_DEDUP).unwrap();
    let chunks: Vec<OutputChunk> = (0..5)
        .map(|index| OutputChunk {
            stream: Stream::Stdout,
            text: format!("line {index}\n"),
            bytes: 7,
        })
        .collect();
    let events: Vec<NewEvent> = (1..=3)
        .map(|seq| NewEvent {
            seq,
            at_ms: now_ms(),
            kind: "tool_use".to_owned(),
            message: format!("event {seq}"),
        })
        .collect();
    for chunk in &chunks {
        store
            .append("job-1", std::slice::from_ref(chunk), &[], false)
            .unwrap();
    }
    store.append("job-1", &[], &events, false).unwrap();
    store.register_instance("gw-1", 42, "host").unwrap();
    store
        .put_validation_run(
            "val-1",
            "validation",
            now_ms() - 10,
            r#"{"question":"old"}"#,
        )
        .unwrap();
    store
        .put_validation_run("val-2", "validation", now_ms(), r#"{"question":"new"}"#)
        .unwrap();

    let reader = dir.reader();
    let prompt = reader.prompt("job-1").unwrap().unwrap();
    assert!(
        prompt.contains("[REDACTED:") && !prompt.contains("sk-ant"),
        "{prompt}"
    );
    let shown: Vec<String> = reader
        .job_events("job-1", 2)
        .unwrap()
        .into_iter()
        .map(|event| event.message)
        .collect();
    assert_eq!(shown, ["event 1", "event 2"]);

    let tail = reader.output_tail("job-1", Stream::Stdout, 2).unwrap();
    let texts: Vec<&str> = tail
        .chunks
        .iter()
        .map(|chunk| chunk.text.as_str())
        .collect();
    assert_eq!(texts, ["line 3\n", "line 4\n"]);
    assert!(tail.cut);
    let whole = reader.output_tail("job-1", Stream::Stdout, 5).unwrap();
    assert!(!whole.cut && whole.chunks.len() == 5);
    assert!(
        reader
            .output_tail("job-1", Stream::Stderr, 5)
            .unwrap()
            .chunks
            .is_empty()
    );

    let runs: Vec<String> = reader
        .validation_runs(10)
        .unwrap()
        .into_iter()
        .map(|run| run.id)
        .collect();
    assert_eq!(runs, ["val-2", "val-1"]);
    assert_eq!(
        reader.validation_run("val-1").unwrap().unwrap().kind,
        "validation"
    );
    assert!(reader.validation_run("nope").unwrap().is_none());
    assert_eq!(reader.instances().unwrap()[0].pid, 42);

    let models = reader.usage_by_model(now_ms() - 60_000).unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(
        (
            models[0].provider.as_str(),
            models[0].model.as_deref(),
            models[0].totals.requests
        ),
        ("claude", Some("sonnet"), 1)
    );
    assert!(reader.usage_by_model(now_ms() + 60_000).unwrap().is_empty());
}

#[test]
fn times_and_durations_read_well() {
    use gateway_store::browse::{human_duration, timestamp};
    assert_eq!(timestamp(0), "1970-01-01 00:00:00");
    assert_eq!(timestamp(1_764_684_000_123), "2025-12-02 14:00:00");
    for (ms, text) in [
        (850, "850ms"),
        (12_340, "12.3s"),
        (245_000, "4m05s"),
        (7_800_000, "2h10m"),
    ] {
        assert_eq!(human_duration(ms), text);
    }
}

engine_tests!(job_page_queries_read_events_tail_runs_instances_and_model_usage);
