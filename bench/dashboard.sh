#!/usr/bin/env bash
# Benchmark: the dashboard's pages over a store holding 100,000 jobs (each with its request
# row) and 1,000,000 output chunks, plus 300,000 events, 100,000 tool calls and 1,000
# validation runs.
#
# The store is created by the gateway binary (the shipped schema and triggers), filled through
# the sqlite3 shell, then `llm-cli-gateway dashboard --db` is started and logged in through its
# printed URL. bench/dashboard.py requests every page RUNS times (default 21) and prints the
# median and max server time (the `Server-Timing` header) and client time per page, how long a
# chunk appended to a running job takes to reach an open job page's event stream, and the
# dashboard's resident memory (VmRSS, peak VmHWM) after the run.
#
# Usage: bench/dashboard.sh [JOBS] [RUNS]   (needs sqlite3 and python3; builds --release unless BIN=…)
set -euo pipefail
JOBS=${1:-100000}
RUNS=${2:-21}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p gateway-cli -p gateway-jobs --bins --manifest-path "$ROOT/Cargo.toml"
  BIN=$TARGET/release/llm-cli-gateway
fi
WORK=$(mktemp -d)
DASH_PID=
trap '[ -n "$DASH_PID" ] && kill "$DASH_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
DB=$WORK/logs.db

# A gateway that starts (and at once sees its stdin closed) creates and migrates the store.
LLM_GATEWAY_LOGS_DB="$DB" "$BIN" serve </dev/null >/dev/null 2>&1

NOW=$(( $(date +%s) * 1000 ))
START=$(( NOW - 30 * 86400000 ))
SPAN=$(( 30 * 86400000 / JOBS ))
sqlite3 "$DB" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < $JOBS - 1)
INSERT INTO jobs (id, correlation_id, dedup_key, provider, model, program, argv_json, cwd,
    origin_tool, status, exit_code, owner_instance, created_at, started_at, finished_at,
    stdout_bytes, outcome_text, session_id, input_tokens, output_tokens, cost_usd)
SELECT printf('00000000-0000-7000-8000-%012d', x), printf('c%08d', x), printf('d%08d', x),
       CASE x % 5 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' WHEN 2 THEN 'gemini'
                  WHEN 3 THEN 'grok' ELSE 'mistral' END,
       'model-' || (x % 3), 'claude', '["-p","--output-format","stream-json","<prompt: 60 bytes via stdin>"]',
       '/src/project', 'claude_request',
       CASE WHEN x = $JOBS - 1 THEN 'running' WHEN x % 50 = 0 THEN 'failed' ELSE 'completed' END,
       CASE WHEN x = $JOBS - 1 THEN NULL WHEN x % 50 = 0 THEN 1 ELSE 0 END, 'bench',
       $START + x * $SPAN, $START + x * $SPAN + 5,
       CASE WHEN x = $JOBS - 1 THEN NULL ELSE $START + x * $SPAN + (x * 7919 % 120000) END,
       1000, 'an answer ' || x, printf('s%08d', x), x % 5000, x % 3000, (x % 1000) / 10000.0
FROM n;
INSERT INTO requests (id, correlation_id, provider, model, origin_tool, prompt, prompt_bytes,
    response, created_at, finished_at, duration_ms, input_tokens, output_tokens, cost_usd,
    exit_code, status, job_id)
SELECT 'r' || id, correlation_id, provider, model, origin_tool,
       'a prompt of a realistic length for a coding question', 60, outcome_text, created_at,
       finished_at, finished_at - created_at, input_tokens, output_tokens, cost_usd, exit_code,
       CASE status WHEN 'running' THEN 'started' ELSE status END, id
FROM jobs;
WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 9)
INSERT INTO job_output (job_id, stream, seq, char_offset, char_len, bytes, text)
SELECT id, 'stdout', k, k * 100, 100, 100,
       printf('{"type":"text","seq":%d,"text":"%s"}', k, substr(hex(randomblob(40)), 1, 66)) || char(10)
FROM jobs, s;
WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 2)
INSERT INTO job_events (job_id, seq, at, kind, message)
SELECT id, k + 1, created_at + k * 100, CASE k WHEN 0 THEN 'lifecycle' WHEN 1 THEN 'tool_use' ELSE 'tokens' END,
       'event ' || k
FROM jobs, s;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < $JOBS - 1)
INSERT INTO tool_calls (created_at, tool, client_name, client_version, args_summary, duration_ms,
    is_error, result_summary, job_id)
SELECT $START + x * $SPAN, 'claude_request', 'bench', '1', '{"prompt":"<60 bytes>"}', x % 900,
       x % 50 = 0, printf('status="completed" jobId="00000000-0000-7000-8000-%012d" exitCode=0', x),
       printf('00000000-0000-7000-8000-%012d', x)
FROM n;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 999)
INSERT INTO validation_runs (id, kind, created_at, updated_at, record_json)
SELECT printf('val-%08d', x), 'validation', $START + x * 2500000, $START + x * 2500000,
       json_object('id', printf('val-%08d', x), 'kind', 'validation', 'createdAtMs', $START + x * 2500000,
         'intent', 'validate', 'request', json_object('question', 'Is change ' || x || ' safe?'),
         'readOnly', json('true'), 'judge', NULL, 'lastReport', NULL,
         'seats', json_array(
           json_object('provider', 'claude', 'jobId', printf('00000000-0000-7000-8000-%012d', x * 2)),
           json_object('provider', 'codex', 'jobId', printf('00000000-0000-7000-8000-%012d', x * 2 + 1))))
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "jobs: $(sqlite3 "$DB" 'SELECT count(*) FROM jobs'), output chunks: $(sqlite3 "$DB" 'SELECT count(*) FROM job_output'), file: $(du -h "$DB" | cut -f1)"

"$BIN" dashboard --db "$DB" > "$WORK/url" 2> "$WORK/log" &
DASH_PID=$!
for _ in $(seq 50); do [ -s "$WORK/url" ] && break; sleep 0.1; done
python3 "$ROOT/bench/dashboard.py" "$(head -1 "$WORK/url")" "$DB" "$DASH_PID" "$RUNS" "$JOBS"
