//! Who may see the dashboard: the person who ran `llm-cli-gateway dashboard`.
//!
//! The printed URL carries a one-time login token; `GET /?token=…` exchanges it for an
//! `HttpOnly; SameSite=Strict` session cookie and redirects to `/jobs`, so the token leaves the
//! address bar and the history. Every request must name this server in `Host` (DNS rebinding:
//! a foreign name that resolves to 127.0.0.1 is refused), any `Origin` must be this server's,
//! and a POST must carry one. Pages and their data need the session; a state change also needs
//! the session's CSRF token in the form. Refusals are plain pages that hold no data.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::App;
use crate::view::{self, notice};

/// The logged-in browser: its cookie value and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    id: String,
    pub(crate) csrf: String,
}

/// The login token (until used) and the session it became.
#[derive(Debug)]
pub(crate) struct Auth {
    login: Mutex<Option<String>>,
    session: Mutex<Option<Session>>,
    /// Cookies are per host, not per port: two dashboards must not overwrite each other's.
    cookie: String,
    port: u16,
}

/// 256 random bits (two UUIDv4, from the OS generator) as hex.
fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Equal without an early exit, so the time taken says nothing about where they differ.
pub(crate) fn same_secret(left: &str, right: &str) -> bool {
    left.len() == right.len()
        && left
            .bytes()
            .zip(right.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// `Host` names this server: `127.0.0.1:PORT` or `localhost:PORT`.
pub(crate) fn host_allowed(host: Option<&str>, port: u16) -> bool {
    host.is_some_and(|host| {
        host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}")
    })
}

/// `Origin`, when sent, is this server; unsafe methods must send one.
pub(crate) fn origin_allowed(origin: Option<&str>, method: &Method, port: u16) -> bool {
    match origin {
        Some(origin) => {
            origin == format!("http://127.0.0.1:{port}")
                || origin == format!("http://localhost:{port}")
        }
        None => method == Method::GET || method == Method::HEAD,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Auth {
    pub(crate) fn new(port: u16) -> Auth {
        Auth {
            login: Mutex::new(Some(random_token())),
            session: Mutex::new(None),
            cookie: format!("llm_gateway_dashboard_{port}"),
            port,
        }
    }

    /// The login token, for the printed URL.
    pub(crate) fn login_token(&self) -> String {
        lock(&self.login).clone().unwrap_or_default()
    }

    /// Spends the login token: a new session when `token` is it (only once).
    fn exchange(&self, token: &str) -> Option<Session> {
        let mut login = lock(&self.login);
        if !login
            .as_deref()
            .is_some_and(|expected| same_secret(expected, token))
        {
            return None;
        }
        *login = None;
        let session = Session {
            id: random_token(),
            csrf: random_token(),
        };
        *lock(&self.session) = Some(session.clone());
        Some(session)
    }

    /// The session whose cookie `headers` carry.
    fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let prefix = format!("{}=", self.cookie);
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(prefix.as_str()))?;
        lock(&self.session)
            .clone()
            .filter(|session| same_secret(&session.id, value))
    }

    /// Whether a submitted form's CSRF token is the session's.
    pub(crate) fn csrf_ok(session: &Session, submitted: &str) -> bool {
        same_secret(&session.csrf, submitted)
    }
}

#[derive(Debug, serde::Deserialize)]
struct LoginQuery {
    token: Option<String>,
}

fn refuse(status: StatusCode, title: &str, text: &str) -> Response {
    (status, notice(title, text)).into_response()
}

/// The gate in front of every route (see the module doc).
pub(crate) async fn guard(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    let port = app.auth.port;
    if !host_allowed(text(header::HOST), port) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "Wrong host",
            "This dashboard answers only to 127.0.0.1 and localhost.",
        );
    }
    if !origin_allowed(text(header::ORIGIN), request.method(), port) {
        return refuse(
            StatusCode::FORBIDDEN,
            "Foreign origin",
            "Requests from other sites are refused.",
        );
    }
    if request.uri().path().starts_with("/assets/") {
        return next.run(request).await;
    }
    if request.uri().path() == "/"
        && let Ok(Query(LoginQuery { token: Some(token) })) = Query::try_from_uri(request.uri())
    {
        return login(&app.auth, &token);
    }
    let Some(session) = app.auth.session(request.headers()) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Log in first",
            "Open the URL that `llm-cli-gateway dashboard` printed (its token works once); \
             restart the dashboard for a new one.",
        );
    };
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn login(auth: &Auth, token: &str) -> Response {
    let Some(session) = auth.exchange(token) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Login link used or wrong",
            "Each login link works once. Restart `llm-cli-gateway dashboard` for a new one.",
        );
    };
    let cookie = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/",
        auth.cookie, session.id
    );
    let mut response = Redirect::to("/jobs").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// No inline script or style, nothing from another origin, never framed, never cached; the
/// referrer only within this origin (`no-referrer` would make Chrome send `Origin: null` on
/// our own form posts); `Server-Timing` says how long the server took.
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, view::CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let timing = format!("app;dur={:.2}", started.elapsed().as_secs_f64() * 1_000.0);
    if let Ok(value) = HeaderValue::from_str(&timing) {
        headers.insert("server-timing", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_server_passes_host_and_origin() {
        let hosts = [
            (Some("127.0.0.1:4000"), true),
            (Some("localhost:4000"), true),
            (Some("127.0.0.1:4001"), false),
            (Some("evil.example:4000"), false),
            (Some("127.0.0.1"), false),
            (None, false),
        ];
        for (host, allowed) in hosts {
            assert_eq!(host_allowed(host, 4000), allowed, "{host:?}");
        }
        let origins = [
            (Some("http://127.0.0.1:4000"), Method::POST, true),
            (Some("http://localhost:4000"), Method::GET, true),
            (Some("http://evil.example"), Method::GET, false),
            (Some("null"), Method::POST, false),
            (Some("https://127.0.0.1:4000"), Method::POST, false),
            (None, Method::GET, true),
            (None, Method::POST, false),
        ];
        for (origin, method, allowed) in origins {
            assert_eq!(
                origin_allowed(origin, &method, 4000),
                allowed,
                "{origin:?} {method}"
            );
        }
    }

    #[test]
    fn the_login_token_works_once_and_the_cookie_names_the_session() {
        let auth = Auth::new(4000);
        let token = auth.login_token();
        assert!(auth.exchange("wrong").is_none());
        let session = auth
            .exchange(&token)
            .unwrap_or_else(|| panic!("login failed"));
        assert!(auth.exchange(&token).is_none(), "second use");
        let mut headers = HeaderMap::new();
        let cookie = format!("other=1; llm_gateway_dashboard_4000={}", session.id);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&cookie).unwrap_or_else(|_| panic!()),
        );
        assert!(auth.session(&headers).is_some());
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("llm_gateway_dashboard_4000=x"),
        );
        assert!(auth.session(&headers).is_none());
        assert!(Auth::csrf_ok(&session, &session.csrf));
        assert!(!Auth::csrf_ok(&session, ""));
    }
}
