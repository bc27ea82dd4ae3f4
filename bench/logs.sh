#!/usr/bin/env bash
# Benchmark: `llm-cli-gateway logs export` and `logs stats` over a store of 1,000,000 rows.
#
# The store is created by the gateway binary (the shipped schema), then filled in one
# transaction through the sqlite3 shell: ROWS rows over 30 days, 60 % tool calls (12 tools,
# 3 % errors, durations 0-60 s, half of them naming a job) and 40 % provider requests. Each
# command runs RUNS times (default 3) with stdout to /dev/null; printed: the median wall time,
# rows/s, and the peak RSS (the child's ru_maxrss) next to the baseline `schema list` in the
# same run. The export must stay under 64 MB RSS however many rows there are.
#
# Usage: bench/logs.sh [ROWS] [RUNS]     (needs sqlite3 and python3; builds --release unless BIN=…)
set -euo pipefail
ROWS=${1:-1000000}
RUNS=${2:-3}
# shellcheck source=bench/store-setup.sh
source "$(dirname "$0")/store-setup.sh"

CALLS=$(( ROWS * 6 / 10 ))
REQUESTS=$(( ROWS - CALLS ))
START=$(( $(date +%s) * 1000 - 30 * 86400000 ))
sqlite3 "$DB" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < $CALLS - 1)
INSERT INTO tool_calls (created_at, tool, client_name, client_version, args_summary,
    duration_ms, is_error, result_summary, job_id)
SELECT $START + x * (30 * 86400000 / $CALLS), 'tool_' || (x % 12), 'claude-code', '2.1.0',
       '{"prompt":"<1200 bytes>","model":"sonnet"}', x * 7919 % 60000,
       CASE WHEN x % 33 = 0 THEN 1 ELSE 0 END, 'status="completed" jobId="j' || x || '"',
       CASE WHEN x % 2 = 0 THEN printf('job-%08d', x) END
FROM n;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < $REQUESTS - 1)
INSERT INTO requests (id, correlation_id, provider, model, origin_tool, prompt, prompt_bytes,
    response, created_at, finished_at, duration_ms, input_tokens, output_tokens, cost_usd,
    exit_code, status)
SELECT printf('r%08d', x), printf('c%08d', x),
       CASE x % 5 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' WHEN 2 THEN 'gemini'
                  WHEN 3 THEN 'grok' ELSE 'mistral' END,
       'model', 'claude_request', 'a prompt ' || x, 60, 'an answer ' || x,
       $START + x * (30 * 86400000 / $REQUESTS), $START + x * (30 * 86400000 / $REQUESTS) + 5000,
       x * 7919 % 120000, x % 5000, x % 3000, (x % 1000) / 10000.0, 0, 'completed'
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "rows: $(sqlite3 "$DB" 'SELECT (SELECT count(*) FROM tool_calls) + (SELECT count(*) FROM requests)')"

# Median wall ms and the largest peak RSS (MiB) of RUNS runs of the command, stdout discarded.
measure() {
  python3 - "$RUNS" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
times, peaks = [], []
for _ in range(runs):
    start = time.perf_counter()
    pid = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    assert status == 0, f"{argv} failed: {status}"
    times.append((time.perf_counter() - start) * 1000)
    peaks.append(usage.ru_maxrss / 1024)
print(f"{statistics.median(times):.0f} {max(peaks):.1f}")
PY
}

read -r BASE_MS BASE_RSS <<<"$(measure "$BIN" schema list)"
read -r NDJSON_MS NDJSON_RSS <<<"$(measure "$BIN" logs export --db "$DB")"
read -r CSV_MS CSV_RSS <<<"$(measure "$BIN" logs export --format csv --db "$DB")"
read -r STATS_MS STATS_RSS <<<"$(measure "$BIN" logs stats --db "$DB")"
rate() { python3 -c "print(f'{$ROWS / ($1 / 1000):,.0f}')"; }
echo "baseline 'schema list': ${BASE_MS} ms, peak RSS ${BASE_RSS} MiB"
echo "logs export (ndjson): ${NDJSON_MS} ms, $(rate "$NDJSON_MS") rows/s, peak RSS ${NDJSON_RSS} MiB"
echo "logs export --format csv: ${CSV_MS} ms, $(rate "$CSV_MS") rows/s, peak RSS ${CSV_RSS} MiB"
echo "logs stats ($CALLS tool calls): ${STATS_MS} ms, peak RSS ${STATS_RSS} MiB"
"$BIN" logs export --db "$DB" | wc -c | awk '{printf "ndjson size: %.0f MB\n", $1 / 1e6}'
