#!/usr/bin/env bash
# Scale-out benchmark (issue 17): 1,000 async jobs across 2 gateways on one PostgreSQL database
# vs 1 gateway on SQLite, alternated in one run. Builds the release binaries, starts a private
# PostgreSQL server (test-postgres, gone when this script exits), writes bench/scale-out.json.
# usage: bench/scale-out.sh [RUNS]   (PostgreSQL from scripts/install-test-tools.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet --release -p gateway-cli -p gateway-jobs -p gateway-test-support --bins
# psql for creating each run's database.
[ -f "$root/.tools/env.sh" ] && source "$root/.tools/env.sh"
export PATH="${GATEWAY_PG_BIN:+$GATEWAY_PG_BIN:}$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for name in claude codex gemini agy grok vibe; do ln -s "$target/release/fake-agent" "$work/$name"; done
mkfifo "$work/keep"
"$target/release/test-postgres" < "$work/keep" > "$work/url" &
exec 9> "$work/keep"
for _ in $(seq 1 300); do [[ -s "$work/url" ]] && break; sleep 0.1; done
python3 "$root/bench/scale-out.py" "$target/release/llm-cli-gateway" "$work" "$(cat "$work/url")" \
    "$root/bench/scale-out.json" "${1:-3}"
