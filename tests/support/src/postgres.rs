//! [`PgServer`]: a private PostgreSQL server for tests, from the machine's own binaries (Debian's
//! `postgresql` package, installed by `scripts/install-test-tools.sh`).
//!
//! Each server lives in a fresh temp dir (`data/`, `run/` for the unix socket, `postgres.log`),
//! listens on `127.0.0.1` only at a free random port, and has one superuser, [`PG_USER`], with a
//! random password and `scram-sha-256` authentication for TCP and the socket alike. Durability is
//! off (`fsync`, `synchronous_commit`, `full_page_writes`) and `max_connections` is 200.
//!
//! **Root.** PostgreSQL refuses to run as root, and the tests (like CI) run as root. Then
//! `initdb`, `pg_ctl` and `postgres` run as an unprivileged user — Debian's `postgres` when it
//! exists, else `nobody` — through std's `Command::uid`/`gid` (which also drops the supplementary
//! groups); the temp dir is chowned to that user, and is made under `$TMPDIR` only when every
//! ancestor is traversable by it (else under `/tmp`). `psql` is a client and runs as the caller.
//!
//! **Lifetime.** The server never outlives the test process. `pg_ctl` puts the postmaster in its
//! own session, so neither the process's exit nor a signal to its process group reaches it;
//! instead each server has a *watchdog*: a tiny `sh` started in its own process group whose stdin
//! is a pipe from the test process (std makes pipe ends close-on-exec, so no other child holds
//! the write end). The watchdog blocks reading that pipe; end of file comes when [`PgServer`] is
//! dropped *or* when the test process dies in any way (panic, exit, SIGKILL, a nextest timeout
//! that kills the process group). It then stops the postmaster named in `postmaster.pid` with
//! SIGQUIT (immediate shutdown; SIGKILL after 10 s) — only when that pid's command line names this
//! data dir, so a stale pid file never hits another process — and removes the temp dir. Drop
//! uses the same path and waits for it, so every test exercises the crash-cleanup code.
//! [`PgServer::shared`] relies on it at exit, since statics are never dropped.
//!
//! Setup failures panic with what failed and the tail of the server's log: a test that cannot
//! set up fails, it never skips.

use std::fs;
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The superuser every server has.
pub const PG_USER: &str = "gateway";

/// How often a start is retried with another port when the chosen one was taken meanwhile.
const PORT_ATTEMPTS: usize = 8;

/// The watchdog `sh` script, run with `$1` = the data dir, `$2` = the temp dir; see the module
/// doc.
const WATCHDOG: &str = r#"trap '' HUP INT
cat >/dev/null
ours() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$DATA"; }
DATA="$1"
pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ] && ours "$pid"; then
    kill -QUIT "$pid" 2>/dev/null
    n=0
    while ours "$pid" && [ "$n" -lt 150 ]; do
        n=$((n + 1))
        [ "$n" -eq 100 ] && kill -KILL "$pid" 2>/dev/null
        sleep 0.1
    done
fi
rm -rf -- "$2"
"#;

/// A private PostgreSQL server; see the module doc. Dropping it stops the server at once and
/// removes its files.
#[derive(Debug)]
pub struct PgServer {
    bins: &'static PgBins,
    run_as: Option<RunAs>,
    root: PathBuf,
    port: u16,
    password: String,
    watchdog: Option<Child>,
    /// Removes the dir if the watchdog could not; last field, so dropped last.
    _dir: TempDir,
}

impl PgServer {
    /// Initializes and starts a new server (about 2 s on a 2-core machine, nearly all `initdb`).
    ///
    /// # Panics
    /// When the binaries are missing (run `scripts/install-test-tools.sh`), or initdb or the
    /// start fails (the message has the server's log tail).
    pub fn start() -> PgServer {
        let bins = PgBins::get();
        let run_as = if sys::is_root() {
            Some(RunAs::unprivileged())
        } else {
            None
        };
        let base = temp_base(run_as.as_ref());
        let dir = tempfile::Builder::new()
            .prefix("gw-pg-")
            .tempdir_in(&base)
            .unwrap_or_else(|error| {
                panic!("PgServer: create a temp dir in {}: {error}", base.display())
            });
        let root = fs::canonicalize(dir.path())
            .unwrap_or_else(|error| panic!("PgServer: resolve {}: {error}", dir.path().display()));
        let mut server = PgServer {
            bins,
            run_as,
            root,
            port: 0,
            password: uuid::Uuid::new_v4().simple().to_string(),
            watchdog: None,
            _dir: dir,
        };
        server.own(&server.root);
        server.watchdog = Some(server.spawn_watchdog());
        server.initdb();
        server.start_on_free_port();
        server
    }

    /// One server per test process, started on first use and stopped when the process ends
    /// (by the watchdog: statics are never dropped). Give each test its own database
    /// ([`PgServer::new_database`]): `cargo test` runs tests of one binary in parallel threads.
    pub fn shared() -> &'static PgServer {
        static SHARED: OnceLock<PgServer> = OnceLock::new();
        SHARED.get_or_init(PgServer::start)
    }

    /// The superuser's URL for the `postgres` database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The superuser's URL for database `name` (which need not exist).
    pub fn database_url(&self, name: &str) -> String {
        format!(
            "postgres://{PG_USER}:{}@127.0.0.1:{}/{name}",
            self.password, self.port
        )
    }

    /// Creates the empty database `name` (ASCII letters, digits and `_`, at most 63 bytes) and
    /// returns its URL.
    ///
    /// # Panics
    /// On a bad name, or when `CREATE DATABASE` fails (it exists already, the server is down).
    pub fn create_database(&self, name: &str) -> String {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            panic!("PgServer::create_database: {name:?} is not [A-Za-z0-9_]{{1,63}}");
        }
        self.psql(&self.url(), &format!("CREATE DATABASE \"{name}\""));
        self.database_url(name)
    }

    /// Creates a new empty database with a unique name and returns its URL.
    pub fn new_database(&self) -> String {
        self.create_database(&format!("t_{}", uuid::Uuid::new_v4().simple()))
    }

    /// The superuser's password (tests assert it never leaks).
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temp dir holding `data/`, `run/` and `postgres.log`.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// The last `lines` lines of the server's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = fs::read_to_string(self.log_path()).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Runs `sql` with `psql` against `url` and returns its unaligned, tuples-only output
    /// (`SELECT 1` gives `"1"`), or psql's stderr when it fails.
    pub fn try_psql(&self, url: &str, sql: &str) -> Result<String, String> {
        psql_with(self.bins, url, sql)
    }

    /// [`PgServer::try_psql`] that panics (with the server's log tail) when psql fails.
    pub fn psql(&self, url: &str, sql: &str) -> String {
        self.try_psql(url, sql).unwrap_or_else(|stderr| {
            panic!(
                "PgServer: psql {sql:?} failed: {stderr}\n{}",
                self.log_context()
            )
        })
    }

    /// Fast shutdown (clients are disconnected), waiting until the server is down.
    ///
    /// # Panics
    /// When `pg_ctl stop` fails (for instance, the server is not running).
    pub fn stop(&self) {
        let output = run(
            self.pg_ctl().args(["stop", "-w", "-t", "60", "-m", "fast"]),
            "pg_ctl stop",
        );
        if !output.status.success() {
            panic!(
                "PgServer: pg_ctl stop failed: {}\n{}",
                output_text(&output),
                self.log_context()
            );
        }
    }

    /// Starts the stopped server again: same data, port and password.
    ///
    /// # Panics
    /// When it does not start (for instance, the port was taken meanwhile).
    pub fn start_again(&self) {
        if let Err(error) = self.try_start() {
            panic!("PgServer: start failed: {error}\n{}", self.log_context());
        }
    }

    /// [`PgServer::stop`], then [`PgServer::start_again`].
    pub fn restart(&self) {
        self.stop();
        self.start_again();
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    fn log_path(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    fn log_context(&self) -> String {
        format!(
            "--- tail of {} ---\n{}",
            self.log_path().display(),
            self.log_tail(40)
        )
    }

    /// A command for one of the server binaries, as the unprivileged user when root, with no
    /// `PG*` variables from the environment.
    fn server_command(&self, binary: &str) -> Command {
        let mut command = Command::new(self.bins.dir.join(binary));
        command.current_dir(&self.root).stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                command.env_remove(key);
            }
        }
        if let Some(user) = &self.run_as {
            command.uid(user.uid).gid(user.gid);
        }
        command
    }

    fn pg_ctl(&self) -> Command {
        let mut command = self.server_command("pg_ctl");
        command
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_path());
        command
    }

    /// Chowns `path` to the unprivileged user (when there is one).
    fn own(&self, path: &Path) {
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).unwrap_or_else(
                |error| {
                    panic!(
                        "PgServer: chown {} to {}: {error}",
                        path.display(),
                        user.name
                    )
                },
            );
        }
    }

    fn spawn_watchdog(&self) -> Child {
        Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("gw-pg-watchdog")
            .arg(self.data_dir())
            .arg(&self.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("PgServer: start the watchdog sh: {error}"))
    }

    fn initdb(&self) {
        let pwfile = self.root.join("pwfile");
        write_file(&pwfile, &format!("{}\n", self.password));
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|error| panic!("PgServer: chmod {}: {error}", pwfile.display()));
        self.own(&pwfile);
        let output = run(
            self.server_command("initdb")
                .arg("-D")
                .arg(self.data_dir())
                .args(["-E", "UTF8", "--locale=C", "-U", PG_USER])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["--auth=scram-sha-256", "--no-sync", "--no-instructions"]),
            "initdb",
        );
        let _ = fs::remove_file(&pwfile);
        if !output.status.success() {
            panic!("PgServer: initdb failed: {}", output_text(&output));
        }
        let socket_dir = self.socket_dir();
        fs::create_dir(&socket_dir)
            .unwrap_or_else(|error| panic!("PgServer: mkdir {}: {error}", socket_dir.display()));
        self.own(&socket_dir);
        self.append_conf(&format!(
            "\n# gateway-test-support\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\nmax_connections = 200\nshared_buffers = 16MB\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\ntimezone = 'UTC'\n",
            socket_dir.display()
        ));
    }

    /// Picks a free port and starts; when another process took the port between the pick and
    /// the bind, picks another (the last `port` line of postgresql.conf wins).
    fn start_on_free_port(&mut self) {
        for attempt in 1..=PORT_ATTEMPTS {
            self.port = free_port();
            self.append_conf(&format!("port = {}\n", self.port));
            let log_before = fs::read(self.log_path()).map_or(0, |log| log.len());
            match self.try_start() {
                Ok(()) => return,
                Err(error) => {
                    let log = fs::read(self.log_path()).unwrap_or_default();
                    let log = String::from_utf8_lossy(log.get(log_before..).unwrap_or_default());
                    let taken = log.contains("could not bind") || log.contains("already in use");
                    if !taken || attempt == PORT_ATTEMPTS {
                        panic!(
                            "PgServer: start failed (attempt {attempt}): {error}\n{}",
                            self.log_context()
                        );
                    }
                }
            }
        }
    }

    fn try_start(&self) -> Result<(), String> {
        let output = run(
            self.pg_ctl().args(["start", "-w", "-t", "60"]),
            "pg_ctl start",
        );
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("pg_ctl start: {}", output_text(&output)))
        }
    }

    fn append_conf(&self, text: &str) {
        let path = self.data_dir().join("postgresql.conf");
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|error| panic!("PgServer: open {}: {error}", path.display()));
        file.write_all(text.as_bytes())
            .unwrap_or_else(|error| panic!("PgServer: write {}: {error}", path.display()));
    }
}

impl Drop for PgServer {
    /// Immediate shutdown and removal, through the watchdog (see the module doc).
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
        if self.data_dir().join("postmaster.pid").exists() {
            // The watchdog was gone (killed by someone): stop the server ourselves.
            let _ = self
                .pg_ctl()
                .args(["stop", "-w", "-m", "immediate"])
                .output();
        }
    }
}

/// Where the binaries are: `initdb`, `pg_ctl` and `postgres` in `dir`, and `psql`.
#[derive(Debug)]
struct PgBins {
    dir: PathBuf,
    psql: PathBuf,
}

impl PgBins {
    /// From `GATEWAY_PG_BIN`, else `initdb` on `PATH` (symlinks resolved), else the newest
    /// `/usr/lib/postgresql/*/bin`.
    fn get() -> &'static PgBins {
        static BINS: OnceLock<PgBins> = OnceLock::new();
        BINS.get_or_init(PgBins::find)
    }

    fn find() -> PgBins {
        const FIX: &str = "run scripts/install-test-tools.sh (it installs Debian's postgresql \
                           and exports GATEWAY_PG_BIN in .tools/env.sh)";
        let dir = match std::env::var_os("GATEWAY_PG_BIN").filter(|dir| !dir.is_empty()) {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                if !has_server(&dir) {
                    panic!(
                        "PgServer: GATEWAY_PG_BIN={} has no initdb, pg_ctl and postgres; {FIX}",
                        dir.display()
                    );
                }
                dir
            }
            None => on_path("initdb")
                .and_then(|initdb| fs::canonicalize(initdb).ok())
                .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
                .filter(|dir| has_server(dir))
                .or_else(newest_debian_bin)
                .unwrap_or_else(|| {
                    panic!(
                        "PgServer: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in \
                         GATEWAY_PG_BIN, PATH or /usr/lib/postgresql/*/bin; {FIX}"
                    )
                }),
        };
        let psql = Some(dir.join("psql"))
            .filter(|psql| psql.is_file())
            .or_else(|| on_path("psql"))
            .unwrap_or_else(|| panic!("PgServer: no psql in {} or on PATH; {FIX}", dir.display()));
        PgBins { dir, psql }
    }
}

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|name| dir.join(name).is_file())
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Debian's `/usr/lib/postgresql/<major>/bin` with the highest major that has the server.
fn newest_debian_bin() -> Option<PathBuf> {
    let entries = fs::read_dir("/usr/lib/postgresql").ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .max_by_key(|(major, _)| *major)
        .map(|(_, dir)| dir)
}

/// The unprivileged user the server binaries run as when the tests run as root.
#[derive(Debug)]
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

impl RunAs {
    /// Debian's `postgres` user, else `nobody`.
    fn unprivileged() -> RunAs {
        let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
        ["postgres", "nobody"]
            .iter()
            .find_map(|name| {
                passwd.lines().find_map(|line| {
                    let fields: Vec<&str> = line.split(':').collect();
                    match fields.as_slice() {
                        [user, _, uid, gid, ..] if user == name => Some(RunAs {
                            name: (*name).to_owned(),
                            uid: uid.parse().ok()?,
                            gid: gid.parse().ok()?,
                        }),
                        _ => None,
                    }
                })
            })
            .unwrap_or_else(|| {
                panic!(
                    "PgServer: running as root, and /etc/passwd has neither a postgres nor a \
                     nobody user to run PostgreSQL as"
                )
            })
    }
}

/// `$TMPDIR` when the server's user can reach it (every ancestor searchable), else `/tmp`.
fn temp_base(run_as: Option<&RunAs>) -> PathBuf {
    let base = std::env::temp_dir();
    let Some(user) = run_as else {
        return base;
    };
    let reachable = |dir: &Path| {
        dir.ancestors().all(|ancestor| {
            fs::metadata(ancestor).is_ok_and(|meta| {
                let mode = meta.mode();
                mode & 0o001 != 0
                    || (meta.uid() == user.uid && mode & 0o100 != 0)
                    || (meta.gid() == user.gid && mode & 0o010 != 0)
            })
        })
    };
    if reachable(&base) {
        return base;
    }
    let tmp = PathBuf::from("/tmp");
    if reachable(&tmp) {
        return tmp;
    }
    panic!(
        "PgServer: neither {} nor /tmp is reachable by user {}; set TMPDIR to a dir it can enter",
        base.display(),
        user.name
    )
}

/// A port that was free a moment ago (bind to 0, read it, close).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|error| panic!("PgServer: find a free port: {error}"))
}

fn run(command: &mut Command, what: &str) -> Output {
    command.output().unwrap_or_else(|error| {
        let program = command.get_program();
        panic!(
            "PgServer: cannot run {what} ({}): {error}",
            Path::new(program).display()
        )
    })
}

fn output_text(output: &Output) -> String {
    format!(
        "{}; stdout: {}; stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim_end(),
        String::from_utf8_lossy(&output.stderr).trim_end()
    )
}

fn write_file(path: &Path, text: &str) {
    fs::write(path, text)
        .unwrap_or_else(|error| panic!("PgServer: write {}: {error}", path.display()));
}

mod sys {
    /// Whether the effective user is root.
    #[expect(
        unsafe_code,
        reason = "geteuid(2) has no std wrapper; it cannot fail and touches no memory"
    )]
    pub(super) fn is_root() -> bool {
        // SAFETY: geteuid takes no arguments, always succeeds and has no side effects.
        unsafe { libc::geteuid() == 0 }
    }
}

/// Runs `sql` through `psql` at `url`; its output (unaligned, tuples only) or its stderr.
fn psql_with(bins: &PgBins, url: &str, sql: &str) -> Result<String, String> {
    let mut command = Command::new(&bins.psql);
    command
        .args([
            "-X",
            "-w",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null());
    let output = run(&mut command, "psql");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_owned())
    }
}

/// The variable naming a server shared by a whole test run: `scripts/test.sh` starts one with
/// the `test-postgres` binary, so each test process (nextest runs one per test) does not pay
/// about 2 s for its own `initdb`.
pub const SHARED_URL_ENV: &str = "GATEWAY_TEST_PG_URL";

/// A new empty database for one test, returned as its URL: on the run's server when
/// [`SHARED_URL_ENV`] names one, else on this process's [`PgServer::shared`].
pub fn test_database() -> String {
    let Ok(base) = std::env::var(SHARED_URL_ENV) else {
        return PgServer::shared().new_database();
    };
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    psql_with(PgBins::get(), &base, &format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|error| panic!("cannot create a database on {SHARED_URL_ENV}: {error}"));
    let (server, _) = base
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{SHARED_URL_ENV} is not a URL"));
    format!("{server}/{name}")
}

/// Runs `sql` (one or more statements) at `url` through `psql`: its rows, one per line with
/// `|` between columns.
///
/// # Panics
/// When psql fails, with its message.
pub fn psql(url: &str, sql: &str) -> String {
    psql_with(PgBins::get(), url, sql).unwrap_or_else(|error| panic!("psql {sql:?}: {error}"))
}
