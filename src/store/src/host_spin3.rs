//! Spin 3.6's database calls (spin-sdk 5.2: `fermyon:spin/sqlite@2.0.0`,
//! `spin:postgres@4.0.0`), the build for containerd-shim-spin <= 0.24
//! (`--cfg mewayz_spin3`, see build-component). They are synchronous: a
//! call holds its instance until the host returns, so no deadline can
//! interrupt one (a PostgreSQL that accepts and never answers holds the
//! request, and every other request of its instance, until the server-side
//! `statement_timeout` or the connection's TCP timeouts end it).

use std::{future::Future, time::Duration};

use spin_sdk::{pg4 as pg, sqlite};

use crate::{
    DatabaseUrl,
    db::{Backend, Row, StoreError, Value},
    sql,
};

pub(crate) enum Connection {
    Sqlite(sqlite::Connection),
    Postgres(pg::Connection),
}

impl Connection {
    pub(crate) async fn open(url: &DatabaseUrl) -> Result<Connection, StoreError> {
        Ok(match url {
            DatabaseUrl::Sqlite => Connection::Sqlite(sqlite::Connection::open_default().map_err(sqlite_error)?),
            DatabaseUrl::Postgres(address) => {
                Connection::Postgres(pg::Connection::open(&sql::with_timeouts(address)).map_err(pg_error)?)
            }
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
            Connection::Sqlite(conn) => {
                let params: Vec<sqlite::Value> = params.iter().map(to_sqlite).collect();
                let result = conn.execute(&sql::to_sqlite_placeholders(statement), &params).map_err(sqlite_error)?;
                result
                    .rows
                    .into_iter()
                    .map(|r| r.values.into_iter().map(from_sqlite).collect::<Result<_, _>>().map(Row))
                    .collect()
            }
            Connection::Postgres(conn) => {
                let params: Vec<pg::ParameterValue> = params.iter().map(to_pg).collect();
                let result = conn.query(statement, &params).map_err(pg_error)?;
                result.rows.into_iter().map(|r| r.into_iter().map(from_pg).collect::<Result<_, _>>().map(Row)).collect()
            }
        }
    }

    pub(crate) async fn execute(&self, statement: &str, params: &[Value]) -> Result<(), StoreError> {
        match self {
            Connection::Sqlite(_) => self.query(statement, params).await.map(drop),
            Connection::Postgres(conn) => {
                let params: Vec<pg::ParameterValue> = params.iter().map(to_pg).collect();
                conn.execute(statement, &params).map(drop).map_err(pg_error)
            }
        }
    }
}

/// Waits, holding the instance: Spin 3.6 gives a component no timer that
/// releases it.
pub(crate) async fn sleep(duration: Duration) {
    std::thread::sleep(duration);
}

/// `call`'s result. A synchronous host call cannot be given up, so the
/// deadline is never reached here.
pub(crate) async fn within<T>(_deadline: Duration, call: impl Future<Output = T>) -> Option<T> {
    Some(call.await)
}

include!("host_values.rs");
