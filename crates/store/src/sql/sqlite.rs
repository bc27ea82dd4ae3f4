//! The SQLite side of [`super::Db`]: statements through the connection's prepared-statement
//! cache (parsing the SQL anew on every call was about an eighth of the gateway's CPU per job).

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::value::{Arg, Read, Row, Value};
use crate::StoreError;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(value) => ValueRef::Integer(value),
            Value::Real(value) => ValueRef::Real(value),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
        }))
    }
}

fn bind<'a>(args: &'a [&'a dyn Arg]) -> Vec<Value<'a>> {
    args.iter().map(|arg| arg.value()).collect()
}

pub(super) fn run(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[&dyn Arg],
) -> Result<usize, StoreError> {
    let values = bind(args);
    Ok(conn
        .prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(values.iter()))?)
}

pub(super) fn each_row(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[&dyn Arg],
    mut visit: impl FnMut(&Row<'_>) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let values = bind(args);
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
    while let Some(row) = rows.next()? {
        if !visit(&Row::Sqlite(row))? {
            break;
        }
    }
    Ok(())
}

pub(super) fn read(row: &rusqlite::Row<'_>, index: usize) -> Result<Read, StoreError> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Read::Null,
        ValueRef::Integer(value) => Read::Int(value),
        ValueRef::Real(value) => Read::Real(value),
        ValueRef::Text(bytes) => Read::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(_) => {
            return Err(StoreError::Corrupt {
                table: "row",
                reason: format!("column {index} holds a blob"),
            });
        }
    })
}
