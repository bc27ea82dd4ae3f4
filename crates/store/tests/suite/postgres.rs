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
