//! The body of an MCP POST, checked before rmcp reads it: a declared `Content-Length` over the
//! cap is refused from the header alone (413, without waiting for the body), the body must
//! arrive within the body timeout (408), and it must be one JSON-RPC message: malformed JSON is
//! a parse error (-32700) and a batch or any other non-object an invalid request (-32600), both
//! 400 as the streamable HTTP transport asks, where rmcp would say 415 for all of them.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;

/// JSON-RPC: the body is not JSON.
pub(super) const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: the JSON is not a valid request object.
pub(super) const INVALID_REQUEST: i64 = -32600;

/// The only part of a message read here: its id, to echo in an error when there is one.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    id: Option<Value>,
}

/// What the check of a POST found.
pub(super) enum Post {
    /// One JSON object: the request rebuilt around the bytes read, and the message's id.
    Checked { request: Request, id: Value },
    /// Not declared JSON: left to rmcp, which answers 415 without reading the body.
    NotJson(Request),
}

/// Reads and checks the body of a POST declared as JSON.
pub(super) async fn check_post(
    request: Request,
    max_bytes: usize,
    timeout: Duration,
) -> Result<Post, Refusal> {
    if !is_json(request.headers()) {
        return Ok(Post::NotJson(request));
    }
    if declared_length(request.headers()).is_some_and(|length| length > max_bytes) {
        return Err(Refusal::TooLarge(max_bytes));
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(timeout, read(body, max_bytes)).await {
        Err(_elapsed) => return Err(Refusal::TooSlow(timeout)),
        Ok(Err(Unread::TooLarge)) => return Err(Refusal::TooLarge(max_bytes)),
        Ok(Err(Unread::Failed(error))) => {
            tracing::debug!(%error, "cannot read an MCP request body");
            return Err(Refusal::Unreadable);
        }
        Ok(Ok(bytes)) => bytes,
    };
    let id = classify(&bytes)?;
    let bytes = crate::tasks::route_tasks_bytes(&bytes).map_or(bytes, Bytes::from);
    let request = Request::from_parts(parts, Body::from(bytes));
    Ok(Post::Checked { request, id })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(|length| usize::try_from(length).unwrap_or(usize::MAX))
}

enum Unread {
    TooLarge,
    Failed(axum::Error),
}

/// The whole body, refused as soon as it passes `max_bytes` (chunked bodies declare no length).
async fn read(body: Body, max_bytes: usize) -> Result<Bytes, Unread> {
    let mut chunks = body.into_data_stream();
    let mut collected = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(Unread::Failed)?;
        if chunk.len() > max_bytes.saturating_sub(collected.len()) {
            return Err(Unread::TooLarge);
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(collected))
}

/// Why a POST body is refused before rmcp sees it.
#[derive(Debug)]
pub(super) enum Refusal {
    /// Declared or actual size over the cap (the cap).
    TooLarge(usize),
    /// Not all there within the body timeout (the timeout).
    TooSlow(Duration),
    /// The connection failed while the body was read.
    Unreadable,
    /// Not JSON (serde's reason).
    Parse(String),
    /// A JSON array: batches were removed from MCP.
    Batch,
    /// JSON, but not an object.
    NotObject,
    /// An object serde could not read (a duplicate `id`): its reason.
    BadObject(String),
}

impl Refusal {
    /// The HTTP answer: a JSON-RPC error with `id: null` (no id can be trusted here).
    pub(super) fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Refusal::TooLarge(max) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                INVALID_REQUEST,
                format!("request body larger than the {max}-byte limit"),
            ),
            Refusal::TooSlow(timeout) => (
                StatusCode::REQUEST_TIMEOUT,
                INVALID_REQUEST,
                format!(
                    "request body not received within {} ms",
                    timeout.as_millis()
                ),
            ),
            Refusal::Unreadable => (
                StatusCode::BAD_REQUEST,
                PARSE_ERROR,
                "the request body could not be read".to_owned(),
            ),
            Refusal::Parse(reason) => (
                StatusCode::BAD_REQUEST,
                PARSE_ERROR,
                format!("parse error: the body is not valid JSON ({reason})"),
            ),
            Refusal::Batch => (
                StatusCode::BAD_REQUEST,
                INVALID_REQUEST,
                "JSON-RPC batches are not supported: send one message per request".to_owned(),
            ),
            Refusal::NotObject => (
                StatusCode::BAD_REQUEST,
                INVALID_REQUEST,
                "a JSON-RPC message must be a JSON object".to_owned(),
            ),
            Refusal::BadObject(reason) => (
                StatusCode::BAD_REQUEST,
                INVALID_REQUEST,
                format!("invalid JSON-RPC message: {reason}"),
            ),
        };
        let response = rpc_error(status, code, &message, Value::Null);
        match status {
            // The body may still be on its way: close the connection after answering instead
            // of reading (or waiting for) the rest.
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT => closing(response),
            _ => response,
        }
    }
}

/// The message's id when the body is one JSON object.
fn classify(bytes: &[u8]) -> Result<Value, Refusal> {
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    match serde_json::from_slice::<Envelope>(bytes) {
        Err(error) if error.is_syntax() || error.is_eof() || error.is_io() => {
            Err(Refusal::Parse(error.to_string()))
        }
        // serde reads a struct from an array too, so a batch can parse: refuse it either way.
        _ if first == Some(&b'[') => Err(Refusal::Batch),
        Err(error) if first == Some(&b'{') => Err(Refusal::BadObject(error.to_string())),
        Err(_) => Err(Refusal::NotObject),
        Ok(envelope) => Ok(recoverable_id(envelope.id)),
    }
}

/// The id to echo: only a JSON-RPC id (string or number), else `null`.
fn recoverable_id(id: Option<Value>) -> Value {
    match id {
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        _ => Value::Null,
    }
}

/// 400 with -32600, for a message that is JSON but not a valid request.
pub(super) fn invalid_request(message: &str, id: Value) -> Response {
    rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, message, id)
}

fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A JSON-RPC error response as the whole HTTP body.
fn rpc_error(status: StatusCode, code: i64, message: &str, id: Value) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message},
    });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Status and JSON-RPC error code of the answer to `bytes`, or the id that passes.
    async fn answer(bytes: &[u8]) -> Result<Value, (u16, i64)> {
        match classify(bytes) {
            Ok(id) => Ok(id),
            Err(refusal) => {
                let response = refusal.into_response();
                let status = response.status().as_u16();
                let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .unwrap();
                let json: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(json["id"], Value::Null, "{json}");
                Err((status, json["error"]["code"].as_i64().unwrap()))
            }
        }
    }

    #[tokio::test]
    async fn one_object_passes_with_its_id() {
        let passes = [
            (
                &br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#[..],
                Value::from(7),
            ),
            (br#" {"id":"a"} "#, Value::from("a")),
            (br#"{"method":"notifications/initialized"}"#, Value::Null),
            (br#"{"id":{"odd":1}}"#, Value::Null),
        ];
        for (bytes, id) in passes {
            assert_eq!(
                answer(bytes).await,
                Ok(id),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[tokio::test]
    async fn malformed_json_is_a_parse_error_and_the_rest_invalid_requests() {
        let cases: [(&[u8], i64); 10] = [
            (b"{not json", PARSE_ERROR),
            (b"", PARSE_ERROR),
            (b"[{\"id\":1", PARSE_ERROR),
            (b"\xff\xfe", PARSE_ERROR),
            (
                br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
                INVALID_REQUEST,
            ),
            (b"[1]", INVALID_REQUEST),
            (b"[]", INVALID_REQUEST),
            (b"\"ping\"", INVALID_REQUEST),
            (b"null", INVALID_REQUEST),
            (br#"{"id":1,"id":2}"#, INVALID_REQUEST),
        ];
        for (bytes, code) in cases {
            assert_eq!(
                answer(bytes).await,
                Err((400, code)),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn only_json_content_types_are_checked_here() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("Application/JSON; charset=utf-8")));
        assert!(!is_json(&headers("text/plain")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
