//! [`FakeClis`]: a temp bin dir where `claude`, `codex`, `gemini`, `agy`, `grok` and `vibe` are
//! symlinks to `fake-agent`, plus the invocation log they append to.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::bins::fake_agent_bin;

/// The names `fake-agent` answers to.
pub const FAKE_CLI_NAMES: [&str; 6] = ["claude", "codex", "gemini", "agy", "grok", "vibe"];

/// A directory of fake CLIs and the log they write.
#[derive(Debug, Clone)]
pub struct FakeClis {
    /// Put this first on `PATH` (see [`path_with`]).
    pub bin_dir: PathBuf,
    /// `FAKE_AGENT_LOG`: one JSON line per invocation.
    pub log: PathBuf,
}

/// One logged invocation of a fake CLI (docs/interfaces.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Invocation {
    /// The CLI it ran as.
    pub name: String,
    /// `argv[0]` as given.
    pub program: String,
    /// The arguments after `argv[0]`.
    pub argv: Vec<String>,
    /// What stdin held, when the CLI read it (`None`: not read, or a terminal).
    pub stdin: Option<String>,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
    pub pid: u32,
    /// The prompt as the CLI understood it (`None` when it refused the argv first).
    pub prompt: Option<String>,
    /// `run`, `version`, `rejected` or `auth_failure`.
    pub kind: String,
    /// The output format it used.
    pub format: Option<String>,
    pub model: Option<String>,
    pub session_id: Option<String>,
    pub exit_code: i32,
    /// Set with `FAKE_AGENT_GRANDCHILD=1`.
    pub grandchild_pid: Option<u32>,
}

impl FakeClis {
    /// Creates `dir/bin` with one symlink per CLI name and chooses `dir/fake-agent.log`.
    ///
    /// # Panics
    /// When the directory or the links cannot be created, or fake-agent cannot be built.
    pub fn install(dir: &Path) -> FakeClis {
        let target = fake_agent_bin();
        let bin_dir = dir.join("bin");
        std::fs::create_dir_all(&bin_dir)
            .unwrap_or_else(|error| panic!("create {}: {error}", bin_dir.display()));
        for name in FAKE_CLI_NAMES {
            let link = bin_dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|error| {
                panic!(
                    "symlink {} -> {}: {error}",
                    link.display(),
                    target.display()
                )
            });
        }
        FakeClis {
            bin_dir,
            log: dir.join("fake-agent.log"),
        }
    }

    /// The path of one fake CLI.
    pub fn cli(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    /// `PATH` with the fakes first.
    pub fn path(&self) -> OsString {
        path_with(&self.bin_dir)
    }

    /// A command for one fake CLI with `PATH` and `FAKE_AGENT_LOG` set.
    pub fn command(&self, name: &str) -> Command {
        let mut command = Command::new(self.cli(name));
        command
            .env("PATH", self.path())
            .env("FAKE_AGENT_LOG", &self.log);
        command
    }

    /// Every invocation logged so far, in order.
    ///
    /// # Panics
    /// On a log line that does not parse (a bug in the fake).
    pub fn invocations(&self) -> Vec<Invocation> {
        let Ok(text) = std::fs::read_to_string(&self.log) else {
            return Vec::new();
        };
        // Only whole lines: a line longer than a page can be seen half-written while the fake's
        // one `write` is still copying it (the log carries the whole environment).
        text.split_inclusive('\n')
            .filter(|line| line.ends_with('\n') && !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|error| panic!("bad fake-agent log line ({error}): {line}"))
            })
            .collect()
    }
}

/// `dir` followed by the current `PATH`.
pub fn path_with(dir: &Path) -> OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(current) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&current));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| dir.as_os_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_with_puts_the_dir_first() {
        let path = path_with(Path::new("/fake/bin"));
        let first = std::env::split_paths(&path).next();
        assert_eq!(first.as_deref(), Some(Path::new("/fake/bin")));
    }
}
