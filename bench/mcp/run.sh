#!/usr/bin/env bash
# MCP-level benchmark: builds the release binaries, puts the fake CLIs first on PATH, runs
# bench.py with the official MCP Python SDK venv and writes bench/results.json.
# usage: bench/mcp/run.sh [RUNS]   (needs scripts/install-test-tools.sh for the SDK venv)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet --release -p gateway-cli -p gateway-jobs -p gateway-test-support --bins
python="${GATEWAY_MCP_PYTHON:-$root/.tools/mcp-venv/bin/python}"
[ -x "$python" ] || { echo "no MCP Python SDK at $python: run scripts/install-test-tools.sh" >&2; exit 1; }
fake="$(mktemp -d)"
trap 'rm -rf "$fake"' EXIT
for name in claude codex gemini agy grok vibe; do ln -s "$target/release/fake-agent" "$fake/$name"; done
"$python" "$root/bench/mcp/bench.py" "$target/release/llm-cli-gateway" "$fake" "$root/bench/results.json" "${1:-5}"
