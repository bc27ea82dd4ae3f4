# Sourced by the store benchmarks (logs.sh, usage.sh): the release binary (BIN=<path> measures
# an existing one instead), a scratch directory removed on exit, and an empty store in it at
# $DB, created and migrated by a gateway started with stdin at EOF (an empty file is refused as
# not a database), so the schema, rollups and triggers are exactly the shipped ones.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p gateway-cli --manifest-path "$ROOT/Cargo.toml"
  BIN=$TARGET/release/llm-cli-gateway
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DB=$WORK/logs.db
LLM_GATEWAY_HOME=$WORK LLM_GATEWAY_LOGS_DB=$DB "$BIN" serve </dev/null 2>/dev/null
