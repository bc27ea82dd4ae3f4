"""Writes corpus/bad-input.json: hostile tool calls for the gateway's request tools.

Run `python3 tests/hardening/corpus/generate.py` after changing it; the JSON file is committed
so the test and reviewers read the exact cases. `{"$repeat": S, "count": N}` in an argument
stands for S repeated N times (the driver expands it; 10 MiB never sits in the repo).
Each case names the parameter its error must mention (`expect`).
"""
import json
import os

UUID = "123e4567-e89b-42d3-a456-426614174000"
LISTS = {
    "claude": ["addDirs", "allowedTools", "disallowedTools", "mcpConfig", "pluginDirs", "pluginUrls", "tools"],
    "codex": ["addDirs", "disable", "enable", "images"],
    "gemini": ["adminPolicyFiles", "allowedMcpServerNames", "allowedTools", "includeDirs", "policyFiles"],
    "grok": ["allow", "deny", "disallowedTools", "tools"],
    "mistral": ["addDir", "disabledTools", "enabledTools"],
}
PROVIDERS = list(LISTS)
cases = []


def add(name, tool, args, expect):
    cases.append({"name": name, "tool": tool, "args": {"prompt": "hi", **args}, "expect": expect})


def tool(provider, index):
    """Alternates the sync tool and its `_async` twin so both paths are covered."""
    return f"{provider}_request" + ("_async" if index % 2 else "")


for provider, params in LISTS.items():
    for index, param in enumerate(params):
        t = tool(provider, index)
        add(f"{provider}.{param}.dash", t, {param: ["-rf"]}, param)
        add(f"{provider}.{param}.double-dash", t, {param: ["ok", "--dangerously-skip-permissions"]}, param)
        add(f"{provider}.{param}.nul", t, {param: ["a\u0000b"]}, param)
        add(f"{provider}.{param}.newline", t, {param: ["a\nb"]}, param)
        add(f"{provider}.{param}.wrong-type", t, {param: "not-a-list"}, param)

for index, provider in enumerate(PROVIDERS):
    t = tool(provider, index)
    add(f"{provider}.workingDir.dotdot", t, {"workingDir": "../../../nonexistent-gw-dir"}, "workingDir")
    add(f"{provider}.workingDir.missing", t, {"workingDir": "/nonexistent/gw/dir"}, "workingDir")
    add(f"{provider}.workingDir.nul", t, {"workingDir": "/tmp\u0000/x"}, "workingDir")
    add(f"{provider}.workingDir.file", t, {"workingDir": "/etc/hostname"}, "workingDir")
    add(f"{provider}.sessionId.gw-prefix", t, {"sessionId": "gw-123"}, "sessionId")
    add(f"{provider}.sessionId.flag", t, {"sessionId": "--resume"}, "sessionId")
    add(f"{provider}.sessionId.nul", t, {"sessionId": "abc\u0000def"}, "sessionId")
    add(f"{provider}.prompt.empty", t, {"prompt": ""}, "prompt")
    add(f"{provider}.prompt.wrong-type", t, {"prompt": 42}, "prompt")
    add(f"{provider}.prompt.nul", t, {"prompt": "a\u0000b"}, "prompt")
    add(f"{provider}.unknown-field", t, {"noSuchParameter": True}, "noSuchParameter")
    add(f"{provider}.idleTimeoutMs.too-small", t, {"idleTimeoutMs": 5}, "idleTimeoutMs")
    add(f"{provider}.idleTimeoutMs.negative", t, {"idleTimeoutMs": -1}, "idleTimeoutMs")
    add(f"{provider}.timeoutMs.string", t, {"timeoutMs": "soon"}, "timeoutMs")
    add(f"{provider}.model.flag", t, {"model": "--model=evil"}, "model")
    add(f"{provider}.model.newline", t, {"model": "m\r\n--yolo"}, "model")

# sessionId must be a UUID where the CLI takes one (claude --resume / --session-id).
for sid in ["not-a-uuid", "\u202e" + UUID, "\u200b" + UUID, UUID + "\u200d", "１２３e4567-e89b-42d3-a456-426614174000"]:
    add(f"claude.sessionId.non-uuid.{len(cases)}", "claude_request", {"sessionId": sid}, "sessionId")
# Invisible characters after the dash do not disguise a flag. (A value that merely *starts*
# with U+202E or U+FEFF is not a flag to any argv parser, so it is accepted on purpose.)
for value in ["-\u200brf", "-\u202erf", "--\ufeffyolo"]:
    add(f"claude.allowedTools.unicode.{len(cases)}", "claude_request", {"allowedTools": [value]}, "allowedTools")
# Absurd sizes.
add("claude.prompt.10MiB", "claude_request", {"prompt": {"$repeat": "a", "count": 10 * 1024 * 1024}}, "prompt")
add("grok.prompt.10MiB", "grok_request_async", {"prompt": {"$repeat": "b", "count": 10 * 1024 * 1024}}, "prompt")
add("codex.addDirs.100k-entries", "codex_request", {"addDirs": {"$repeat_list": "-x", "count": 100000}}, "addDirs")
add("claude.model.1MiB", "claude_request", {"model": {"$repeat": "m", "count": 1024 * 1024}}, "model")
add("gemini.sessionId.64KiB", "gemini_request", {"sessionId": {"$repeat": "z", "count": 65536}}, "sessionId")
add("claude.maxTurns.huge", "claude_request", {"maxTurns": 10**30}, "maxTurns")
add("mistral.maxPrice.string", "mistral_request", {"maxPrice": "free"}, "maxPrice")
add("codex.configOverrides.newline", "codex_request", {"configOverrides": {"model": "x\nsandbox_mode=danger"}}, "configOverrides")
# The whole command line over the OS limit, one list at a time (E2BIG at spawn before).
add("claude.allowedTools.4MB-argv", "claude_request", {"allowedTools": {"$repeat_list": "x" * 100, "count": 40000}}, "allowedTools")
add("claude.settings.newline", "claude_request", {"settings": "a\nb"}, "settings")
# Every route that switches a CLI's own permission checks off is refused under mcp_managed.
BYPASS = [
    ("claude", {"dangerouslySkipPermissions": True}),
    ("claude", {"permissionMode": "bypassPermissions"}),
    ("codex", {"dangerouslyBypassApprovalsAndSandbox": True}),
    ("codex", {"sandbox": "danger-full-access"}),
    ("codex", {"configOverrides": {"sandbox_mode": "danger-full-access", "approval_policy": "never"}}),
    ("codex", {"dangerouslyBypassHookTrust": True}),
    ("gemini", {"yolo": True}),
    ("gemini", {"approvalMode": "yolo"}),
    ("grok", {"alwaysApprove": True}),
    ("grok", {"permissionMode": "bypassPermissions"}),
    ("mistral", {"autoApprove": True}),
    ("mistral", {"agent": "auto-approve"}),
]
for index, (provider, args) in enumerate(BYPASS):
    add(f"{provider}.approval-bypass.{index}", tool(provider, index),
        {"approvalStrategy": "mcp_managed", "approvalPolicy": "permissive", **args}, "permission_bypass")
add("codex.configOverrides.dash-key", "codex_request", {"configOverrides": {"-c": "x"}}, "configOverrides")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad-input.json")
with open(out, "w", encoding="utf-8") as handle:
    json.dump(cases, handle, indent=1, ensure_ascii=True)
    handle.write("\n")
print(f"{len(cases)} cases -> {out}")
