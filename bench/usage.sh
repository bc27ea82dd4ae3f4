#!/usr/bin/env bash
# Benchmark: `llm-cli-gateway usage summary` over a store holding 1,000,000 request rows.
#
# The store is created by the gateway binary itself (so the schema, rollup tables and triggers
# are exactly the shipped ones), then filled in one transaction through the sqlite3 shell:
# 1M `requests` rows over 30 days, five providers, 2 % failures, durations 0–120 s. The triggers
# keep the usage rollups as the gateway's own writes would. The command is then run RUNS times
# (default 9) against the file and the median wall time is printed, next to a baseline measured
# in the same run: `llm-cli-gateway schema list` (process start and argument parsing only).
#
# Usage: bench/usage.sh [ROWS] [RUNS]     (needs sqlite3 and python3; builds --release unless BIN=…)
set -euo pipefail
ROWS=${1:-1000000}
RUNS=${2:-9}
# shellcheck source=bench/store-setup.sh
source "$(dirname "$0")/store-setup.sh"

START=$(( $(date +%s) * 1000 - 30 * 86400000 ))
SPAN=$(( 30 * 86400000 / ROWS ))
sqlite3 "$DB" <<SQL
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < $ROWS - 1)
INSERT INTO requests (id, correlation_id, provider, model, origin_tool, prompt, prompt_bytes,
    response, created_at, finished_at, duration_ms, input_tokens, output_tokens,
    cache_read_tokens, cache_creation_tokens, cost_usd, exit_code, status)
SELECT printf('r%08d', x), printf('c%08d', x),
       CASE x % 5 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' WHEN 2 THEN 'gemini'
                  WHEN 3 THEN 'grok' ELSE 'mistral' END,
       'model', 'claude_request', 'a prompt of a realistic length for a coding question ' || x, 60,
       'an answer ' || x, $START + x * $SPAN, $START + x * $SPAN + (x * 7919 % 120000),
       x * 7919 % 120000, x % 5000, x % 3000, x % 700, x % 300, (x % 1000) / 10000.0,
       CASE WHEN x % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN x % 50 = 0 THEN 'failed' ELSE 'completed' END
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "rows: $(sqlite3 "$DB" 'SELECT count(*) FROM requests')"

median_ms() {
  python3 - "$RUNS" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
subprocess.run(argv, check=True, capture_output=True)  # warm the page cache
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    times.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(times):.1f}")
PY
}

BASE=$(median_ms "$BIN" schema list)
SUMMARY=$(median_ms "$BIN" usage summary --db "$DB")
SINCE=$(median_ms "$BIN" usage summary --since 7d --db "$DB")
DAILY=$(median_ms "$BIN" usage daily --db "$DB")
echo "median of $RUNS runs (ms): baseline 'schema list' $BASE | usage summary $SUMMARY | usage summary --since 7d $SINCE | usage daily $DAILY"
"$BIN" usage summary --db "$DB"
