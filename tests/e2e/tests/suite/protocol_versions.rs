//! Protocol version negotiation with a raw HTTP client: each revision a client may declare in
//! `initialize` gets the answer the spec asks for (its own when the server speaks it;
//! 2026-07-28, which has no `initialize`, and unknown revisions get 2025-11-25), and the
//! `MCP-Protocol-Version` header of later requests is checked (transport spec 2025-06-18:
//! an unsupported version is 400, a missing header means 2025-03-26).

use gateway_e2e::{HttpGateway, MCP_POST, World, http};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

const TOKEN: &str = "e2e-protocol-token";

/// Declared by the client → answered by the gateway.
const NEGOTIATED: [(&str, &str); 5] = [
    ("2025-03-26", "2025-03-26"),
    ("2025-06-18", "2025-06-18"),
    ("2025-11-25", "2025-11-25"),
    ("2026-07-28", "2025-11-25"),
    ("2099-01-01", "2025-11-25"),
];

fn post(gateway: &HttpGateway, extra: &[(&str, &str)], body: &Value) -> gateway_e2e::Response {
    let bearer = format!("Bearer {TOKEN}");
    let mut headers: Vec<(&str, &str)> = MCP_POST.to_vec();
    headers.push(("Authorization", &bearer));
    headers.extend_from_slice(extra);
    http(
        gateway.addr,
        "POST",
        "/mcp",
        &headers,
        body.to_string().as_bytes(),
    )
}

fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "e2e-versions", "version": "0"}}})
}

/// The JSON-RPC message of a reply, whether it came as JSON or as one SSE event.
fn message(body: &str) -> Value {
    let json = body
        .lines()
        .find_map(|line| line.strip_prefix("data:"))
        .unwrap_or(body);
    serde_json::from_str(json.trim()).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[test]
fn every_revision_a_client_declares_negotiates_as_the_spec_says() {
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    for (declared, answered) in NEGOTIATED {
        let reply = post(&gateway, &[], &initialize(declared));
        assert_eq!(reply.status, 200, "{declared}: {reply:?}");
        let result = &message(&reply.body)["result"];
        assert_eq!(result["protocolVersion"], answered, "{declared}: {result}");
        assert_eq!(result["serverInfo"]["name"], "llm-cli-gateway");
    }
}

#[test]
fn the_protocol_version_header_is_checked_on_later_requests() {
    let world = World::new().with("LLM_GATEWAY_AUTH_TOKEN", TOKEN);
    let gateway = world.serve_http(&[]);
    let opened = post(&gateway, &[], &initialize("2025-06-18"));
    let session = opened.header("mcp-session-id").unwrap().to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let session_header = ("Mcp-Session-Id", session.as_str());
    let ack = post(
        &gateway,
        &[session_header, ("MCP-Protocol-Version", "2025-06-18")],
        &initialized,
    );
    assert_eq!(ack.status, 202, "{ack:?}");
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    let cases = [
        (Some("2025-06-18"), 200),
        (None, 200),
        (Some("1999-01-01"), 400),
        (Some("not a version"), 400),
    ];
    for (version, status) in cases {
        let mut headers = vec![session_header];
        if let Some(version) = version {
            headers.push(("MCP-Protocol-Version", version));
        }
        let reply = post(&gateway, &headers, &ping);
        assert_eq!(reply.status, status, "{version:?}: {reply:?}");
        if status == 400 {
            assert!(
                reply.body.contains("MCP-Protocol-Version"),
                "the refusal names the header: {}",
                reply.body
            );
        }
    }
}
