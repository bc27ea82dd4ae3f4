use std::os::unix::fs::PermissionsExt;

use gateway_store::{Store, StoreError, StoreOptions};

#[test]
fn creates_a_private_directory_and_file_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("logs.db");
    let store = Store::open(&StoreOptions {
        location: gateway_store::Location::File(path.clone()),
        redact: true,
    })
    .unwrap();
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    let file_mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!((dir_mode, file_mode), (0o700, 0o600));
    assert_eq!(
        store.schema_version().unwrap(),
        Store::latest_schema_version()
    );
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn opening_twice_migrates_once_and_a_newer_schema_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let options = StoreOptions {
        location: gateway_store::Location::File(path.clone()),
        redact: true,
    };
    drop(Store::open(&options).unwrap());
    drop(Store::open(&options).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let store = Store::open(&options).unwrap();
    assert_eq!(store.schema_version().unwrap(), 99);
    assert!(store.job("nope").unwrap().is_none());
}

#[test]
fn in_memory_store_works_without_a_file() {
    let store = Store::open(&StoreOptions {
        location: gateway_store::Location::Memory,
        redact: true,
    })
    .unwrap();
    assert!(store.path().is_none());
    store
        .submit_job(
            &super::new_job("a", "k"),
            gateway_store::DedupPolicy {
                window_ms: 0,
                force_refresh: false,
            },
        )
        .unwrap();
    assert!(store.job("a").unwrap().is_some());
}

#[test]
fn an_unusable_directory_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let error = Store::open(&StoreOptions {
        location: gateway_store::Location::File(file.join("logs.db")),
        redact: true,
    })
    .unwrap_err();
    assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("cannot open the database at") && message.contains("a-file"),
        "{message}"
    );
}

#[test]
fn a_read_only_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let read_only = dir.path().join("ro");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o500)).unwrap();
    let options = StoreOptions {
        location: gateway_store::Location::File(read_only.join("logs.db")),
        redact: true,
    };
    // root ignores directory permissions (CI runs as root): there the directory is not really
    // read-only, so the store must simply open. `an_unusable_directory_is_a_clear_error_not_a_panic` covers the error path for root.
    if std::fs::write(read_only.join("probe"), b"x").is_ok() {
        assert!(
            Store::open(&options).is_ok(),
            "a writable directory must open"
        );
        return;
    }
    let error = Store::open(&options).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("cannot create the file") && message.contains("Permission denied"),
        "{message}"
    );
}

/// Files beside `path` that SQLite would create.
fn sidecars(path: &std::path::Path) -> Vec<std::path::PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::path::PathBuf::from(name)
        })
        .filter(|sidecar| sidecar.exists())
        .collect()
}

/// A foreign file (here a copy of a passwd file, world-readable) is refused before anything
/// touches it: its mode, its bytes and its directory stay as they were, writing or reading.
#[test]
fn a_foreign_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("passwd");
    let content = b"root:x:0:0:root:/root:/bin/bash\n";
    std::fs::write(&path, content).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = Store::open(&StoreOptions {
        location: gateway_store::Location::File(path.clone()),
        redact: true,
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("not a SQLite database"),
        "{error}"
    );
    let error = gateway_store::query::ReadStore::open(&path).unwrap_err();
    assert!(
        error.to_string().contains("not a SQLite database"),
        "{error}"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(sidecars(&path), Vec::<std::path::PathBuf>::new());
}

/// A gateway database someone made readable to others is used but not chmod'ed.
#[test]
fn a_database_someone_opened_up_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let options = StoreOptions {
        location: gateway_store::Location::File(path.clone()),
        redact: true,
    };
    drop(Store::open(&options).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(Store::open(&options).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

/// A directory or an empty file given as the database: a message that says what to do.
#[test]
fn a_directory_or_empty_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    std::fs::set_permissions(&empty, std::fs::Permissions::from_mode(0o644)).unwrap();
    for (path, says) in [
        (dir.path().to_path_buf(), "is a directory"),
        (empty.clone(), "empty file"),
    ] {
        let open = Store::open(&StoreOptions {
            location: gateway_store::Location::File(path.clone()),
            redact: true,
        })
        .unwrap_err();
        let read = gateway_store::query::ReadStore::open(&path).unwrap_err();
        for error in [open.to_string(), read.to_string()] {
            assert!(error.contains(says), "{error}");
        }
    }
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    assert_eq!(sidecars(&empty), Vec::<std::path::PathBuf>::new());
}

/// Reading a corrupt database (a SQLite header, then garbage) fails without creating files
/// beside it.
#[test]
fn reading_a_corrupt_database_creates_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xA5u8, 4096));
    std::fs::write(&path, &bytes).unwrap();
    if let Ok(Some(store)) = gateway_store::query::ReadStore::open(&path) {
        assert!(store.schema_version().is_err());
    }
    assert_eq!(sidecars(&path), Vec::<std::path::PathBuf>::new());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}
