//! Bad input on stdio gets an answer and loses nothing: every line that carries a request id
//! is answered with the JSON-RPC error the spec names, and the session keeps serving.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use gateway_e2e::World;
use serde_json::Value;

/// Writes `lines` (raw bytes, each followed by `\n`) after the handshake and returns the
/// answers by id, waiting at most 60 s for `ids`.
fn answers(lines: &[Vec<u8>], ids: &[i64]) -> Vec<Value> {
    let world = World::new();
    let mut child = world.serve_stdio(Stdio::null());
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let handshake = [
        br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#.to_vec(),
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
    ];
    for line in handshake.iter().chain(lines) {
        stdin.write_all(line).unwrap();
        stdin.write_all(b"\n").unwrap();
    }
    stdin.flush().unwrap();
    let mut seen = Vec::new();
    while !ids
        .iter()
        .all(|id| seen.iter().any(|answer: &Value| answer["id"] == *id))
    {
        let Ok(line) = receiver.recv_timeout(Duration::from_secs(60)) else {
            panic!("no answer for every id {ids:?}; got {seen:#?}");
        };
        seen.push(serde_json::from_str(&line).unwrap());
    }
    drop(stdin);
    let _ = child.wait();
    seen
}

fn answer(seen: &[Value], id: i64) -> &Value {
    seen.iter().find(|answer| answer["id"] == id).unwrap()
}

#[test]
fn every_bad_line_with_an_id_is_answered_and_the_session_goes_on() {
    let mut huge = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"claude_request","arguments":{"prompt":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'a', 17 * 1024 * 1024));
    huge.extend(br#""}}}"#);
    let lines = vec![
        br#"{"jsonrpc":"2.0","id":2,"method":"tools/call", broken"#.to_vec(),
        b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{\"x\":\"\xff\"}}".to_vec(),
        br#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":"\ud800"}}"#.to_vec(),
        br#"[{"jsonrpc":"2.0","id":5,"method":"tools/list"}]"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"claude_request","arguments":[1,2]}}"#.to_vec(),
        huge,
        b"garbage without an id".to_vec(),
        br#"{"jsonrpc":"2.0","id":8,"method":"ping"}"#.to_vec(),
    ];
    let seen = answers(&lines, &[2, 3, 4, 5, 6, 7, 8]);
    let code = |id| answer(&seen, id)["error"]["code"].as_i64();
    assert_eq!(
        [2, 3, 4, 5, 6, 7].map(code),
        [-32700, -32700, -32700, -32600, -32602, -32600].map(Some),
        "{seen:#?}"
    );
    assert!(
        answer(&seen, 6)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tools/call")
    );
    assert_eq!(answer(&seen, 8)["result"], serde_json::json!({}));
}
