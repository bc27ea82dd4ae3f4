#!/usr/bin/env bash
# Fails when a pure crate depends (normally, not as a dev-dependency) on the runtime, the
# database or the MCP SDK. architecture.md §8.2 explains why the layering matters.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for crate in gateway-core gateway-provider; do
  deps=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
  for forbidden in tokio rusqlite rmcp libsqlite3-sys; do
    if grep -qx "$forbidden" <<<"$deps"; then
      echo "layering: $crate depends on $forbidden" >&2
      status=1
    fi
  done
done
# The dashboard and the MCP server stand on one floor: neither uses the other.
for pair in "gateway-dashboard gateway-mcp" "gateway-mcp gateway-dashboard"; do
  read -r crate sibling <<<"$pair"
  if cargo tree -p "$crate" -e normal --prefix none --format '{p}' | awk '{print $1}' | grep -qx "$sibling"; then
    echo "layering: $crate depends on $sibling (same floor)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "layering ok: gateway-core and gateway-provider use no tokio, rusqlite or rmcp; gateway-dashboard and gateway-mcp stand apart"
exit "$status"
