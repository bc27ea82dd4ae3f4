//! What one line from a stdio client is: a message for rmcp, or a rejection to answer.
//!
//! rmcp's own stdio transport drops a line that is not JSON (and answers a bad one without its
//! id), so a client that sent a request on that line waits forever. Here every line that
//! carries a recoverable request id gets the JSON-RPC error the spec names for it: -32700 for
//! bytes that are not JSON (invalid UTF-8, a lone surrogate, a syntax error), -32600 for JSON
//! that is not a valid request (a batch, a wrong shape, a line over the size limit). A line
//! with no id to answer is logged and skipped: nobody waits for it, and answering it could start
//! an error storm with a peer that echoes.

use rmcp::RoleServer;
use rmcp::model::{ErrorCode, ErrorData, RequestId};
use rmcp::service::RxJsonRpcMessage;
use serde_json::Value;

/// A line refused, and the ids of the requests to answer (none: log only).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rejection {
    pub ids: Vec<RequestId>,
    pub error: ErrorData,
}

/// What to do with one line (without its `\n`).
#[derive(Debug)]
pub(crate) enum Line {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    Blank,
    Rejected(Rejection),
}

/// Classifies one line, routing task requests to their private methods
/// (`tasks::route_tasks`). Pure.
pub(crate) fn classify(raw: &[u8]) -> Line {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Line::Blank;
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        let lossy = String::from_utf8_lossy(raw);
        return rejected(
            top_level_id(&lossy),
            parse_error("the line is not valid UTF-8"),
        );
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => return rejected(top_level_id(text), parse_error(&error.to_string())),
    };
    match value {
        Value::Array(items) => Line::Rejected(Rejection {
            ids: items.iter().filter_map(id_of).collect(),
            error: invalid_request(
                "JSON-RPC batches are not supported (MCP removed them); send one message per line",
            ),
        }),
        mut value => {
            crate::tasks::route_tasks(&mut value);
            let id = id_of(&value);
            match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value) {
                Ok(message) => Line::Message(Box::new(message)),
                Err(error) => rejected(
                    id,
                    invalid_request(&format!("not a valid JSON-RPC message: {error}")),
                ),
            }
        }
    }
}

/// The rejection of a line longer than `limit` bytes, given its first bytes.
pub(crate) fn oversized(head: &[u8], limit: usize) -> Rejection {
    Rejection {
        ids: top_level_id(&String::from_utf8_lossy(head))
            .into_iter()
            .collect(),
        error: invalid_request(&format!(
            "the message is longer than {limit} bytes; put large material in a file under workingDir and refer to it"
        )),
    }
}

fn rejected(id: Option<RequestId>, error: ErrorData) -> Line {
    Line::Rejected(Rejection {
        ids: id.into_iter().collect(),
        error,
    })
}

fn parse_error(detail: &str) -> ErrorData {
    ErrorData::new(
        ErrorCode::PARSE_ERROR,
        format!("Parse error: {detail}"),
        None,
    )
}

fn invalid_request(detail: &str) -> ErrorData {
    ErrorData::new(
        ErrorCode::INVALID_REQUEST,
        format!("Invalid Request: {detail}"),
        None,
    )
}

/// The `id` of a request object (a notification or a response to us has none to answer).
fn id_of(value: &Value) -> Option<RequestId> {
    let object = value.as_object()?;
    object.get("method")?;
    id_from_value(object.get("id")?)
}

fn id_from_value(value: &Value) -> Option<RequestId> {
    match value {
        Value::Number(number) => number.as_i64().map(RequestId::Number),
        Value::String(text) => Some(RequestId::String(text.as_str().into())),
        _ => None,
    }
}

/// The `id` member of the outermost object of text that is not valid JSON: a scan that tracks
/// strings and nesting, so an `"id"` inside `params` is not taken for the request's.
fn top_level_id(text: &str) -> Option<RequestId> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let end = string_end(bytes, index)?;
                if depth == 1 && &text[index..=end] == "\"id\"" {
                    return id_after_key(&text[end + 1..]);
                }
                index = end;
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// Index of the quote closing the string that opens at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut index = start + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// The value after `"id"`: `: 7` or `: "abc"`, parsed as JSON so escapes are honoured.
fn id_after_key(rest: &str) -> Option<RequestId> {
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('"') {
        string_end(rest.as_bytes(), 0)? + 1
    } else {
        rest.find(|c: char| !(c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len())
    };
    id_from_value(&serde_json::from_str(&rest[..end]).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(raw: &[u8]) -> String {
        match classify(raw) {
            Line::Message(_) => "message".to_owned(),
            Line::Blank => "blank".to_owned(),
            Line::Rejected(rejection) => format!(
                "{} {:?}",
                rejection.error.code.0,
                rejection
                    .ids
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ),
        }
    }

    #[test]
    fn every_kind_of_line_table() {
        let cases: &[(&[u8], &str)] = &[
            (br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, "message"),
            (b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r", "message"),
            (b"   ", "blank"),
            (br#"{"jsonrpc":"2.0","id":3,"method":"tools/call", broken"#, r#"-32700 ["3"]"#),
            (br#"{"jsonrpc":"2.0","params":{"id":9},"id":"a\"b","method":"x" oops"#, r#"-32700 ["a\"b"]"#),
            (br#"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"x":"\ud800"}}"#, r#"-32700 ["5"]"#),
            (b"{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\",\"params\":{\"x\":\"\xff\"}}", r#"-32700 ["6"]"#),
            (b"not json at all", "-32700 []"),
            (br#"[{"jsonrpc":"2.0","id":4,"method":"tools/list"},{"jsonrpc":"2.0","id":8,"method":"ping"}]"#, r#"-32600 ["4", "8"]"#),
            (br#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#, r#"-32600 ["7"]"#),
            (br#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, "-32600 []"),
            (br#"{"jsonrpc":"2.0","method":"notifications/x","params":7}"#, "-32600 []"),
        ];
        for (raw, expected) in cases {
            assert_eq!(outcome(raw), *expected, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn an_oversized_line_is_answered_when_its_head_holds_the_id() {
        let rejection = oversized(br#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"arguments":{"prompt":"aaaa"#, 100);
        assert_eq!(rejection.ids, vec![RequestId::Number(42)]);
        assert_eq!(rejection.error.code, ErrorCode::INVALID_REQUEST);
        assert!(rejection.error.message.contains("100 bytes"));
    }
}
