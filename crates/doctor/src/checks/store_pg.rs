//! Store check on PostgreSQL: whether the server accepts the connection and the login (with
//! the server's own reason when not), the schema version against this binary's, and what the
//! database holds. The URL is only ever shown without its password.
//!
//! The store is opened the way every reader opens it ([`ReadStore::open_at`]), which changes
//! nothing: an empty database is reported as reachable with its tables still to be created (the
//! first gateway start does that), and the schema version is the one found.

use gateway_store::query::ReadStore;
use gateway_store::{Location, Store, StoreError, redact_url};

use crate::report::{Backend, Status, StoreCheck};

pub(crate) fn check(url: &str, source: &'static str) -> StoreCheck {
    let shown = redact_url(url);
    let mut check = StoreCheck {
        url: Some(shown.clone()),
        ..super::store::blank(Backend::Postgres, source)
    };
    let store = match ReadStore::open_at(&Location::Postgres(url.to_owned())) {
        Ok(Some(store)) => store,
        Ok(None) => {
            check.reachable = Some(true);
            check.can_open = true;
            check.writable = true;
            check.detail = format!(
                "{shown} (PostgreSQL, reachable): its tables will be created on first start"
            );
            return check;
        }
        Err(error) => {
            check.status = Status::Error;
            let reachable = !error.is_unreachable();
            check.reachable = Some(reachable);
            check.exists = reachable;
            check.detail = failure(&shown, &error);
            return check;
        }
    };
    check.reachable = Some(true);
    check.exists = true;
    let version = match store.schema_version() {
        Ok(version) => version,
        Err(error) => {
            check.status = Status::Error;
            check.detail = failure(&shown, &error);
            return check;
        }
    };
    check.schema_version = Some(version);
    check.writable = true;
    check.can_open = true;
    super::store::read_contents(&store, &mut check);
    let latest = Store::latest_schema_version();
    let versions = match version.cmp(&latest) {
        std::cmp::Ordering::Equal => format!("schema {version}, this binary's too"),
        std::cmp::Ordering::Greater => {
            check.status = Status::Info;
            format!(
                "schema {version}, newer than this binary's {latest}: a newer gateway migrated it"
            )
        }
        std::cmp::Ordering::Less => {
            check.status = Status::Warn;
            format!("schema {version}, older than this binary's {latest}")
        }
    };
    check.detail = format!("{shown} (PostgreSQL, {versions})");
    check
}

/// The store's message names the URL already (without the password) when it could not connect.
fn failure(shown: &str, error: &StoreError) -> String {
    match error {
        StoreError::Connect { .. } | StoreError::BadUrl { .. } => error.to_string(),
        _ => format!("{shown}: {error}"),
    }
}
