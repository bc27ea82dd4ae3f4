//! The PostgreSQL side of [`super::Db`]: one client per store, reconnected on the next call
//! after the server went away (never inside a transaction), statements prepared once per
//! connection, `?N` placeholders rewritten to `$N`.
//!
//! The client is `postgres` (the blocking face of `tokio-postgres`): the store is synchronous
//! and its async callers already hand it to `spawn_blocking`. TLS is rustls, verifying the
//! server against the system's trust store (plus `sslrootcert=<file>` when the URL names one);
//! `sslmode=disable` connects in plain text.

use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, NoTls, Statement};

use super::value::{Arg, Read, Row, Value};
use crate::StoreError;

/// How long a connection attempt may take before it is reported as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL connection that comes back after the server restarts.
pub(crate) struct Conn {
    config: Config,
    tls: Tls,
    client: RefCell<Option<Client>>,
    statements: RefCell<HashMap<String, Statement>>,
    in_transaction: Cell<bool>,
    /// The URL with its password replaced, for messages.
    shown: String,
}

enum Tls {
    Off,
    On(tokio_postgres_rustls::MakeRustlsConnect),
}

impl Conn {
    /// Connects to `url` (`postgres://user:password@host:port/db?sslmode=…`).
    pub(crate) fn connect(url: &str) -> Result<Conn, StoreError> {
        let shown = redact_url(url);
        let fail = |reason: String| StoreError::Connect {
            url: shown.clone(),
            reason,
        };
        let (url, root_file) = take_param(url, "sslrootcert");
        let mut config: Config =
            url.parse()
                .map_err(|error: postgres::Error| StoreError::BadUrl {
                    url: shown.clone(),
                    reason: error.to_string(),
                })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("llm-cli-gateway");
        }
        let tls = match config.get_ssl_mode() {
            postgres::config::SslMode::Disable => Tls::Off,
            _ => Tls::On(rustls_connector(root_file.as_deref()).map_err(fail)?),
        };
        let conn = Conn {
            config,
            tls,
            client: RefCell::new(None),
            statements: RefCell::new(HashMap::new()),
            in_transaction: Cell::new(false),
            shown,
        };
        conn.client()?;
        Ok(conn)
    }

    /// The live client, connecting first when there is none or the last one closed. Inside a
    /// transaction a lost connection is an error: its statements are gone with it.
    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let mut slot = self.client.borrow_mut();
        if slot.as_ref().is_none_or(Client::is_closed) {
            if self.in_transaction.get() {
                return Err(StoreError::Connect {
                    url: self.shown.clone(),
                    reason: "the connection was lost inside a transaction".to_owned(),
                });
            }
            self.statements.borrow_mut().clear();
            let connected = match &self.tls {
                Tls::Off => self.config.connect(NoTls),
                Tls::On(tls) => self.config.connect(tls.clone()),
            };
            *slot = Some(connected.map_err(|error| StoreError::Connect {
                url: self.shown.clone(),
                reason: connect_reason(&error),
            })?);
        }
        Ok(RefMut::map(slot, |slot| {
            slot.as_mut()
                .unwrap_or_else(|| unreachable!("connected above"))
        }))
    }

    fn statement(&self, client: &mut Client, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(&placeholders(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(crate) fn run(&self, sql: &str, args: &[&dyn Arg]) -> Result<usize, StoreError> {
        let mut client = self.client()?;
        let statement = self.statement(&mut client, sql)?;
        let values = bind(args);
        let changed = client.execute(&statement, &refs(&values))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    pub(crate) fn each_row(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        mut visit: impl FnMut(&Row<'_>) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client()?;
        let statement = self.statement(&mut client, sql)?;
        let values = bind(args);
        let mut rows = client.query_raw(&statement, refs(&values))?;
        while let Some(row) = rows.next()? {
            if !visit(&Row::Postgres(&row))? {
                break;
            }
        }
        Ok(())
    }

    /// Runs statements without parameters (transaction control, migrations).
    pub(crate) fn batch(&self, sql: &str) -> Result<(), StoreError> {
        let control = sql.trim();
        let ends =
            control.eq_ignore_ascii_case("COMMIT") || control.eq_ignore_ascii_case("ROLLBACK");
        if ends && self.client.borrow().as_ref().is_none_or(Client::is_closed) {
            // Nothing to end: the transaction died with its connection.
            self.in_transaction.set(false);
            return Err(StoreError::Connect {
                url: self.shown.clone(),
                reason: "the connection was lost inside a transaction".to_owned(),
            });
        }
        let result = self.client()?.batch_execute(sql);
        if control.eq_ignore_ascii_case("BEGIN") {
            self.in_transaction.set(result.is_ok());
        } else if ends {
            self.in_transaction.set(false);
        }
        Ok(result?)
    }

    pub(crate) fn schema_version(&self) -> Result<i64, StoreError> {
        super::Db::row_of(self, "SELECT coalesce(max(version), 0) FROM schema_version")
    }
}

/// The client's own drop blocks on its private runtime to say goodbye to the server, which
/// panics on a thread that drives async tasks (where a gateway may drop its last handle to the
/// store). A thread of its own may always block.
impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

impl super::Db {
    /// One integer from a query without arguments, on a PostgreSQL connection.
    fn row_of(conn: &Conn, sql: &str) -> Result<i64, StoreError> {
        let mut found = 0;
        conn.each_row(sql, &[], |row| {
            found = row.get(0)?;
            Ok(false)
        })?;
        Ok(found)
    }
}

/// Why a connection failed, with the cause chain (the top error alone often says only
/// "error connecting to server"); never the password, which no cause carries.
fn connect_reason(error: &postgres::Error) -> String {
    let mut reason = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        source = cause.source();
    }
    if reason.contains("UnknownIssuer") || reason.contains("certificate") {
        reason.push_str(
            " (the server's certificate is not trusted here: add `sslrootcert=<ca file>` to the URL, or `sslmode=disable` on a trusted network)",
        );
    }
    reason
}

fn rustls_connector(
    root_file: Option<&str>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(file) = root_file {
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(file)
            .map_err(|error| format!("cannot read sslrootcert {file}: {error}"))?;
        for cert in certs {
            let cert = cert.map_err(|error| format!("sslrootcert {file}: {error}"))?;
            roots
                .add(cert)
                .map_err(|error| format!("sslrootcert {file}: {error}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS set-up: {error}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Removes query parameter `name` from `url` (the client does not know it), returning its value.
fn take_param(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut found = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((key, value)) if key == name => {
                found = Some(value.to_owned());
                false
            }
            _ => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, found)
}

/// `url` with any password replaced by `***`: URL form `user:pw@`, `password=` parameters,
/// and the `key=value` form (`host=db password=…`).
pub fn redact_url(url: &str) -> String {
    if !url.contains("://") {
        return url
            .split(' ')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    let mut shown = url.to_owned();
    if let Some(scheme_end) = shown.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = shown[rest_start..]
            .find(['/', '?'])
            .map_or(shown.len(), |end| rest_start + end);
        if let Some(at) = shown[rest_start..authority_end].rfind('@') {
            let userinfo = &shown[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                shown.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some((base, query)) = shown.clone().split_once('?') {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown = format!("{base}?{}", pairs.join("&"));
    }
    shown
}

/// Rewrites SQLite placeholders (`?N`, and bare `?` numbered after the highest so far) to
/// PostgreSQL's `$N`, leaving string literals alone.
pub(crate) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut highest = 0_u32;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(digit) = chars.next_if(char::is_ascii_digit) {
            digits.push(digit);
        }
        let number = digits.parse().unwrap_or(highest + 1);
        highest = highest.max(number);
        out.push('$');
        out.push_str(&number.to_string());
    }
    out
}

fn bind<'a>(args: &'a [&'a dyn Arg]) -> Vec<Value<'a>> {
    args.iter().map(|arg| arg.value()).collect()
}

fn refs<'a>(values: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    values
        .iter()
        .map(|value| value as &(dyn ToSql + Sync))
        .collect()
}

type BoxError = Box<dyn StdError + Sync + Send>;

/// Binds to whatever type PostgreSQL inferred for the placeholder, so one statement text serves
/// both engines (an integer flag into a `BIGINT`, a count into an `INT4`, text into `TEXT`).
impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(value) => match *ty {
                Type::INT8 => value.to_sql(ty, out),
                Type::INT4 => i32::try_from(value)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(value)?.to_sql(ty, out),
                Type::BOOL => (value != 0).to_sql(ty, out),
                #[allow(clippy::cast_precision_loss, reason = "integers into a float column")]
                Type::FLOAT8 => (value as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => value.to_string().to_sql(ty, out),
                _ => Err(format!("cannot bind an integer as {ty}").into()),
            },
            Value::Real(value) => match *ty {
                Type::FLOAT8 => value.to_sql(ty, out),
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "the column is single precision"
                )]
                Type::FLOAT4 => (value as f32).to_sql(ty, out),
                _ => Err(format!("cannot bind a number as {ty}").into()),
            },
            Value::Text(text) => text.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

pub(super) fn read(row: &postgres::Row, index: usize) -> Result<Read, StoreError> {
    let ty = row
        .columns()
        .get(index)
        .map(|column| column.type_().clone())
        .ok_or_else(|| StoreError::Corrupt {
            table: "row",
            reason: format!("no column {index}"),
        })?;
    let read = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Read::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map(|value| Read::Int(value.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map(|value| Read::Int(value.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map(|value| Read::Int(value.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map(Read::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)?
            .map(|value| Read::Real(value.into())),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
            row.try_get::<_, Option<String>>(index)?.map(Read::Text)
        }
        other => {
            return Err(StoreError::Corrupt {
                table: "row",
                reason: format!(
                    "column {index} has type {other}; cast it to BIGINT, DOUBLE PRECISION or TEXT"
                ),
            });
        }
    };
    Ok(read.unwrap_or(Read::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollar_numbers_outside_literals() {
        let cases = [
            ("SELECT ?1, ?2", "SELECT $1, $2"),
            ("a IN (?, ?) AND b = ?", "a IN ($1, $2) AND b = $3"),
            ("x = ?3 AND y = ?", "x = $3 AND y = $4"),
            ("id LIKE '%?' || ?1", "id LIKE '%?' || $1"),
            ("?10 + ?2", "$10 + $2"),
        ];
        for (sqlite, postgres) in cases {
            assert_eq!(placeholders(sqlite), postgres, "{sqlite}");
        }
    }

    #[test]
    fn passwords_never_show() {
        let cases = [
            (
                "postgres://gw:s3cret@db:5432/gw?sslmode=require",
                "postgres://gw:***@db:5432/gw?sslmode=require",
            ),
            ("postgres://gw@db/gw", "postgres://gw@db/gw"),
            (
                "postgresql://db/gw?user=gw&password=s3cret",
                "postgresql://db/gw?user=gw&password=***",
            ),
            ("postgres://a:b:c@h", "postgres://a:***@h"),
            ("postgress://gw:s3cret@db/gw", "postgress://gw:***@db/gw"),
            (
                "host=db user=gw password=s3cret",
                "host=db user=gw password=***",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        assert_eq!(
            take_param(
                "postgres://h/db?sslmode=require&sslrootcert=/ca.pem",
                "sslrootcert"
            ),
            (
                "postgres://h/db?sslmode=require".to_owned(),
                Some("/ca.pem".to_owned())
            )
        );
        assert_eq!(
            take_param("postgres://h/db", "sslrootcert"),
            ("postgres://h/db".to_owned(), None)
        );
    }
}
