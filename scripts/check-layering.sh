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
[ "$status" -eq 0 ] && echo "layering ok: gateway-core and gateway-provider use no tokio, rusqlite or rmcp"
exit "$status"
