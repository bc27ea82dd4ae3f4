//! Harness of the hardening tests. The gateway binary, the fake CLIs and the official MCP
//! Python client come from `gateway-e2e` (reused, not copied); this crate adds what the
//! hardening scenarios need: its own client scripts, the corpus, and `/proc` inspection.
//!
//! Test helpers: setup failures panic with a message that says what to fix.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: failing loudly is the point"
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub use gateway_e2e::{HttpGateway, World, gateway_bin, mcp_python};

/// This crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `clients/<script>` with the official MCP Python SDK in `world` and returns its stdout
/// as JSON lines. A non-zero exit fails the test with both streams.
pub fn python_lines(world: &World, script: &str, args: &[&str]) -> Vec<serde_json::Value> {
    python_lines_with_stdin(world, script, args, "")
}

/// [`python_lines`] with `input` on the script's stdin.
pub fn python_lines_with_stdin(
    world: &World,
    script: &str,
    args: &[&str],
    input: &str,
) -> Vec<serde_json::Value> {
    let mut command = Command::new(mcp_python());
    world.apply(&mut command);
    command
        .arg(crate_dir().join("clients").join(script))
        .args(args);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run the Python MCP client");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .expect("write the client's stdin");
    let output = child
        .wait_with_output()
        .expect("wait for the Python MCP client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("bad line from {script} ({error}): {line}"))
        })
        .collect()
}

/// True while `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// Runs `calls` (`[{tool, args}]`) through `clients/calls.py` against `url` spread over
/// `sessions` concurrent MCP sessions; one observation per call, in order.
pub fn http_calls(
    world: &World,
    url: &str,
    sessions: usize,
    calls: &[serde_json::Value],
) -> Vec<serde_json::Value> {
    let input = serde_json::to_string(calls).unwrap();
    let lines = python_lines_with_stdin(world, "calls.py", &[url, &sessions.to_string()], &input);
    assert_eq!(lines.len(), calls.len(), "one observation per call");
    lines
}

/// Polls `condition` every 20 ms until it holds or `limit` passes; returns whether it held.
pub fn eventually(limit: std::time::Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The pid of the `llm-cli-gateway serve` process whose `LLM_GATEWAY_HOME` is `world`'s
/// (found through `/proc`, since the e2e harness keeps its child private).
pub fn gateway_pid(world: &World) -> u32 {
    let wanted = format!("LLM_GATEWAY_HOME={}", world.home.gateway_home().display());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let is_serve = cmdline.split(|&byte| byte == 0).any(|arg| arg == b"serve")
                && String::from_utf8_lossy(&cmdline).contains("llm-cli-gateway");
            is_serve
                && environ
                    .split(|&byte| byte == 0)
                    .any(|var| var == wanted.as_bytes())
        })
        .expect("no llm-cli-gateway serve process for this world")
}

/// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The SQLite files under `world`'s home (the jobs DB and any logs DB).
pub fn databases(world: &World) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "db" || ext == "sqlite")
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(world.home.path(), &mut found);
    found
}

/// Gives the calling thread (and every process it spawns from now on) a private mount
/// namespace, so the test's mounts are invisible to the machine and vanish with the test even
/// when it is SIGKILLed before [`TestMount`]'s `Drop` runs. Needs root (CAP_SYS_ADMIN).
#[expect(unsafe_code, reason = "std has no wrapper for unshare(2)")]
pub fn private_mount_namespace() {
    // SAFETY: unshare only changes the calling thread's namespaces; no memory is involved.
    let rc = unsafe { libc::unshare(libc::CLONE_NEWNS) };
    assert_eq!(
        rc,
        0,
        "unshare(CLONE_NEWNS) failed ({}): the disk fault tests need root with CAP_SYS_ADMIN",
        std::io::Error::last_os_error()
    );
    // Without this, mounts made here would propagate back to a shared parent (systemd's `/`).
    run_mount(
        &["--make-rprivate", "/"],
        "make the test's mount namespace private",
    );
}

/// A small real filesystem mounted over a directory for one test; unmounted (lazily, so a
/// process still holding files cannot block it) on drop, also when the test panics.
#[derive(Debug)]
pub struct TestMount {
    dir: PathBuf,
}

impl TestMount {
    /// Mounts a `size` tmpfs (`4m`, `16m`) on `dir`, which must exist.
    pub fn tmpfs(dir: &std::path::Path, size: &str) -> TestMount {
        let options = format!("size={size},mode=0700");
        run_mount(
            &["-t", "tmpfs", "-o", &options, "tmpfs", path_str(dir)],
            "mount a size-limited tmpfs",
        );
        TestMount {
            dir: dir.to_path_buf(),
        }
    }

    /// Makes a `megabytes` ext4 image at `image` and mounts it on `dir` (ext4, unlike tmpfs,
    /// can be forced read-only under open files: see [`TestMount::remount`] `abort`).
    pub fn ext4(dir: &std::path::Path, image: &std::path::Path, megabytes: u64) -> TestMount {
        std::fs::File::create(image)
            .and_then(|file| file.set_len(megabytes * 1024 * 1024))
            .unwrap_or_else(|error| panic!("create {}: {error}", image.display()));
        let mkfs = Command::new("mkfs.ext4")
            .args(["-q", "-F", path_str(image)])
            .output()
            .unwrap_or_else(|error| panic!("run mkfs.ext4 (e2fsprogs): {error}"));
        assert!(
            mkfs.status.success(),
            "mkfs.ext4 failed: {}",
            String::from_utf8_lossy(&mkfs.stderr)
        );
        TestMount::image(dir, image)
    }

    /// Loop-mounts the filesystem image `image` on `dir`.
    pub fn image(dir: &std::path::Path, image: &std::path::Path) -> TestMount {
        run_mount(
            &["-o", "loop", path_str(image), path_str(dir)],
            "loop-mount a filesystem image (needs /dev/loop-control)",
        );
        TestMount {
            dir: dir.to_path_buf(),
        }
    }

    /// `mount -o remount,<options>` (`ro`, `rw`; on ext4 `abort` forces the emergency
    /// read-only state a failing disk causes, which a plain `ro` refuses while files are open).
    pub fn remount(&self, options: &str) {
        run_mount(
            &["-o", &format!("remount,{options}"), path_str(&self.dir)],
            "remount the test filesystem",
        );
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Drop for TestMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn path_str(path: &std::path::Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn run_mount(args: &[&str], what: &str) {
    let output = Command::new("mount")
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot {what}: running `mount` failed: {error}"));
    assert!(
        output.status.success(),
        "cannot {what}: `mount {}` failed ({}): {} (these tests need root and a kernel that \
         allows mounts; they never skip)",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

/// Writes a file of zeros under `dir` until the filesystem is full; returns its path. Fails
/// the test if the write stops for any other reason.
/// SIGKILLs every process with a file open under `dir` and waits until they are gone. A job's
/// supervisor that could not record its final row keeps retrying (and holding the database
/// open) after its gateway exited; an operator who swaps the disk stops it first, and so do the
/// tests before they unmount.
pub fn kill_holders(dir: &std::path::Path) {
    let holders = || -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| *pid != std::process::id())
            .filter(|pid| {
                std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                    fds.flatten().any(|fd| {
                        std::fs::read_link(fd.path()).is_ok_and(|target| target.starts_with(dir))
                    })
                })
            })
            .collect()
    };
    for pid in holders() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    let gone = eventually(std::time::Duration::from_secs(5), || holders().is_empty());
    assert!(
        gone,
        "processes still hold {}: {:?}",
        dir.display(),
        holders()
    );
}

pub fn fill_up(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path)
        .unwrap_or_else(|error| panic!("create {}: {error}", path.display()));
    let block = vec![0u8; 64 * 1024];
    loop {
        match file.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::StorageFull => break,
            Err(error) => panic!("filling {}: {error}", path.display()),
        }
    }
    // Smaller pieces take what a 64 KiB write could not.
    while let Ok(1..) = file.write(&block[..512]) {}
    path
}
