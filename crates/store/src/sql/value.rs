//! Values in and out of either engine: [`Arg`] turns a Rust value into a [`Value`] bound to a
//! placeholder, [`Column`] reads one column of a [`Row`] back.
//!
//! The schema stores flags as integers on both engines (0/1), so `bool` travels as an integer.

use std::borrow::Cow;

use crate::StoreError;

/// A value bound to a placeholder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

/// Something that can be bound to a placeholder.
pub(crate) trait Arg {
    fn value(&self) -> Value<'_>;
}

macro_rules! int_arg {
    ($($ty:ty),*) => {$(
        impl Arg for $ty {
            fn value(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_arg!(i64, i32, u32, bool);

impl Arg for u64 {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Arg for usize {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Arg for f64 {
    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl Arg for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Arg for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Arg for Cow<'_, str> {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Arg> Arg for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Arg::value)
    }
}

impl Arg for Value<'_> {
    fn value(&self) -> Value<'_> {
        *self
    }
}

/// An owned value, for argument lists built at run time (filters).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Owned {
    Int(i64),
    Text(String),
}

impl Arg for Owned {
    fn value(&self) -> Value<'_> {
        match self {
            Owned::Int(value) => Value::Int(*value),
            Owned::Text(text) => Value::Text(text),
        }
    }
}

/// The arguments of one statement: `params![a, b]` borrows each as an [`Arg`].
macro_rules! params {
    () => { &[] as &[&dyn $crate::sql::Arg] };
    ($($arg:expr),+ $(,)?) => { &[$(&$arg as &dyn $crate::sql::Arg),+] as &[&dyn $crate::sql::Arg] };
}
pub(crate) use params;

/// A column read back, whatever the engine.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Read {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A type one column converts into.
pub(crate) trait Column: Sized {
    fn from_read(read: Read) -> Result<Self, String>;
}

impl Column for i64 {
    fn from_read(read: Read) -> Result<Self, String> {
        match read {
            Read::Int(value) => Ok(value),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}

impl Column for i32 {
    fn from_read(read: Read) -> Result<Self, String> {
        let wide = i64::from_read(read)?;
        i32::try_from(wide).map_err(|_| format!("{wide} does not fit 32 bits"))
    }
}

impl Column for u32 {
    fn from_read(read: Read) -> Result<Self, String> {
        let wide = i64::from_read(read)?;
        u32::try_from(wide).map_err(|_| format!("{wide} is not a 32-bit count"))
    }
}

impl Column for bool {
    fn from_read(read: Read) -> Result<Self, String> {
        i64::from_read(read).map(|value| value != 0)
    }
}

impl Column for f64 {
    fn from_read(read: Read) -> Result<Self, String> {
        match read {
            Read::Real(value) => Ok(value),
            #[allow(
                clippy::cast_precision_loss,
                reason = "sums of costs stored as integers"
            )]
            Read::Int(value) => Ok(value as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl Column for String {
    fn from_read(read: Read) -> Result<Self, String> {
        match read {
            Read::Text(text) => Ok(text),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn from_read(read: Read) -> Result<Self, String> {
        match read {
            Read::Null => Ok(None),
            other => T::from_read(other).map(Some),
        }
    }
}

/// One result row of either engine.
pub(crate) enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `index` as `T`; a type mismatch is a corrupt row, named with its column.
    pub(crate) fn get<T: Column>(&self, index: usize) -> Result<T, StoreError> {
        let read = match self {
            Row::Sqlite(row) => super::sqlite::read(row, index)?,
            Row::Postgres(row) => super::pg::read(row, index)?,
        };
        T::from_read(read).map_err(|reason| StoreError::Corrupt {
            table: "row",
            reason: format!("column {index}: {reason}"),
        })
    }
}
