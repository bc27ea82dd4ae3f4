//! Slowloris on HTTP: connections that never finish their request header are closed after the
//! header timeout, and a flood of them larger than the connection cap (against a gateway with
//! few file descriptors) does not lock out `/healthz` or an authenticated MCP client.
//! Loopback only, bounded counts.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: failing loudly is the point"
)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use gateway_e2e::{MCP_POST, http, initialize_body};
use gateway_hardening::{HttpGateway, World, gateway_bin};

const TOKEN: &str = "hardening-flood-token";
/// Generous bound on any one read, only so a broken gateway fails the test instead of hanging.
const HANG_GUARD: Duration = Duration::from_secs(30);
/// A request header cut short: no blank line, so it never completes.
const PARTIAL: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

fn partial_connection(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(PARTIAL).expect("send a partial header");
    stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
    stream
}

/// True when the server closed `stream` (end of file or reset) before the hang guard. Any
/// bytes it sends first (an error status) are read past.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn connections_that_never_finish_a_header_are_closed() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_HTTP_HEADER_TIMEOUT_MS", "300");
    let gateway = world.serve_http(&[]);

    let mut fresh = partial_connection(gateway.addr);
    assert!(
        closed_by_server(&mut fresh),
        "a connection with half a header was still open after {HANG_GUARD:?}"
    );

    // The same on a keep-alive connection after a complete request.
    let mut kept = TcpStream::connect(gateway.addr).unwrap();
    kept.set_read_timeout(Some(HANG_GUARD)).unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut answer = [0u8; 1024];
    let read = kept.read(&mut answer).unwrap();
    assert!(
        answer[..read].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..read])
    );
    kept.write_all(PARTIAL).unwrap();
    assert!(
        closed_by_server(&mut kept),
        "a keep-alive connection with half a second header was still open"
    );
}

/// More half-sent connections than the cap, against a gateway limited to 128 descriptors and
/// a header timeout far longer than the test: only making room at the cap can keep it
/// answering (without it the gateway runs out of descriptors and accepts nobody).
#[test]
fn healthz_and_mcp_answer_under_a_flood_of_partial_connections() {
    const CAP: usize = 32;
    const FLOOD: usize = 300;
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_HTTP_MAX_CONNECTIONS", &CAP.to_string())
        .with("LLM_GATEWAY_HTTP_HEADER_TIMEOUT_MS", "600000");
    let gateway = serve_with_fd_limit(&world, 128);

    let mut flood: Vec<TcpStream> = (0..FLOOD)
        .map(|_| partial_connection(gateway.addr))
        .collect();

    let health = http(gateway.addr, "GET", "/healthz", &[], b"");
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, r#"{"ok":true}"#),
        "{health:?}"
    );
    let bearer = format!("Bearer {TOKEN}");
    let mut headers: Vec<(&str, &str)> = MCP_POST.to_vec();
    headers.push(("Authorization", &bearer));
    let initialize = http(
        gateway.addr,
        "POST",
        "/mcp",
        &headers,
        initialize_body().as_bytes(),
    );
    assert_eq!(initialize.status, 200, "{initialize:?}");
    assert!(
        initialize.body.contains("protocolVersion"),
        "{initialize:?}"
    );

    // Connections are accepted in order and the oldest half-sent ones make room first, so all
    // but the newest `CAP` of the flood have been closed.
    let still_open: Vec<usize> = flood[..FLOOD - CAP]
        .iter_mut()
        .enumerate()
        .filter_map(|(n, stream)| (!closed_by_server(stream)).then_some(n))
        .collect();
    assert!(
        still_open.is_empty(),
        "flood connections still open: {still_open:?}"
    );
}

/// With the default cap above its descriptor limit the gateway runs out of descriptors
/// (EMFILE); it closes the oldest half-sent connections to make room instead of failing every
/// accept until they time out.
#[test]
fn running_out_of_descriptors_closes_idle_connections_instead_of_locking_out() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_HTTP_HEADER_TIMEOUT_MS", "600000");
    let gateway = serve_with_fd_limit(&world, 64);
    let _flood: Vec<TcpStream> = (0..150).map(|_| partial_connection(gateway.addr)).collect();
    let health = http(gateway.addr, "GET", "/healthz", &[], b"");
    assert_eq!(health.status, 200, "{health:?}");
    assert!(
        gateway.stderr().contains("cannot accept HTTP connections"),
        "the descriptor limit was never reached, so this test proves nothing:\n{}",
        gateway.stderr()
    );
}

/// Shutdown still stops accepting and ends: neither a half-sent header nor an idle keep-alive
/// connection holds the gateway up after SIGTERM.
#[test]
fn sigterm_ends_the_server_with_half_sent_and_idle_connections_open() {
    let world = World::new()
        .with("LLM_GATEWAY_AUTH_TOKEN", TOKEN)
        .with("LLM_GATEWAY_HTTP_HEADER_TIMEOUT_MS", "600000");
    let mut gateway = world.serve_http(&[]);
    let _half_sent = partial_connection(gateway.addr);
    let mut idle = TcpStream::connect(gateway.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut answer = [0u8; 1024];
    assert!(idle.read(&mut answer).unwrap() > 0);
    let status = gateway.terminate(HANG_GUARD);
    assert!(
        status.is_some_and(|status| status.success()),
        "after SIGTERM: {status:?}\n{}",
        gateway.stderr()
    );
}

/// `serve --http 127.0.0.1:0` with at most `limit` open file descriptors.
fn serve_with_fd_limit(world: &World, limit: u32) -> HttpGateway {
    let mut command = Command::new("sh");
    world.apply(&mut command);
    command
        .arg("-c")
        .arg(format!(
            "ulimit -n {limit} && exec \"$0\" serve --http 127.0.0.1:0"
        ))
        .arg(gateway_bin());
    HttpGateway::start(command)
}
