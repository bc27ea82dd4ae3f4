//! Streamable HTTP transport with the security rules of spec §2.11: bearer token (constant-time),
//! loopback-only when auth is off, `Host`/`Origin` allowlists (DNS rebinding), an 8 MiB body cap
//! (refused from `Content-Length` alone), header and body read timeouts, a connection cap that
//! makes room by closing idle connections (see [`listen`]), a session cap with `retry-after`,
//! idle-session reaping and an unauthenticated `/healthz`.
//!
//! Every HTTP session shares the one server value handed in (and so the one job service).
//! Some answers differ from rmcp's own: a request's reply comes as plain JSON when nothing else
//! precedes it (see [`json_reply`]), a session DELETE answers 200 rather than 202, and a body
//! that is not one JSON-RPC message gets 400 with a JSON-RPC error rather than 415 (see
//! [`body`]).

mod body;
mod json_reply;
mod listen;
mod options;
mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::{LocalSessionManager, SessionConfig};
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use options::{
    Auth, BODY_TIMEOUT, HEADER_TIMEOUT, HttpConfigError, HttpOptions, MAX_BODY_BYTES,
    MAX_CONNECTIONS, MAX_SESSIONS, MIN_PUBLIC_TOKEN_CHARS, SESSION_IDLE,
};

/// What `retry-after` tells a client refused for the session cap.
const RETRY_AFTER_SECS: &str = "5";
/// Most of rmcp's own refusal text kept in the JSON-RPC error that replaces it.
const RMCP_REASON_BYTES: usize = 4096;

/// A bound listener, ready to serve. Binding is separate so the caller can print the real
/// address (port 0 picks a free port) before serving.
pub struct BoundHttp {
    listener: tokio::net::TcpListener,
    options: HttpOptions,
}

impl BoundHttp {
    /// Binds `options.addr`.
    pub async fn bind(options: HttpOptions) -> std::io::Result<BoundHttp> {
        let listener = tokio::net::TcpListener::bind(options.addr).await?;
        Ok(BoundHttp { listener, options })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn path(&self) -> &str {
        &self.options.path
    }

    /// Serves until `shutdown` completes, then stops accepting, closes every session and idle
    /// connection, and waits (boundedly) for requests in flight.
    pub async fn serve(
        self,
        server: crate::Server,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let cancel = CancellationToken::new();
        let router = router(server, &self.options, cancel.clone());
        let limits = listen::Limits {
            max_connections: self.options.max_connections,
            header_timeout: self.options.header_timeout,
        };
        let serving = listen::serve(self.listener, router, limits, cancel.clone());
        let signal = async move {
            shutdown.await;
            cancel.cancel();
        };
        tokio::join!(serving, signal);
        Ok(())
    }
}

#[derive(Clone)]
struct Guard {
    auth: Arc<Auth>,
    sessions: Arc<LocalSessionManager>,
    max_sessions: usize,
    max_body_bytes: usize,
    body_timeout: Duration,
}

/// The axum router: `/healthz` open, the MCP path behind auth and the session cap.
pub fn router(server: crate::Server, options: &HttpOptions, cancel: CancellationToken) -> Router {
    let mut session_config = SessionConfig::default();
    session_config.keep_alive = Some(options.session_idle);
    let mut manager = LocalSessionManager::default();
    manager.session_config = session_config;
    let sessions = Arc::new(manager);
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(options.allowed_hosts())
        .with_allowed_origins(options.allowed_origins())
        .enforce_origin_validation()
        .with_max_request_body_bytes(options.max_body_bytes)
        .with_cancellation_token(cancel);
    // One server value for every session: all of them share the same job service.
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(sessions::Sessions(sessions.clone())),
        config,
    );
    let guard = Guard {
        auth: Arc::new(options.auth.clone()),
        sessions,
        max_sessions: options.max_sessions,
        max_body_bytes: options.max_body_bytes,
        body_timeout: options.body_timeout,
    };
    // `route_layer` wraps only the routes added before it: `/healthz` stays open.
    Router::new()
        .route_service(&options.path, service)
        .route_layer(middleware::from_fn_with_state(guard, guard_mcp))
        .route("/healthz", axum::routing::any(healthz))
}

/// Liveness only: says nothing about load, jobs or memory to unauthenticated callers.
async fn healthz() -> Response {
    let mut response = Response::new(Body::from(r#"{"ok":true}"#));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Auth first (so nothing about the server leaks to strangers), then the session cap, then the
/// body checks of [`body`], then rmcp, whose answer [`adjust_answer`] may adjust.
async fn guard_mcp(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if let Auth::Token(expected) = guard.auth.as_ref()
        && !bearer_matches(request.headers().get(header::AUTHORIZATION), expected)
    {
        return unauthorized();
    }
    if opens_session(&request) && guard.sessions.sessions.read().await.len() >= guard.max_sessions {
        return too_many_sessions(guard.max_sessions);
    }
    let method = request.method().clone();
    let legacy = !is_stateless(request.headers());
    let (request, json_id) = match method {
        Method::POST => {
            match body::check_post(request, guard.max_body_bytes, guard.body_timeout).await {
                Err(refusal) => return refusal.into_response(),
                Ok(body::Post::Checked { request, id }) => (request, Some(id)),
                Ok(body::Post::NotJson(request)) => (request, None),
            }
        }
        _ => (request, None),
    };
    let response = next.run(request).await;
    adjust_answer(&method, legacy, json_id, response).await
}

/// Where our answers differ from rmcp's (see the module docs). `json_id` is the id of a POST
/// body already known to be one JSON object.
async fn adjust_answer(
    method: &Method,
    legacy: bool,
    json_id: Option<Value>,
    mut response: Response,
) -> Response {
    match *method {
        // rmcp says 415 to JSON that is not a message it knows (no method, a wrong field type).
        Method::POST if response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE => match json_id {
            Some(id) => not_a_message(response, id).await,
            None => response,
        },
        // rmcp says 202 Accepted; the Python SDK wants 200 or 204 and logs "Session termination
        // failed: 202" otherwise. The session is gone by now, so 200 is the truth.
        Method::DELETE if response.status() == StatusCode::ACCEPTED => {
            *response.status_mut() = StatusCode::OK;
            response
        }
        // Stateless (2026-07-28) requests are canceled by closing their SSE stream: left alone.
        Method::POST if legacy && is_event_stream(&response) => {
            json_reply::prefer_json(response).await
        }
        _ => response,
    }
}

/// rmcp's 415 for a JSON object that is no valid message, as a 400 with -32600 and its reason.
async fn not_a_message(response: Response, id: Value) -> Response {
    let reason = axum::body::to_bytes(response.into_body(), RMCP_REASON_BYTES)
        .await
        .unwrap_or_default();
    let reason = String::from_utf8_lossy(&reason);
    let reason = reason
        .trim_start_matches("fail to deserialize request body")
        .trim();
    let message = format!("invalid JSON-RPC request: {reason}");
    body::invalid_request(&message, id)
}

fn is_event_stream(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"))
}

/// True for requests of the stateless 2026-07-28 protocol (no sessions).
fn is_stateless(headers: &HeaderMap) -> bool {
    headers
        .get("mcp-protocol-version")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|version| version >= "2026-07-28")
}

/// True for a request that would create a new legacy session: a POST without a session id that
/// does not use the stateless 2026-07-28 protocol.
fn opens_session(request: &Request) -> bool {
    let headers = request.headers();
    if request.method() != Method::POST || headers.contains_key("mcp-session-id") {
        return false;
    }
    let stateless = is_stateless(headers);
    let method_is_initialize = headers
        .get("mcp-method")
        .and_then(|value| value.to_str().ok())
        .is_none_or(|method| method == "initialize");
    !stateless && method_is_initialize
}

fn bearer_matches(header: Option<&HeaderValue>, expected: &str) -> bool {
    let Some(value) = header.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    else {
        return false;
    };
    constant_time_eq(token.trim().as_bytes(), expected.as_bytes())
}

/// Compares without an early exit, so response timing does not reveal how much of a guessed
/// token was right. (The length is not secret.)
pub fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn unauthorized() -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"error":"unauthorized: send Authorization: Bearer <LLM_GATEWAY_AUTH_TOKEN>"}"#,
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="llm-cli-gateway""#),
    );
    response
}

fn too_many_sessions(max: usize) -> Response {
    let body = format!(
        r#"{{"error":"session capacity reached ({max}); close idle sessions or retry later","code":"session_capacity","retryable":true}}"#
    );
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::RETRY_AFTER, RETRY_AFTER_SECS),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_constant_time_compare() {
        let header = |v: &str| HeaderValue::from_str(v).unwrap();
        assert!(bearer_matches(Some(&header("Bearer abc")), "abc"));
        assert!(!bearer_matches(Some(&header("Bearer abd")), "abc"));
        assert!(!bearer_matches(Some(&header("Bearer ab")), "abc"));
        assert!(!bearer_matches(Some(&header("Basic abc")), "abc"));
        assert!(!bearer_matches(None, "abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"a", b""));
    }
}
