//! Store check: which backend and where the database is, whether the gateway can open and
//! write it, and what it holds (PostgreSQL: `store_pg.rs`).
//!
//! On SQLite doctor only reads: an existing database is opened through `gateway-store`'s read-only
//! connection (no migration, no lock taken from running gateways) for its schema version and
//! job counts, and the file and its directory are checked for writing by opening without
//! change and by a temp file. A database that does not exist yet is not created: doctor checks
//! that its directory could be.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gateway_core::JobStatus;
use gateway_store::query::ReadStore;
use gateway_store::{Location, Store};

use crate::options::DoctorOptions;
use crate::report::{Backend, BudgetCheck, Status, StoreCheck};
use crate::store_setting::StoreSetting;

/// Job counts stop here: the store lists at most this many rows per query, and an exact
/// count of a huge table is not worth the wait in a diagnostic.
pub(crate) const MAX_COUNTED: u64 = 1_000;

/// A check of `backend` chosen by `source`, with every fact still unknown.
pub(crate) fn blank(backend: Backend, source: &'static str) -> StoreCheck {
    StoreCheck {
        status: Status::Ok,
        backend,
        durable: true,
        path: None,
        url: None,
        source,
        exists: false,
        reachable: None,
        writable: false,
        can_open: false,
        size_bytes: None,
        schema_version: None,
        binary_schema_version: Store::latest_schema_version(),
        job_counts: None,
        budgets: Vec::new(),
        detail: String::new(),
    }
}

pub(crate) fn check(options: &DoctorOptions) -> StoreCheck {
    let setting = StoreSetting::resolve(options);
    if let Some(problem) = setting.problem {
        return StoreCheck {
            status: Status::Error,
            detail: problem,
            ..blank(Backend::Postgres, setting.source)
        };
    }
    let path = match &setting.location {
        Location::Postgres(url) => {
            return super::store_pg::check(url, setting.source);
        }
        Location::Memory => {
            let source = setting.source;
            return StoreCheck {
                status: Status::Warn,
                durable: false,
                writable: true,
                can_open: true,
                detail: format!(
                    "{source}=none: jobs live in memory and are lost when the gateway exits"
                ),
                ..blank(Backend::Sqlite, source)
            };
        }
        Location::File(path) => path,
    };
    let mut check = StoreCheck {
        path: Some(path.display().to_string()),
        exists: path.exists(),
        ..blank(Backend::Sqlite, setting.source)
    };
    let outcome = if check.exists {
        inspect_existing(path, &mut check)
    } else {
        probe_creatable(path)
    };
    match outcome {
        Ok(detail) => {
            check.writable = true;
            check.can_open = true;
            check.detail = detail;
        }
        Err(problem) => {
            check.status = Status::Error;
            check.detail = problem;
        }
    }
    check
}

/// An existing database: its facts through a read-only connection, then the write checks.
fn inspect_existing(path: &Path, check: &mut StoreCheck) -> Result<String, String> {
    if !path.is_file() {
        return Err(format!("{} exists but is not a file", path.display()));
    }
    check.size_bytes = Some(file_size(path) + file_size(&wal_path(path)));
    let store = ReadStore::open(path)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("{} disappeared while doctor ran", path.display()))?;
    let version = store
        .schema_version()
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    check.schema_version = Some(version);
    read_contents(&store, check);
    // Opening for writing (no truncation, no change) is the honest "can the gateway write it";
    // SQLite also needs to create the -wal and -shm files next to it.
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    ensure_dir_writable(path.parent().unwrap_or(Path::new("."))).map_err(|error| {
        format!(
            "cannot create the journal next to {}: {error}",
            path.display()
        )
    })?;
    let size = human_size(check.size_bytes.unwrap_or_default());
    let latest = Store::latest_schema_version();
    if version > latest {
        check.status = Status::Info;
        return Ok(format!(
            "{} ({size}, schema {version}, newer than this binary's {latest}: a newer gateway migrated it)",
            path.display()
        ));
    }
    Ok(format!("{} ({size}, schema {version})", path.display()))
}

/// The job counts and budgets of an open store (left empty when they cannot be read).
pub(crate) fn read_contents(store: &ReadStore, check: &mut StoreCheck) {
    check.job_counts = job_counts(store).ok();
    check.budgets = store
        .budgets(gateway_store::now_ms())
        .unwrap_or_default()
        .into_iter()
        .map(|budget| BudgetCheck {
            scope: budget.scope,
            daily_usd: budget.daily_usd,
            spent_usd: budget.spent_usd,
        })
        .collect();
}

/// Jobs per status, each count capped at [`MAX_COUNTED`].
fn job_counts(store: &ReadStore) -> Result<BTreeMap<String, u64>, gateway_store::StoreError> {
    let mut counts = BTreeMap::new();
    for status in JobStatus::ALL {
        let count = store.count_jobs(status.as_str(), MAX_COUNTED)?;
        counts.insert(status.as_str().to_owned(), count);
    }
    Ok(counts)
}

/// A database that does not exist yet: the gateway must be able to create its directory and
/// the file. The nearest existing ancestor has to accept a new file.
fn probe_creatable(path: &Path) -> Result<String, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut ancestor = dir;
    while !ancestor.exists() {
        ancestor = match ancestor.parent() {
            Some(parent) => parent,
            None => break,
        };
    }
    if ancestor.exists() && !ancestor.is_dir() {
        return Err(format!(
            "cannot create {}: {} is not a directory",
            dir.display(),
            ancestor.display()
        ));
    }
    ensure_dir_writable(ancestor).map_err(|error| {
        format!(
            "cannot create {}: {} is not writable ({error})",
            path.display(),
            ancestor.display()
        )
    })?;
    Ok(format!("{} will be created on first start", path.display()))
}

/// Creates and removes a temp file in `dir`: mode bits lie (root, ACLs, read-only mounts).
fn ensure_dir_writable(dir: &Path) -> std::io::Result<()> {
    tempfile::Builder::new()
        .prefix(".doctor-probe")
        .tempfile_in(dir)
        .map(drop)
}

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0)
}

/// Bytes for people: `812 B`, `4.0 KiB`, `12.3 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_location_follows_the_documented_precedence() {
        let home = PathBuf::from("/home/u");
        type Case<'a> = (&'a [(&'a str, &'a str)], Location, &'a str);
        let file = |path: &str| Location::File(PathBuf::from(path));
        let cases: [Case<'_>; 7] = [
            (&[], file("/home/u/.llm-cli-gateway/logs.db"), "default"),
            (
                &[("LLM_GATEWAY_HOME", "/data/gw")],
                file("/data/gw/logs.db"),
                "LLM_GATEWAY_HOME",
            ),
            (
                &[("LLM_GATEWAY_JOBS_DB", "/x/jobs.db")],
                file("/x/jobs.db"),
                "LLM_GATEWAY_JOBS_DB",
            ),
            (
                &[
                    ("LLM_GATEWAY_LOGS_DB", "/y/logs.db"),
                    ("LLM_GATEWAY_JOBS_DB", "/x/jobs.db"),
                ],
                file("/y/logs.db"),
                "LLM_GATEWAY_LOGS_DB",
            ),
            (
                &[("LLM_GATEWAY_LOGS_DB", "none")],
                Location::Memory,
                "LLM_GATEWAY_LOGS_DB",
            ),
            (
                &[
                    ("LLM_GATEWAY_LOGS_DB", "  "),
                    ("LLM_GATEWAY_JOBS_DB", "NONE"),
                ],
                Location::Memory,
                "LLM_GATEWAY_JOBS_DB",
            ),
            (
                &[
                    ("LLM_GATEWAY_DATABASE_URL", " postgres://u@db/gw "),
                    ("LLM_GATEWAY_LOGS_DB", "/y/logs.db"),
                ],
                Location::Postgres("postgres://u@db/gw".to_owned()),
                "LLM_GATEWAY_DATABASE_URL",
            ),
        ];
        for (vars, location, source) in cases {
            let mut options = DoctorOptions::isolated("", &home);
            options.env = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let setting = StoreSetting::resolve(&options);
            assert_eq!(
                (setting.location, setting.source),
                (location, source),
                "{vars:?}"
            );
        }
    }

    #[test]
    fn sizes_read_well() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (5 * 1024 * 1024 + 1, "5.0 MiB"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(human_size(bytes), expected);
        }
    }
}
