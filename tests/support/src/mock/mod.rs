//! [`MockVendorApi`]: a loopback-only mock of the vendors' HTTP APIs (Anthropic Messages, OpenAI
//! Responses, Gemini, xAI and Mistral chat completions) so that the **real** CLIs can run their
//! whole happy path, and their 401 path, without the network.
//!
//! One thread accepts on `127.0.0.1:<ephemeral>`, one short-lived thread serves each
//! connection (one request, then close). Every request is recorded for assertions.
//!
//! The Anthropic, Gemini and OpenAI Responses endpoints can also play a scripted conversation of
//! tool calls ([`MockVendorApi::script_conversation`], [`MockTurn`]), so that the real Claude
//! Code, Gemini CLI and Codex can act as MCP clients of the gateway.

mod http;
mod script;
mod vendors;

pub use script::MockTurn;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde_json::Value;

/// The answer text unless configured otherwise.
pub const MOCK_TEXT: &str = "MOCK_OK";
/// The `modelVersion` the Gemini endpoints report.
pub const MOCK_GEMINI_MODEL: &str = "gemini-mock";

/// Token counts every successful answer reports (per request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockUsage {
    /// Prompt tokens, cached ones included (each API's own convention).
    pub input: u64,
    pub output: u64,
    /// Of `input`, served from cache.
    pub cached: u64,
}

pub const MOCK_USAGE: MockUsage = MockUsage {
    input: 12,
    output: 5,
    cached: 3,
};

/// How the mock answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// The assistant text of every answer.
    pub text: String,
    /// Answer every request with the vendor's authentication error (401; Gemini: 400).
    pub reject_auth: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            text: MOCK_TEXT.to_owned(),
            reject_auth: false,
        }
    }
}

/// One request the mock received.
#[derive(Debug, Clone, PartialEq)]
pub struct MockRequest {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Lower-case header names.
    pub headers: BTreeMap<String, String>,
    /// The JSON body (`Null` when none or not JSON).
    pub body: Value,
    /// The status the mock answered.
    pub status: u16,
}

#[derive(Debug, Default)]
struct Shared {
    config: Mutex<MockConfig>,
    /// The conversation script (empty: every answer is the text).
    script: Mutex<Vec<MockTurn>>,
    /// Request bodies as read, before answering (`requests` is written after answering), so a
    /// client that exits right after its last answer has its last tool results already here.
    bodies: Mutex<Vec<Value>>,
    requests: Mutex<Vec<MockRequest>>,
    stopping: AtomicBool,
}

/// A running mock; stops (and joins its thread) on drop.
#[derive(Debug)]
pub struct MockVendorApi {
    pub port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl MockVendorApi {
    /// Starts with the default config (`MOCK_OK`, keys accepted).
    pub fn start() -> MockVendorApi {
        MockVendorApi::start_with(MockConfig::default())
    }

    /// # Panics
    /// When no loopback port can be bound.
    pub fn start_with(config: MockConfig) -> MockVendorApi {
        MockVendorApi::bind(0, config)
            .unwrap_or_else(|error| panic!("mock vendor API cannot bind 127.0.0.1: {error}"))
    }

    /// Binds `127.0.0.1:port` (0 = any free port).
    pub fn bind(port: u16, config: MockConfig) -> std::io::Result<MockVendorApi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            config: Mutex::new(config),
            ..Shared::default()
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("mock-vendor-api".into())
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(MockVendorApi {
            port,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:<port>` (no trailing slash; add `/v1` where a CLI wants it).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Switches the authentication-error mode.
    pub fn set_reject_auth(&self, reject: bool) {
        self.shared
            .config
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reject_auth = reject;
    }

    /// Scripts the conversation of the Anthropic Messages, Gemini or Responses endpoint: its requests
    /// (those offering tools) are answered by `turns` in order, one per tool result they hold;
    /// side requests, and the conversation once `turns` is used up, get the configured text.
    /// Replaces any earlier script, so each new conversation (e.g. each `claude -p`) gets its own.
    pub fn script_conversation(&self, turns: Vec<MockTurn>) {
        *self
            .shared
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = turns;
    }

    /// The content of each tool result the client sent back for calls of the tool `name`, in
    /// the order sent, each once. For an MCP tool, Claude Code sends
    /// `JSON.stringify(structuredContent)`, Gemini CLI the text block, Codex the
    /// structuredContent JSON after a `Wall time: …\nOutput:\n` header.
    pub fn tool_results(&self, name: &str) -> Vec<String> {
        let bodies = self
            .shared
            .bodies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut results = script::tool_results(bodies.iter(), name);
        results.extend(script::gemini_tool_results(bodies.iter(), name));
        results.extend(script::responses_tool_results(bodies.iter(), name));
        results
    }
}

impl Drop for MockVendorApi {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the loop sees `stopping`.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        let _ = std::thread::Builder::new()
            .name("mock-vendor-conn".into())
            .spawn(move || serve(&stream, &shared));
    }
}

fn serve(stream: &TcpStream, shared: &Shared) {
    let Ok(request) = http::read_request(stream) else {
        return;
    };
    let config = shared
        .config
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let body = request.json();
    shared
        .bodies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(body.clone());
    let script = shared
        .script
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let status = vendors::respond(stream, &request, &config, &script).unwrap_or(0);
    let record = MockRequest {
        method: request.method,
        target: request.target,
        headers: request.headers,
        body,
        status,
    };
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(record);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
