//! Harness of the black-box tests: the real `llm-cli-gateway` binary (built on first use, as
//! test-support does for `fake-agent`), fake CLIs first on `PATH`, a temp `LLM_GATEWAY_HOME`,
//! the official MCP clients installed by `scripts/install-test-tools.sh` (`.tools/env.sh`), and
//! a tiny HTTP/1.1 client for the transport's security checks.
//!
//! Test helpers: setup failures panic with a message that says what to fix.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: failing loudly is the point"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use gateway_test_support::{FakeClis, TestHome};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `<target>/<profile>` of the running test executable.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    if deps.ends_with("deps") {
        deps.parent().unwrap().to_path_buf()
    } else {
        deps.to_path_buf()
    }
}

/// The `llm-cli-gateway` binary (and the job supervisor next to it), built once per test
/// process with the same profile and target directory as the tests.
pub fn gateway_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let profile = profile_dir();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command.current_dir(workspace_root()).args([
            "build",
            "--quiet",
            "-p",
            "gateway-cli",
            "-p",
            "gateway-jobs",
            "--bins",
        ]);
        command.env("CARGO_TARGET_DIR", profile.parent().unwrap());
        if profile.file_name().and_then(|name| name.to_str()) == Some("release") {
            command.arg("--release");
        }
        let output = command.output().expect("run cargo build");
        assert!(
            output.status.success(),
            "building llm-cli-gateway failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let bin = profile.join("llm-cli-gateway");
        assert!(bin.is_file(), "{} missing after build", bin.display());
        bin
    })
    .clone()
}

/// A directory under the target directory for a test's artifacts (screenshots), created.
pub fn artifacts_dir(name: &str) -> PathBuf {
    let dir = profile_dir().parent().unwrap().join("artifacts").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An isolated world for one gateway: temp home, fake CLIs, extra environment.
pub struct World {
    pub home: TestHome,
    pub clis: FakeClis,
    pub env: Vec<(String, String)>,
}

impl World {
    /// With `GATEWAY_E2E_STORE=postgres` every world's gateway keeps its store in a fresh
    /// database on the test run's PostgreSQL server, so the whole suite can run on that engine.
    pub fn new() -> World {
        let home = TestHome::new();
        let clis = FakeClis::install(home.path());
        let mut env = Vec::new();
        if std::env::var("GATEWAY_E2E_STORE").is_ok_and(|engine| engine == "postgres") {
            env.push((
                "LLM_GATEWAY_DATABASE_URL".to_owned(),
                gateway_test_support::test_database(),
            ));
        }
        World { home, clis, env }
    }

    /// Adds an environment variable for the gateway (and so for the fake CLIs it runs).
    pub fn with(mut self, name: &str, value: &str) -> World {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Applies the world to `command`: fake CLIs first on `PATH`, temp homes, extra env.
    pub fn apply<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        self.home.apply(command);
        command
            .env("PATH", self.clis.path())
            .env("FAKE_AGENT_LOG", &self.clis.log);
        // The test run's PostgreSQL URL is the harness's, not the gateway's (it holds the
        // server's password, which tests assert never reaches a CLI).
        command
            .env_remove("LLM_GATEWAY_AUTH_TOKEN")
            .env_remove("LLM_GATEWAY_AUTH_DISABLED")
            .env_remove(gateway_test_support::SHARED_URL_ENV);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// A `llm-cli-gateway` command in this world.
    pub fn gateway(&self) -> Command {
        let mut command = Command::new(gateway_bin());
        self.apply(&mut command);
        command
    }

    /// Starts `serve` on stdio: stdin and stdout piped for the test to speak JSON-RPC lines,
    /// stderr as the test wants it.
    pub fn serve_stdio(&self, stderr: Stdio) -> Child {
        self.gateway()
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn llm-cli-gateway serve")
    }

    /// Starts `serve --http 127.0.0.1:0` and waits for the address line on stderr.
    pub fn serve_http(&self, extra_args: &[&str]) -> HttpGateway {
        let mut command = self.gateway();
        command
            .args(["serve", "--http", "127.0.0.1:0"])
            .args(extra_args);
        HttpGateway::start(command)
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

/// A gateway serving HTTP; killed on drop.
pub struct HttpGateway {
    child: Child,
    pub addr: SocketAddr,
    pub url: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl HttpGateway {
    /// Runs `command` (a `serve --http` one, perhaps wrapped) and waits for its address line.
    pub fn start(mut command: Command) -> HttpGateway {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn llm-cli-gateway");
        let stderr = child.stderr.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("llm-cli-gateway: listening on ") {
                    let _ = sender.send(url.to_owned());
                }
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let Ok(url) = receiver.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!(
                "gateway never printed its address; stderr:\n{}",
                log.lock().unwrap()
            );
        };
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        HttpGateway {
            child,
            addr,
            url,
            stderr: log,
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The gateway process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit; `None` when still running after `hang_guard`.
    pub fn terminate(&mut self, hang_guard: Duration) -> Option<std::process::ExitStatus> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let deadline = std::time::Instant::now() + hang_guard;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for HttpGateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP response, as the raw client saw it.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole response. Write
/// errors are ignored (a server may answer 413 and close before the body is sent).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    read_response(&mut stream)
}

/// Writes `request` as is (a header may declare a body that never comes) and reads the
/// response, giving up after `hang_guard` (status 0 then: nothing came).
pub fn raw_http(addr: SocketAddr, request: &[u8], hang_guard: Duration) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(hang_guard)).unwrap();
    let _ = stream.write_all(request);
    read_response(&mut stream)
}

/// Reads until the response is whole (or the stream ends or times out) and parses it.
fn read_response(stream: &mut TcpStream) -> Response {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while !complete(&raw) {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(read) => raw.extend_from_slice(&chunk[..read]),
        }
    }
    parse_response(&raw)
}

/// True once a response is whole: its `Content-Length` arrived, or (an SSE stream that stays
/// open) one JSON-RPC message arrived.
fn complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let lower = head.to_ascii_lowercase();
    if lower.contains("text/event-stream") {
        return body.contains("\"jsonrpc\"") && body.contains("}\n\n");
    }
    let length = lower
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    length.is_some_and(|length| body.len() >= length)
}

fn parse_response(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// A fresh project directory and its canonical path (the fake CLIs log their canonical cwd).
pub fn project_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create a project dir");
    let path = dir.path().canonicalize().expect("canonical project dir");
    (dir, path)
}

/// A JSON-RPC `initialize` body (legacy handshake).
pub fn initialize_body() -> String {
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e-raw","version":"0"}}}"#.to_owned()
}

/// Headers every MCP POST needs.
pub const MCP_POST: [(&str, &str); 2] = [
    ("Content-Type", "application/json"),
    ("Accept", "application/json, text/event-stream"),
];

/// A pinned tool from `.tools/env.sh` (exported by scripts/test.sh), else its default path.
pub fn tool_path(var: &str, default_relative: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(default_relative));
    assert!(
        path.exists(),
        "{} not found: run scripts/install-test-tools.sh (or source .tools/env.sh)",
        path.display()
    );
    path
}

/// The Python interpreter of the venv holding the official MCP SDK.
pub fn mcp_python() -> PathBuf {
    tool_path("GATEWAY_MCP_PYTHON", ".tools/mcp-venv/bin/python")
}

/// The Python interpreter of the venv holding the 1.x MCP SDK (its 2025-11-25 task client).
pub fn mcp_tasks_python() -> PathBuf {
    tool_path(
        "GATEWAY_MCP_TASKS_PYTHON",
        ".tools/mcp-tasks-venv/bin/python",
    )
}

/// Runs `tests/e2e/clients/scenarios.py` against `target` (binary or URL) and returns its
/// JSON observations. `world` supplies the environment (stdio: the client passes it on to the
/// gateway it launches).
pub fn python_scenarios(
    world: &World,
    target: &str,
    mode: &str,
    scenarios: &str,
    token: Option<&str>,
) -> serde_json::Value {
    let script = workspace_root().join("tests/e2e/clients/scenarios.py");
    let mut command = Command::new(mcp_python());
    world.apply(&mut command);
    command
        .arg(script)
        .args([target, mode, scenarios, token.unwrap_or("")]);
    let output = command.output().expect("run the Python MCP client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python client failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|error| panic!("bad client output ({error}):\n{stdout}\nstderr:\n{stderr}"))
}

/// Asserts `envelope` validates against the schema `schema show <kind>` prints, the kind read
/// from its own `schema` field.
pub fn assert_envelope_valid(world: &World, envelope: &serde_json::Value) {
    let name = envelope["schema"]
        .as_str()
        .expect("an envelope has a schema");
    let kind = name.strip_prefix("llm-cli-gateway.v1.").expect("a v1 kind");
    let output = world
        .gateway()
        .args(["schema", "show", kind])
        .output()
        .expect("run schema show");
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(envelope)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{kind}: {errors:#?}\n{envelope:#}");
}
