//! Spin 4's database calls (spin-sdk 6: `spin:sqlite@3.1.0`,
//! `spin:postgres@4.2.0`), asynchronous: while one waits, the instance runs
//! its other requests, and a call past its deadline is given up.

use std::{future::Future, pin::pin, task::Poll, time::Duration};

use spin_sdk::{pg, sqlite};

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
            DatabaseUrl::Sqlite => Connection::Sqlite(sqlite::Connection::open_default().await.map_err(sqlite_error)?),
            DatabaseUrl::Postgres(address) => {
                Connection::Postgres(pg::Connection::open(sql::with_timeouts(address)).await.map_err(pg_sdk_error)?)
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
                let params = params.iter().map(to_sqlite);
                let result =
                    conn.execute(sql::to_sqlite_placeholders(statement), params).await.map_err(sqlite_error)?;
                let rows = result.collect().await.map_err(sqlite_error)?;
                rows.into_iter()
                    .map(|r| r.values.into_iter().map(from_sqlite).collect::<Result<_, _>>().map(Row))
                    .collect()
            }
            Connection::Postgres(conn) => {
                let params: Vec<pg::ParameterValue> = params.iter().map(to_pg).collect();
                let result = conn.query(statement, params).await.map_err(pg_sdk_error)?;
                let (_, rows, finished) = result.into_inner();
                let rows = rows.collect().await;
                finished.await.map_err(pg_error)?;
                rows.into_iter().map(|r| r.into_iter().map(from_pg).collect::<Result<_, _>>().map(Row)).collect()
            }
        }
    }

    pub(crate) async fn execute(&self, statement: &str, params: &[Value]) -> Result<(), StoreError> {
        match self {
            Connection::Sqlite(_) => self.query(statement, params).await.map(drop),
            Connection::Postgres(conn) => {
                let params: Vec<pg::ParameterValue> = params.iter().map(to_pg).collect();
                conn.execute(statement, params).await.map(drop).map_err(pg_sdk_error)
            }
        }
    }
}

/// Waits without holding the instance.
pub(crate) async fn sleep(duration: Duration) {
    spin_sdk::time::sleep(duration).await;
}

/// `call`'s result, or `None` if `deadline` passed first. The call is then
/// dropped, which cancels it in the host.
pub(crate) async fn within<T>(deadline: Duration, call: impl Future<Output = T>) -> Option<T> {
    let mut call = pin!(call);
    let mut timer = pin!(sleep(deadline));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = call.as_mut().poll(cx) {
            Poll::Ready(Some(value))
        } else if timer.as_mut().poll(cx).is_ready() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    })
    .await
}

include!("host_values.rs");

/// spin-sdk 6 wraps the interface's error with its own decoding one.
fn pg_sdk_error(err: pg::Error) -> StoreError {
    match err {
        pg::Error::PgError(err) => pg_error(err),
        pg::Error::Decode(why) => StoreError::Corrupt(why),
    }
}
