//! `serve` over stdio without a client: a health check that closes stdin before `initialize`
//! ends it cleanly, and a person who starts it in a terminal is told what it is.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{LONG, gateway_process};

#[test]
fn stdin_closed_before_initialize_exits_0_without_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = gateway_process(dir.path())
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout is for JSON-RPC only");
    assert!(!stderr.to_lowercase().contains("error"), "stderr: {stderr}");
    assert!(
        !stderr.contains("print-client-config"),
        "no terminal hint when stdin is not a terminal: {stderr}"
    );
}

#[test]
fn started_in_a_terminal_it_says_what_it_is_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = assert_cmd::cargo::cargo_bin("llm-cli-gateway");
    // util-linux `script` runs the gateway on a pseudo-terminal; Ctrl-D then closes its stdin.
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{} serve", gateway.display()), "/dev/null"])
        .env("LLM_GATEWAY_HOME", dir.path())
        .env_remove("LLM_GATEWAY_LOGS_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    stdin.write_all(b"\x04").unwrap();
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(started.elapsed() < LONG);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "output: {text}");
    let hints: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("MCP on stdin/stdout"))
        .collect();
    assert_eq!(hints.len(), 1, "output: {text}");
    for needle in ["print-client-config", "doctor"] {
        assert!(hints[0].contains(needle), "{needle} missing: {}", hints[0]);
    }
    assert!(!text.to_lowercase().contains("error"), "output: {text}");
}
