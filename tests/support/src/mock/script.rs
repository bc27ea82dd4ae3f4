//! Scripted Anthropic Messages, Gemini and OpenAI Responses conversations, so that the real
//! Claude Code, Gemini CLI and Codex can be steered through a known sequence of tool calls (our
//! MCP tools included) and their tool results read back
//! ([`MockVendorApi::script_conversation`](super::MockVendorApi::script_conversation)).
//!
//! The turn that answers a request is derived from the request alone, never from a cursor, so
//! that side requests and retries consume nothing:
//! * the scripted conversation is the requests that offer `tools`; Claude Code's side requests
//!   (the quota probe, titles, summaries) offer none and get the plain text answer;
//! * the turn is the number of `tool_result` blocks the conversation already holds, because
//!   every scripted turn but the last calls exactly one tool.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// One scripted model turn.
#[derive(Debug, Clone, PartialEq)]
pub enum MockTurn {
    /// Call one tool (`stop_reason: tool_use`); the client runs it and sends a `tool_result`.
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// Answer text and end the turn.
    Text(String),
}

impl MockTurn {
    /// A call of `name` with a process-unique id, so that the results of calls in different
    /// conversations (each replays its history on every request) are told apart.
    pub fn tool_use(name: impl Into<String>, input: Value) -> MockTurn {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        MockTurn::ToolUse {
            id: format!("toolu_mock_{:04}", NEXT.fetch_add(1, Ordering::Relaxed)),
            name: name.into(),
            input,
        }
    }

    pub fn text(text: impl Into<String>) -> MockTurn {
        MockTurn::Text(text.into())
    }

    /// The answer's content blocks and stop reason.
    pub(crate) fn content(&self) -> (Vec<Value>, &'static str) {
        match self {
            MockTurn::ToolUse { id, name, input } => (
                vec![json!({"type": "tool_use", "id": id, "name": name, "input": input})],
                "tool_use",
            ),
            MockTurn::Text(text) => (vec![json!({"type": "text", "text": text})], "end_turn"),
        }
    }
}

/// The scripted turn that answers the Messages request `body`: `None` for side requests (no
/// `tools`) and once the script is used up, which get the plain text answer.
pub(crate) fn turn<'a>(script: &'a [MockTurn], body: &Value) -> Option<&'a MockTurn> {
    if !offers_tools(body) {
        return None;
    }
    let answered = blocks(body)
        .filter(|block| block["type"] == "tool_result")
        .count();
    script.get(answered)
}

fn offers_tools(body: &Value) -> bool {
    body.get("tools")
        .and_then(Value::as_array)
        .is_some_and(|tools| !tools.is_empty())
}

/// The scripted turn for an OpenAI Responses request: the conversation is the requests that
/// offer `tools`, the turn the number of `function_call_output` items in its `input`.
pub(crate) fn responses_turn<'a>(script: &'a [MockTurn], body: &Value) -> Option<&'a MockTurn> {
    if !offers_tools(body) {
        return None;
    }
    script.get(input_items(body, "function_call_output").count())
}

/// A turn as one Responses output item. Codex offers each MCP server's tools inside one
/// `namespace` tool, so a name `<namespace>__<tool>` (`mcp__llm_cli_gateway__codex_request`) is
/// called as `tool` in `namespace`.
pub(crate) fn responses_item(turn: &MockTurn) -> Value {
    match turn {
        MockTurn::ToolUse { id, name, input } => {
            let mut item = json!({"type": "function_call", "id": format!("fc_{id}"), "call_id": id,
                "name": name, "arguments": input.to_string(), "status": "completed"});
            if let Some((namespace, tool)) = name.rsplit_once("__") {
                item["namespace"] = json!(namespace);
                item["name"] = json!(tool);
            }
            item
        }
        MockTurn::Text(text) => json!({"type": "message", "id": "msg_mock", "role": "assistant",
            "status": "completed", "content": [{"type": "output_text", "text": text, "annotations": []}]}),
    }
}

/// The `output` of each `function_call_output` Codex sent for calls of `name` (namespaced as
/// in [`responses_item`]), in the order sent, each once.
pub(crate) fn responses_tool_results<'a>(
    bodies: impl Iterator<Item = &'a Value>,
    name: &str,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for body in bodies {
        let called: BTreeMap<&str, String> = input_items(body, "function_call")
            .filter_map(|call| {
                let tool = call["name"].as_str()?;
                let full = call["namespace"].as_str().map_or_else(
                    || tool.to_owned(),
                    |namespace| format!("{namespace}__{tool}"),
                );
                Some((call["call_id"].as_str()?, full))
            })
            .collect();
        for output in input_items(body, "function_call_output") {
            let Some(id) = output["call_id"].as_str() else {
                continue;
            };
            if called.get(id).is_some_and(|called| called == name) && seen.insert(id.to_owned()) {
                results.push(
                    output["output"]
                        .as_str()
                        .map_or_else(|| text_of(&output["output"]), str::to_owned),
                );
            }
        }
    }
    results
}

fn input_items<'a>(body: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> {
    body["input"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |item| item["type"] == kind)
}

/// The content of every `tool_result` the client sent for calls of the tool `name`, in the
/// order sent, each once. Array contents are reduced to their text blocks, joined.
pub(crate) fn tool_results<'a>(bodies: impl Iterator<Item = &'a Value>, name: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for body in bodies {
        let called: BTreeMap<&str, &str> = blocks(body)
            .filter(|block| block["type"] == "tool_use")
            .filter_map(|block| Some((block["id"].as_str()?, block["name"].as_str()?)))
            .collect();
        for block in blocks(body).filter(|block| block["type"] == "tool_result") {
            let Some(id) = block["tool_use_id"].as_str() else {
                continue;
            };
            if called.get(id) == Some(&name) && seen.insert(id.to_owned()) {
                results.push(text_of(&block["content"]));
            }
        }
    }
    results
}

/// The scripted turn for a Gemini `streamGenerateContent` request: the conversation is the
/// requests that declare functions, the turn the number of `functionResponse` parts so far.
pub(crate) fn gemini_turn<'a>(script: &'a [MockTurn], body: &Value) -> Option<&'a MockTurn> {
    let declares = body["tools"].as_array().is_some_and(|tools| {
        tools
            .iter()
            .any(|tool| tool.get("functionDeclarations").is_some())
    });
    if !declares {
        return None;
    }
    script.get(function_responses(body).count())
}

/// The model parts of a scripted turn, in Gemini's shape.
pub(crate) fn gemini_parts(turn: &MockTurn) -> Value {
    match turn {
        MockTurn::ToolUse { id, name, input } => {
            json!([{"functionCall": {"id": id, "name": name, "args": input}}])
        }
        MockTurn::Text(text) => json!([{"text": text}]),
    }
}

/// What Gemini CLI sent back for calls of `name`, each once (a result is replayed in every
/// later request): the `output` text it gives the model, else the whole response as JSON.
pub(crate) fn gemini_tool_results<'a>(
    bodies: impl Iterator<Item = &'a Value>,
    name: &str,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for body in bodies {
        for (index, response) in function_responses(body).enumerate() {
            let key = response["id"]
                .as_str()
                .map_or(index.to_string(), str::to_owned);
            if response["name"] == name && seen.insert(key) {
                let output = &response["response"]["output"];
                results.push(
                    output
                        .as_str()
                        .map_or_else(|| response["response"].to_string(), str::to_owned),
                );
            }
        }
    }
    results
}

fn function_responses(body: &Value) -> impl Iterator<Item = &Value> {
    body["contents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|content| content["parts"].as_array())
        .flatten()
        .filter_map(|part| part.get("functionResponse"))
}

/// Every content block of every message (string contents have none).
fn blocks(body: &Value) -> impl Iterator<Item = &Value> {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|message| message["content"].as_array())
        .flatten()
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(tools: bool, results: usize) -> Value {
        let mut messages = vec![json!({"role": "user", "content": "go"})];
        for n in 0..results {
            let id = format!("t{n}");
            messages.push(json!({"role": "assistant", "content": [{"type": "tool_use", "id": id, "name": "Echo", "input": {}}]}));
            messages.push(json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": format!("r{n}")}]}));
        }
        let tools = if tools {
            json!([{"name": "Echo"}])
        } else {
            json!([])
        };
        json!({"messages": messages, "tools": tools})
    }

    #[test]
    fn the_turn_is_the_number_of_tool_results_and_side_requests_get_none() {
        let script = [
            MockTurn::tool_use("Echo", json!({})),
            MockTurn::text("done"),
        ];
        assert_eq!(turn(&script, &request(true, 0)), Some(&script[0]));
        assert_eq!(turn(&script, &request(true, 1)), Some(&script[1]));
        assert_eq!(turn(&script, &request(true, 2)), None, "script used up");
        assert_eq!(turn(&script, &request(false, 0)), None, "side request");
    }

    #[test]
    fn tool_results_are_reported_once_each_in_order() {
        let history = [request(true, 1), request(true, 2)];
        assert_eq!(tool_results(history.iter(), "Echo"), ["r0", "r1"]);
        assert!(tool_results(history.iter(), "Other").is_empty());
        let parts = json!([{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}]);
        assert_eq!(text_of(&parts), "ab");
    }

    #[test]
    fn responses_turns_count_function_call_outputs_and_results_are_read_back() {
        let script = [
            MockTurn::tool_use("mcp__srv__lookup", json!({"q": 1})),
            MockTurn::text("done"),
        ];
        let call = responses_item(&script[0]);
        assert_eq!(
            (&call["namespace"], &call["name"], &call["arguments"]),
            (&json!("mcp__srv"), &json!("lookup"), &json!(r#"{"q":1}"#))
        );
        let tools = json!([{"type": "namespace", "name": "mcp__srv"}]);
        let first = json!({"tools": tools, "input": [{"type": "message", "role": "user"}]});
        let output =
            json!({"type": "function_call_output", "call_id": call["call_id"], "output": "found"});
        let second = json!({"tools": tools, "input": [call, output]});
        assert_eq!(responses_turn(&script, &first), Some(&script[0]));
        assert_eq!(responses_turn(&script, &second), Some(&script[1]));
        assert_eq!(
            responses_turn(&script, &json!({"input": []})),
            None,
            "side request"
        );
        let bodies = [first, second.clone(), second];
        assert_eq!(
            responses_tool_results(bodies.iter(), "mcp__srv__lookup"),
            ["found"]
        );
        assert!(responses_tool_results(bodies.iter(), "lookup").is_empty());
    }

    #[test]
    fn tool_use_ids_are_unique() {
        let ids: BTreeSet<String> = (0..3)
            .filter_map(|_| match MockTurn::tool_use("Echo", json!({})) {
                MockTurn::ToolUse { id, .. } => Some(id),
                MockTurn::Text(_) => None,
            })
            .collect();
        assert_eq!(ids.len(), 3);
    }
}
