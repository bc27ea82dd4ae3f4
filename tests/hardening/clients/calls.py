"""Runs a batch of MCP tool calls over Streamable HTTP with the official Python SDK.

usage: calls.py URL SESSIONS < calls.json
calls.json is a list of {tool, args}; call i goes to session i % SESSIONS, and every call of
every session is in flight at once. The bearer token comes from LLM_GATEWAY_AUTH_TOKEN.
Prints one JSON line per call, in input order: {index, isError, text, structured, exception}.
Each call is bounded (HARDENING_CALL_TIMEOUT_S, default 180 s: the bound only catches a hang, and
on a loaded 2-core machine this one Python process alone needs over a minute for 500 calls).
It only observes; the Rust tests judge.
"""
import asyncio
import json
import os
import sys

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def session(url, token, jobs, out):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    server = streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers, timeout=180))
    async with Client(server, mode="legacy", read_timeout_seconds=180) as client:
        async with anyio.create_task_group() as group:
            for index, call in jobs:
                group.start_soon(one, client, index, call, out)


def with_directory(call):
    """A request over HTTP from a client without roots must say where to run: these jobs want a
    private temp dir each (isolated), unless the call names a workingDir."""
    args = dict(call["args"])
    if "_request" in call["tool"] and "workingDir" not in args:
        args.setdefault("isolated", True)
    return args


async def one(client, index, call, out):
    line = {"index": index, "isError": None, "text": "", "structured": None, "exception": None}
    try:
        with anyio.fail_after(float(os.environ.get("HARDENING_CALL_TIMEOUT_S", "180"))):
            result = await client.call_tool(call["tool"], with_directory(call))
        line.update(isError=bool(result.is_error), text=text_of(result)[:4000], structured=result.structured_content)
    except Exception as error:  # the observation is the error text
        line["exception"] = f"{type(error).__name__}: {error}"[:2000]
    out[index] = line


async def main(url, sessions):
    calls = json.load(sys.stdin)
    token = os.environ.get("LLM_GATEWAY_AUTH_TOKEN", "")
    groups = [[] for _ in range(sessions)]
    for index, call in enumerate(calls):
        groups[index % sessions].append((index, call))
    out = {}
    async with anyio.create_task_group() as group:
        for jobs in groups:
            if jobs:
                group.start_soon(session, url, token, jobs, out)
    for index in range(len(calls)):
        print(json.dumps(out.get(index, {"index": index, "exception": "never answered"}), default=str), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
