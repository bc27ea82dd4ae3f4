"""Drives llm-cli-gateway through the official MCP Python SDK (PyPI `mcp` 2.x).

usage: scenarios.py TARGET MODE SCENARIOS [TOKEN]
  TARGET     path of the llm-cli-gateway binary (stdio) or an http:// URL
  MODE       auto (2026-07-28 via server/discover), legacy (initialize handshake) or a version
  SCENARIOS  comma-separated names (see SCENARIOS below)
  TOKEN      bearer token for HTTP

Prints one JSON object on the last stdout line: {scenario: observations}. The Rust e2e tests
assert on it; this script only observes and never judges.
"""
import asyncio
import json
import os
import sys
import time

import anyio
import httpx2
from mcp import Client, StdioServerParameters, types
from mcp.client.streamable_http import streamable_http_client


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def wait_done(c, job_id, wait_ms=5000, rounds=40):
    """Long-polls llm_job_status (advancing afterProgressSeq) until the job is terminal."""
    seq = 0
    status = None
    for _ in range(rounds):
        status = view(await c.call_tool("llm_job_status", {"jobId": job_id, "waitMs": wait_ms, "afterProgressSeq": seq}))
        if status["structured"]["status"] not in ("queued", "running"):
            break
        seq = status["structured"]["nextProgressSeq"]
    return status


def request_args(args):
    """Adds E2E_WORKDIR as workingDir: an HTTP client without roots must name the directory."""
    workdir = os.environ.get("E2E_WORKDIR")
    return {**args, "workingDir": workdir} if workdir else args


async def list_roots(context):
    """Shares E2E_ROOT as the client's one root (legacy handshake only: 2026-07-28 has no roots)."""
    return types.ListRootsResult(roots=[types.Root(uri=f"file://{os.environ['E2E_ROOT']}")])


def view(result):
    return {"isError": bool(result.is_error), "text": text_of(result), "structured": result.structured_content}


async def surface(c):
    tools = (await c.list_tools()).tools
    resources = (await c.list_resources()).resources
    skill = next((r.uri for r in resources if str(r.uri).startswith("skills://")), None)
    skill_text = None
    if skill is not None:
        read = await c.read_resource(skill)
        skill_text = read.contents[0].text[:40]
    return {
        "protocol": c.protocol_version,
        "server": c.server_info.name if c.server_info else None,
        "tools": sorted(t.name for t in tools),
        "readOnly": sorted(t.name for t in tools if t.annotations and t.annotations.read_only_hint),
        "withOutputSchema": sorted(t.name for t in tools if t.output_schema),
        "resources": sorted(str(r.uri) for r in resources),
        "skillText": skill_text,
    }


async def dry_run(c):
    return view(await c.call_tool("claude_request", request_args({"prompt": "-rf looks like a flag", "dryRun": True})))


async def workdir(c):
    """Where a request without workingDir runs (the dry run's cwd, or the error asking for one),
    and with isolated:true (a fresh temp dir: cwd null)."""
    plain = view(await c.call_tool("codex_request", {"prompt": "where", "dryRun": True}))
    isolated = view(await c.call_tool("codex_request", {"prompt": "where", "dryRun": True, "isolated": True}))
    return {"plain": plain, "isolated": isolated}


async def sync(c):
    return view(await c.call_tool("codex_request", request_args({"prompt": "say hi"})))


async def async_job(c):
    started = view(await c.call_tool("claude_request_async", request_args({"prompt": "async please"})))
    job_id = started["structured"]["jobId"]
    status = await wait_done(c, job_id)
    result = view(await c.call_tool("llm_job_result", {"jobId": job_id, "maxChars": 1000}))
    return {"started": started, "status": status, "result": result}


async def progress(c):
    seen = []

    async def on_progress(value, total, message):
        seen.append({"progress": value, "message": message})

    result = view(await c.call_tool("gemini_request", request_args({"prompt": "slow please"}), progress_callback=on_progress))
    return {"result": result, "notifications": seen}


async def cancel(c):
    with anyio.move_on_after(2.0):
        await c.call_tool("grok_request", request_args({"prompt": "hang for a while"}))
    await anyio.sleep(0.5)
    listed = view(await c.call_tool("llm_job_list", {"provider": "grok", "limit": 1}))
    job_id = listed["structured"]["jobs"][0]["jobId"]
    status = await wait_done(c, job_id, wait_ms=2000)
    return {"jobId": job_id, "status": status["structured"]["status"], "exitCode": status["structured"].get("exitCode")}


async def errors(c):
    return {
        "unknownJob": view(await c.call_tool("llm_job_status", {"jobId": "no-such-job"})),
        "unknownParam": view(await c.call_tool("codex_request", {"prompt": "x", "promt": "y"})),
        "badRange": view(await c.call_tool("claude_request", {"prompt": "x", "idleTimeoutMs": 5})),
        "cancelFinished": None,
    }


async def deferred(c):
    result = view(await c.call_tool("mistral_request", {"prompt": "slow answer"}))
    job_id = result["structured"]["jobId"]
    final = await wait_done(c, job_id)
    collected = view(await c.call_tool("llm_job_result", {"jobId": job_id}))
    again = view(await c.call_tool("llm_job_cancel", {"jobId": job_id}))
    return {"deferred": result, "final": final["structured"]["status"], "collected": collected, "cancelFinished": again}


async def records(c):
    created = view(await c.call_tool("session_create", {"cli": "claude", "description": "e2e"}))
    gw = created["structured"]["sessionId"]
    first = view(await c.call_tool("claude_request", {"prompt": "remember me", "sessionId": gw, "correlationId": "corr-e2e-1"}))
    native = None
    for _ in range(50):
        got = view(await c.call_tool("session_get", {"sessionId": gw}))
        native = got["structured"].get("nativeSessionId")
        if native:
            break
        await anyio.sleep(0.1)
    second = view(await c.call_tool("claude_request", {"prompt": "and again", "sessionId": gw}))
    denied = view(await c.call_tool("claude_request", {
        "prompt": "wipe the secrets", "approvalStrategy": "mcp_managed", "dangerouslySkipPermissions": True}))
    approvals = view(await c.call_tool("approval_list", {"limit": 5}))
    recorded = view(await c.call_tool("llm_request_result", {"correlationId": "corr-e2e-1"}))
    job_text = (await c.read_resource(f"jobs://{first['structured']['jobId']}")).contents[0].text
    models = (await c.read_resource("models://claude")).contents[0].text
    sessions = json.loads((await c.read_resource("sessions://claude")).contents[0].text)
    listed = view(await c.call_tool("session_list", {"cli": "claude"}))
    deleted = view(await c.call_tool("session_delete", {"sessionId": gw}))
    missing = view(await c.call_tool("session_get", {"sessionId": gw}))
    return {
        "gw": gw, "native": native, "first": first, "second": second, "denied": denied,
        "approvals": approvals, "recorded": recorded, "jobText": job_text, "models": json.loads(models),
        "sessions": sessions, "listed": listed, "deleted": deleted, "missing": missing,
    }


async def validate_mixed(c):
    """Issue 19's first case: a stated approve, a prose approval with changes, a prose reject."""
    return view(await c.call_tool("validate_with_models", {
        "question": "Is it safe to retry the payment call on 502?", "models": ["claude", "codex", "gemini"]}))


async def review(c):
    """review_changes on the repository in E2E_REVIEW_REPO, then job_status and bad input."""
    repo = os.environ["E2E_REVIEW_REPO"]
    seen = []

    async def on_progress(value, total, message):
        seen.append(message)

    result = view(await c.call_tool("review_changes", {
        "workingDir": repo, "models": ["claude", "codex", "gemini", "grok"], "focus": "double charging"},
        progress_callback=on_progress))
    review_id = (result["structured"] or {}).get("reviewId")
    status = view(await c.call_tool("job_status", {"jobId": review_id})) if review_id else None
    return {
        "result": result, "progress": seen, "status": status,
        "badRange": view(await c.call_tool("review_changes", {"workingDir": repo, "range": "no-such-rev..HEAD"})),
        "flagLike": view(await c.call_tool("review_changes", {"workingDir": repo, "range": "--output=/tmp/x"})),
        "tooBig": view(await c.call_tool("review_changes", {"workingDir": repo, "maxDiffBytes": 1000, "paths": ["big.txt"]})),
        "notRepo": view(await c.call_tool("review_changes", {"workingDir": os.path.dirname(repo) + "/not-a-repo"})),
    }


async def dashboard(c):
    """Jobs for the dashboard tests: one completed, one failed, one still running, a validation."""
    done = view(await c.call_tool("claude_request", {"prompt": "What is the answer? token=sk-ant-api03-" + "x" * 40}))
    failed = view(await c.call_tool("codex_request", {"prompt": "this one fails"}))
    running = view(await c.call_tool("gemini_request_async", {"prompt": "a long one"}))
    validation = view(await c.call_tool("validate_with_models", {
        "question": "Is the sky blue?", "models": ["claude", "grok"]}))
    return {"completed": done, "failed": failed, "running": running, "validation": validation}


async def budget(c):
    """A provider whose daily budget is spent: the request is refused before anything runs."""
    refused = view(await c.call_tool("codex_request", {"prompt": "over budget"}))
    allowed = view(await c.call_tool("claude_request", {"prompt": "within budget"}))
    return {"refused": refused, "allowed": allowed}


async def costs(c):
    """Sync answers of a CLI that reports no cost (codex, gemini) and one that does (claude),
    each with llm_job_result and llm_request_result of the same job."""
    out = {}
    for tool in ("codex_request", "gemini_request", "claude_request"):
        answer = view(await c.call_tool(tool, request_args({"prompt": f"cost of {tool}"})))
        job_id = answer["structured"]["jobId"]
        result = view(await c.call_tool("llm_job_result", {"jobId": job_id}))
        recorded = view(await c.call_tool("llm_request_result", {"correlationId": answer["structured"]["correlationId"]}))
        out[tool] = {"answer": answer["structured"], "result": result["structured"], "recorded": recorded["structured"]}
    return out


SCENARIOS = {
    "dashboard": dashboard,
    "budget": budget,
    "costs": costs,
    "validate_mixed": validate_mixed,
    "review": review,
    "records": records,
    "surface": surface,
    "dry_run": dry_run,
    "workdir": workdir,
    "sync": sync,
    "async": async_job,
    "progress": progress,
    "cancel": cancel,
    "errors": errors,
    "deferred": deferred,
}


async def main(target, mode, names, token=""):
    if target.startswith("http"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        server = streamable_http_client(target, http_client=httpx2.AsyncClient(headers=headers, timeout=60))
    else:
        server = StdioServerParameters(command=target, args=["serve"], env=dict(os.environ))
    out = {}
    roots = list_roots if os.environ.get("E2E_ROOT") and mode != "auto" else None
    async with Client(server, mode=mode, read_timeout_seconds=60, list_roots_callback=roots) as c:
        for name in names.split(","):
            started = time.monotonic()
            out[name] = await SCENARIOS[name](c)
            print(f"scenario {name}: {time.monotonic() - started:.2f}s", file=sys.stderr)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
