//! Finding (and if needed building) the `fake-agent` binary from any crate's tests.
//!
//! Cargo builds a package's own binaries for its integration tests, but not the binaries of a
//! dev-dependency. So other crates' tests locate `fake-agent` in the target directory next to
//! their own test executable and run `cargo build -p gateway-test-support --bins` once per test
//! process when it is missing or older than its sources.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// The `fake-agent` binary, built on first use when missing or stale.
///
/// # Panics
/// When the binary cannot be built (the message includes cargo's output).
pub fn fake_agent_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let profile_dir = profile_dir();
        let bin = profile_dir.join("fake-agent");
        if is_fresh(&bin) {
            return bin;
        }
        build(&profile_dir);
        assert!(
            bin.is_file(),
            "cargo build succeeded but {} is missing",
            bin.display()
        );
        bin
    })
    .clone()
}

/// `<target>/<profile>`: from `CARGO_BIN_EXE_*`-style layout of the running test executable
/// (`<target>/<profile>/deps/<test>`), else `CARGO_TARGET_DIR`, else the workspace `target/`.
fn profile_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(deps) = exe.parent().filter(|dir| dir.ends_with("deps"))
            && let Some(profile) = deps.parent()
        {
            return profile.to_path_buf();
        }
        if let Some(dir) = exe.parent().filter(|dir| dir.join("fake-agent").is_file()) {
            return dir.to_path_buf();
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Present and newer than every source file of this crate.
fn is_fresh(bin: &Path) -> bool {
    let Some(built) = modified(bin) else {
        return false;
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let newest_source = newest(&manifest.join("src")).max(modified(&manifest.join("Cargo.toml")));
    newest_source.is_none_or(|source| source <= built)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

fn newest(dir: &Path) -> Option<SystemTime> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                newest(&path)
            } else {
                modified(&path)
            }
        })
        .max()
}

fn build(profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root()).args([
        "build",
        "--quiet",
        "-p",
        "gateway-test-support",
        "--bins",
    ]);
    if let Some(target) = profile_dir.parent() {
        command.env("CARGO_TARGET_DIR", target);
    }
    match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            command.arg("--release");
        }
        Some(profile) => {
            command.args(["--profile", profile]);
        }
    }
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo to build fake-agent: {error}"));
    assert!(
        output.status.success(),
        "building fake-agent failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
