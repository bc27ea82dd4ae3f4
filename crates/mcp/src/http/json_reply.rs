//! Plain JSON answers for request POSTs whose SSE stream would carry nothing but the response.
//!
//! In session (legacy) mode rmcp answers every request POST with an SSE stream: a priming event,
//! then the response. Clients stop reading an SSE stream once they have the response, before its
//! end, so their HTTP library cannot put the connection back in its pool: every MCP call paid a
//! new TCP connection, on both sides (measured with the Python SDK: one `connect` per call). A
//! JSON body is read to its end, so the connection is kept. The transport spec lets the server
//! answer a request either way; rmcp's own `json_response` option does the same for stateless
//! requests only. Streams whose first message is anything else (a progress notification, a
//! keep-alive comment of a long call) stay SSE, with the bytes already read sent first.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// What the start of an SSE stream says about its first message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum First {
    /// No complete event with a message yet (nothing, part of one, or only priming events).
    NotYet,
    /// The first message is a JSON-RPC response or error: these bytes are its JSON.
    Reply(String),
    /// The first message is something else (notification, request, comment): stay SSE.
    Other,
}

/// Turns an SSE `response` into a JSON one when its first message is the reply; otherwise
/// returns it as SSE, unchanged for the client.
pub(super) async fn prefer_json(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let mut chunks = body.into_data_stream();
    let mut seen: Vec<u8> = Vec::new();
    let mut failure = None;
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(chunk) => seen.extend_from_slice(&chunk),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
        match first_message(&seen) {
            First::NotYet => {}
            First::Reply(json) => {
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                parts.headers.remove("x-accel-buffering");
                return Response::from_parts(parts, Body::from(json));
            }
            First::Other => break,
        }
    }
    let head = stream::once(async move { Ok(Bytes::from(seen)) });
    let failed = stream::iter(failure.map(Err));
    Response::from_parts(parts, Body::from_stream(head.chain(failed).chain(chunks)))
}

/// Reads the complete events at the start of `buffer` (lines end in `\n`, events in a blank
/// line, as rmcp writes them) and classifies the first one that carries data.
pub(super) fn first_message(buffer: &[u8]) -> First {
    let complete = match buffer.windows(2).rposition(|pair| pair == b"\n\n") {
        Some(end) => &buffer[..end + 2],
        None => return First::NotYet,
    };
    let Ok(text) = std::str::from_utf8(complete) else {
        return First::Other;
    };
    for event in text.split("\n\n") {
        let mut data: Vec<&str> = Vec::new();
        for line in event.lines() {
            if line.starts_with(':') {
                return First::Other; // a comment: the keep-alive of a call that takes a while
            }
            if let Some(value) = line.strip_prefix("data:") {
                data.push(value.strip_prefix(' ').unwrap_or(value));
            }
        }
        let data = data.join("\n");
        if data.trim().is_empty() {
            continue; // a priming event (id and retry only) or the end of the buffer
        }
        return if is_reply(&data) {
            First::Reply(data)
        } else {
            First::Other
        };
    }
    First::NotYet
}

/// The fields that tell a JSON-RPC response from a request or a notification.
#[derive(Deserialize)]
struct Shape {
    id: Option<IgnoredAny>,
    method: Option<IgnoredAny>,
    result: Option<IgnoredAny>,
    error: Option<IgnoredAny>,
}

fn is_reply(data: &str) -> bool {
    serde_json::from_str::<Shape>(data).is_ok_and(|shape| {
        shape.id.is_some()
            && shape.method.is_none()
            && (shape.result.is_some() || shape.error.is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_table() {
        let reply = r#"{"jsonrpc":"2.0","id":2,"result":{"content":[]}}"#;
        let error = r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"bad"}}"#;
        let progress = r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#;
        let request = r#"{"jsonrpc":"2.0","id":9,"method":"sampling/createMessage"}"#;
        let priming = "data: \nid: 0/0\nretry: 3000\n\n";
        let cases: Vec<(String, First)> = vec![
            (String::new(), First::NotYet),
            (priming.to_owned(), First::NotYet),
            (format!("{priming}data: {reply}"), First::NotYet),
            (
                format!("{priming}data: {reply}\nid: 1/0\n\n"),
                First::Reply(reply.to_owned()),
            ),
            (format!("data: {error}\n\n"), First::Reply(error.to_owned())),
            (
                format!("{priming}data: {progress}\n\ndata: {reply}\n\n"),
                First::Other,
            ),
            (format!("data: {request}\n\n"), First::Other),
            (format!("{priming}:\n\n"), First::Other),
            ("data: not json\n\n".to_owned(), First::Other),
            (
                "data: {\"id\":1,\ndata: \"result\":{}}\n\n".to_owned(),
                First::Reply("{\"id\":1,\n\"result\":{}}".to_owned()),
            ),
            // CRLF framing is not rmcp's: never taken for a complete event, so it stays SSE.
            (format!("data: {reply}\r\n\r\n"), First::NotYet),
        ];
        for (input, expected) in cases {
            assert_eq!(first_message(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[tokio::test]
    async fn a_reply_becomes_json_and_anything_else_stays_sse() {
        let sse = |body: &'static str| {
            let mut response = Response::new(Body::from(body));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            );
            response
                .headers_mut()
                .insert("mcp-session-id", HeaderValue::from_static("abc"));
            response
        };
        let body = |response: Response| async move {
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            String::from_utf8(bytes.to_vec()).unwrap()
        };
        let json = prefer_json(sse(
            "data: \nid: 0\nretry: 3000\n\ndata: {\"id\":1,\"result\":{}}\nid: 1\n\n",
        ))
        .await;
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(json.headers()["mcp-session-id"], "abc");
        assert_eq!(body(json).await, r#"{"id":1,"result":{}}"#);
        let streamed =
            "data: {\"method\":\"notifications/progress\"}\n\ndata: {\"id\":1,\"result\":{}}\n\n";
        let kept = prefer_json(sse(streamed)).await;
        assert_eq!(kept.headers()[header::CONTENT_TYPE], "text/event-stream");
        assert_eq!(body(kept).await, streamed);
        let cut_short = prefer_json(sse("data: \nid: 0\n\n")).await;
        assert_eq!(body(cut_short).await, "data: \nid: 0\n\n");
    }
}
