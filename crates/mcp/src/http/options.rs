//! Settings of the HTTP transport, read from the environment, and the configurations the
//! gateway refuses to serve.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use gateway_core::env;

/// Largest accepted request body; bigger bodies get 413 (prompts up to 1 MiB plus JSON overhead
/// fit with room to spare, while a runaway client cannot make us buffer without limit).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most concurrent MCP sessions; a client that leaks sessions gets 429 instead of exhausting us.
pub const MAX_SESSIONS: usize = 100;
/// Sessions with no traffic for this long are closed (clients that vanished without DELETE).
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// Time a connection has to send a whole request header (and how long an idle keep-alive
/// connection is kept): real clients send theirs at once, a slowloris never finishes.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// Time an MCP POST has to deliver its whole body: 8 MiB even over a slow link, while a client
/// that trickles bytes cannot hold a request open for ever.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// Most open connections. Far above what real clients need (100 sessions, each with a stream
/// and a call or two), and well under the usual 1024 file descriptors, so a flood of idle
/// connections cannot exhaust them; at the cap the oldest idle connection makes room.
pub const MAX_CONNECTIONS: usize = 512;
/// Shortest bearer token accepted on a non-loopback address (a guessable token is no auth).
pub const MIN_PUBLIC_TOKEN_CHARS: usize = 16;

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
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
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
    #[error(
        "LLM_GATEWAY_AUTH_TOKEN is too short for non-loopback address {0}: use at least {MIN_PUBLIC_TOKEN_CHARS} characters (e.g. `openssl rand -hex 32`)"
    )]
    ShortToken(IpAddr),
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
            header_timeout: millis(&lookup, env::HTTP_HEADER_TIMEOUT_MS, HEADER_TIMEOUT)?,
            body_timeout: millis(&lookup, env::HTTP_BODY_TIMEOUT_MS, BODY_TIMEOUT)?,
            max_connections: count(&lookup, env::HTTP_MAX_CONNECTIONS, MAX_CONNECTIONS)?,
        })
    }

    pub(super) fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        let ip = self.addr.ip();
        if !ip.is_loopback() && !ip.is_unspecified() {
            hosts.push(ip.to_string());
        }
        hosts.extend(self.extra_hosts.iter().cloned());
        hosts
    }

    pub(super) fn allowed_origins(&self) -> Vec<String> {
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

/// A positive number of milliseconds from `name`, else `default`.
fn millis(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<Duration, HttpConfigError> {
    let millis = count(lookup, name, 0)?;
    Ok(match millis {
        0 => default,
        millis => Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX)),
    })
}

/// A positive integer from `name`, else `default`.
fn count(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
) -> Result<usize, HttpConfigError> {
    let Some(text) = lookup(name) else {
        return Ok(default);
    };
    match text.trim().parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(HttpConfigError::Invalid {
            name,
            message: format!("{text:?} is not a positive integer"),
        }),
    }
}

/// The auth rules: a token works (on a public address only a long one); "disabled" only on
/// loopback; no token on a public address is refused outright.
fn decide_auth(ip: IpAddr, token: Option<String>, disabled: bool) -> Result<Auth, HttpConfigError> {
    match (token, disabled) {
        (_, true) if !ip.is_loopback() => Err(HttpConfigError::DisabledOnPublic(ip)),
        (_, true) => Ok(Auth::Disabled),
        (Some(token), false) if is_short(&token) && !ip.is_loopback() => {
            Err(HttpConfigError::ShortToken(ip))
        }
        (Some(token), false) => {
            if is_short(&token) {
                tracing::warn!(
                    "LLM_GATEWAY_AUTH_TOKEN is shorter than {MIN_PUBLIC_TOKEN_CHARS} characters: \
                     accepted on loopback, refused on any other address"
                );
            }
            Ok(Auth::Token(token))
        }
        (None, false) if !ip.is_loopback() => Err(HttpConfigError::PublicWithoutToken(ip)),
        (None, false) => Err(HttpConfigError::NoToken),
    }
}

fn is_short(token: &str) -> bool {
    token.trim().chars().count() < MIN_PUBLIC_TOKEN_CHARS
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
        let token = || Some("s3cret-0123456789".to_owned());
        let short = || Some("s3cret-01234567".to_owned());
        let cases = [
            (loopback, token(), false, Ok(Auth::Token(token().unwrap()))),
            (public, token(), false, Ok(Auth::Token(token().unwrap()))),
            (loopback, short(), false, Ok(Auth::Token(short().unwrap()))),
            (
                public,
                short(),
                false,
                Err(HttpConfigError::ShortToken(public)),
            ),
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
    fn a_short_token_on_a_public_address_names_the_variable() {
        let err = options(&[(env::AUTH_TOKEN, "tiny")], Some("0.0.0.0:0")).unwrap_err();
        assert!(err.to_string().contains(env::AUTH_TOKEN), "{err}");
        assert!(!err.to_string().contains("tiny"), "token echoed: {err}");
    }

    #[test]
    fn connection_limits_default_and_come_from_env() {
        let defaults = options(&[(env::AUTH_TOKEN, "t")], None).unwrap();
        assert_eq!(
            (
                defaults.header_timeout,
                defaults.body_timeout,
                defaults.max_connections
            ),
            (HEADER_TIMEOUT, BODY_TIMEOUT, MAX_CONNECTIONS)
        );
        let custom = options(
            &[
                (env::AUTH_TOKEN, "t"),
                (env::HTTP_HEADER_TIMEOUT_MS, "250"),
                (env::HTTP_BODY_TIMEOUT_MS, "1500"),
                (env::HTTP_MAX_CONNECTIONS, "8"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            (
                custom.header_timeout,
                custom.body_timeout,
                custom.max_connections
            ),
            (Duration::from_millis(250), Duration::from_millis(1500), 8)
        );
        for name in [env::HTTP_HEADER_TIMEOUT_MS, env::HTTP_MAX_CONNECTIONS] {
            for bad in ["0", "-1", "lots"] {
                let err = options(&[(env::AUTH_TOKEN, "t"), (name, bad)], None).unwrap_err();
                assert!(err.to_string().contains(name), "{err}");
            }
        }
    }
}
