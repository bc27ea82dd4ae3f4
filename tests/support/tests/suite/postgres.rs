//! The private PostgreSQL server fixture: databases, authentication, stop and start, and that no
//! server outlives its owner (dropped, or SIGKILLed).

use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gateway_test_support::{PG_USER, PgServer};

const CHILD_OUT: &str = "GW_PG_FIXTURE_CHILD_OUT";

fn refuses(port: u16) -> bool {
    matches!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)),
        Err(error) if error.kind() == ErrorKind::ConnectionRefused
    )
}

/// Polls `done` for up to 30 s.
fn within_30s(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

#[test]
fn two_databases_on_one_server_each_answer_and_stay_apart() {
    let server = PgServer::start();
    let alpha = server.create_database("alpha");
    let beta = server.create_database("beta");
    assert_eq!(
        alpha,
        format!(
            "postgres://{PG_USER}:{}@127.0.0.1:{}/alpha",
            server.password(),
            server.port()
        )
    );
    assert_eq!(server.psql(&alpha, "SELECT 1"), "1");
    assert_eq!(server.psql(&beta, "SELECT 1"), "1");

    server.psql(
        &alpha,
        "CREATE TABLE t (v text); INSERT INTO t VALUES ('in alpha')",
    );
    assert_eq!(server.psql(&alpha, "SELECT v FROM t"), "in alpha");
    let error = server.try_psql(&beta, "SELECT v FROM t").unwrap_err();
    assert!(error.contains("does not exist"), "{error}");

    let fresh = server.new_database();
    assert_eq!(server.psql(&fresh, "SELECT current_user"), PG_USER);
    assert_eq!(
        server.psql(
            &fresh,
            "SELECT current_setting('server_encoding'), current_setting('lc_collate')"
        ),
        "UTF8|C"
    );
    assert_eq!(
        server.psql(
            &fresh,
            "SELECT current_setting('max_connections'), current_setting('fsync'), \
             current_setting('listen_addresses')"
        ),
        "200|off|127.0.0.1"
    );
}

#[test]
fn runs_unprivileged_and_demands_the_password() {
    let server = PgServer::start();
    let pid_file = std::fs::read_to_string(server.dir().join("data/postmaster.pid")).unwrap();
    let postmaster = pid_file.lines().next().unwrap();
    let server_uid = std::fs::metadata(format!("/proc/{postmaster}"))
        .unwrap()
        .uid();
    if std::fs::metadata("/proc/self").unwrap().uid() == 0 {
        assert_ne!(
            server_uid, 0,
            "as root, the server must run as another user"
        );
    }

    let wrong = server.url().replace(server.password(), "wrong-password");
    let error = server.try_psql(&wrong, "SELECT 1").unwrap_err();
    assert!(error.contains("password authentication failed"), "{error}");

    // The unix socket demands the password too (no trust, no peer).
    let socket = format!(
        "postgresql://{PG_USER}@/postgres?host={}&port={}",
        server.dir().join("run").display(),
        server.port()
    );
    let error = server.try_psql(&socket, "SELECT 1").unwrap_err();
    assert!(error.contains("password"), "{error}");
    let socket_with_password = socket.replace(
        &format!("{PG_USER}@"),
        &format!("{PG_USER}:{}@", server.password()),
    );
    assert_eq!(server.psql(&socket_with_password, "SELECT 2"), "2");
}

#[test]
fn stop_and_start_again_keep_the_data_and_the_port() {
    let server = PgServer::start();
    let url = server.create_database("kept");
    server.psql(&url, "CREATE TABLE t (v int); INSERT INTO t VALUES (7)");
    let port = server.port();

    server.stop();
    assert!(refuses(port), "stopped server still accepts on {port}");
    assert!(server.try_psql(&url, "SELECT 1").is_err());

    server.start_again();
    assert_eq!(server.port(), port);
    assert_eq!(server.psql(&url, "SELECT v FROM t"), "7");

    server.restart();
    assert_eq!(server.psql(&url, "SELECT v FROM t"), "7");
}

#[test]
fn drop_stops_the_server_and_removes_its_files() {
    let server = PgServer::start();
    let (port, dir) = (server.port(), server.dir().to_path_buf());
    assert!(!refuses(port));
    drop(server);
    assert!(!dir.exists(), "{} left behind", dir.display());
    assert!(refuses(port), "server on {port} outlived its PgServer");
}

#[test]
fn the_shared_server_is_one_per_process() {
    let first = PgServer::shared();
    let second = PgServer::shared();
    assert!(std::ptr::eq(first, second));
    let url = first.new_database();
    assert_eq!(first.psql(&url, "SELECT 1"), "1");
}

/// Child mode: start a server, publish its port and dir, then hang until killed. Does nothing
/// when run as an ordinary test.
#[test]
#[ignore = "runs only as the child process of killed_owner_leaves_no_server"]
fn server_owner_process() {
    let Some(out) = std::env::var_os(CHILD_OUT).map(PathBuf::from) else {
        return;
    };
    let server = PgServer::start();
    let tmp = out.with_extension("tmp");
    std::fs::write(
        &tmp,
        format!("{} {}", server.port(), server.dir().display()),
    )
    .unwrap();
    std::fs::rename(&tmp, &out).unwrap();
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn killed_owner_leaves_no_server() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("server");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "suite::postgres::server_owner_process",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_OUT, &out)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        within_30s(|| out.exists()),
        "the child never started its server"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let (port, dir) = text.split_once(' ').unwrap();
    let (port, dir): (u16, &Path) = (port.parse().unwrap(), Path::new(dir));
    assert!(!refuses(port));

    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        within_30s(|| refuses(port) && !dir.exists()),
        "server on {port} ({}) outlived its SIGKILLed owner",
        dir.display()
    );
}
