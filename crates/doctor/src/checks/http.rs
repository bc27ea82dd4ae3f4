//! HTTP settings check: the bind `serve --http` would use, whether a token is configured, and
//! who could reach it. Mirrors the rules `serve` enforces (loopback by default; a token is
//! required; no token or disabled auth on a non-loopback address is refused) so doctor can say
//! so before the user finds out. The token itself is never read beyond "is it set".

use std::net::IpAddr;

use gateway_core::env;

use crate::options::DoctorOptions;
use crate::report::{Exposure, HttpCheck, Status};

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 3333;
/// Tokens shorter than this are easy to guess; worth a warning when the port is reachable.
const MIN_TOKEN_CHARS: usize = 16;

pub(crate) fn check(options: &DoctorOptions) -> HttpCheck {
    let host = options
        .var(env::HTTP_HOST)
        .unwrap_or(DEFAULT_HOST)
        .trim()
        .to_owned();
    let path = options
        .var(env::HTTP_PATH)
        .unwrap_or("/mcp")
        .trim()
        .to_owned();
    let token = options.var(env::AUTH_TOKEN).map(str::trim);
    // Same test as `serve`: only the exact value 1 disables auth.
    let auth_disabled = options
        .var(env::AUTH_DISABLED)
        .is_some_and(|value| value.trim() == "1");
    let port = match options.var(env::HTTP_PORT) {
        None => Ok(DEFAULT_PORT),
        Some(value) => value.trim().parse::<u16>().map_err(|_| {
            format!(
                "{} is not a port number; set it to e.g. {DEFAULT_PORT}",
                env::HTTP_PORT
            )
        }),
    };
    let mut check = HttpCheck {
        status: Status::Ok,
        host: host.clone(),
        port: port.as_ref().ok().copied(),
        path: path.clone(),
        url: None,
        exposure: Exposure::Misconfigured,
        token_configured: token.is_some(),
        auth_disabled,
        ready: false,
        detail: String::new(),
    };
    let ip = host.parse::<IpAddr>().map_err(|_| {
        format!(
            "{}={host:?} is not an IP address (use 127.0.0.1, ::1 or 0.0.0.0)",
            env::HTTP_HOST
        )
    });
    let (ip, port) = match (ip, port) {
        (Ok(ip), Ok(port)) => (ip, port),
        (Err(problem), _) | (_, Err(problem)) => return misconfigured(check, problem),
    };
    if !path.starts_with('/') || path.len() < 2 || path.contains(['?', '#']) {
        return misconfigured(
            check,
            format!(
                "{}={path:?} must be an absolute path like /mcp",
                env::HTTP_PATH
            ),
        );
    }
    check.url = Some(match ip {
        IpAddr::V4(_) => format!("http://{ip}:{port}{path}"),
        IpAddr::V6(_) => format!("http://[{ip}]:{port}{path}"),
    });
    classify(check, ip.is_loopback(), token)
}

fn classify(mut check: HttpCheck, loopback: bool, token: Option<&str>) -> HttpCheck {
    let bind = format!("{}:{}", check.host, check.port.unwrap_or(DEFAULT_PORT));
    match (loopback, check.auth_disabled, token) {
        (false, true, _) => misconfigured(
            check,
            format!(
                "{}=1 on {bind} would let anyone on the network run CLIs; serve refuses it",
                env::AUTH_DISABLED
            ),
        ),
        (false, false, None) => misconfigured(
            check,
            format!(
                "{bind} is reachable from the network but {} is not set; serve refuses it",
                env::AUTH_TOKEN
            ),
        ),
        (false, false, Some(token)) => {
            check.exposure = Exposure::Lan;
            check.ready = true;
            check.status = Status::Warn;
            check.detail = if token.chars().count() < MIN_TOKEN_CHARS {
                format!(
                    "{bind} is reachable from the network and the token is shorter than {MIN_TOKEN_CHARS} characters"
                )
            } else {
                format!(
                    "{bind} is reachable from the network (bearer token required; add TLS in front for remote use)"
                )
            };
            check
        }
        (true, true, _) => {
            check.exposure = Exposure::LocalOnly;
            check.ready = true;
            check.status = Status::Warn;
            check.detail = format!("{bind}, auth disabled: any local process can call the gateway");
            check
        }
        (true, false, Some(_)) => {
            check.exposure = Exposure::LocalOnly;
            check.ready = true;
            check.detail = format!("{bind}, bearer token required");
            check
        }
        (true, false, None) => {
            check.exposure = Exposure::LocalOnly;
            check.status = Status::Info;
            check.detail = format!(
                "{bind}: stdio works; serve --http needs {} first",
                env::AUTH_TOKEN
            );
            check
        }
    }
}

fn misconfigured(mut check: HttpCheck, problem: String) -> HttpCheck {
    check.exposure = Exposure::Misconfigured;
    check.ready = false;
    check.status = Status::Error;
    check.detail = problem;
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_follows_the_serve_rules() {
        let token = "0123456789abcdef0123";
        type Case<'a> = (&'a [(&'a str, &'a str)], Exposure, Status, bool);
        let cases: [Case<'_>; 9] = [
            (&[], Exposure::LocalOnly, Status::Info, false),
            (
                &[("LLM_GATEWAY_AUTH_TOKEN", token)],
                Exposure::LocalOnly,
                Status::Ok,
                true,
            ),
            (
                &[("LLM_GATEWAY_AUTH_DISABLED", "1")],
                Exposure::LocalOnly,
                Status::Warn,
                true,
            ),
            (
                &[("LLM_GATEWAY_HTTP_HOST", "0.0.0.0")],
                Exposure::Misconfigured,
                Status::Error,
                false,
            ),
            (
                &[
                    ("LLM_GATEWAY_HTTP_HOST", "0.0.0.0"),
                    ("LLM_GATEWAY_AUTH_DISABLED", "1"),
                ],
                Exposure::Misconfigured,
                Status::Error,
                false,
            ),
            (
                &[
                    ("LLM_GATEWAY_HTTP_HOST", "192.168.1.5"),
                    ("LLM_GATEWAY_AUTH_TOKEN", token),
                ],
                Exposure::Lan,
                Status::Warn,
                true,
            ),
            (
                &[
                    ("LLM_GATEWAY_HTTP_HOST", "::1"),
                    ("LLM_GATEWAY_AUTH_TOKEN", token),
                ],
                Exposure::LocalOnly,
                Status::Ok,
                true,
            ),
            (
                &[("LLM_GATEWAY_HTTP_HOST", "localhost")],
                Exposure::Misconfigured,
                Status::Error,
                false,
            ),
            (
                &[("LLM_GATEWAY_HTTP_PORT", "99999")],
                Exposure::Misconfigured,
                Status::Error,
                false,
            ),
        ];
        for (vars, exposure, status, ready) in cases {
            let mut options = DoctorOptions::isolated("", "/home/u");
            options.env = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let check = check(&options);
            assert_eq!(
                (check.exposure, check.status, check.ready),
                (exposure, status, ready),
                "{vars:?}: {}",
                check.detail
            );
            assert!(!check.detail.contains(token), "the token must never appear");
        }
    }

    #[test]
    fn urls_bracket_ipv6() {
        let mut options = DoctorOptions::isolated("", "/home/u");
        options
            .env
            .insert("LLM_GATEWAY_HTTP_HOST".into(), "::1".into());
        assert_eq!(
            check(&options).url.as_deref(),
            Some("http://[::1]:3333/mcp")
        );
    }
}
