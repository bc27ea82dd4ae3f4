//! What only a server can do to a store: go away and come back, refuse a login, not listen.
//! Messages name the database without its password.

use gateway_store::{DedupPolicy, Location, Store, StoreOptions};
use gateway_test_support::PgServer;

use super::new_job;

const NO_DEDUP: DedupPolicy = DedupPolicy {
    window_ms: 0,
    force_refresh: false,
};

fn open(url: &str) -> Result<Store, gateway_store::StoreError> {
    Store::open(&StoreOptions::at(Location::Postgres(url.to_owned())))
}

#[test]
fn an_outage_is_a_clear_error_and_the_store_reconnects_when_the_server_is_back() {
    let server = PgServer::start();
    let store = open(&server.create_database("outage")).unwrap();
    store
        .submit_job(&new_job("before", "k1"), NO_DEDUP)
        .unwrap();

    server.stop();
    let error = store
        .submit_job(&new_job("during", "k2"), NO_DEDUP)
        .unwrap_err();
    assert!(error.is_unreachable(), "{error:?}");
    let message = error.to_string();
    assert!(!message.contains(server.password()), "{message}");
    assert!(
        store.job("before").is_err(),
        "reads fail too while it is down"
    );

    server.start_again();
    store.submit_job(&new_job("after", "k3"), NO_DEDUP).unwrap();
    let ids: Vec<String> = store
        .list_jobs(&gateway_store::JobFilter::default())
        .unwrap()
        .into_iter()
        .map(|job| job.id)
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"before".to_owned()) && ids.contains(&"after".to_owned()));
}

#[test]
fn a_refused_login_or_connection_names_the_database_without_its_password() {
    let server = PgServer::start();
    let url = server.create_database("login");
    let wrong = url.replace(server.password(), "not-the-password");
    let message = open(&wrong).unwrap_err().to_string();
    assert!(
        message.contains("password authentication failed"),
        "{message}"
    );
    assert!(message.contains("gateway:***@"), "{message}");
    assert!(!message.contains("not-the-password"), "{message}");

    let missing = server.database_url("no_such_db");
    let message = open(&missing).unwrap_err().to_string();
    assert!(message.contains("no_such_db"), "{message}");

    // A mistyped scheme is a bad URL (never a file path whose name holds the password).
    let typo = url.replace("postgres://", "postgress://");
    let Location::Postgres(parsed) = Location::parse(&typo) else {
        panic!("{typo:?} parsed as a file path");
    };
    let message = open(&parsed).unwrap_err().to_string();
    assert!(message.contains("is not a PostgreSQL URL"), "{message}");
    assert!(!message.contains(server.password()), "{message}");

    drop(server);
    let message = open(&url).unwrap_err().to_string();
    assert!(message.contains("refused"), "{message}");
    assert!(
        message.contains("cannot reach the PostgreSQL database"),
        "{message}"
    );
    assert!(!message.contains(&password_of(&url)), "{message}");
}

fn password_of(url: &str) -> String {
    let userinfo = url
        .trim_start_matches("postgres://")
        .split('@')
        .next()
        .unwrap();
    userinfo.split_once(':').unwrap().1.to_owned()
}

/// TLS per the URL: a server with a certificate nobody here trusts is refused with a hint that
/// names `sslrootcert`; naming its CA file there connects (rustls verifies it); `disable` is
/// plain text.
#[test]
fn tls_verifies_the_server_against_sslrootcert() {
    use std::os::unix::fs::MetadataExt;
    let server = PgServer::start();
    let url = server.create_database("tls");
    let data = server.dir().join("data");
    let owner = std::fs::metadata(&data).unwrap();
    let (cert, key) = (data.join("server.crt"), data.join("server.key"));
    let ca = data.join("ca.crt");
    let openssl = |args: &[&str]| {
        let made = std::process::Command::new("openssl")
            .current_dir(&data)
            .args(args)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    };
    // A CA, and a server certificate for 127.0.0.1 that it signed.
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(data.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
    for file in [&cert, &key] {
        std::os::unix::fs::chown(file, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let mut conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
    conf.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
    std::fs::write(data.join("postgresql.conf"), conf).unwrap();
    server.restart();

    let message = open(&format!("{url}?sslmode=require"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("sslrootcert"), "{message}");
    let trusted = format!("{url}?sslmode=require&sslrootcert={}", ca.display());
    let store = open(&trusted).unwrap();
    store
        .submit_job(&new_job("over-tls", "k"), NO_DEDUP)
        .unwrap();
    let ssl = server.psql(
        &url,
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE s.ssl AND a.application_name = 'llm-cli-gateway'",
    );
    assert_eq!(ssl, "1", "the store's connection is encrypted");
    assert!(open(&format!("{url}?sslmode=disable")).is_ok());
}
