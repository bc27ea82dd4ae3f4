//! Shared helpers: run a fake CLI with stdin and env, parse its output.

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use gateway_test_support::FakeClis;
use tempfile::TempDir;

/// Fake CLIs in a temp dir that lives as long as the value.
pub(crate) struct Fakes {
    pub(crate) dir: TempDir,
    pub(crate) clis: FakeClis,
}

impl Fakes {
    pub(crate) fn new() -> Fakes {
        let dir = tempfile::tempdir().unwrap();
        let clis = FakeClis::install(dir.path());
        Fakes { dir, clis }
    }

    /// A command for `name` running in the temp dir, with a clean set of controls.
    pub(crate) fn command(&self, name: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = self.clis.command(name);
        command.args(args).current_dir(self.dir.path());
        for (key, _) in std::env::vars()
            .filter(|(key, _)| key.starts_with("FAKE_AGENT_") && key != "FAKE_AGENT_LOG")
        {
            command.env_remove(key);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    /// Runs to completion with `stdin` (None = null stdin).
    pub(crate) fn run(
        &self,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Output {
        let mut command = self.command(name, args, env);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn().unwrap();
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every stdout line as JSON.
pub(crate) fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

/// Polls `condition` for up to 10 s.
pub(crate) fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

#[expect(
    unsafe_code,
    reason = "kill(2) to send SIGTERM; std only offers SIGKILL"
)]
pub(crate) fn signal(pid: u32, signal: i32) {
    // SAFETY: plain syscall on a pid the test spawned.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

pub(crate) fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
