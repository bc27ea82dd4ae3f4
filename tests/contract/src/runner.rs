//! Runs one [`CommandSpec`] against a real CLI: clean environment (no credentials leak in from
//! the developer's shell), temp home, stdin exactly as the spec says, its own process group,
//! a time-out, and an optional early stop once a signature line appears (codex offline never
//! exits by itself).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gateway_provider::CommandSpec;
use gateway_provider::spec::{OUTPUT_DIR_PLACEHOLDER, PROMPT_FILE_PLACEHOLDER};
use gateway_test_support::TestHome;

/// What one run printed and how it ended.
#[derive(Debug, Clone, Default)]
pub struct CliRun {
    pub argv: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// `None` when killed (time-out or early stop).
    pub code: Option<i32>,
    pub timed_out: bool,
    pub stopped_early: bool,
    /// [`CommandSpec::export_file`] with the output directory filled in.
    pub export_file: Option<PathBuf>,
}

impl CliRun {
    /// The export file the CLI left (vibe's `export.json`), if the spec names one and it exists.
    pub fn export(&self) -> Option<String> {
        std::fs::read_to_string(self.export_file.as_ref()?).ok()
    }

    /// A readable dump for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "argv: {:?}\nexit: {:?} (timed out: {}, stopped early: {})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.argv,
            self.code,
            self.timed_out,
            self.stopped_early,
            tail(&self.stdout, 4000),
            tail(&self.stderr, 4000)
        )
    }
}

fn tail(text: &str, max: usize) -> &str {
    let start = text.len().saturating_sub(max);
    let start = (start..=text.len())
        .find(|index| text.is_char_boundary(*index))
        .unwrap_or(text.len());
    &text[start..]
}

/// Runs specs for one provider inside one temp home.
pub struct Runner<'a> {
    pub bin: PathBuf,
    pub home: &'a TestHome,
    /// Default working directory (when the spec has none).
    pub cwd: PathBuf,
    /// Added to the clean environment before the spec's own variables.
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    /// Extra argv inserted after the first argument equal to `.0` (the codex mock provider's
    /// `-c` flags go right after `exec`).
    pub insert: Option<(String, Vec<String>)>,
}

impl<'a> Runner<'a> {
    pub fn new(bin: PathBuf, home: &'a TestHome) -> Runner<'a> {
        let cwd = home.path().join("work");
        let _ = std::fs::create_dir_all(&cwd);
        Runner {
            bin,
            home,
            cwd,
            env: BTreeMap::new(),
            timeout: Duration::from_secs(60),
            insert: None,
        }
    }

    /// Runs `spec`; stops early (killing the group) when `stop_when` matches a stdout line.
    ///
    /// # Panics
    /// When the process cannot be spawned.
    pub fn run(&self, spec: &CommandSpec, stop_when: Option<fn(&str) -> bool>) -> CliRun {
        let (argv, export_file) = self.argv(spec);
        let mut command = Command::new(&self.bin);
        command
            .args(&argv)
            .env_clear()
            .envs(self.base_env())
            .envs(&self.env)
            .envs(&spec.env);
        for name in &spec.env_remove {
            command.env_remove(name);
        }
        command.current_dir(
            spec.cwd
                .as_ref()
                .map_or_else(|| self.cwd.clone(), PathBuf::from),
        );
        command.stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("spawn {}: {error}", self.bin.display()));
        if let (Some(text), Some(mut pipe)) = (spec.stdin.clone(), child.stdin.take()) {
            std::thread::spawn(move || {
                let _ = pipe.write_all(text.as_bytes());
            });
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stdout = collect(
            child.stdout.take(),
            stop_when.is_some().then(|| Arc::clone(&stop)),
            stop_when,
        );
        let stderr = collect(child.stderr.take(), None, None);
        let deadline = Instant::now() + self.timeout;
        let mut run = CliRun {
            argv,
            export_file,
            ..CliRun::default()
        };
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                run.code = status.code();
                break;
            }
            if stop.load(Ordering::SeqCst) || Instant::now() >= deadline {
                run.stopped_early = stop.load(Ordering::SeqCst);
                run.timed_out = !run.stopped_early;
                kill_group(child.id());
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Helpers the CLI started (node workers, vibe's app server) may hold the pipes open.
        kill_group(child.id());
        run.stdout = stdout.finish();
        run.stderr = stderr.finish();
        run
    }

    /// The spec's argv with the prompt file written, the output directory made (0700, as the
    /// job engine makes it) and the extra args inserted; and where the export file will be.
    fn argv(&self, spec: &CommandSpec) -> (Vec<String>, Option<PathBuf>) {
        let mut argv = spec.args.clone();
        let mut export = spec.export_file.clone();
        if argv
            .iter()
            .chain(&export)
            .any(|arg| arg.contains(OUTPUT_DIR_PLACEHOLDER))
        {
            let dir = make_output_dir(self.home.path()).display().to_string();
            for value in argv.iter_mut().chain(export.iter_mut()) {
                *value = value.replace(OUTPUT_DIR_PLACEHOLDER, &dir);
            }
        }
        if let Some(contents) = &spec.prompt_file {
            let path = write_prompt_file(self.home.path(), contents);
            for arg in &mut argv {
                if arg == PROMPT_FILE_PLACEHOLDER {
                    *arg = path.display().to_string();
                }
            }
        }
        if let Some((anchor, extra)) = &self.insert {
            let index = argv
                .iter()
                .position(|arg| arg == anchor)
                .map_or(0, |index| index + 1);
            argv.splice(index..index, extra.iter().cloned());
        }
        (argv, export.map(PathBuf::from))
    }

    fn base_env(&self) -> BTreeMap<String, String> {
        let mut env: BTreeMap<String, String> = self
            .home
            .vars()
            .into_iter()
            .map(|(name, path)| (name.to_owned(), path.display().to_string()))
            .collect();
        let node_bin = std::fs::canonicalize(self.bin.with_file_name("node"))
            .ok()
            .and_then(|node| node.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let bin_dir = self.bin.parent().map(Path::to_path_buf).unwrap_or_default();
        env.insert(
            "PATH".into(),
            format!(
                "{}:{}:/usr/local/bin:/usr/bin:/bin",
                bin_dir.display(),
                node_bin.display()
            ),
        );
        let tmp = self.home.path().join("tmp");
        let _ = std::fs::create_dir_all(&tmp);
        env.insert("TMPDIR".into(), tmp.display().to_string());
        env.insert("LANG".into(), "C.UTF-8".into());
        env.insert("NO_COLOR".into(), "1".into());
        // Never let a contract run update anything.
        env.insert("DISABLE_AUTOUPDATER".into(), "1".into());
        env.insert("GROK_DISABLE_AUTOUPDATER".into(), "1".into());
        env
    }
}

/// A 0600 prompt file, as the job engine writes it.
fn write_prompt_file(dir: &Path, contents: &str) -> PathBuf {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(format!(
        "prompt-{}.txt",
        std::process::id() as u128 * 1000 + u128::from(next_id())
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .unwrap_or_else(|error| panic!("write prompt file {}: {error}", path.display()));
    let _ = file.write_all(contents.as_bytes());
    path
}

/// A fresh, empty 0700 output directory, as the job engine makes it.
fn make_output_dir(dir: &Path) -> PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let path = dir.join(format!(
        "output-{}",
        std::process::id() as u128 * 1000 + u128::from(next_id())
    ));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&path)
        .unwrap_or_else(|error| panic!("make output dir {}: {error}", path.display()));
    path
}

fn next_id() -> u16 {
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// Collects a pipe in a thread; flags `stop` when a line matches `stop_when`.
struct Collector {
    text: Arc<Mutex<Vec<u8>>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Collector {
    fn finish(mut self) -> String {
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
        let bytes = self.text.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn collect(
    pipe: Option<impl Read + Send + 'static>,
    stop: Option<Arc<AtomicBool>>,
    matcher: Option<fn(&str) -> bool>,
) -> Collector {
    let text = Arc::new(Mutex::new(Vec::new()));
    let Some(pipe) = pipe else {
        return Collector { text, handle: None };
    };
    let sink = Arc::clone(&text);
    let handle = std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        while reader
            .read_until(b'\n', &mut line)
            .is_ok_and(|read| read > 0)
        {
            if let (Some(matcher), Some(stop)) = (&matcher, &stop)
                && matcher(&String::from_utf8_lossy(&line))
            {
                stop.store(true, Ordering::SeqCst);
            }
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(&line);
            line.clear();
        }
    });
    Collector {
        text,
        handle: Some(handle),
    }
}

#[expect(
    unsafe_code,
    reason = "killpg(2): std can only kill the direct child, not its group"
)]
fn kill_group(pid: u32) {
    // SAFETY: signals the process group this runner created with process_group(0).
    unsafe {
        libc::kill(-(pid as i32), libc::SIGKILL);
    }
}
