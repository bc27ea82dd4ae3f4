"""Calls the five `*_request` tools of llm-cli-gateway at once through the official MCP Python
SDK (PyPI `mcp` 2.x), over stdio, with the gateway's environment taken from ours.

usage: real_clis.py GATEWAY CALLS_JSON
  GATEWAY     path of the llm-cli-gateway binary
  CALLS_JSON  {"tool_name": {arguments}, ...}

Prints one JSON object on the last stdout line: {tool_name: {isError, text, structured}}. The
Rust test asserts on it; this script only observes.
"""
import asyncio
import json
import os
import sys
import time

from mcp import Client, StdioServerParameters


def view(result):
    text = "".join(block.text for block in result.content if getattr(block, "type", "") == "text")
    return {"isError": bool(result.is_error), "text": text, "structured": result.structured_content}


async def main(target, calls_json):
    calls = json.loads(calls_json)
    server = StdioServerParameters(command=target, args=["serve"], env=dict(os.environ))

    async with Client(server, mode="legacy", read_timeout_seconds=150) as c:
        async def one(tool, arguments):
            started = time.monotonic()
            result = view(await c.call_tool(tool, arguments))
            print(f"{tool}: {time.monotonic() - started:.2f}s", file=sys.stderr)
            return tool, result

        results = await asyncio.gather(*(one(tool, args) for tool, args in calls.items()))
    print(json.dumps(dict(results), default=str))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
