"""Drives MCP tasks (protocol 2025-11-25) through the official Python SDK's task API
(`session.experimental`, PyPI `mcp` 1.x: the 2.x client leaves 2025-11-25 tasks out).

usage: tasks.py TARGET STEP [ARG]
  TARGET  path of the llm-cli-gateway binary (stdio: the SDK starts it) or an http:// URL
  STEP    create TOOL ARGS_JSON   start a task, print it, and close the client
          finish TASK_ID          tasks/get until terminal, then tasks/result and tasks/list
          cancel TOOL ARGS_JSON   start a task, cancel it, then tasks/get

Prints one JSON object on the last stdout line; the Rust e2e tests judge it.
"""
import asyncio
import json
import os
import sys
from contextlib import asynccontextmanager

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

notifications = []


async def on_message(message):
    if isinstance(message, types.ServerNotification):
        root = message.root
        if getattr(root, "method", "") == "notifications/tasks/status":
            notifications.append(root.params.model_dump(mode="json", by_alias=True))


@asynccontextmanager
async def session(target):
    if target.startswith("http"):
        token = os.environ.get("LLM_GATEWAY_AUTH_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        transport = streamablehttp_client(target, headers=headers)
    else:
        transport = stdio_client(StdioServerParameters(command=target, args=["serve"], env=dict(os.environ)))
    async with transport as streams:
        async with ClientSession(streams[0], streams[1], message_handler=on_message) as client:
            init = await client.initialize()
            yield client, init


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def finish(client, task_id):
    statuses = []
    async for status in client.experimental.poll_task(task_id):
        statuses.append(status.status)
    result = await client.experimental.get_task_result(task_id, types.CallToolResult)
    listed = await client.experimental.list_tasks()
    return {
        "statuses": statuses,
        "final": dump(await client.experimental.get_task(task_id)),
        "result": dump(result),
        "listed": [task.taskId for task in listed.tasks],
    }


async def main(target, step, *args):
    async with session(target) as (client, init):
        out = {"capabilities": dump(init.capabilities)}
        tools = (await client.list_tools()).tools
        out["taskSupport"] = {t.name: t.execution.taskSupport for t in tools if t.execution}
        if step == "create":
            created = await client.experimental.call_tool_as_task(args[0], json.loads(args[1]), ttl=60000)
            out["created"] = dump(created)
        elif step == "finish":
            out.update(await finish(client, args[0]))
            await asyncio.sleep(0.2)
        elif step == "cancel":
            created = await client.experimental.call_tool_as_task(args[0], json.loads(args[1]))
            task_id = created.task.taskId
            await asyncio.sleep(1.5)
            out["created"] = dump(created)
            out["canceled"] = dump(await client.experimental.cancel_task(task_id))
            out["after"] = dump(await client.experimental.get_task(task_id))
        elif step == "notify":
            created = await client.experimental.call_tool_as_task(args[0], json.loads(args[1]))
            out.update(await finish(client, created.task.taskId))
            for _ in range(20):
                if notifications:
                    break
                await asyncio.sleep(0.25)
        out["notifications"] = notifications
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
