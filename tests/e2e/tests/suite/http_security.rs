//! The HTTP transport's security rules (spec §2.11), checked with a raw HTTP client against
//! the real binary.

use gateway_e2e::{HttpGateway, MCP_POST, World, http, initialize_body};
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

/// Extra environment, bind address, expected complaint.
type RefusalCase = (
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

#[test]
fn unsafe_configurations_refuse_to_start() {
    let cases: [RefusalCase; 3] = [
        (&[], "0.0.0.0:0", "without a bearer token"),
        (
            &[("LLM_GATEWAY_AUTH_DISABLED", "1")],
            "0.0.0.0:0",
            "only allowed on a loopback address",
        ),
        (&[], "127.0.0.1:0", "HTTP requires a bearer token"),
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
