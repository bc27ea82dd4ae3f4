"""MCP-level benchmark of the release llm-cli-gateway against the fake CLIs (spec §5).

usage: bench.py GATEWAY_BIN FAKE_BIN_DIR RESULTS_JSON [RUNS]
Each figure is a median over RUNS (default 5) with a baseline measured in the same run.
Stdio figures use raw JSON-RPC lines (the server's cost without a client library's); the HTTP
throughput uses the official MCP Python SDK. Prints a table and writes RESULTS_JSON.
"""
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

GATEWAY, FAKE_DIR, RESULTS = sys.argv[1], sys.argv[2], sys.argv[3]
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 5
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}


def world(extra=None):
    home = tempfile.mkdtemp(prefix="gw-bench-")
    env = dict(os.environ, LLM_GATEWAY_HOME=os.path.join(home, "gw"), HOME=home, PATH=f"{FAKE_DIR}:{os.environ['PATH']}")
    env.pop("FAKE_AGENT_LOG", None)
    env.update(extra or {})
    return env


class Stdio:
    """One gateway over stdio, spoken to in raw JSON-RPC lines."""

    def __init__(self, env):
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([GATEWAY, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0
        self.early = {}

    def send(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()
        return self.next_id

    def notify(self, method):
        self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "method": method}) + "\n").encode())
        self.proc.stdin.flush()

    def read(self, wanted):
        """The response to request `wanted`; responses may come out of order, so keep others."""
        if wanted in self.early:
            return self.early.pop(wanted)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("gateway closed stdout")
            message = json.loads(line)
            if message.get("id") == wanted:
                return message, len(line)
            if "id" in message and "method" not in message:
                self.early[message["id"]] = (message, len(line))

    def call(self, method, params=None):
        return self.read(self.send(method, params))

    def tool(self, name, args):
        message, _ = self.call("tools/call", {"name": name, "arguments": args})
        return message["result"]

    def initialize(self):
        self.call("initialize", INIT)
        self.notify("notifications/initialized")

    def rss_kib(self, field="VmRSS"):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def ms(seconds):
    return seconds * 1000


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_ms(samples):
    return round(ms(statistics.median(samples)), 3)


def cold_start():
    baseline = [timed(lambda: subprocess.run(["/bin/true"])) for _ in range(RUNS)]
    samples = []
    for _ in range(RUNS):
        g = Stdio(world())
        g.call("initialize", INIT)
        samples.append(time.perf_counter() - g.started)
        g.close()
    return median_ms(samples), median_ms(baseline)


def fake_direct(n):
    """The fake codex run the way the gateway runs it, without the gateway."""
    env = world()
    return timed(lambda: subprocess.run([os.path.join(FAKE_DIR, "codex"), "exec", "--json", "--skip-git-repo-check", "-"], input=f"direct {n}".encode(), env=env, capture_output=True))


def session_figures(results):
    g = Stdio(world())
    g.initialize()
    time.sleep(0.5)
    results["idle_rss_mib"] = {"value": round(g.rss_kib() / 1024, 2), "target": 15, "baseline": None}
    _, size = g.call("tools/list")
    results["tools_list_bytes"] = {"value": size, "target": 40960, "baseline": None}
    n = RUNS * 4
    sync = [timed(lambda i=i: g.tool("codex_request", {"prompt": f"sync {i}"})) for i in range(n)]
    direct = [fake_direct(i) for i in range(n)]
    overhead = median_ms(sync) - median_ms(direct)
    results["sync_overhead_ms"] = {"value": round(overhead, 3), "target": 5, "baseline": median_ms(direct), "sync_median_ms": median_ms(sync)}
    starts = [timed(lambda i=i: g.tool("claude_request_async", {"prompt": f"async {i}"})) for i in range(n)]
    ping = [timed(lambda: g.call("ping")) for _ in range(n)]
    results["async_start_ms"] = {"value": median_ms(starts), "target": 2, "baseline": median_ms(ping)}
    g.tool("codex_request", {"prompt": "dedup me"})
    hits = [timed(lambda: g.tool("codex_request", {"prompt": "dedup me"})) for _ in range(n)]
    results["dedup_hit_ms"] = {"value": median_ms(hits), "target": 1, "baseline": median_ms(ping)}
    g.close()


def throughput_stdio(total=1000, batch=100):
    """Batches of `batch` async starts, pipelined, each batch awaited (pipelined
    `llm_job_status waitMs`) before the next: at most `batch` jobs live, within the limits."""
    g = Stdio(world())
    g.initialize()
    start = time.perf_counter()
    errors, done, first_error = 0, 0, None
    for offset in range(0, total, batch):
        starts = [g.send("tools/call", {"name": "codex_request_async", "arguments": {"prompt": f"tp {offset + n}"}}) for n in range(batch)]
        ids = []
        for wanted in starts:
            message, _ = g.read(wanted)
            result = message.get("result", {})
            if result.get("isError") or "error" in message:
                errors += 1
                first_error = first_error or json.dumps(message)[:300]
            else:
                ids.append(result["structuredContent"]["jobId"])
        while ids:  # waitMs also returns on progress, so poll again until terminal
            waits = [(job, g.send("tools/call", {"name": "llm_job_status", "arguments": {"jobId": job, "waitMs": 30000}})) for job in ids]
            ids = []
            for job, wanted in waits:
                status = g.read(wanted)[0]["result"]["structuredContent"]["status"]
                if status in ("queued", "running"):
                    ids.append(job)
                done += status == "completed"
    elapsed = time.perf_counter() - start
    g.close()
    if first_error:
        note(f"first error: {first_error}")
    return round(done / elapsed, 1), errors, done


def cpu_seconds(pid):
    """CPU time of `pid` and of the children it reaped (supervisors, fake CLIs), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, (int(fields[13]) + int(fields[14])) / ticks


async def throughput_http(total=1000, sessions=10, in_flight=10):
    """`sessions` sessions of the official MCP Python SDK over streamable HTTP, each keeping
    `in_flight` jobs going at once (start, then `llm_job_status waitMs` until terminal): 100 jobs
    live, like the stdio batches. The clock starts once every session is initialized. Every job
    must end `completed`; anything else (an error result, an exception, another end) is an error.
    Also reports the CPU each side spent per job: on 2 cores the SDK client is the costlier side."""
    import anyio
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    env = world({"LLM_GATEWAY_AUTH_TOKEN": "bench"})
    proc = subprocess.Popen([GATEWAY, "serve", "--http", "127.0.0.1:0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    url = None
    while url is None:
        line = proc.stderr.readline().decode()
        if not line:
            raise RuntimeError("the gateway exited before printing its address")
        if "listening on " in line:
            url = line.split("listening on ")[1].strip()
    tally = {"completed": 0, "errors": 0, "first_error": None}
    ready, go = anyio.Event(), anyio.Event()
    connected = 0

    def failed(what):
        tally["errors"] += 1
        tally["first_error"] = tally["first_error"] or str(what)[:300]

    async def one_job(client, tag):
        try:
            # Over HTTP a client without MCP roots names the job's directory.
            started = await client.call_tool("codex_request_async", {"prompt": f"http {tag}", "workingDir": tempfile.gettempdir()})
            if started.is_error:
                return failed(started.content)
            job, status = started.structured_content["jobId"], started.structured_content["status"]
            while status in ("queued", "running"):  # waitMs also returns on progress
                polled = await client.call_tool("llm_job_status", {"jobId": job, "waitMs": 30000})
                if polled.is_error:
                    return failed(polled.content)
                status = polled.structured_content["status"]
            if status != "completed":
                return failed(f"job {job} ended {status}")
            tally["completed"] += 1
        except Exception as error:  # a transport or protocol failure counts, it never hides
            failed(repr(error))

    async def one_session(count, tag):
        nonlocal connected
        http = httpx2.AsyncClient(headers={"Authorization": "Bearer bench"}, timeout=120)
        async with Client(streamable_http_client(url, http_client=http), mode="legacy", read_timeout_seconds=120) as client:
            await client.list_tools()  # the SDK lists once per session to validate results
            connected += 1
            if connected == sessions:
                ready.set()
            await go.wait()

            async def worker(first):
                for n in range(first, count, in_flight):
                    await one_job(client, f"{tag} {n}")

            async with anyio.create_task_group() as workers:
                for first in range(in_flight):
                    workers.start_soon(worker, first)

    async with anyio.create_task_group() as group:
        for s in range(sessions):
            group.start_soon(one_session, total // sessions, s)
        await ready.wait()
        gateway_before, client_before = cpu_seconds(proc.pid), os.times()
        start = time.perf_counter()
        go.set()
        # the task group waits for every session here
    elapsed = time.perf_counter() - start
    gateway_after, client_after = cpu_seconds(proc.pid), os.times()
    proc.kill()
    proc.wait()
    if tally["first_error"]:
        note(f"first error: {tally['first_error']}")
    per_job = lambda seconds: round(seconds * 1000 / max(total, 1), 2)
    cpu = {
        "gateway_cpu_ms_per_job": per_job(gateway_after[0] - gateway_before[0]),
        "children_cpu_ms_per_job": per_job(gateway_after[1] - gateway_before[1]),
        "client_cpu_ms_per_job": per_job((client_after.user - client_before.user) + (client_after.system - client_before.system)),
    }
    return round(tally["completed"] / elapsed, 1), tally["errors"], tally["completed"], cpu


def children_of(pid):
    """Pids whose parent is `pid` (the job supervisors a gateway started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


def peak_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def streaming_rss(size=200_000_000):
    """Peak RSS of the gateway and of the job's supervisor (which parses the stream) while one
    job streams about 2 × `size` bytes: stream-json carries the answer twice (text events, then
    the final `result` line); the cap (default 50 MiB) is raised so that all of it flows."""
    import threading

    g = Stdio(world({"FAKE_AGENT_OUTPUT_BYTES": str(size), "LLM_GATEWAY_OUTPUT_CAP_BYTES": str(5 * size)}))
    g.initialize()
    supervisor_peak, done = [0], threading.Event()

    def watch():
        while not done.is_set():
            for child in children_of(g.proc.pid):
                supervisor_peak[0] = max(supervisor_peak[0], peak_kib(child))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.perf_counter()
    result = g.tool("claude_request", {"prompt": "stream"})
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    peak = g.rss_kib("VmHWM") / 1024
    g.close()
    return round(peak, 1), round(supervisor_peak[0] / 1024, 1), result["structuredContent"].get("exitCode"), round(elapsed, 2)


def stream_many(jobs=32, size=10 * 1024 * 1024):
    """`jobs` jobs streaming `size` bytes each at once (half claude, half codex, so the
    per-provider limit of 16 admits all), each written by its own supervisor into the one
    database. Counts jobs not completed, chunks lost (stored bytes ≠ counted bytes) and writes
    the store refused (a busy database is logged by the gateway)."""
    import sqlite3

    env = world({"FAKE_AGENT_OUTPUT_BYTES": str(size)})
    log = tempfile.NamedTemporaryFile(prefix="gw-bench-log-", delete=False)
    proc = subprocess.Popen([GATEWAY, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env)
    g = Stdio.__new__(Stdio)
    g.proc, g.next_id, g.early, g.started = proc, 0, {}, time.perf_counter()
    g.initialize()
    start = time.perf_counter()
    wanted = [g.send("tools/call", {"name": ("claude_request_async", "codex_request_async")[n % 2], "arguments": {"prompt": f"many {n}"}}) for n in range(jobs)]
    ids = [g.read(w)[0]["result"]["structuredContent"]["jobId"] for w in wanted]
    pending = list(ids)
    while pending:
        waits = [(job, g.send("tools/call", {"name": "llm_job_status", "arguments": {"jobId": job, "waitMs": 30000, "afterProgressSeq": 1 << 40}})) for job in pending]
        pending = [job for job, w in waits if g.read(w)[0]["result"]["structuredContent"]["status"] in ("queued", "running")]
    elapsed = time.perf_counter() - start
    g.close()
    db = sqlite3.connect(os.path.join(env["LLM_GATEWAY_HOME"], "logs.db"))
    not_completed = lost = 0
    total = 0
    for job in ids:
        status, counted = db.execute("SELECT status, stdout_bytes FROM jobs WHERE id = ?", (job,)).fetchone()
        stored = db.execute("SELECT coalesce(sum(bytes), 0) FROM job_output WHERE job_id = ? AND stream = 'stdout'", (job,)).fetchone()[0]
        not_completed += status != "completed"
        lost += stored != counted
        total += counted
    with open(log.name) as text:
        refused = text.read().count("cannot write the job")
    os.unlink(log.name)
    return {"seconds": round(elapsed, 2), "mib_per_s": round(total / elapsed / 2**20, 1), "not_completed": not_completed, "lost_chunk_jobs": lost, "refused_writes": refused}


def doctor():
    env = world()
    baseline = [timed(lambda: subprocess.run(["/bin/true"])) for _ in range(RUNS)]
    samples = [timed(lambda: subprocess.run([GATEWAY, "doctor", "--json"], env=env, capture_output=True)) for _ in range(RUNS)]
    return median_ms(samples), median_ms(baseline)


def note(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main():
    results = {}
    cold, base = cold_start()
    results["cold_start_ms"] = {"value": cold, "target": 20, "baseline": base}
    note(f"cold start {results['cold_start_ms']}")
    session_figures(results)
    note("session figures done")
    rate, errors, done = throughput_stdio()
    results["jobs_per_s_stdio"] = {"value": rate, "target": 300, "baseline": None, "errors": errors, "completed": done}
    note(f"stdio throughput {results['jobs_per_s_stdio']}")
    rate, errors, done, cpu = asyncio.run(throughput_http())
    results["jobs_per_s_http"] = {"value": rate, "target": 200, "baseline": None, "errors": errors, "completed": done, **cpu}
    note(f"http throughput {results['jobs_per_s_http']}")
    peak, supervisor, code, seconds = streaming_rss()
    results["stream_200mb_peak_rss_mib"] = {"value": max(peak, supervisor), "target": 64, "baseline": None, "gateway_mib": peak, "supervisor_mib": supervisor, "exitCode": code, "seconds": seconds}
    many = stream_many()
    results["stream_32x10mb_lost"] = {"value": many["lost_chunk_jobs"] + many["not_completed"] + many["refused_writes"], "target": 0, "baseline": None, **many}
    note(f"32 x 10 MB {results['stream_32x10mb_lost']}")
    took, base = doctor()
    results["doctor_json_ms"] = {"value": took, "target": None, "baseline": base}
    print(f"{'figure':28} {'median':>12} {'baseline':>10} {'target':>8}")
    for name, row in results.items():
        print(f"{name:28} {row['value']!s:>12} {row['baseline']!s:>10} {row['target']!s:>8}")
    with open(RESULTS, "w") as out:
        json.dump(results, out, indent=1)
        out.write("\n")


main()
