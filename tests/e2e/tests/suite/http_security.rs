//! The HTTP transport's security rules (spec §2.11), checked with a raw HTTP client against
//! the real binary.

use std::time::Duration;

use gateway_e2e::{HttpGateway, MCP_POST, World, http, initialize_body, raw_http};
use pretty_assertions::assert_eq;

const TOKEN: &str = "e2e-s3cret-token";

fn gateway() -> (World, HttpGateway) {
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    (world, gateway)
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn post(gateway: &HttpGateway, extra: &[(&str, &str)], body: &[u8]) -> gateway_e2e::Response {
    let mut headers: Vec<(&str, &str)> = MCP_POST.to_vec();
    headers.extend_from_slice(extra);
    http(gateway.addr, "POST", "/mcp", &headers, body)
}

#[test]
fn healthz_answers_without_auth_and_says_nothing_else() {
    let (_world, gateway) = gateway();
    let response = http(gateway.addr, "GET", "/healthz", &[], b"");
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, r#"{"ok":true}"#)
    );
    assert_eq!(
        http(gateway.addr, "GET", "/elsewhere", &[], b"").status,
        404
    );
}

#[test]
fn bearer_token_is_required_and_checked() {
    let (_world, gateway) = gateway();
    let body = initialize_body();
    let missing = post(&gateway, &[], body.as_bytes());
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.header("www-authenticate"),
        Some(r#"Bearer realm="llm-cli-gateway""#)
    );
    let wrong = post(
        &gateway,
        &[("Authorization", "Bearer e2e-s3cret-tokem")],
        body.as_bytes(),
    );
    assert_eq!(wrong.status, 401);
    let bearer = bearer();
    let good = post(&gateway, &[("Authorization", &bearer)], body.as_bytes());
    assert_eq!(good.status, 200, "{good:?}");
    assert!(
        good.body.contains(r#""protocolVersion":"2025-11-25""#),
        "{}",
        good.body
    );
    assert!(
        !gateway.stderr().contains(TOKEN),
        "the token leaked into the log"
    );
}

#[test]
fn foreign_origin_and_host_are_refused() {
    let (_world, gateway) = gateway();
    let body = initialize_body();
    let bearer = bearer();
    let evil_origin = post(
        &gateway,
        &[
            ("Authorization", &bearer),
            ("Origin", "http://evil.example"),
        ],
        body.as_bytes(),
    );
    assert_eq!(evil_origin.status, 403, "{evil_origin:?}");
    let local_origin = format!("http://localhost:{}", gateway.addr.port());
    let local = post(
        &gateway,
        &[("Authorization", &bearer), ("Origin", &local_origin)],
        body.as_bytes(),
    );
    assert_eq!(local.status, 200, "{local:?}");
    let rebinding = post(
        &gateway,
        &[("Authorization", &bearer), ("Host", "evil.example:80")],
        body.as_bytes(),
    );
    assert_eq!(rebinding.status, 403, "{rebinding:?}");
}

#[test]
fn oversize_body_gets_413() {
    let (_world, gateway) = gateway();
    let bearer = bearer();
    let mut body = br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""#.to_vec();
    body.resize(8 * 1024 * 1024 + 1024, b'a');
    body.extend_from_slice(br#""}}"#);
    let response = post(&gateway, &[("Authorization", &bearer)], &body);
    assert_eq!(response.status, 413, "{:?}", response.headers);
}

#[test]
fn session_cap_answers_429_with_retry_after() {
    let (_world, gateway) = gateway();
    let bearer = bearer();
    let body = initialize_body();
    for attempt in 0..100 {
        let response = post(&gateway, &[("Authorization", &bearer)], body.as_bytes());
        assert_eq!(response.status, 200, "session {attempt}: {response:?}");
    }
    let refused = post(&gateway, &[("Authorization", &bearer)], body.as_bytes());
    assert_eq!(refused.status, 429, "{refused:?}");
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert!(
        refused.body.contains("session_capacity"),
        "{}",
        refused.body
    );
}

/// Status, JSON-RPC error code and id of an error answer.
type RpcError = (u16, i64, serde_json::Value);

fn rpc_error(response: &gateway_e2e::Response) -> RpcError {
    let json: serde_json::Value = serde_json::from_str(&response.body)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {response:?}"));
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{response:?}"
    );
    let code = json["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error code: {json}"));
    (response.status, code, json["id"].clone())
}

/// The transport spec wants 400 (with a JSON-RPC error) for a body that is not one message;
/// rmcp said 415, which reads as "wrong content type".
#[test]
fn malformed_json_and_batches_get_400_with_a_json_rpc_error() {
    let (_world, gateway) = gateway();
    let bearer = bearer();
    let cases: [(&[u8], RpcError); 4] = [
        (
            br#"{"jsonrpc":"2.0","id":1,"#,
            (400, -32700, serde_json::Value::Null),
        ),
        (
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            (400, -32600, serde_json::Value::Null),
        ),
        (br#""ping""#, (400, -32600, serde_json::Value::Null)),
        (
            br#"{"jsonrpc":"2.0","id":9,"params":{}}"#,
            (400, -32600, serde_json::json!(9)),
        ),
    ];
    for (body, expected) in cases {
        let response = post(&gateway, &[("Authorization", &bearer)], body);
        assert_eq!(
            rpc_error(&response),
            expected,
            "{}: {response:?}",
            String::from_utf8_lossy(body)
        );
    }
    let text_headers = [
        ("Content-Type", "text/plain"),
        ("Accept", "application/json, text/event-stream"),
        ("Authorization", bearer.as_str()),
    ];
    let body = initialize_body();
    let text = http(gateway.addr, "POST", "/mcp", &text_headers, body.as_bytes());
    assert_eq!(
        text.status, 415,
        "a wrong content type is still 415: {text:?}"
    );
}

/// A POST head with `extra` headers that declares `length` body bytes.
fn post_head(gateway: &HttpGateway, length: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {length}\r\n\r\n",
        gateway.addr,
        bearer()
    )
}

/// The header alone says the body is too big: 413 at once, not after waiting for 8 MiB.
#[test]
fn a_declared_length_over_the_cap_is_refused_before_the_body_arrives() {
    let (_world, gateway) = gateway();
    let head = post_head(&gateway, 8 * 1024 * 1024 + 1);
    let response = raw_http(gateway.addr, head.as_bytes(), Duration::from_secs(30));
    assert_eq!(rpc_error(&response).0, 413, "{response:?}");
    assert!(response.body.contains("8388608"), "{}", response.body);
}

/// A body that stops coming is answered 408 once the body timeout passes.
#[test]
fn a_body_that_never_finishes_gets_408() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_HTTP_BODY_TIMEOUT_MS", "300");
    let gateway = world.serve_http(&[]);
    let mut request = post_head(&gateway, 100).into_bytes();
    request.extend_from_slice(br#"{"jsonrpc":"#);
    let response = raw_http(gateway.addr, &request, Duration::from_secs(30));
    assert_eq!(rpc_error(&response).0, 408, "{response:?}");
}

/// A short token is fine on loopback (local testing), refused elsewhere (see below).
#[test]
fn a_short_token_works_on_loopback() {
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", "short");
    let gateway = world.serve_http(&[]);
    let body = initialize_body();
    let response = post(
        &gateway,
        &[("Authorization", "Bearer short")],
        body.as_bytes(),
    );
    assert_eq!(response.status, 200, "{response:?}");
}

/// Extra environment, bind address, expected complaint.
type RefusalCase = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

#[test]
fn unsafe_configurations_refuse_to_start() {
    let cases: [RefusalCase; 4] = [
        (&[], "0.0.0.0:0", "without a bearer token"),
        (
            &[("LLM_GATEWAY_AUTH_DISABLED", "1")],
            "0.0.0.0:0",
            "only allowed on a loopback address",
        ),
        (&[], "127.0.0.1:0", "HTTP requires a bearer token"),
        (
            &[("LLM_GATEWAY_AUTH_TOKEN", "fifteen-chars!!")],
            "0.0.0.0:0",
            "LLM_GATEWAY_AUTH_TOKEN is too short",
        ),
    ];
    for (env, addr, expected) in cases {
        let mut world = World::new();
        for (name, value) in env {
            world = world.with(name, value);
        }
        let output = world
            .gateway()
            .args(["serve", "--http", addr])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{addr} {env:?} started");
        assert!(stderr.contains(expected), "{addr} {env:?}: {stderr}");
    }
}

#[test]
fn auth_disabled_is_allowed_on_loopback() {
    let world = World::new().with("LLM_GATEWAY_AUTH_DISABLED", "1");
    let gateway = world.serve_http(&[]);
    let response = post(&gateway, &[], initialize_body().as_bytes());
    assert_eq!(response.status, 200, "{response:?}");
}

/// Opens a legacy session (initialize + initialized) and returns its id.
fn open_session(gateway: &HttpGateway, bearer: &str) -> String {
    let opened = post(
        gateway,
        &[("Authorization", bearer)],
        initialize_body().as_bytes(),
    );
    assert_eq!(opened.status, 200, "{opened:?}");
    let session = opened
        .header("mcp-session-id")
        .unwrap_or_else(|| panic!("no session id: {opened:?}"))
        .to_owned();
    let initialized = post(
        gateway,
        &[
            ("Authorization", bearer),
            ("Mcp-Session-Id", &session),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    );
    assert_eq!(initialized.status, 202, "{initialized:?}");
    session
}

/// The Python SDK takes only 200 or 204 for a session DELETE (rmcp's 202 made it log
/// "Session termination failed: 202"); the session is really gone afterwards.
#[test]
fn session_delete_answers_200_and_ends_the_session() {
    let (_world, gateway) = gateway();
    let bearer = bearer();
    let session = open_session(&gateway, &bearer);
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Mcp-Session-Id", session.as_str()),
        ("MCP-Protocol-Version", "2025-11-25"),
    ];
    let deleted = http(gateway.addr, "DELETE", "/mcp", &headers, b"");
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let mut after: Vec<(&str, &str)> = MCP_POST.to_vec();
    after.extend_from_slice(&headers);
    let ping = br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#;
    let gone = http(gateway.addr, "POST", "/mcp", &after, ping);
    assert_eq!(gone.status, 404, "{gone:?}");
}

/// A request whose stream would hold only its reply is answered as plain JSON with a length,
/// which clients read to the end and so keep the connection for the next call.
#[test]
fn a_lone_reply_comes_as_json() {
    let (_world, gateway) = gateway();
    let bearer = bearer();
    let session = open_session(&gateway, &bearer);
    let ping = post(
        &gateway,
        &[
            ("Authorization", &bearer),
            ("Mcp-Session-Id", &session),
            ("MCP-Protocol-Version", "2025-11-25"),
        ],
        br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
    );
    assert_eq!(
        (ping.status, ping.header("content-type"), ping.body.as_str()),
        (
            200,
            Some("application/json"),
            r#"{"jsonrpc":"2.0","id":2,"result":{}}"#
        ),
        "{ping:?}"
    );
    assert!(ping.header("content-length").is_some(), "{ping:?}");
}
