//! A fake world for doctor: a temp dir with `bin/` (the only PATH entry) and `home/`. Provider
//! CLIs are the shared `fake-agent` (symlinked under each CLI's name, answering `--version` like
//! the real one and honouring `FAKE_AGENT_VERSION_SLEEP_MS[_<NAME>]`); odd behaviours the fake
//! does not have are small shell scripts.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gateway_doctor::DoctorOptions;

pub(crate) struct World {
    pub(crate) root: tempfile::TempDir,
    pub(crate) options: DoctorOptions,
}

impl World {
    pub(crate) fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("bin")).unwrap();
        std::fs::create_dir(root.path().join("home")).unwrap();
        let mut options =
            DoctorOptions::isolated(root.path().join("bin"), root.path().join("home"));
        options.probe_timeout = Duration::from_secs(5);
        World { root, options }
    }

    pub(crate) fn bin(&self) -> PathBuf {
        self.root.path().join("bin")
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// Installs fake CLIs by name (`claude`, `codex`, `gemini`, `agy`, `grok`, `vibe`).
    pub(crate) fn install(&self, names: &[&str]) {
        let fake_agent = gateway_test_support::fake_agent_bin();
        for name in names {
            std::os::unix::fs::symlink(&fake_agent, self.bin().join(name)).unwrap();
        }
    }

    /// Installs all six fake CLIs.
    pub(crate) fn install_all(&self) {
        let clis = gateway_test_support::FakeClis::install(self.root.path());
        assert_eq!(clis.bin_dir, self.bin());
    }

    /// Installs `bin/<name>` with a shell body.
    pub(crate) fn install_script(&self, name: &str, body: &str) {
        write_executable(&self.bin().join(name), body);
    }

    pub(crate) fn set_env(&mut self, key: &str, value: &str) {
        self.options.env.insert(key.to_owned(), value.to_owned());
    }

    /// Writes a file under home, creating directories.
    pub(crate) fn write_home(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.home().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The temp root as a string, for snapshot filters.
    pub(crate) fn root_str(&self) -> String {
        self.root.path().display().to_string()
    }
}

pub(crate) fn write_executable(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
