//! The `FAKE_AGENT_*` controls of docs/interfaces.md, one test each.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::util::{Fakes, alive, eventually, json_lines, kill, signal, stderr, stdout};

#[test]
fn suffixed_controls_apply_to_their_cli_only() {
    let fakes = Fakes::new();
    let env = [
        ("FAKE_AGENT_RESPONSE", "everyone"),
        ("FAKE_AGENT_RESPONSE_GROK", "grok only"),
        ("FAKE_AGENT_EXIT_CODE_GROK", "7"),
    ];
    let grok = fakes.run("grok", &["-p", "x"], &env, None);
    assert_eq!(
        (stdout(&grok).as_str(), grok.status.code()),
        ("grok only\n", Some(7))
    );
    let claude = fakes.run("claude", &["-p", "x"], &env, None);
    assert_eq!(
        (stdout(&claude).as_str(), claude.status.code()),
        ("everyone\n", Some(0))
    );
}

#[test]
fn auth_failures_use_each_clis_shape_and_exit_code() {
    let fakes = Fakes::new();
    let env = [("FAKE_AGENT_AUTH_FAILURE", "1")];
    let claude = fakes.run(
        "claude",
        &["-p", "--output-format", "json", "x"],
        &env,
        None,
    );
    let result = &json_lines(&claude)[0];
    assert_eq!(
        (claude.status.code(), result["is_error"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(result["result"], "Not logged in · Please run /login");

    let codex = fakes.run(
        "codex",
        &["exec", "--json", "--skip-git-repo-check", "x"],
        &env,
        None,
    );
    assert_eq!(codex.status.code(), Some(1));
    assert_eq!(json_lines(&codex).last().unwrap()["type"], "turn.failed");

    let gemini = fakes.run(
        "gemini",
        &["--skip-trust", "-o", "json", "-p", "x"],
        &env,
        None,
    );
    assert_eq!(
        (gemini.status.code(), stdout(&gemini).as_str()),
        (Some(41), "")
    );
    let error: serde_json::Value = serde_json::from_slice(&gemini.stderr).unwrap();
    assert_eq!(error["error"]["code"], 41);

    let grok = fakes.run("grok", &["-p", "x", "--output-format", "json"], &env, None);
    assert_eq!(grok.status.code(), Some(1));
    assert!(
        json_lines(&grok)[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Not signed in")
    );

    let vibe = fakes.run("vibe", &["-p", "x"], &env, None);
    assert_eq!(vibe.status.code(), Some(1));
    assert!(stderr(&vibe).contains("Missing MISTRAL_API_KEY"));

    let agy = fakes.run("agy", &["--print", "x"], &env, None);
    assert_eq!(agy.status.code(), Some(1));
}

#[test]
fn stderr_exit_code_and_invalid_utf8() {
    let fakes = Fakes::new();
    let env = [
        ("FAKE_AGENT_STDERR", "warning: careful"),
        ("FAKE_AGENT_EXIT_CODE", "3"),
        ("FAKE_AGENT_INVALID_UTF8", "1"),
    ];
    let output = fakes.run(
        "codex",
        &["exec", "--skip-git-repo-check", "--json", "x"],
        &env,
        None,
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).starts_with("warning: careful\n"));
    assert!(output.stdout.windows(2).any(|pair| pair == b"\xFF\xFE"));
    assert!(std::str::from_utf8(&output.stdout).is_err());
}

#[test]
fn output_bytes_adds_that_much_text_in_text_events() {
    let fakes = Fakes::new();
    let env = [("FAKE_AGENT_OUTPUT_BYTES", "100000")];
    let plain = fakes.run("claude", &["-p", "x"], &env, None);
    assert!(
        (100_000..101_000).contains(&plain.stdout.len()),
        "{}",
        plain.stdout.len()
    );
    let lines = json_lines(&fakes.run(
        "gemini",
        &["--skip-trust", "-o", "stream-json", "-p", "x"],
        &env,
        None,
    ));
    let text: usize = lines
        .iter()
        .filter(|line| line["role"] == "assistant")
        .map(|line| line["content"].as_str().unwrap().len())
        .sum();
    assert!((100_000..100_100).contains(&text), "{text}");
    assert!(lines.len() > 5, "split into several events");
}

#[test]
fn silent_until_exit_prints_the_same_output() {
    let fakes = Fakes::new();
    let args = ["-p", "x", "--output-format", "streaming-json"];
    let env = [("FAKE_AGENT_SESSION_ID", "s")];
    let streamed = fakes.run("grok", &args, &env, None);
    let buffered = fakes.run(
        "grok",
        &args,
        &[
            ("FAKE_AGENT_SESSION_ID", "s"),
            ("FAKE_AGENT_SILENT_UNTIL_EXIT", "1"),
        ],
        None,
    );
    let strip = |output: &std::process::Output| -> Vec<String> {
        json_lines(output)
            .iter()
            .map(|line| line["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(strip(&streamed), strip(&buffered));
}

#[test]
fn hang_never_writes_nor_exits() {
    let fakes = Fakes::new();
    let mut child = fakes
        .command("claude", &["-p", "x"], &[("FAKE_AGENT_HANG", "1")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    eventually("the invocation to be logged", || {
        !fakes.clis.invocations().is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none());
    kill(&mut child);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "");
}

#[test]
fn ignore_sigterm_survives_sigterm_until_sigkill() {
    let fakes = Fakes::new();
    let env = [("FAKE_AGENT_IGNORE_SIGTERM", "1"), ("FAKE_AGENT_HANG", "1")];
    let mut child = fakes
        .command("gemini", &["--skip-trust", "-p", "x"], &env)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    eventually("the invocation to be logged", || {
        !fakes.clis.invocations().is_empty()
    });
    signal(child.id(), libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGTERM must be ignored"
    );
    kill(&mut child);

    let mut plain = fakes
        .command(
            "gemini",
            &["--skip-trust", "-p", "x"],
            &[("FAKE_AGENT_HANG", "1")],
        )
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    eventually("the second invocation", || {
        fakes.clis.invocations().len() == 2
    });
    signal(plain.id(), libc::SIGTERM);
    let status = plain.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGTERM)
    );
}

#[test]
fn grandchild_outlives_the_fake_and_holds_stdout() {
    let fakes = Fakes::new();
    let env = [
        ("FAKE_AGENT_GRANDCHILD", "1"),
        ("FAKE_AGENT_GRANDCHILD_SECS", "60"),
    ];
    let mut child = fakes
        .command("vibe", &["-p", "x"], &env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let invocation = fakes.clis.invocations().pop().unwrap();
    let grandchild = invocation
        .grandchild_pid
        .expect("grandchild_pid in the log line");
    assert!(alive(grandchild), "the grandchild outlives its parent");
    // The grandchild may not have finished its exec yet (its cmdline is still the parent's).
    let re_exec = || {
        std::fs::read(format!("/proc/{grandchild}/cmdline"))
            .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains("__fake-agent-sleep"))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !re_exec() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(re_exec(), "a re-exec of the fake, no shell");
    signal(grandchild, libc::SIGKILL);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap(); // EOF only once the grandchild is gone
    assert_eq!(out, "fake vibe answer\n");
}

#[test]
fn close_stdout_gives_eof_while_running() {
    let fakes = Fakes::new();
    let env = [
        ("FAKE_AGENT_CLOSE_STDOUT", "1"),
        ("FAKE_AGENT_HANG_AFTER_MS", "20000"),
    ];
    let mut child = fakes
        .command("claude", &["-p", "x"], &env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "fake claude answer\n");
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running after closing stdout"
    );
    kill(&mut child);
}

#[test]
fn slow_version_probe_sleeps_first() {
    let fakes = Fakes::new();
    let started = Instant::now();
    let output = fakes.run(
        "grok",
        &["--version"],
        &[("FAKE_AGENT_VERSION_SLEEP_MS", "300")],
        None,
    );
    assert!(output.status.success());
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "the probe waited"
    );
    assert_eq!(fakes.clis.invocations()[0].kind, "version");
}

#[test]
fn sleeps_pace_the_lines() {
    let fakes = Fakes::new();
    let started = Instant::now();
    let env = [
        ("FAKE_AGENT_SLEEP_BEFORE_MS", "100"),
        ("FAKE_AGENT_SLEEP_BETWEEN_MS", "50"),
    ];
    let output = fakes.run(
        "codex",
        &["exec", "--json", "--skip-git-repo-check", "x"],
        &env,
        None,
    );
    assert_eq!(json_lines(&output).len(), 4);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "100 ms before + 3 × 50 ms between"
    );
}
