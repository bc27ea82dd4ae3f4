use gateway_store::{Store, StoreOptions, now_ms};
use pretty_assertions::assert_eq;

use super::{Engine, engine_tests, store};

const KEY: &str = "sk-ant-api03-SECRETSECRETSECRET0123456789";

fn a_run_round_trips_and_unknown_ids_are_none(engine: Engine) {
    let (_dir, store) = store(engine);
    store
        .put_validation_run("val-1", "validation", 5, r#"{"id":"val-1","seats":[]}"#)
        .unwrap();
    assert_eq!(
        store.get_validation_run("val-1").unwrap().as_deref(),
        Some(r#"{"id":"val-1","seats":[]}"#)
    );
    assert_eq!(store.get_validation_run("val-2").unwrap(), None);
}

/// A second put replaces the record but keeps the first `created_at` (retention counts from
/// the run's start) and moves `updated_at`.
fn a_second_put_replaces_the_record_and_keeps_created_at(engine: Engine) {
    let (dir, store) = store(engine);
    store
        .put_validation_run("val-1", "validation", 5, r#"{"v":1}"#)
        .unwrap();
    store
        .put_validation_run("val-1", "comparison", 9, r#"{"v":2}"#)
        .unwrap();
    assert_eq!(
        store.get_validation_run("val-1").unwrap().as_deref(),
        Some(r#"{"v":2}"#)
    );
    let row = dir.sql("SELECT count(*), kind, created_at, updated_at FROM validation_runs GROUP BY kind, created_at, updated_at");
    let cells: Vec<&str> = row.split('|').collect();
    assert_eq!(cells[..3], ["1", "comparison", "5"]);
    let updated: i64 = cells[3].parse().unwrap();
    assert!(updated >= now_ms() - 60_000, "updated_at is the write time");
}

/// Secrets anywhere in the record are masked leaf by leaf, so the JSON stays readable; with
/// redaction off they are kept (so the check can fail).
#[test]
fn secrets_in_a_run_are_redacted_and_the_json_stays_valid() {
    let json = format!(r#"{{"request":{{"question":"is {KEY} valid?"}},"answers":["{KEY}"]}}"#);
    for redact in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.db");
        let store = Store::open(&StoreOptions {
            location: gateway_store::Location::File(path.clone()),
            redact,
        })
        .unwrap();
        store
            .put_validation_run("val-1", "validation", 1, &json)
            .unwrap();
        let stored = store.get_validation_run("val-1").unwrap().unwrap();
        let value: serde_json::Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(stored.contains(KEY), !redact, "redact = {redact}: {stored}");
        if redact {
            assert_eq!(
                value["request"]["question"],
                "is [REDACTED:anthropic_key] valid?"
            );
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(dir.path().join("logs.db-wal")).unwrap_or_default());
        let on_disk = bytes
            .windows(KEY.len())
            .any(|window| window == KEY.as_bytes());
        assert_eq!(on_disk, !redact, "redact = {redact}");
    }
}

fn a_record_that_is_not_json_is_refused_when_redacting(engine: Engine) {
    let (_dir, store) = store(engine);
    let error = store
        .put_validation_run("val-1", "validation", 1, "not json")
        .unwrap_err();
    assert!(error.to_string().contains("validation_runs"), "{error}");
    assert_eq!(store.get_validation_run("val-1").unwrap(), None);
}

fn runs_survive_reopening_the_file(engine: Engine) {
    let (dir, store) = store(engine);
    store
        .put_validation_run("val-1", "validation", 1, "{}")
        .unwrap();
    drop(store);
    let reopened = dir.open();
    assert_eq!(
        reopened.get_validation_run("val-1").unwrap().as_deref(),
        Some("{}")
    );
}

/// MCP tasks: a second put of the same id (a deduplicated call) keeps the first record; the
/// list is newest first and paged; retention prunes them with the rest.
fn tasks_keep_their_first_record_list_newest_first_and_are_pruned(engine: Engine) {
    let (_dir, store) = store(engine);
    store.put_task("job-a", "claude_request", 10).unwrap();
    store.put_task("run-b", "validate_with_models", 20).unwrap();
    store.put_task("job-a", "codex_request", 30).unwrap();
    let task = store.task("job-a").unwrap().unwrap();
    assert_eq!(
        (task.tool.as_str(), task.created_at_ms),
        ("claude_request", 10)
    );
    assert_eq!(store.task("nope").unwrap(), None);
    let ids = |offset, limit| -> Vec<String> {
        let page = store.list_tasks(offset, limit).unwrap();
        page.into_iter().map(|task| task.id).collect()
    };
    assert_eq!(ids(0, 10), ["run-b", "job-a"]);
    assert_eq!(ids(1, 1), ["job-a"]);
    assert_eq!(store.prune(15).unwrap().tasks, 1);
    assert_eq!(ids(0, 10), ["run-b"]);
}

engine_tests!(
    a_run_round_trips_and_unknown_ids_are_none,
    a_second_put_replaces_the_record_and_keeps_created_at,
    a_record_that_is_not_json_is_refused_when_redacting,
    runs_survive_reopening_the_file,
    tasks_keep_their_first_record_list_newest_first_and_are_pruned
);
