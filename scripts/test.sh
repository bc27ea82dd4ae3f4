#!/usr/bin/env bash
# The one test command (README): installs the test tools hermetically into .tools/ (real CLIs,
# Node 22, the Python MCP SDK, the Inspector, the conformance suite), checks the crate layering,
# then runs every test of the workspace. Nothing is skipped because something is missing: the
# installer either provides it or this script fails.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

log "installing test tools into .tools/ (idempotent)"
bash scripts/install-test-tools.sh >&2
# shellcheck disable=SC1091
source .tools/env.sh

log "checking crate layering (pure crates must not pull in tokio, rusqlite or rmcp)"
bash scripts/check-layering.sh >&2

log "checking the CI workflow against the vendored GitHub-workflow schema (offline)"
.tools/lint-venv/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml >&2

log "checking formatting"
cargo fmt --all -- --check >&2

log "clippy (warnings are errors)"
if [[ -n "${CI:-}" ]]; then
    # On CI, lint into a throwaway target dir: its metadata (~350 MB) is never reused, and CI
    # machines can be short of disk.
    CARGO_TARGET_DIR="$(mktemp -d)" bash -c 'cargo clippy --workspace --all-targets -- -D warnings; status=$?; rm -rf "$CARGO_TARGET_DIR"; exit $status' >&2
else
    cargo clippy --workspace --all-targets -- -D warnings >&2
fi

# Binaries and tests in one build: the same feature resolution as the test run, so nextest
# reuses every artifact (building the bins alone compiled 61 crates twice, 400 MB more).
log "building binaries the tests drive (fake CLIs, the gateway) and the tests"
cargo build --workspace --bins --tests >&2

log "doc tests"
cargo test --workspace --doc >&2 2>&1

# One private PostgreSQL server for the whole run (the shared store suite and the scale-out
# tests make a database each on it), instead of an initdb per test process. It lives as long
# as fd 9 is open: this shell, then the test runner that replaces it, hold the only writer.
log "starting a private PostgreSQL server for the tests"
PG_DIR="$(mktemp -d)"
mkfifo "$PG_DIR/keep"
"${CARGO_TARGET_DIR:-target}/debug/test-postgres" < "$PG_DIR/keep" > "$PG_DIR/url" &
exec 9> "$PG_DIR/keep"
for _ in $(seq 1 300); do
    [[ -s "$PG_DIR/url" ]] && break
    kill -0 $! 2>/dev/null || { log "test-postgres exited before printing its URL"; exit 1; }
    sleep 0.1
done
[[ -s "$PG_DIR/url" ]] || { log "no PostgreSQL URL after 30 s"; exit 1; }
GATEWAY_TEST_PG_URL="$(cat "$PG_DIR/url")"
export GATEWAY_TEST_PG_URL
rm -rf "$PG_DIR"

log "test suite"
if cargo nextest --version >/dev/null 2>&1; then
  exec cargo nextest run --workspace --no-fail-fast "$@"
else
  exec cargo test --workspace --no-fail-fast "$@"
fi
