//! Streamable HTTP transport with the security rules of spec §2.11: bearer token (constant-time),
//! loopback-only when auth is off, `Host`/`Origin` allowlists (DNS rebinding), an 8 MiB body cap,
//! a session cap with `retry-after`, idle-session reaping and an unauthenticated `/healthz`.
//!
//! Every HTTP session shares the one server value handed in (and so the one job service).
//! Two answers differ from rmcp's own: a request's reply comes as plain JSON when nothing else
//! precedes it (see [`json_reply`]), and a session DELETE answers 200 rather than 202.

mod json_reply;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use gateway_core::env;
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::session::local::{LocalSessionManager, SessionConfig};
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

/// Largest accepted request body; bigger bodies get 413 (prompts up to 1 MiB plus JSON overhead
/// fit with room to spare, while a runaway client cannot make us buffer without limit).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most concurrent MCP sessions; a client that leaks sessions gets 429 instead of exhausting us.
pub const MAX_SESSIONS: usize = 100;
/// Sessions with no traffic for this long are closed (clients that vanished without DELETE).
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// What `retry-after` tells a client refused for the session cap.
const RETRY_AFTER_SECS: &str = "5";

/// How callers prove who they are.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>` required on the MCP path.
    Token(String),
    /// No auth (`LLM_GATEWAY_AUTH_DISABLED=1`); only ever allowed on a loopback address.
    Disabled,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token(_) => f.write_str("Token([REDACTED])"),
            Auth::Disabled => f.write_str("Disabled"),
        }
    }
}

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub addr: SocketAddr,
    /// Path of the MCP endpoint (default `/mcp`).
    pub path: String,
    pub auth: Auth,
    /// Extra `Origin` values to accept besides loopback ones (scheme required; `:*` = any port).
    pub extra_origins: Vec<String>,
    /// Extra `Host` values to accept besides loopback names and the bind address.
    pub extra_hosts: Vec<String>,
    pub max_body_bytes: usize,
    pub max_sessions: usize,
    pub session_idle: Duration,
}

/// A configuration the gateway refuses to serve, with what to do about it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HttpConfigError {
    #[error(
        "refusing to serve HTTP on non-loopback address {0} without a bearer token: set LLM_GATEWAY_AUTH_TOKEN"
    )]
    PublicWithoutToken(IpAddr),
    #[error(
        "LLM_GATEWAY_AUTH_DISABLED=1 is only allowed on a loopback address, not {0}; set LLM_GATEWAY_AUTH_TOKEN instead"
    )]
    DisabledOnPublic(IpAddr),
    #[error(
        "HTTP requires a bearer token: set LLM_GATEWAY_AUTH_TOKEN (or LLM_GATEWAY_AUTH_DISABLED=1 on loopback for local testing)"
    )]
    NoToken,
    #[error("invalid {name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl HttpOptions {
    /// Reads the environment. `addr` from the command line wins over
    /// `LLM_GATEWAY_HTTP_HOST`/`_PORT` (defaults 127.0.0.1:3333).
    pub fn from_env(addr: Option<SocketAddr>) -> Result<HttpOptions, HttpConfigError> {
        let lookup = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        HttpOptions::from_lookup(addr, lookup)
    }

    /// [`HttpOptions::from_env`] over any variable source (tests pass a map).
    pub fn from_lookup(
        addr: Option<SocketAddr>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<HttpOptions, HttpConfigError> {
        let addr = match addr {
            Some(addr) => addr,
            None => default_addr(&lookup)?,
        };
        let path = lookup(env::HTTP_PATH).unwrap_or_else(|| "/mcp".to_owned());
        if !path.starts_with('/') || path.len() < 2 || path.contains(['?', '#']) {
            return Err(HttpConfigError::Invalid {
                name: env::HTTP_PATH,
                message: format!("{path:?} must be an absolute path like /mcp"),
            });
        }
        let disabled = lookup(env::AUTH_DISABLED).is_some_and(|value| value.trim() == "1");
        let token = lookup(env::AUTH_TOKEN);
        let auth = decide_auth(addr.ip(), token, disabled)?;
        Ok(HttpOptions {
            addr,
            path,
            auth,
            extra_origins: split_list(lookup(env::ALLOWED_ORIGINS)),
            extra_hosts: split_list(lookup(env::ALLOWED_HOSTS)),
            max_body_bytes: MAX_BODY_BYTES,
            max_sessions: MAX_SESSIONS,
            session_idle: SESSION_IDLE,
        })
    }

    fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        let ip = self.addr.ip();
        if !ip.is_loopback() && !ip.is_unspecified() {
            hosts.push(ip.to_string());
        }
        hosts.extend(self.extra_hosts.iter().cloned());
        hosts
    }

    fn allowed_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> =
            ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"]
                .into_iter()
                .map(str::to_owned)
                .collect();
        origins.extend(self.extra_origins.iter().cloned());
        origins
    }
}

fn default_addr(lookup: &impl Fn(&str) -> Option<String>) -> Result<SocketAddr, HttpConfigError> {
    let host = lookup(env::HTTP_HOST).unwrap_or_else(|| "127.0.0.1".to_owned());
    let ip: IpAddr = host.trim().parse().map_err(|_| HttpConfigError::Invalid {
        name: env::HTTP_HOST,
        message: format!("{host:?} is not an IP address"),
    })?;
    let port = match lookup(env::HTTP_PORT) {
        Some(port) => port
            .trim()
            .parse::<u16>()
            .map_err(|_| HttpConfigError::Invalid {
                name: env::HTTP_PORT,
                message: format!("{port:?} is not a port number"),
            })?,
        None => 3333,
    };
    Ok(SocketAddr::new(ip, port))
}

/// The auth rules: a token always works; "disabled" only on loopback; no token on a public
/// address is refused outright.
fn decide_auth(ip: IpAddr, token: Option<String>, disabled: bool) -> Result<Auth, HttpConfigError> {
    match (token, disabled) {
        (_, true) if !ip.is_loopback() => Err(HttpConfigError::DisabledOnPublic(ip)),
        (_, true) => Ok(Auth::Disabled),
        (Some(token), false) => Ok(Auth::Token(token)),
        (None, false) if !ip.is_loopback() => Err(HttpConfigError::PublicWithoutToken(ip)),
        (None, false) => Err(HttpConfigError::NoToken),
    }
}

fn split_list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

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

    /// Serves until `shutdown` completes, then stops accepting and closes every session.
    pub async fn serve<S>(
        self,
        server: S,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()>
    where
        S: ServerHandler + Clone + Send + 'static,
    {
        let cancel = CancellationToken::new();
        let router = router(server, &self.options, cancel.clone());
        axum::serve(self.listener, router)
            .with_graceful_shutdown(async move {
                shutdown.await;
                cancel.cancel();
            })
            .await
    }
}

#[derive(Clone)]
struct Guard {
    auth: Arc<Auth>,
    sessions: Arc<LocalSessionManager>,
    max_sessions: usize,
}

/// The axum router: `/healthz` open, the MCP path behind auth and the session cap.
pub fn router<S>(server: S, options: &HttpOptions, cancel: CancellationToken) -> Router
where
    S: ServerHandler + Clone + Send + 'static,
{
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
    let service = StreamableHttpService::new(move || Ok(server.clone()), sessions.clone(), config);
    let guard = Guard {
        auth: Arc::new(options.auth.clone()),
        sessions,
        max_sessions: options.max_sessions,
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

/// Auth first (so nothing about the server leaks to strangers), then the session cap, then
/// rmcp, whose answer [`adjust_answer`] may adjust.
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
    adjust_answer(&method, legacy, next.run(request).await).await
}

/// Where our answers differ from rmcp's (see the module docs).
async fn adjust_answer(method: &Method, legacy: bool, mut response: Response) -> Response {
    match *method {
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
    use std::collections::HashMap;

    use super::*;

    fn options(vars: &[(&str, &str)], addr: Option<&str>) -> Result<HttpOptions, HttpConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        HttpOptions::from_lookup(addr.map(|a| a.parse().unwrap()), |name| {
            map.get(name).cloned()
        })
    }

    #[test]
    fn auth_rules_table() {
        let public: IpAddr = "10.1.2.3".parse().unwrap();
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let token = || Some("s3cret".to_owned());
        let cases = [
            (loopback, token(), false, Ok(Auth::Token("s3cret".into()))),
            (public, token(), false, Ok(Auth::Token("s3cret".into()))),
            (loopback, None, true, Ok(Auth::Disabled)),
            (loopback, token(), true, Ok(Auth::Disabled)),
            (
                public,
                None,
                true,
                Err(HttpConfigError::DisabledOnPublic(public)),
            ),
            (
                public,
                token(),
                true,
                Err(HttpConfigError::DisabledOnPublic(public)),
            ),
            (
                public,
                None,
                false,
                Err(HttpConfigError::PublicWithoutToken(public)),
            ),
            (loopback, None, false, Err(HttpConfigError::NoToken)),
        ];
        for (ip, token, disabled, expected) in cases {
            assert_eq!(
                decide_auth(ip, token, disabled),
                expected,
                "{ip} disabled={disabled}"
            );
        }
    }

    #[test]
    fn env_defaults_and_overrides() {
        let defaults = options(&[(env::AUTH_TOKEN, "t")], None).unwrap();
        assert_eq!(defaults.addr.to_string(), "127.0.0.1:3333");
        assert_eq!(defaults.path, "/mcp");
        let custom = options(
            &[
                (env::AUTH_TOKEN, "t"),
                (env::HTTP_HOST, "::1"),
                (env::HTTP_PORT, "0"),
                (env::HTTP_PATH, "/x"),
                (env::ALLOWED_ORIGINS, "https://app.example:443, ,http://b:*"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(custom.addr.to_string(), "[::1]:0");
        assert_eq!(custom.path, "/x");
        assert_eq!(
            custom.extra_origins,
            vec!["https://app.example:443", "http://b:*"]
        );
        let from_flag = options(&[(env::AUTH_TOKEN, "t")], Some("127.0.0.1:9")).unwrap();
        assert_eq!(from_flag.addr.port(), 9);
    }

    #[test]
    fn bad_env_values_name_the_variable() {
        let err = options(&[(env::AUTH_TOKEN, "t"), (env::HTTP_PORT, "http")], None).unwrap_err();
        assert!(err.to_string().contains(env::HTTP_PORT), "{err}");
        let err = options(
            &[(env::AUTH_TOKEN, "t"), (env::HTTP_HOST, "localhost")],
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains(env::HTTP_HOST), "{err}");
        let err = options(&[(env::AUTH_TOKEN, "t"), (env::HTTP_PATH, "mcp")], None).unwrap_err();
        assert!(err.to_string().contains(env::HTTP_PATH), "{err}");
    }

    #[test]
    fn token_never_shows_in_debug() {
        let shown = format!(
            "{:?}",
            options(&[(env::AUTH_TOKEN, "s3cret-value")], None).unwrap()
        );
        assert!(!shown.contains("s3cret-value"), "{shown}");
    }

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
