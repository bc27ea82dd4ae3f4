mod admission;
mod browse;
mod dedup;
mod open;
mod records;
mod transitions;
mod validation_runs;

use gateway_store::{NewJob, Store, StoreOptions, now_ms};

/// A store on a fresh file in a fresh temp dir (kept alive by the returned guard).
pub(crate) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreOptions {
        path: Some(dir.path().join("logs.db")),
        redact: true,
    })
    .unwrap();
    (dir, store)
}

pub(crate) fn new_job(id: &str, key: &str) -> NewJob {
    NewJob {
        id: id.to_owned(),
        correlation_id: format!("corr-{id}"),
        dedup_key: key.to_owned(),
        idempotency_key: None,
        provider: "claude".to_owned(),
        model: Some("sonnet".to_owned()),
        program: "claude".to_owned(),
        argv: vec!["-p".to_owned(), "<prompt: 5 bytes via stdin>".to_owned()],
        cwd: None,
        origin_tool: Some("claude_request".to_owned()),
        owner_instance: "instance-a".to_owned(),
        created_at_ms: now_ms(),
        prompt: "hello".to_owned(),
    }
}
