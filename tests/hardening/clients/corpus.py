"""Sends every case of a bad-input corpus through one MCP session (official Python SDK, stdio).

usage: corpus.py GATEWAY_BIN CORPUS_JSON
Prints one JSON line per case: {name, isError, text, exception}, then a valid control call. It only observes; the Rust
test judges. Each call is bounded (20 s) so a hanging server fails the run instead of the CI.
"""
import asyncio
import json
import os
import sys

import anyio
from mcp import Client, StdioServerParameters


def expand(value):
    if isinstance(value, dict) and "$repeat" in value:
        return value["$repeat"] * value["count"]
    if isinstance(value, dict) and "$repeat_list" in value:
        return [value["$repeat_list"]] * value["count"]
    return value


def text_of(result):
    return "".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def main():
    gateway, corpus = sys.argv[1], sys.argv[2]
    with open(corpus, encoding="utf-8") as handle:
        cases = json.load(handle)
    async with Client(StdioServerParameters(command=gateway, args=["serve"], env=dict(os.environ))) as client:
        for case in cases:
            args = {key: expand(value) for key, value in case["args"].items()}
            line = {"name": case["name"], "isError": None, "text": "", "exception": None}
            try:
                with anyio.fail_after(20):
                    result = await client.call_tool(case["tool"], args)
                line["isError"] = bool(result.is_error)
                line["text"] = text_of(result)[:2000]
                if result.structured_content is not None:
                    line["structured"] = result.structured_content
            except Exception as error:  # the observation is the error text
                line["exception"] = f"{type(error).__name__}: {error}"[:2000]
            print(json.dumps(line), flush=True)
        # Positive control: one valid call must reach the fake CLI, so an empty log means
        # "nothing spawned" and not "the log is broken".
        result = await client.call_tool("claude_request", {"prompt": "hardening-control"})
        print(json.dumps({"name": "$control", "isError": bool(result.is_error), "text": text_of(result)[:2000], "exception": None}), flush=True)


asyncio.run(main())
