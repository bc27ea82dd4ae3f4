#!/usr/bin/env python3
"""MCP server start-up figures of llm-cli-gateway (spec §5), each against a baseline measured
in the same run on the same machine:

  * cold start → answered `initialize` over stdio, vs spawning and reaping /bin/true
  * idle RSS after `initialize` + `tools/list`, vs an idle /bin/sleep
  * `tools/list` size in bytes (compact JSON of the result)

usage: bench/mcp-startup.py [BIN] [RUNS]   (BIN default target/release/llm-cli-gateway)
Each run gets a fresh LLM_GATEWAY_HOME, so the figure includes opening/migrating SQLite.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/llm-cli-gateway")
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20

INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "bench", "version": "1"}}}) + "\n"
INITIALIZED = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n"
LIST = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}) + "\n"


def start(home):
    env = dict(os.environ, LLM_GATEWAY_HOME=home, LLM_GATEWAY_LOG="warn")
    return subprocess.Popen([BIN, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, bufsize=0)


def cold_start():
    with tempfile.TemporaryDirectory() as home:
        began = time.perf_counter()
        proc = start(home)
        proc.stdin.write(INIT.encode())
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - began
        assert b'"protocolVersion"' in line, line
        proc.stdin.close()
        proc.wait(timeout=30)
        return elapsed


def spawn_true():
    began = time.perf_counter()
    subprocess.run(["/bin/true"], check=True)
    return time.perf_counter() - began


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def idle_rss_and_list_size():
    with tempfile.TemporaryDirectory() as home:
        proc = start(home)
        proc.stdin.write((INIT + INITIALIZED + LIST).encode())
        proc.stdout.readline()
        listing = json.loads(proc.stdout.readline())
        time.sleep(1.0)
        rss = rss_kib(proc.pid)
        proc.stdin.close()
        proc.wait(timeout=30)
        size = len(json.dumps(listing["result"], separators=(",", ":")))
        return rss, size, len(listing["result"]["tools"])


def baseline_rss():
    proc = subprocess.Popen(["/bin/sleep", "5"])
    time.sleep(0.3)
    rss = rss_kib(proc.pid)
    proc.kill()
    proc.wait()
    return rss


def main():
    cold_start()  # warm the page cache once
    starts = [cold_start() for _ in range(RUNS)]
    trues = [spawn_true() for _ in range(RUNS)]
    rss, size, tools = idle_rss_and_list_size()
    base = baseline_rss()
    start_ms, true_ms = statistics.median(starts) * 1000, statistics.median(trues) * 1000
    print(f"binary: {BIN}")
    print(f"cold start -> initialize answered: median {start_ms:.1f} ms over {RUNS} runs "
          f"(/bin/true spawn: {true_ms:.2f} ms; ratio {start_ms / true_ms:.1f}x)")
    print(f"idle RSS: {rss / 1024:.1f} MiB (/bin/sleep: {base / 1024:.1f} MiB; ratio {rss / base:.1f}x)")
    print(f"tools/list: {tools} tools, {size} bytes ({size / 1024:.1f} KiB; budget 64 KiB)")


if __name__ == "__main__":
    main()
