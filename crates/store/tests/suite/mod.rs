mod admission;
mod browse;
mod dedup;
mod open;
mod postgres;
mod records;
mod transitions;
mod validation_runs;

use gateway_store::{Location, NewJob, Store, StoreOptions, now_ms};

/// The engines every test of the shared suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

/// Where one test's store lives: a fresh SQLite file in a fresh temp dir (kept while this
/// lives), or a fresh database on the test run's PostgreSQL server.
pub(crate) struct Place {
    pub(crate) location: Location,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) fn place(engine: Engine) -> Place {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            Place {
                location: Location::File(dir.path().join("logs.db")),
                _dir: Some(dir),
            }
        }
        Engine::Postgres => Place {
            location: Location::Postgres(gateway_test_support::test_database()),
            _dir: None,
        },
    }
}

impl Place {
    pub(crate) fn open(&self) -> Store {
        Store::open(&StoreOptions::at(self.location.clone())).unwrap()
    }

    /// A reader on the same place, as the CLI and the dashboard open it.
    pub(crate) fn reader(&self) -> gateway_store::query::ReadStore {
        gateway_store::query::ReadStore::open_at(&self.location)
            .unwrap()
            .unwrap()
    }

    /// Runs raw SQL behind the store's back (to age rows, or read views people query): its
    /// rows, one per line with `|` between columns, as `psql -At` prints them.
    pub(crate) fn sql(&self, sql: &str) -> String {
        match &self.location {
            Location::Postgres(url) => gateway_test_support::psql(url, sql),
            Location::File(path) => {
                use rusqlite::types::ValueRef;
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut lines = Vec::new();
                for statement in sql.split(';').filter(|text| !text.trim().is_empty()) {
                    let mut statement = conn.prepare(statement).unwrap();
                    let columns = statement.column_count();
                    let mut rows = statement.query([]).unwrap();
                    while let Some(row) = rows.next().unwrap() {
                        let cells: Vec<String> = (0..columns)
                            .map(|index| match row.get_ref(index).unwrap() {
                                ValueRef::Null => String::new(),
                                ValueRef::Integer(value) => value.to_string(),
                                ValueRef::Real(value) => value.to_string(),
                                ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned(),
                                ValueRef::Blob(_) => "<blob>".to_owned(),
                            })
                            .collect();
                        lines.push(cells.join("|"));
                    }
                }
                lines.join("\n")
            }
            Location::Memory => panic!("no raw SQL on an in-memory store"),
        }
    }
}

/// A store on a fresh place of `engine`.
pub(crate) fn store(engine: Engine) -> (Place, Store) {
    let place = place(engine);
    let store = place.open();
    (place, store)
}

/// Runs each named `fn(Engine)` of the enclosing module as two tests, `sqlite::<name>` and
/// `postgres::<name>`: the one store suite, on both engines.
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(crate::suite::Engine::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name(crate::suite::Engine::Postgres)
            })*
        }
    };
}
pub(crate) use engine_tests;

pub(crate) fn new_job(id: &str, key: &str) -> NewJob {
    NewJob {
        id: id.to_owned(),
        correlation_id: format!("corr-{id}"),
        dedup_key: key.to_owned(),
        idempotency_key: None,
        provider: "claude".to_owned(),
        model: Some("sonnet".to_owned()),
        program: "claude".to_owned(),
        argv: vec!["-p".to_owned(), "<prompt: 5 bytes via stdin>".to_owned()],
        cwd: None,
        origin_tool: Some("claude_request".to_owned()),
        owner_instance: "instance-a".to_owned(),
        created_at_ms: now_ms(),
        prompt: "hello".to_owned(),
    }
}
