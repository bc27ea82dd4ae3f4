"""Scale-out benchmark (issue 17): 1,000 async jobs across 2 gateways on one PostgreSQL
database vs 1 gateway on its SQLite file, side by side in one run, alternated RUNS times.

usage: scale-out.py GATEWAY_BIN FAKE_BIN_DIR PG_URL RESULTS_JSON [RUNS]
PG_URL is a superuser URL of a PostgreSQL server (the script creates one database per run).

Each gateway is driven over stdio with raw JSON-RPC lines, in batches of pipelined
`codex_request_async` starts, each batch awaited with `llm_job_status waitMs` before the next
(like bench/mcp/bench.py's stdio throughput): 100 jobs in flight in all, so 50 per gateway on
PostgreSQL (the queue limit, 128, counts every gateway's jobs). Figures per run: jobs/s (completed jobs over wall
time), the start latency of each async call as its client sees it (send to answer, so it
includes waiting behind the batch), p50 and p95, and the rows the store holds afterwards:
every job must be there, `completed` (0 lost).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

GATEWAY, FAKE_DIR, PG_URL, RESULTS = sys.argv[1:5]
RUNS = int(sys.argv[5]) if len(sys.argv) > 5 else 3
TOTAL, BATCH = 1000, 100
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}


def world(extra):
    home = tempfile.mkdtemp(prefix="gw-scale-")
    env = dict(os.environ, LLM_GATEWAY_HOME=os.path.join(home, "gw"), HOME=home, PATH=f"{FAKE_DIR}:{os.environ['PATH']}")
    env.pop("FAKE_AGENT_LOG", None)
    env.update(extra)
    return env


class Gateway:
    """One gateway over stdio; responses may come out of order, so others are kept."""

    def __init__(self, env):
        self.proc = subprocess.Popen([GATEWAY, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.next_id, self.early = 0, {}
        self.call("initialize", INIT)
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.proc.stdin.flush()

    def send(self, method, params):
        self.next_id += 1
        line = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self.next_id

    def read(self, wanted):
        if wanted in self.early:
            return self.early.pop(wanted)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("gateway closed stdout")
            message = json.loads(line)
            if message.get("id") == wanted:
                return message, time.perf_counter()
            if "id" in message and "method" not in message:
                self.early[message["id"]] = (message, time.perf_counter())

    def call(self, method, params):
        return self.read(self.send(method, params))[0]

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def drive(gateway, count, batch, tag, out):
    """Runs `count` jobs through `gateway`, `batch` at a time; appends latencies (s) and counts
    to `out`."""
    latencies, done, errors = [], 0, 0
    for offset in range(0, count, batch):
        sent = []
        for n in range(offset, min(offset + batch, count)):
            args = {"prompt": f"scale {tag} {n} {uuid.uuid4()}"}
            sent.append((gateway.send("tools/call", {"name": "codex_request_async", "arguments": args}), time.perf_counter()))
        ids = []
        for wanted, at in sent:
            message, answered = gateway.read(wanted)
            latencies.append(answered - at)
            result = message.get("result", {})
            if result.get("isError") or "error" in message:
                errors += 1
            else:
                ids.append(result["structuredContent"]["jobId"])
        while ids:
            waits = [(job, gateway.send("tools/call", {"name": "llm_job_status", "arguments": {"jobId": job, "waitMs": 30000}})) for job in ids]
            ids = []
            for job, wanted in waits:
                status = gateway.read(wanted)[0]["result"]["structuredContent"]["status"]
                if status in ("queued", "running"):
                    ids.append(job)
                done += status == "completed"
    out.append((latencies, done, errors))


def stored(db_arg):
    """Jobs the store holds after a run, by status (read with the gateway's own CLI)."""
    listed = subprocess.run([GATEWAY, "jobs", "list", "--json", "--status", "all", "--limit", "10000", "--db", db_arg], capture_output=True, text=True, env=world({}))
    jobs = json.loads(listed.stdout)["data"]["jobs"]
    by_status = {}
    for job in jobs:
        by_status[job["status"]] = by_status.get(job["status"], 0) + 1
    return by_status


def run(engine):
    if engine == "sqlite":
        home = tempfile.mkdtemp(prefix="gw-scale-db-")
        db_arg = os.path.join(home, "logs.db")
        envs = [world({"LLM_GATEWAY_LOGS_DB": db_arg})]
    else:
        name = "scale_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", "-X", "-q", "-d", PG_URL, "-c", f'CREATE DATABASE "{name}"'], check=True)
        db_arg = PG_URL.rsplit("/", 1)[0] + "/" + name
        envs = [world({"LLM_GATEWAY_DATABASE_URL": db_arg}) for _ in range(2)]
    gateways = [Gateway(env) for env in envs]
    share = TOTAL // len(gateways)
    results, threads = [], []
    start = time.perf_counter()
    for index, gateway in enumerate(gateways):
        thread = threading.Thread(target=drive, args=(gateway, share, BATCH // len(gateways), f"{engine}{index}", results))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    for gateway in gateways:
        gateway.close()
    latencies = sorted(l for result in results for l in result[0])
    done = sum(result[1] for result in results)
    return {
        "jobs_per_s": round(done / elapsed, 1),
        "start_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "start_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
        "completed": done,
        "errors": sum(result[2] for result in results),
        "stored": stored(db_arg),
    }


def main():
    samples = {"sqlite": [], "postgres": []}
    for _ in range(RUNS):
        for engine in ("sqlite", "postgres"):
            figures = run(engine)
            samples[engine].append(figures)
            print(engine, json.dumps(figures), flush=True)
    summary = {}
    for engine, runs in samples.items():
        summary[engine] = {key: statistics.median(run[key] for run in runs) for key in ("jobs_per_s", "start_p50_ms", "start_p95_ms")}
        summary[engine]["lost_rows"] = sum(TOTAL - run["stored"].get("completed", 0) for run in runs)
        summary[engine]["errors"] = sum(run["errors"] for run in runs)
    print(f"\n{'':10} {'jobs/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'lost':>5} {'errors':>6}   (median of {RUNS})")
    labels = {"sqlite": "1 SQLite", "postgres": "2 on PG"}
    for engine, figures in summary.items():
        print(f"{labels[engine]:10} {figures['jobs_per_s']:>8} {figures['start_p50_ms']:>8} {figures['start_p95_ms']:>8} {figures['lost_rows']:>5} {figures['errors']:>6}")
    with open(RESULTS, "w") as out:
        json.dump({"runs": samples, "summary": summary}, out, indent=2)


if __name__ == "__main__":
    main()
