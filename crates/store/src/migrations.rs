//! Schema migrations keyed on SQLite's `user_version`.
//!
//! Append-only: never edit or remove an entry, only add new ones at the end. A database whose
//! `user_version` is newer than this list is accepted as it is (an older binary running beside a
//! newer one during an upgrade), because every migration only adds.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// Version N is reached by applying `MIGRATIONS[..N]`.
const MIGRATIONS: &[&str] = &[
    // 1: the whole first schema.
    r"
CREATE TABLE jobs (
    id                    TEXT PRIMARY KEY,
    correlation_id        TEXT NOT NULL,
    dedup_key             TEXT NOT NULL,
    idempotency_key       TEXT,
    provider              TEXT NOT NULL,
    model                 TEXT,
    program               TEXT NOT NULL,
    argv_json             TEXT NOT NULL,
    cwd                   TEXT,
    origin_tool           TEXT,
    status                TEXT NOT NULL,
    exit_code             INTEGER,
    error                 TEXT,
    error_category        TEXT,
    pid                   INTEGER,
    pgid                  INTEGER,
    proc_start_ticks      INTEGER,
    owner_instance        TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    started_at            INTEGER,
    finished_at           INTEGER,
    expires_at            INTEGER,
    stdout_bytes          INTEGER NOT NULL DEFAULT 0,
    stderr_bytes          INTEGER NOT NULL DEFAULT 0,
    stdout_chars          INTEGER NOT NULL DEFAULT 0,
    stderr_chars          INTEGER NOT NULL DEFAULT 0,
    output_truncated      INTEGER NOT NULL DEFAULT 0,
    events_truncated      INTEGER NOT NULL DEFAULT 0,
    outcome_text          TEXT,
    session_id            TEXT,
    outcome_model         TEXT,
    input_tokens          INTEGER,
    output_tokens         INTEGER,
    cache_read_tokens     INTEGER,
    cache_creation_tokens INTEGER,
    cost_usd              REAL,
    stop_reason           TEXT,
    outcome_is_error      INTEGER NOT NULL DEFAULT 0,
    outcome_error         TEXT
);
CREATE INDEX jobs_dedup ON jobs(dedup_key, created_at);
CREATE UNIQUE INDEX jobs_idempotency ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_status_created ON jobs(status, created_at);
CREATE INDEX jobs_provider_created ON jobs(provider, created_at);
CREATE INDEX jobs_created ON jobs(created_at);
CREATE INDEX jobs_owner_status ON jobs(owner_instance, status);
CREATE INDEX jobs_correlation ON jobs(correlation_id);

CREATE TABLE job_output (
    job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    stream       TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    seq          INTEGER NOT NULL,
    char_offset  INTEGER NOT NULL,
    char_len     INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    text         TEXT NOT NULL,
    PRIMARY KEY (job_id, stream, seq)
) WITHOUT ROWID;

CREATE TABLE job_events (
    job_id   TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    message  TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE requests (
    id                    TEXT PRIMARY KEY,
    correlation_id        TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT,
    origin_tool           TEXT,
    prompt                TEXT NOT NULL,
    prompt_bytes          INTEGER NOT NULL,
    response              TEXT,
    session_id            TEXT,
    created_at            INTEGER NOT NULL,
    finished_at           INTEGER,
    duration_ms           INTEGER,
    input_tokens          INTEGER,
    output_tokens         INTEGER,
    cache_read_tokens     INTEGER,
    cache_creation_tokens INTEGER,
    cost_usd              REAL,
    exit_code             INTEGER,
    status                TEXT NOT NULL,
    error                 TEXT,
    job_id                TEXT REFERENCES jobs(id) ON DELETE SET NULL,
    retry_count           INTEGER NOT NULL DEFAULT 0,
    approval_decision     TEXT
);
CREATE INDEX requests_correlation ON requests(correlation_id, created_at);
CREATE INDEX requests_created ON requests(created_at);
CREATE INDEX requests_provider_created ON requests(provider, created_at);
CREATE INDEX requests_job ON requests(job_id);

CREATE TABLE tool_calls (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    tool            TEXT NOT NULL,
    client_name     TEXT,
    client_version  TEXT,
    args_summary    TEXT NOT NULL,
    duration_ms     INTEGER NOT NULL,
    is_error        INTEGER NOT NULL,
    result_summary  TEXT
);
CREATE INDEX tool_calls_created ON tool_calls(created_at);

CREATE TABLE instances (
    id            TEXT PRIMARY KEY,
    pid           INTEGER NOT NULL,
    host          TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
);

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    provider           TEXT NOT NULL,
    native_session_id  TEXT,
    name               TEXT,
    active             INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX sessions_one_active ON sessions(provider) WHERE active = 1;
CREATE INDEX sessions_updated ON sessions(updated_at);

CREATE TABLE approvals (
    id             TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    decision       TEXT NOT NULL,
    policy         TEXT NOT NULL,
    score          REAL,
    reasons_json   TEXT NOT NULL,
    prompt_sha256  TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX approvals_created ON approvals(created_at);

CREATE VIEW usage_daily AS
SELECT date(created_at / 1000, 'unixepoch') AS day,
       provider,
       count(*)                     AS requests,
       sum(status = 'completed')    AS completed,
       sum(status <> 'completed')   AS not_completed,
       sum(input_tokens)            AS input_tokens,
       sum(output_tokens)           AS output_tokens,
       sum(cache_read_tokens)       AS cache_read_tokens,
       sum(cache_creation_tokens)   AS cache_creation_tokens,
       round(sum(cost_usd), 6)      AS cost_usd,
       sum(duration_ms)             AS duration_ms
FROM requests
GROUP BY day, provider;

CREATE VIEW recent_failures AS
SELECT id AS job_id, provider, model, status, exit_code, error, error_category,
       datetime(created_at / 1000, 'unixepoch') AS created
FROM jobs
WHERE status IN ('failed', 'orphaned')
ORDER BY created_at DESC
LIMIT 200;
",
    // 2: usage rollups kept by triggers, so `usage` answers from a few thousand rows however
    // many requests are stored (per UTC day and provider; durations as a histogram whose buckets
    // are 10 ms wide below 1 s and a tenth of their decade above). Owner: observability.
    r"
CREATE TABLE usage_rollup (
    day                   INTEGER NOT NULL,
    provider              TEXT NOT NULL,
    requests              INTEGER NOT NULL,
    failures              INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    cache_read_tokens     INTEGER NOT NULL,
    cache_creation_tokens INTEGER NOT NULL,
    cost_usd              REAL NOT NULL,
    PRIMARY KEY (day, provider)
) WITHOUT ROWID;

CREATE TABLE usage_durations (
    day       INTEGER NOT NULL,
    provider  TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (day, provider, bucket)
) WITHOUT ROWID;

INSERT INTO usage_rollup
SELECT created_at / 86400000, provider, count(*), sum(status IN ('failed', 'orphaned')),
       coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
       coalesce(sum(cache_read_tokens), 0), coalesce(sum(cache_creation_tokens), 0),
       coalesce(sum(cost_usd), 0.0)
FROM requests GROUP BY 1, 2;

INSERT INTO usage_durations
SELECT created_at / 86400000, provider, CASE WHEN duration_ms < 1000 THEN max(duration_ms, 0) / 10 WHEN duration_ms < 10000 THEN 100 + (duration_ms - 1000) / 100 WHEN duration_ms < 100000 THEN 190 + (duration_ms - 10000) / 1000 WHEN duration_ms < 1000000 THEN 280 + (duration_ms - 100000) / 10000 ELSE 370 + (duration_ms - 1000000) / 100000 END, count(*)
FROM requests WHERE duration_ms IS NOT NULL GROUP BY 1, 2, 3;

CREATE TRIGGER requests_usage_insert AFTER INSERT ON requests BEGIN
    INSERT INTO usage_rollup (day, provider, requests, failures, input_tokens, output_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd)
    VALUES (NEW.created_at / 86400000, NEW.provider, 1,
        (NEW.status IN ('failed', 'orphaned')), coalesce(NEW.input_tokens, 0),
        coalesce(NEW.output_tokens, 0), coalesce(NEW.cache_read_tokens, 0),
        coalesce(NEW.cache_creation_tokens, 0), coalesce(NEW.cost_usd, 0.0))
    ON CONFLICT (day, provider) DO UPDATE SET requests = requests + excluded.requests,
        failures = failures + excluded.failures,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
        cost_usd = cost_usd + excluded.cost_usd;
    INSERT INTO usage_durations (day, provider, bucket, count)
    SELECT NEW.created_at / 86400000, NEW.provider, CASE WHEN NEW.duration_ms < 1000 THEN max(NEW.duration_ms, 0) / 10 WHEN NEW.duration_ms < 10000 THEN 100 + (NEW.duration_ms - 1000) / 100 WHEN NEW.duration_ms < 100000 THEN 190 + (NEW.duration_ms - 10000) / 1000 WHEN NEW.duration_ms < 1000000 THEN 280 + (NEW.duration_ms - 100000) / 10000 ELSE 370 + (NEW.duration_ms - 1000000) / 100000 END, 1
    WHERE NEW.duration_ms IS NOT NULL
    ON CONFLICT (day, provider, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER requests_usage_update AFTER UPDATE OF created_at, provider, status, duration_ms,
    input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd ON requests BEGIN
    INSERT INTO usage_rollup (day, provider, requests, failures, input_tokens, output_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd)
    VALUES (OLD.created_at / 86400000, OLD.provider, -1,
        -(OLD.status IN ('failed', 'orphaned')), -coalesce(OLD.input_tokens, 0),
        -coalesce(OLD.output_tokens, 0), -coalesce(OLD.cache_read_tokens, 0),
        -coalesce(OLD.cache_creation_tokens, 0), -coalesce(OLD.cost_usd, 0.0))
    ON CONFLICT (day, provider) DO UPDATE SET requests = requests + excluded.requests,
        failures = failures + excluded.failures,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
        cost_usd = cost_usd + excluded.cost_usd;
    INSERT INTO usage_durations (day, provider, bucket, count)
    SELECT OLD.created_at / 86400000, OLD.provider, CASE WHEN OLD.duration_ms < 1000 THEN max(OLD.duration_ms, 0) / 10 WHEN OLD.duration_ms < 10000 THEN 100 + (OLD.duration_ms - 1000) / 100 WHEN OLD.duration_ms < 100000 THEN 190 + (OLD.duration_ms - 10000) / 1000 WHEN OLD.duration_ms < 1000000 THEN 280 + (OLD.duration_ms - 100000) / 10000 ELSE 370 + (OLD.duration_ms - 1000000) / 100000 END, -1
    WHERE OLD.duration_ms IS NOT NULL
    ON CONFLICT (day, provider, bucket) DO UPDATE SET count = count + excluded.count;
    INSERT INTO usage_rollup (day, provider, requests, failures, input_tokens, output_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd)
    VALUES (NEW.created_at / 86400000, NEW.provider, 1,
        (NEW.status IN ('failed', 'orphaned')), coalesce(NEW.input_tokens, 0),
        coalesce(NEW.output_tokens, 0), coalesce(NEW.cache_read_tokens, 0),
        coalesce(NEW.cache_creation_tokens, 0), coalesce(NEW.cost_usd, 0.0))
    ON CONFLICT (day, provider) DO UPDATE SET requests = requests + excluded.requests,
        failures = failures + excluded.failures,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
        cost_usd = cost_usd + excluded.cost_usd;
    INSERT INTO usage_durations (day, provider, bucket, count)
    SELECT NEW.created_at / 86400000, NEW.provider, CASE WHEN NEW.duration_ms < 1000 THEN max(NEW.duration_ms, 0) / 10 WHEN NEW.duration_ms < 10000 THEN 100 + (NEW.duration_ms - 1000) / 100 WHEN NEW.duration_ms < 100000 THEN 190 + (NEW.duration_ms - 10000) / 1000 WHEN NEW.duration_ms < 1000000 THEN 280 + (NEW.duration_ms - 100000) / 10000 ELSE 370 + (NEW.duration_ms - 1000000) / 100000 END, 1
    WHERE NEW.duration_ms IS NOT NULL
    ON CONFLICT (day, provider, bucket) DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER requests_usage_delete AFTER DELETE ON requests BEGIN
    INSERT INTO usage_rollup (day, provider, requests, failures, input_tokens, output_tokens,
        cache_read_tokens, cache_creation_tokens, cost_usd)
    VALUES (OLD.created_at / 86400000, OLD.provider, -1,
        -(OLD.status IN ('failed', 'orphaned')), -coalesce(OLD.input_tokens, 0),
        -coalesce(OLD.output_tokens, 0), -coalesce(OLD.cache_read_tokens, 0),
        -coalesce(OLD.cache_creation_tokens, 0), -coalesce(OLD.cost_usd, 0.0))
    ON CONFLICT (day, provider) DO UPDATE SET requests = requests + excluded.requests,
        failures = failures + excluded.failures,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_creation_tokens = cache_creation_tokens + excluded.cache_creation_tokens,
        cost_usd = cost_usd + excluded.cost_usd;
    INSERT INTO usage_durations (day, provider, bucket, count)
    SELECT OLD.created_at / 86400000, OLD.provider, CASE WHEN OLD.duration_ms < 1000 THEN max(OLD.duration_ms, 0) / 10 WHEN OLD.duration_ms < 10000 THEN 100 + (OLD.duration_ms - 1000) / 100 WHEN OLD.duration_ms < 100000 THEN 190 + (OLD.duration_ms - 10000) / 1000 WHEN OLD.duration_ms < 1000000 THEN 280 + (OLD.duration_ms - 100000) / 10000 ELSE 370 + (OLD.duration_ms - 1000000) / 100000 END, -1
    WHERE OLD.duration_ms IS NOT NULL
    ON CONFLICT (day, provider, bucket) DO UPDATE SET count = count + excluded.count;
END;
",
    // 3: find the first chunk of an output page without scanning the job's output. Owner: engine.
    r"CREATE INDEX job_output_offset ON job_output(job_id, stream, char_offset);",
    // 4: cross-model validation runs (the run record as redacted JSON), so they live in the one
    // database file with the jobs they point at. Owner: validate.
    r"
CREATE TABLE validation_runs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    record_json  TEXT NOT NULL
);
CREATE INDEX validation_runs_created ON validation_runs(created_at);
",
    // 5: a tool call names the job or validation run it created (`logs --job`), and each
    // gateway process keeps the count of tool-call records its recorder had to drop, so
    // `logs stats` can show it after the process is gone. Owner: observability.
    r"
ALTER TABLE tool_calls ADD COLUMN job_id TEXT;
ALTER TABLE tool_calls ADD COLUMN validation_id TEXT;
CREATE INDEX tool_calls_job ON tool_calls(job_id) WHERE job_id IS NOT NULL;
CREATE INDEX tool_calls_validation ON tool_calls(validation_id) WHERE validation_id IS NOT NULL;
CREATE TABLE recorder_drops (
    instance    TEXT PRIMARY KEY,
    dropped     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- Costs the CLI did not report, estimated from the price table a gateway stored at start;
-- daily budgets checked when a job is submitted. Owner: observability.
ALTER TABLE jobs ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_estimated ON requests(created_at) WHERE cost_estimated = 1;
CREATE TABLE model_prices (
    provider               TEXT NOT NULL,
    model                  TEXT NOT NULL,
    input_per_mtok         REAL NOT NULL,
    cached_input_per_mtok  REAL NOT NULL,
    output_per_mtok        REAL NOT NULL,
    source                 TEXT NOT NULL,
    PRIMARY KEY (provider, model)
) WITHOUT ROWID;
CREATE TABLE budgets (
    scope      TEXT PRIMARY KEY,
    daily_usd  REAL NOT NULL
) WITHOUT ROWID;
",
    // 6: MCP tasks: which jobs and validation runs a client asked for as a task (the id is the
    // job's or the run's; their state stays in those rows). Owner: mcp.
    r"
CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    tool        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX tasks_created ON tasks(created_at);
",
];

/// The schema version this binary writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings `conn` up to [`LATEST`] inside one exclusive transaction (two processes starting at
/// once serialize here). Returns the version found before migrating.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, StoreError> {
    // Up to date (every open but the first): no lock at all. Every job's supervisor opens the
    // database, and an exclusive transaction here would queue behind every writer.
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current == LATEST {
        return Ok(current);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found >= LATEST {
        if found > LATEST {
            tracing::info!(
                found,
                known = LATEST,
                "database schema is newer than this binary; using it as is"
            );
        }
        return Ok(found);
    }
    let start = usize::try_from(found).unwrap_or(0);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(found)
}
