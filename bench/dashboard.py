"""Measures a running dashboard (see bench/dashboard.sh): per page the median and max of the
server time (`Server-Timing: app;dur=…`) and of the client's wall time over RUNS requests;
the delay from a chunk written to a running job's output to its event on the job page's
stream; and the process's VmRSS / VmHWM afterwards.

usage: dashboard.py LOGIN_URL DB PID RUNS JOBS
"""
import http.client
import sqlite3
import statistics
import sys
import time
import urllib.parse


def main(login_url, db, pid, runs, jobs):
    runs, jobs = int(runs), int(jobs)
    url = urllib.parse.urlsplit(login_url)
    host, port = url.hostname, url.port

    def request(path, headers=None):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Host": f"{host}:{port}", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        return response, body, elapsed

    response, _, _ = request(f"/?{url.query}")
    cookie = response.getheader("set-cookie").split(";")[0]
    job = lambda x: f"00000000-0000-7000-8000-{x:012d}"
    pages = [
        "/jobs", "/jobs?status=failed", "/jobs?provider=codex&since=7d", "/jobs?status=running",
        f"/jobs/{job(jobs // 2)}", f"/jobs/{job(jobs - 1)}", "/validations", "/validations/val-00000500",
        "/usage", "/usage?days=90", "/tool-calls", "/health",
    ]
    request("/health", {"Cookie": cookie})  # doctor's report is made once, in the background
    print(f"{'page':<42} {'server median':>13} {'server max':>10} {'client median':>13}  (ms, {runs} runs)")
    worst = 0.0
    for page in pages:
        server, client = [], []
        for _ in range(runs):
            response, body, elapsed = request(page, {"Cookie": cookie})
            assert response.status == 200, (page, response.status, body[:300])
            server.append(float(response.getheader("server-timing").split("dur=")[1]))
            client.append(elapsed)
        median = statistics.median(server)
        worst = max(worst, median)
        print(f"{page:<42} {median:>13.1f} {max(server):>10.1f} {statistics.median(client):>13.1f}")
    print(f"slowest page median: {worst:.1f} ms")

    # A new chunk of the running job reaches its page's event stream.
    running = job(jobs - 1)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", f"/jobs/{running}/live?stdout=9&stderr=-1",
                 headers={"Host": f"{host}:{port}", "Cookie": cookie, "Accept": "text/event-stream"})
    stream = conn.getresponse()
    delays = []
    writer = sqlite3.connect(db, timeout=10)
    for seq in range(10, 15):
        time.sleep(0.4)
        written = time.perf_counter()
        writer.execute("INSERT INTO job_output VALUES (?, 'stdout', ?, ?, 5, 5, ?)",
                       (running, seq, seq * 100, f"chunk {seq}\n"))
        writer.commit()
        while True:
            line = stream.fp.readline().decode()
            if line.startswith("data:") and f"chunk {seq}" in line:
                delays.append((time.perf_counter() - written) * 1000)
                break
    conn.close()
    print(f"new chunk to the open job page: median {statistics.median(delays):.0f} ms, max {max(delays):.0f} ms")

    with open(f"/proc/{pid}/status") as status:
        memory = {k: v.strip() for k, v in (line.split(":", 1) for line in status) if k in ("VmRSS", "VmHWM")}
    print(f"dashboard memory: VmRSS {memory['VmRSS']}, peak VmHWM {memory['VmHWM']}")


if __name__ == "__main__":
    main(*sys.argv[1:])
