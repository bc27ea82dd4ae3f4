//! The vendor endpoints the five real CLIs call, answering a fixed text with known token
//! counts ([`super::MOCK_USAGE`]), or each vendor's own authentication error. The Anthropic,
//! Gemini and Responses endpoints play the scripted turns instead when there are some
//! ([`super::script`]).

use std::net::TcpStream;

use serde_json::{Value, json};

use super::http::{Request, send_json, send_sse};
use super::{MOCK_USAGE, MockConfig, MockTurn, script};

/// Which API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    AnthropicMessages,
    AnthropicCountTokens,
    OpenAiResponses,
    ChatCompletions,
    Models,
    GeminiStream,
    GeminiGenerate,
    GeminiCountTokens,
    NotFound,
}

pub(crate) fn route(request: &Request) -> Route {
    let path = request.path();
    match request.method.as_str() {
        "POST" if path.ends_with("/v1/messages/count_tokens") => Route::AnthropicCountTokens,
        "POST" if path.ends_with("/v1/messages") => Route::AnthropicMessages,
        "POST" if path.ends_with("/responses") => Route::OpenAiResponses,
        "POST" if path.ends_with("/chat/completions") => Route::ChatCompletions,
        "POST" if path.contains("/models/") && path.ends_with(":streamGenerateContent") => {
            Route::GeminiStream
        }
        "POST" if path.contains("/models/") && path.ends_with(":generateContent") => {
            Route::GeminiGenerate
        }
        "POST" if path.contains("/models/") && path.ends_with(":countTokens") => {
            Route::GeminiCountTokens
        }
        "GET" if path.ends_with("/v1/models") => Route::Models,
        _ => Route::NotFound,
    }
}

/// Whether `key` authenticates: present, and neither rejected globally nor containing `invalid`.
fn authorized(config: &MockConfig, key: Option<&str>) -> bool {
    let key = key
        .map(|key| key.trim_start_matches("Bearer ").trim())
        .unwrap_or_default();
    !config.reject_auth && !key.is_empty() && !key.contains("invalid")
}

fn bearer(request: &Request) -> Option<&str> {
    request.header("authorization")
}

/// Answers `request` on `stream`; returns the status sent.
pub(crate) fn respond(
    stream: &TcpStream,
    request: &Request,
    config: &MockConfig,
    turns: &[MockTurn],
) -> std::io::Result<u16> {
    let body = request.json();
    match route(request) {
        Route::AnthropicMessages | Route::AnthropicCountTokens => {
            let key = request.header("x-api-key").or_else(|| bearer(request));
            if !authorized(config, key) {
                let error = json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}, "request_id": "req_mock"});
                return send_json(stream, 401, &error).map(|()| 401);
            }
            if route(request) == Route::AnthropicCountTokens {
                return send_json(stream, 200, &json!({"input_tokens": MOCK_USAGE.input}))
                    .map(|()| 200);
            }
            let turn = script::turn(turns, &body)
                .cloned()
                .unwrap_or_else(|| MockTurn::text(config.text.clone()));
            anthropic(stream, &body, &turn).map(|()| 200)
        }
        Route::OpenAiResponses => {
            if !authorized(config, bearer(request)) {
                let error = json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}});
                return send_json(stream, 401, &error).map(|()| 401);
            }
            let item = script::responses_turn(turns, &body).map_or_else(
                || script::responses_item(&MockTurn::text(config.text.clone())),
                script::responses_item,
            );
            responses(stream, &item).map(|()| 200)
        }
        Route::ChatCompletions | Route::Models => {
            if !authorized(config, bearer(request)) {
                let error = json!({"code": "Client specified an invalid argument", "error": "Incorrect API key provided", "detail": "Unauthorized"});
                return send_json(stream, 401, &error).map(|()| 401);
            }
            if route(request) == Route::Models {
                let models = json!({"object": "list", "data": [{"id": "grok-4.6", "object": "model", "created": 0, "owned_by": "xai"}]});
                return send_json(stream, 200, &models).map(|()| 200);
            }
            chat(stream, &body, config).map(|()| 200)
        }
        Route::GeminiStream | Route::GeminiGenerate | Route::GeminiCountTokens => {
            let key = request
                .header("x-goog-api-key")
                .or_else(|| request.query("key"));
            if !authorized(config, key) {
                let error = json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}});
                return send_json(stream, 400, &error).map(|()| 400);
            }
            let turn = script::gemini_turn(turns, &body);
            gemini(stream, route(request), config, turn).map(|()| 200)
        }
        Route::NotFound => {
            let error =
                json!({"error": {"message": format!("not found in mock: {}", request.path())}});
            send_json(stream, 404, &error).map(|()| 404)
        }
    }
}

fn anthropic(stream: &TcpStream, body: &Value, turn: &MockTurn) -> std::io::Result<()> {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("claude-mock");
    let (content, stop_reason) = turn.content();
    let usage = json!({"input_tokens": MOCK_USAGE.input, "output_tokens": MOCK_USAGE.output, "cache_read_input_tokens": MOCK_USAGE.cached, "cache_creation_input_tokens": 0});
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        let message = json!({"id": "msg_mock", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": null, "usage": usage});
        return send_json(stream, 200, &message);
    }
    let mut start_usage = usage;
    start_usage["output_tokens"] = json!(1);
    let mut events = vec![(
        "message_start",
        json!({"type": "message_start", "message": {"id": "msg_mock", "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": null, "stop_sequence": null, "usage": start_usage}}),
    )];
    for (index, block) in content.into_iter().enumerate() {
        let (start, delta) = if block["type"] == "tool_use" {
            let mut start = block.clone();
            start["input"] = json!({});
            let partial = block["input"].to_string();
            (
                start,
                json!({"type": "input_json_delta", "partial_json": partial}),
            )
        } else {
            let text = block["text"].clone();
            (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": text}),
            )
        };
        events.extend([
            (
                "content_block_start",
                json!({"type": "content_block_start", "index": index, "content_block": start}),
            ),
            (
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": delta}),
            ),
            (
                "content_block_stop",
                json!({"type": "content_block_stop", "index": index}),
            ),
        ]);
    }
    events.extend([
        (
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": {"output_tokens": MOCK_USAGE.output}}),
        ),
        ("message_stop", json!({"type": "message_stop"})),
    ]);
    let events: Vec<_> = events
        .into_iter()
        .map(|(name, data)| (Some(name), data))
        .collect();
    send_sse(stream, &events, false)
}

/// The Responses stream of one output item (a message, or a function call for Codex to run).
fn responses(stream: &TcpStream, item: &Value) -> std::io::Result<()> {
    let usage = json!({"input_tokens": MOCK_USAGE.input, "input_tokens_details": {"cached_tokens": MOCK_USAGE.cached},
        "output_tokens": MOCK_USAGE.output, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": MOCK_USAGE.input + MOCK_USAGE.output});
    let events = [
        (
            "response.created",
            json!({"type": "response.created", "response": {"id": "resp_mock"}}),
        ),
        (
            "response.output_item.added",
            json!({"type": "response.output_item.added", "output_index": 0, "item": item}),
        ),
        (
            "response.output_item.done",
            json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        ),
        (
            "response.completed",
            json!({"type": "response.completed", "response": {"id": "resp_mock", "usage": usage}}),
        ),
    ];
    let events: Vec<_> = events
        .into_iter()
        .map(|(name, data)| (Some(name), data))
        .collect();
    send_sse(stream, &events, false)
}

fn chat(stream: &TcpStream, body: &Value, config: &MockConfig) -> std::io::Result<()> {
    let model = body.get("model").cloned().unwrap_or(Value::Null);
    let usage = json!({"prompt_tokens": MOCK_USAGE.input, "completion_tokens": MOCK_USAGE.output, "total_tokens": MOCK_USAGE.input + MOCK_USAGE.output});
    // `created` is required by grok ("missing field `created`").
    let created = 1_795_296_000;
    if body.get("stream").and_then(Value::as_bool) != Some(true) {
        let completion = json!({"id": "cmpl_mock", "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": config.text}, "finish_reason": "stop"}], "usage": usage});
        return send_json(stream, 200, &completion);
    }
    let chunks = [
        json!({"id": "cmpl_mock", "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": config.text}, "finish_reason": null}]}),
        json!({"id": "cmpl_mock", "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}], "usage": usage}),
    ];
    let events: Vec<_> = chunks.into_iter().map(|data| (None, data)).collect();
    send_sse(stream, &events, true)
}

fn gemini(
    stream: &TcpStream,
    route: Route,
    config: &MockConfig,
    turn: Option<&MockTurn>,
) -> std::io::Result<()> {
    let usage = json!({"promptTokenCount": MOCK_USAGE.input, "candidatesTokenCount": MOCK_USAGE.output,
        "totalTokenCount": MOCK_USAGE.input + MOCK_USAGE.output, "cachedContentTokenCount": MOCK_USAGE.cached});
    let candidate = |parts: Value| json!({"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0});
    let text = |text: String| json!([{"text": text}]);
    match route {
        Route::GeminiStream => {
            let parts = turn.map_or_else(|| text(config.text.clone()), script::gemini_parts);
            let data = json!({"candidates": [candidate(parts)], "usageMetadata": usage, "modelVersion": super::MOCK_GEMINI_MODEL});
            send_sse(stream, &[(None, data)], false)
        }
        Route::GeminiCountTokens => {
            send_json(stream, 200, &json!({"totalTokens": MOCK_USAGE.input}))
        }
        // Non-streaming calls come from gemini-cli's model router, which wants JSON text back.
        _ => {
            let verdict =
                json!({"complexity_reasoning": "mock", "complexity_score": 10}).to_string();
            let data = json!({"candidates": [candidate(text(verdict))], "usageMetadata": usage, "modelVersion": super::MOCK_GEMINI_MODEL});
            send_json(stream, 200, &data)
        }
    }
}
