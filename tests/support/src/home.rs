//! [`TestHome`]: a throwaway home directory so that no test reads or writes the real `~`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A temp dir holding `HOME` and every CLI's home (`CODEX_HOME`, `GROK_HOME`, `VIBE_HOME`) plus
/// the gateway's `LLM_GATEWAY_HOME`. Removed on drop.
#[derive(Debug)]
pub struct TestHome {
    dir: TempDir,
}

impl TestHome {
    /// # Panics
    /// When the temp dir cannot be created.
    pub fn new() -> TestHome {
        let dir = tempfile::Builder::new()
            .prefix("gw-home-")
            .tempdir()
            .unwrap_or_else(|error| panic!("create temp home: {error}"));
        let home = TestHome { dir };
        for (_, path) in home.vars() {
            std::fs::create_dir_all(&path)
                .unwrap_or_else(|error| panic!("create {}: {error}", path.display()));
        }
        home
    }

    /// The temp dir itself (also `HOME`).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().to_path_buf()
    }

    pub fn codex_home(&self) -> PathBuf {
        self.path().join(".codex")
    }

    pub fn grok_home(&self) -> PathBuf {
        self.path().join(".grok")
    }

    pub fn vibe_home(&self) -> PathBuf {
        self.path().join(".vibe")
    }

    pub fn gateway_home(&self) -> PathBuf {
        self.path().join(".llm-cli-gateway")
    }

    /// The variables to set, as (name, path).
    pub fn vars(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HOME", self.home()),
            ("CODEX_HOME", self.codex_home()),
            ("GROK_HOME", self.grok_home()),
            ("VIBE_HOME", self.vibe_home()),
            ("LLM_GATEWAY_HOME", self.gateway_home()),
        ]
    }

    /// Sets the variables on `command`.
    pub fn apply<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        for (name, path) in self.vars() {
            command.env(name, path);
        }
        command
    }
}

impl Default for TestHome {
    fn default() -> Self {
        TestHome::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_home_exists_inside_the_temp_dir_and_goes_away_on_drop() {
        let home = TestHome::new();
        let root = home.path().to_path_buf();
        for (name, path) in home.vars() {
            assert!(path.is_dir() && path.starts_with(&root), "{name}");
        }
        let mut command = Command::new("true");
        home.apply(&mut command);
        let set: Vec<_> = command
            .get_envs()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            set,
            [
                "CODEX_HOME",
                "GROK_HOME",
                "HOME",
                "LLM_GATEWAY_HOME",
                "VIBE_HOME"
            ]
        );
        drop(home);
        assert!(!root.exists());
    }
}
