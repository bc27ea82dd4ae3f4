//! The mock vendor API over real loopback HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;

use gateway_test_support::{MOCK_TEXT, MockConfig, MockTurn, MockVendorApi};
use serde_json::json;

fn post(mock: &MockVendorApi, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", mock.port)).unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn each_vendor_endpoint_answers_the_text() {
    let mock = MockVendorApi::start();
    let key = [("x-api-key", "sk-test")];
    let bearer = [("authorization", "Bearer sk-test")];
    let (status, body) = post(
        &mock,
        "/v1/messages?beta=true",
        &key,
        r#"{"model":"m","stream":true}"#,
    );
    assert_eq!(status, 200);
    assert!(body.contains("event: content_block_delta") && body.contains(MOCK_TEXT));
    let (_, body) = post(&mock, "/v1/responses", &bearer, "{}");
    assert!(body.contains("response.completed") && body.contains("\"cached_tokens\":3"));
    let (_, body) = post(
        &mock,
        "/v1/chat/completions",
        &bearer,
        r#"{"model":"grok-4.6","stream":true}"#,
    );
    assert!(body.contains("\"created\"") && body.ends_with("data: [DONE]\n\n"));
    let (_, body) = post(
        &mock,
        "/v1beta/models/gemini-x:streamGenerateContent?alt=sse",
        &[("x-goog-api-key", "k")],
        "{}",
    );
    assert!(body.contains("usageMetadata") && body.contains(MOCK_TEXT));
    let (_, body) = post(&mock, "/v1beta/models/gemini-x:generateContent", &[], "{}");
    assert!(body.contains("API_KEY_INVALID"), "no key: Gemini's 400");
    let (status, _) = post(&mock, "/v1/datalake/events", &bearer, "{}");
    assert_eq!(status, 404, "telemetry is not found");

    let requests = mock.requests();
    assert_eq!(requests.len(), 6);
    assert_eq!(requests[0].body["model"], "m");
    assert_eq!(
        requests[0].headers.get("x-api-key").map(String::as_str),
        Some("sk-test")
    );
}

#[test]
fn reject_mode_and_invalid_keys_get_auth_errors() {
    let mock = MockVendorApi::start_with(MockConfig {
        text: "other".into(),
        reject_auth: true,
    });
    let (status, body) = post(&mock, "/v1/messages", &[("x-api-key", "sk-good")], "{}");
    assert_eq!((status, body.contains("authentication_error")), (401, true));
    mock.set_reject_auth(false);
    let (status, body) = post(&mock, "/v1/messages", &[("x-api-key", "sk-good")], "{}");
    assert_eq!((status, body.contains("other")), (200, true));
    let (status, _) = post(
        &mock,
        "/v1/chat/completions",
        &[("authorization", "Bearer invalid-key")],
        "{}",
    );
    assert_eq!(status, 401);
}

#[test]
fn a_scripted_anthropic_conversation_calls_tools_then_answers_and_side_requests_get_the_text() {
    let mock = MockVendorApi::start();
    let call = MockTurn::tool_use("Lookup", json!({"query": "x"}));
    let MockTurn::ToolUse { id, .. } = &call else {
        unreachable!("tool_use builds a ToolUse")
    };
    let id = id.clone();
    mock.script_conversation(vec![call, MockTurn::text("all done")]);
    let key = [("x-api-key", "sk-test")];
    let tools = json!([{"name": "Lookup"}]);
    let first = json!({"model": "m", "stream": true, "tools": tools,
        "messages": [{"role": "user", "content": "go"}]});
    let (_, body) = post(&mock, "/v1/messages", &key, &first.to_string());
    assert!(body.contains(r#""stop_reason":"tool_use""#), "{body}");
    assert!(
        body.contains(r#""partial_json":"{\"query\":\"x\"}""#),
        "{body}"
    );

    let side = json!({"model": "haiku", "messages": [{"role": "user", "content": "title?"}]});
    let (_, body) = post(&mock, "/v1/messages", &key, &side.to_string());
    assert!(
        body.contains(MOCK_TEXT),
        "a request without tools is a side request: {body}"
    );

    let second = json!({"model": "m", "tools": tools, "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": id, "name": "Lookup", "input": {"query": "x"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": "{\"found\":1}"}]},
    ]});
    let (_, body) = post(&mock, "/v1/messages", &key, &second.to_string());
    assert!(
        body.contains("all done") && body.contains("end_turn"),
        "{body}"
    );
    assert_eq!(mock.tool_results("Lookup"), [r#"{"found":1}"#]);
}
