//! The PostgreSQL store through the real binary (issue 17, items 3 and 4): `doctor` reports the
//! backend, whether the server is reachable (with its reason when not) and the schema version;
//! `serve` (stdio and HTTP) refuses a bad store URL at once with one message naming the
//! setting to fix. The password appears in no output, ever.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use gateway_test_support::{PgServer, test_database};
use serde_json::Value;

use super::{LONG, assert_valid, gateway_process};

const DATABASE_URL: &str = "LLM_GATEWAY_DATABASE_URL";

/// The password of `postgres://user:password@host…`.
fn password_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let userinfo = rest.split_once('@').unwrap().0;
    userinfo.split_once(':').unwrap().1.to_owned()
}

/// `url` with its password replaced by `password`.
fn with_password(url: &str, password: &str) -> String {
    url.replacen(
        &format!(":{}@", password_of(url)),
        &format!(":{password}@"),
        1,
    )
}

/// `url` naming database `name` instead.
fn with_database(url: &str, name: &str) -> String {
    format!("{}/{name}", url.rsplit_once('/').unwrap().0)
}

/// `url` with port `port` instead.
fn with_port(url: &str, port: &str) -> String {
    let (head, tail) = url.rsplit_once('/').unwrap();
    let host = head.rsplit_once(':').unwrap().0;
    format!("{host}:{port}/{tail}")
}

/// A port nobody listens on (bound and released a moment ago).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// No password appears in stdout or stderr.
fn assert_no_password(output: &Output, passwords: &[&str]) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        for password in passwords {
            assert!(!text.contains(password), "a password leaked: {text}");
        }
    }
}

/// `doctor [--json]` in `dir` with one logged-in fake CLI (so the store decides the exit
/// code), an empty home, `config` as the gateway's `config.toml` and exactly `env` besides.
fn run_doctor(dir: &Path, env: &[(&str, &str)], config: Option<&str>, json: bool) -> Output {
    let bin = dir.join("bin");
    let data = dir.join("data");
    for made in [&bin, &data, &dir.join("home")] {
        std::fs::create_dir_all(made).unwrap();
    }
    let grok = bin.join("grok");
    if !grok.exists() {
        std::os::unix::fs::symlink(gateway_test_support::fake_agent_bin(), grok).unwrap();
    }
    if let Some(config) = config {
        std::fs::write(data.join("config.toml"), config).unwrap();
    }
    let mut command = assert_cmd::Command::cargo_bin("llm-cli-gateway").unwrap();
    command
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", dir.join("home"))
        .env("LLM_GATEWAY_HOME", &data)
        .env("XAI_API_KEY", "x")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .current_dir(dir)
        .args(["doctor", "--no-status-commands"]);
    if json {
        command.arg("--json");
    }
    command.timeout(LONG).output().unwrap()
}

/// [`run_doctor`] with `--json`: the envelope, checked against the shipped schema, and the
/// exit code.
fn doctor_json(dir: &Path, env: &[(&str, &str)], config: Option<&str>) -> (Value, Output) {
    let output = run_doctor(dir, env, config, true);
    let envelope: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not one JSON document ({error}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_valid(&envelope);
    (envelope, output)
}

#[test]
fn doctor_reports_a_healthy_postgres_store_its_schema_and_never_the_password() {
    let url = test_database();
    let password = password_of(&url);
    let dir = tempfile::tempdir().unwrap();
    // An empty database: reachable, its tables still to come; doctor creates nothing.
    let (envelope, output) = doctor_json(dir.path(), &[(DATABASE_URL, &url)], None);
    assert_no_password(&output, &[&password]);
    assert_eq!(output.status.code(), Some(0), "{envelope:#}");
    let store = &envelope["data"]["store"];
    assert_eq!(store["reachable"], true, "{store:#}");
    assert_eq!(store["schemaVersion"], Value::Null, "{store:#}");
    assert!(
        store["detail"]
            .as_str()
            .unwrap()
            .contains("will be created on first start"),
        "{store:#}"
    );
    // As a gateway's first start leaves it.
    gateway_store::Store::open(&gateway_store::StoreOptions::at(
        gateway_store::Location::Postgres(url.clone()),
    ))
    .unwrap();
    let (envelope, output) = doctor_json(dir.path(), &[(DATABASE_URL, &url)], None);
    assert_no_password(&output, &[&password]);
    assert_eq!(output.status.code(), Some(0), "{envelope:#}");
    let store = &envelope["data"]["store"];
    assert_eq!(store["backend"], "postgres", "{store:#}");
    assert_eq!(store["source"], DATABASE_URL);
    assert_eq!(store["status"], "ok");
    assert_eq!(store["reachable"], true);
    assert_eq!(store["canOpen"], true);
    assert_eq!(store["path"], Value::Null);
    assert_eq!(store["url"], with_password(&url, "***"));
    assert_eq!(envelope["meta"]["store"], store["url"]);
    let binary = store["binarySchemaVersion"].as_i64().unwrap();
    assert!(binary >= 1, "{store:#}");
    assert_eq!(store["schemaVersion"].as_i64(), Some(binary));
    assert_eq!(store["jobCounts"]["running"], 0);
    let detail = store["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("PostgreSQL, schema {binary}")),
        "{detail}"
    );

    // The same database named by `[store] url` in config.toml; the human report says it too.
    let config = format!("[store]\nurl = \"{url}\"\n");
    let (envelope, output) = doctor_json(dir.path(), &[], Some(&config));
    assert_no_password(&output, &[&password]);
    assert_eq!(envelope["data"]["store"]["source"], "store.url");
    assert_eq!(envelope["data"]["store"]["reachable"], true);
    let output = run_doctor(dir.path(), &[], Some(&config), false);
    assert_no_password(&output, &[&password]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!(
            "{} (PostgreSQL, schema {binary}",
            with_password(&url, "***")
        )),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(0), "{text}");
}

#[test]
fn doctor_reports_an_unreachable_postgres_store_with_the_servers_reason() {
    let server = PgServer::start();
    let url = server.create_database("gateway");
    let password = server.password().to_owned();
    let wrong = format!("not-{password}");
    let dir = tempfile::tempdir().unwrap();
    // Each case: the URL, the server's reason, the fix doctor names.
    let cases = [
        (
            with_password(&url, &wrong),
            "password authentication failed",
            "user or password in LLM_GATEWAY_DATABASE_URL",
        ),
        (
            with_database(&url, "no_such_db"),
            "database \"no_such_db\" does not exist",
            "createdb",
        ),
    ];
    for (bad, reason, fix) in &cases {
        unreachable(dir.path(), bad, reason, fix, &[&password, &wrong]);
    }
    // The server goes away: the connection is refused.
    server.stop();
    unreachable(
        dir.path(),
        &url,
        "Connection refused",
        "start the PostgreSQL server, or fix the host and port in LLM_GATEWAY_DATABASE_URL",
        &[&password],
    );
}

/// Doctor on `url` reports the store unreachable with `reason`, names `fix`, exits 1 and shows
/// no password.
fn unreachable(dir: &Path, url: &str, reason: &str, fix: &str, passwords: &[&str]) {
    let (envelope, output) = doctor_json(dir, &[(DATABASE_URL, url)], None);
    assert_no_password(&output, passwords);
    assert_eq!(output.status.code(), Some(1), "{envelope:#}");
    assert_eq!(envelope["ok"], false);
    let store = &envelope["data"]["store"];
    assert_eq!(store["backend"], "postgres", "{store:#}");
    assert_eq!(store["status"], "error");
    assert_eq!(store["reachable"], false);
    assert_eq!(store["canOpen"], false);
    assert_eq!(store["schemaVersion"], Value::Null);
    let detail = store["detail"].as_str().unwrap();
    assert!(detail.contains(reason), "{detail}");
    let actions = envelope["data"]["nextActions"].to_string();
    assert!(actions.contains(fix), "{actions}");
    let output = run_doctor(dir, &[(DATABASE_URL, url)], None, false);
    assert_no_password(&output, passwords);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains(reason));
}

#[test]
fn doctor_on_sqlite_reports_the_backend_and_no_reachability() {
    let dir = tempfile::tempdir().unwrap();
    let (envelope, output) = doctor_json(dir.path(), &[], None);
    assert_eq!(output.status.code(), Some(0), "{envelope:#}");
    let store = &envelope["data"]["store"];
    assert_eq!(store["backend"], "sqlite", "{store:#}");
    assert_eq!(store["reachable"], Value::Null);
    assert_eq!(store["url"], Value::Null);
    assert!(store["path"].as_str().unwrap().ends_with("logs.db"));
}

/// How a bad store setting is given to `serve`.
enum Given<'a> {
    Env(&'a str),
    Config(&'a str),
}

/// `serve` (stdio, or `--http` on a free port) with `given` as its store: it must exit 1 within
/// the connect time-out (5 s); its output.
fn serve_with(given: &Given<'_>, http: bool) -> (Output, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = gateway_process(dir.path());
    match given {
        Given::Env(url) => {
            command.env(DATABASE_URL, url);
        }
        Given::Config(url) => {
            std::fs::write(
                dir.path().join("config.toml"),
                format!("[store]\nurl = \"{url}\"\n"),
            )
            .unwrap();
        }
    }
    command.arg("serve");
    if http {
        command
            .args(["--http", "127.0.0.1:0"])
            .env("LLM_GATEWAY_AUTH_TOKEN", "test-token-0123456789");
    }
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() && started.elapsed() < LONG {
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let _ = child.kill();
    (child.wait_with_output().unwrap(), elapsed)
}

#[test]
fn serve_refuses_a_bad_store_url_at_once_naming_the_setting_and_never_the_password() {
    let url = test_database();
    let password = password_of(&url);
    let wrong = format!("not-{password}");
    let refused = with_port(&url, &closed_port().to_string());
    let unparsable = with_port(&url, "notaport");
    let wrong_scheme = url.replacen("postgres", "postgress", 1);
    let wrong_password = with_password(&url, &wrong);
    let missing = with_database(&url, "no_such_db");
    // Each case: the setting, what its message must say (the failure, the fix).
    let cases: [(Given<'_>, &str, &str); 6] = [
        (
            Given::Env(&unparsable),
            "invalid connection string",
            "does not parse",
        ),
        (
            Given::Env(&wrong_scheme),
            "is not a PostgreSQL URL",
            "postgres://USER:PASSWORD@HOST:PORT/DATABASE",
        ),
        (
            Given::Env(&refused),
            "Connection refused",
            "start the PostgreSQL server",
        ),
        (
            Given::Env(&wrong_password),
            "password authentication failed",
            "fix the user or password",
        ),
        (Given::Env(&missing), "does not exist", "createdb"),
        (
            Given::Config(&wrong_password),
            "password authentication failed",
            "fix the user or password",
        ),
    ];
    for (given, failure, fix) in &cases {
        let setting = match given {
            Given::Env(_) => DATABASE_URL,
            Given::Config(_) => "[store] url in ",
        };
        for http in [false, true] {
            let (output, elapsed) = serve_with(given, http);
            let stderr = String::from_utf8_lossy(&output.stderr);
            let context = format!("http: {http}, {failure}; stderr: {stderr}");
            assert_eq!(output.status.code(), Some(1), "{context}");
            assert!(elapsed < Duration::from_secs(5), "{elapsed:?}: {context}");
            assert_no_password(&output, &[&password, &wrong]);
            assert!(output.stdout.is_empty(), "stdout: {output:?}");
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 2, "one error and its hint: {context}");
            assert!(
                lines[0].starts_with("error: ") && lines[1].starts_with("hint: "),
                "{context}"
            );
            for needle in [setting, failure, fix] {
                assert!(stderr.contains(needle), "{needle:?} missing: {context}");
            }
            assert!(!stderr.contains("listening on"), "{context}");
        }
    }
}
