//! The store's host calls natively, for running handlers in process (the
//! in-process tests): the same drivers Spin's host uses (rusqlite with
//! SQLite built in, the postgres client), opened through what the thread's
//! component instance was granted (`mewayz-native-host`). Synchronous, as
//! Spin 3.6's calls: a call holds its thread, and a deadline is never
//! reached here (what a hung database does is tested on Spin 4 itself).
//!
//! Built without the `native-host` feature (the OpenAPI document links the
//! components natively and opens no database), every open is refused.

use std::{future::Future, time::Duration};

#[cfg(not(feature = "native-host"))]
use crate::{
    DatabaseUrl,
    db::{Backend, Row, StoreError},
};

#[cfg(feature = "native-host")]
pub(crate) use drivers::Connection;

#[cfg(not(feature = "native-host"))]
pub(crate) enum Connection {}

#[cfg(not(feature = "native-host"))]
impl Connection {
    pub(crate) async fn open(_: &DatabaseUrl) -> Result<Connection, StoreError> {
        Err(StoreError::Unavailable(
            "this native build has no database host (mewayz-store's native-host feature)".into(),
        ))
    }

    pub(crate) fn backend(&self) -> Backend {
        match *self {}
    }

    pub(crate) async fn query(&self, _: &str, _: &[crate::Value]) -> Result<Vec<Row>, StoreError> {
        match *self {}
    }

    pub(crate) async fn execute(&self, _: &str, _: &[crate::Value]) -> Result<(), StoreError> {
        match *self {}
    }
}

/// Waits, holding the thread (as Spin 3.6's sleep holds its instance).
pub(crate) async fn sleep(duration: Duration) {
    std::thread::sleep(duration);
}

/// `call`'s result: a synchronous call cannot be given up.
pub(crate) async fn within<T>(_deadline: Duration, call: impl Future<Output = T>) -> Option<T> {
    Some(call.await)
}

#[cfg(feature = "native-host")]
mod drivers {
    use std::cell::RefCell;

    use mewayz_native_host::{
        PgNull,
        postgres::{self, types::Type},
        rusqlite::{self, ErrorCode, ffi, types::ValueRef},
    };

    use crate::{
        DatabaseUrl,
        db::{Backend, Row, StoreError, Value},
        sql,
    };

    pub(crate) enum Connection {
        Sqlite(rusqlite::Connection),
        // The client wants `&mut` for every call; an instance runs one call
        // at a time, so the borrow never overlaps another.
        Postgres(RefCell<postgres::Client>),
    }

    impl Connection {
        pub(crate) async fn open(url: &DatabaseUrl) -> Result<Connection, StoreError> {
            Ok(match url {
                DatabaseUrl::Sqlite => {
                    Connection::Sqlite(mewayz_native_host::open_sqlite_default().map_err(StoreError::Unavailable)?)
                }
                DatabaseUrl::Postgres(address) => Connection::Postgres(RefCell::new(
                    mewayz_native_host::connect_postgres(&sql::with_timeouts(address))
                        .map_err(StoreError::Unavailable)?,
                )),
            })
        }

        pub(crate) fn backend(&self) -> Backend {
            match self {
                Connection::Sqlite(_) => Backend::Sqlite,
                Connection::Postgres(_) => Backend::Postgres,
            }
        }

        pub(crate) async fn query(&self, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
            match self {
                Connection::Sqlite(conn) => sqlite_query(conn, statement, params),
                Connection::Postgres(client) => {
                    let params = pg_params(params);
                    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
                    let rows = client.borrow_mut().query(statement, &refs).map_err(pg_error)?;
                    rows.iter().map(from_pg_row).collect()
                }
            }
        }

        pub(crate) async fn execute(&self, statement: &str, params: &[Value]) -> Result<(), StoreError> {
            match self {
                Connection::Sqlite(_) => self.query(statement, params).await.map(drop),
                Connection::Postgres(client) => {
                    let params = pg_params(params);
                    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
                    client.borrow_mut().execute(statement, &refs).map(drop).map_err(pg_error)
                }
            }
        }
    }

    /// One statement and its rows, as Spin's SQLite host runs it.
    fn sqlite_query(conn: &rusqlite::Connection, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut prepared = conn.prepare(&sql::to_sqlite_placeholders(statement)).map_err(sqlite_error)?;
        let columns = prepared.column_count();
        let params = params.iter().map(|value| match value {
            Value::Int(n) => rusqlite::types::Value::Integer(*n),
            Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
            Value::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
            Value::Null => rusqlite::types::Value::Null,
        });
        let mut rows = prepared.query(rusqlite::params_from_iter(params)).map_err(sqlite_error)?;
        let mut read = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let values = (0..columns)
                .map(|i| match row.get_ref(i).map_err(sqlite_error)? {
                    ValueRef::Integer(n) => Ok(Value::Int(n)),
                    ValueRef::Text(text) => Ok(Value::Text(String::from_utf8_lossy(text).into_owned())),
                    ValueRef::Null => Ok(Value::Null),
                    // The store writes neither reals nor blobs: a schema
                    // problem, not a value to guess at.
                    other => Err(StoreError::Corrupt(format!(
                        "a SQLite column the store never writes: {:?}",
                        other.data_type()
                    ))),
                })
                .collect::<Result<Vec<Value>, StoreError>>()?;
            read.push(Row(values));
        }
        Ok(read)
    }

    /// By SQLite's result code: a refused unique value, a lock another
    /// connection holds (the message says "locked", which the lock polling
    /// looks for), or a failed statement.
    fn sqlite_error(err: rusqlite::Error) -> StoreError {
        match &err {
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.extended_code,
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ) =>
            {
                StoreError::Conflict
            }
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(failure.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
            {
                StoreError::Unavailable(format!("database is locked ({err}, extended code {})", failure.extended_code))
            }
            _ => StoreError::Query(err.to_string()),
        }
    }

    fn pg_params(params: &[Value]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
        params
            .iter()
            .map(|value| -> Box<dyn postgres::types::ToSql + Sync> {
                match value {
                    Value::Int(n) => Box::new(*n),
                    Value::Text(s) => Box::new(s.clone()),
                    Value::Bool(b) => Box::new(*b),
                    Value::Null => Box::new(PgNull),
                }
            })
            .collect()
    }

    /// The column types the store reads, as Spin's host decodes them.
    fn from_pg_row(row: &postgres::Row) -> Result<Row, StoreError> {
        let decode = |e: postgres::Error| StoreError::Corrupt(e.to_string());
        (0..row.len())
            .map(|i| {
                let column = &row.columns()[i];
                let value = match *column.type_() {
                    Type::BOOL => row.try_get::<_, Option<bool>>(i).map_err(decode)?.map(Value::Bool),
                    Type::INT2 => row.try_get::<_, Option<i16>>(i).map_err(decode)?.map(|n| Value::Int(n.into())),
                    Type::INT4 => row.try_get::<_, Option<i32>>(i).map_err(decode)?.map(|n| Value::Int(n.into())),
                    Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(decode)?.map(Value::Int),
                    Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                        row.try_get::<_, Option<String>>(i).map_err(decode)?.map(Value::Text)
                    }
                    ref other => {
                        return Err(StoreError::Corrupt(format!(
                            "a PostgreSQL column the store never writes: {} ({other})",
                            column.name()
                        )));
                    }
                };
                Ok(value.unwrap_or(Value::Null))
            })
            .collect::<Result<_, _>>()
            .map(Row)
    }

    /// By SQLSTATE, as the Spin bindings sort the host's errors.
    fn pg_error(err: postgres::Error) -> StoreError {
        let Some(db) = err.as_db_error() else {
            // The connection closed, or an I/O error: the server went away.
            return StoreError::Unavailable(err.to_string());
        };
        let code = db.code().code();
        let described = format!("{} ({code})", db.message());
        match code {
            "23505" => StoreError::Conflict,
            "22021" => StoreError::Unstorable(described),
            code if code.starts_with("08") || code.starts_with("57") || matches!(code, "53300" | "40P01" | "40001") => {
                StoreError::Unavailable(described)
            }
            _ => StoreError::Query(described),
        }
    }
}
