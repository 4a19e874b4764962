use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    time::{Duration, Instant},
};

use spin_sdk::{pg4, sqlite};

use crate::{
    DatabaseUrl,
    migrations::{self, Migration},
    sql,
};

/// A SQL parameter or column value, common to both backends.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    Bool(bool),
    Null,
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row; columns are addressed by position, in SELECT order.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

/// A column that is not what the query expects is a schema problem, not a
/// reason to trap: it becomes an error the HTTP layer logs and answers 500.
impl Row {
    fn column(&self, i: usize) -> Result<&Value, StoreError> {
        self.0.get(i).ok_or_else(|| StoreError::Corrupt(format!("no column {i} in a row of {}", self.0.len())))
    }

    fn mismatch(&self, i: usize, expected: &str) -> StoreError {
        StoreError::Corrupt(format!("column {i} is not {expected}: {:?}", self.0.get(i)))
    }

    /// The integer in the first column of the first row: a `COUNT(*)`.
    pub fn single_int(rows: &[Row]) -> Result<i64, StoreError> {
        rows.first().ok_or_else(|| StoreError::Corrupt("a count returned no row".into()))?.int(0)
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.column(i)? {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(self.mismatch(i, "text")),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.column(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.column(i)? {
            Value::Int(n) => Ok(*n),
            _ => Err(self.mismatch(i, "an integer")),
        }
    }

    /// SQLite stores booleans as 0/1, PostgreSQL as booleans.
    pub fn bool(&self, i: usize) -> Result<bool, StoreError> {
        match self.column(i)? {
            Value::Bool(b) => Ok(*b),
            Value::Int(n) => Ok(*n != 0),
            _ => Err(self.mismatch(i, "a boolean")),
        }
    }
}

/// Why a database call failed, as far as callers need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The database cannot be reached or is not answering: retry later.
    Unavailable(String),
    /// A uniqueness constraint refused the write.
    Conflict,
    /// The statement failed for another reason (a bug or a schema problem).
    Query(String),
    /// A stored value is not what the schema promises (a column of the wrong
    /// type, an unknown role, record data that is not a JSON object).
    Corrupt(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "database unavailable: {why}"),
            StoreError::Conflict => f.write_str("unique constraint violated"),
            StoreError::Query(why) => write!(f, "query failed: {why}"),
            StoreError::Corrupt(why) => write!(f, "stored data is corrupt: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection to the app's database, kept by the component instance
/// that opened it.
///
/// Spin reuses a WASI P3 component's instance for many requests (Spin 3.6.3:
/// up to 128, 16 at a time), so the first request that needs data opens
/// the connection and checks the schema, and the next ones find both done.
/// A WASI P2 instance serves one request, so there it is opened per request.
/// Nothing of a request's caller is kept with it: who is calling is read
/// from each request's token and the database, never from the instance.
#[derive(Clone)]
pub struct Db(Rc<Kept>);

struct Kept {
    connection: Connection,
    url: DatabaseUrl,
    /// Set when a statement failed in a way that may have left the
    /// connection unusable or in an unknown state (the server went away, a
    /// statement or a rollback failed): the next request opens a new one and
    /// checks the schema again.
    broken: Cell<bool>,
    /// Migration versions this connection has seen applied.
    checked: RefCell<Vec<i64>>,
}

enum Connection {
    Sqlite(sqlite::Connection),
    Postgres(pg4::Connection),
}

/// How the current request came by its connection, for `Server-Timing`
/// (operators see whether their runtime reuses instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connected {
    /// Opened by this request (and its schema checked).
    Opened,
    /// Kept by the instance from an earlier request.
    Kept,
}

impl Connected {
    pub fn as_str(self) -> &'static str {
        match self {
            Connected::Opened => "opened",
            Connected::Kept => "kept",
        }
    }
}

thread_local! {
    /// The instance's connection (a component instance is single-threaded).
    static KEPT: RefCell<Option<Db>> = const { RefCell::new(None) };
    /// What the current request did with the database; taken once per
    /// request by `take_usage`.
    static USAGE: Cell<Usage> = const { Cell::new(Usage { connected: None, statements: 0, time: Duration::ZERO }) };
}

/// What a request did with the database, for `Server-Timing`: where its
/// time went, without a profiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// How it came by its connection; `None` if it never opened one.
    pub connected: Option<Connected>,
    /// Statements sent (round trips to the database, each through Spin's host).
    pub statements: u32,
    /// Time spent waiting on the host for them, opening included.
    pub time: Duration,
}

/// What the request since the last call did with the database. The HTTP
/// layer calls this before and after each request.
pub fn take_usage() -> Usage {
    USAGE.replace(Usage { connected: None, statements: 0, time: Duration::ZERO })
}

/// Ends a request on an instance that serves many (the WASI P3 entry calls
/// it): a kept connection that broke during the request is closed now, not
/// by the instance's next request (a SQLite connection left inside a
/// transaction would hold the write lock until then).
pub fn finish_request() {
    if KEPT.with_borrow(|kept| kept.as_ref().is_some_and(|db| db.0.broken.get())) {
        KEPT.set(None);
    }
}

/// Times one call to the host's database interface.
fn timed<T>(statements: u32, call: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = call();
    let mut usage = USAGE.get();
    usage.statements += statements;
    usage.time += started.elapsed();
    USAGE.set(usage);
    result
}

impl Db {
    /// The instance's connection to the database `url` names, opened if it
    /// has none that works, with the store's part of the schema and the
    /// parts in `also` up to date. Called inside the request that needs
    /// data, never at start-up.
    pub fn open(url: &DatabaseUrl, also: &[&[Migration]]) -> Result<Db, StoreError> {
        let kept = KEPT.with_borrow(|kept| kept.clone()).filter(|db| &db.0.url == url && !db.0.broken.get());
        let (db, connected) = match kept {
            Some(db) => (db, Connected::Kept),
            None => {
                // Dropping the old one closes it (a PostgreSQL connection
                // goes back to Spin's pool, which checks it).
                KEPT.set(None);
                (timed(0, || Db::connect(url))?, Connected::Opened)
            }
        };
        let wanted = || migrations::MIGRATIONS.iter().chain(also.iter().copied().flatten()).map(|m| m.version);
        if !wanted().all(|version| db.0.checked.borrow().contains(&version)) {
            migrations::ensure_current(&db, also)?;
            db.0.checked.borrow_mut().extend(wanted());
        }
        KEPT.set(Some(db.clone()));
        USAGE.set(Usage { connected: Some(connected), ..USAGE.get() });
        Ok(db)
    }

    fn connect(url: &DatabaseUrl) -> Result<Db, StoreError> {
        let connection = match url {
            DatabaseUrl::Sqlite => Connection::Sqlite(sqlite::Connection::open_default().map_err(sqlite_error)?),
            DatabaseUrl::Postgres(address) => {
                Connection::Postgres(pg4::Connection::open(&sql::with_timeouts(address)).map_err(pg_error)?)
            }
        };
        if let Connection::Sqlite(conn) = &connection {
            // SQLite enforces foreign keys, and so their ON DELETE CASCADE,
            // only when a connection asks; PostgreSQL always does. Each part
            // of the schema owns its cascades through them.
            conn.execute("PRAGMA foreign_keys = ON", &[]).map_err(sqlite_error)?;
            // Write-ahead logging: readers never wait on a writer, and a
            // commit appends to the log instead of rewriting pages under an
            // exclusive lock, so concurrent writes queue for microseconds,
            // not for the busy handler's sleeps (a 1 s tail before). The
            // mode is stored in the file; NORMAL sync is safe with WAL (a
            // power cut can lose the last commits, never corrupt).
            conn.execute("PRAGMA journal_mode = WAL", &[]).map_err(sqlite_error)?;
            conn.execute("PRAGMA synchronous = NORMAL", &[]).map_err(sqlite_error)?;
            // A statement outside a transaction that meets another
            // instance's write lock waits for it (`begin_immediate` waits
            // its own way). Spin's SQLite (rusqlite) waits 5 s already;
            // said here, not assumed.
            conn.execute("PRAGMA busy_timeout = 5000", &[]).map_err(sqlite_error)?;
        }
        Ok(Db(Rc::new(Kept {
            connection,
            url: url.clone(),
            broken: Cell::new(false),
            checked: RefCell::new(Vec::new()),
        })))
    }

    /// Notes a failed statement: errors that may leave the connection
    /// unusable or mid-transaction make the next request open a new one.
    /// A refused unique value or a corrupt row says nothing about it.
    fn watch<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Unavailable(_) | StoreError::Query(_)) = &result {
            self.0.broken.set(true);
        }
        result
    }

    pub fn backend(&self) -> Backend {
        match self.0.connection {
            Connection::Sqlite(_) => Backend::Sqlite,
            Connection::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a query and returns its rows.
    pub fn query(&self, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.watch(timed(1, || self.run_query(statement, params)))
    }

    /// A query whose failure is an answer, not a fault (the migration
    /// ledger may not exist yet): unlike [`query`](Self::query), a failure
    /// leaves the connection kept.
    pub(crate) fn probe(&self, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        timed(1, || self.run_query(statement, params))
    }

    fn run_query(&self, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        match &self.0.connection {
            Connection::Sqlite(conn) => {
                let params: Vec<sqlite::Value> = params.iter().map(to_sqlite).collect();
                let result = conn.execute(&sql::to_sqlite_placeholders(statement), &params).map_err(sqlite_error)?;
                Ok(result.rows.into_iter().map(|r| Row(r.values.into_iter().map(from_sqlite).collect())).collect())
            }
            Connection::Postgres(conn) => {
                let params: Vec<pg4::ParameterValue> = params.iter().map(to_pg).collect();
                let result = conn.query(statement, &params).map_err(pg_error)?;
                Ok(result.rows.into_iter().map(|r| Row(r.into_iter().map(from_pg).collect())).collect())
            }
        }
    }

    /// Runs a statement that returns no rows.
    pub fn execute(&self, statement: &str, params: &[Value]) -> Result<(), StoreError> {
        match &self.0.connection {
            Connection::Sqlite(_) => self.query(statement, params).map(drop),
            Connection::Postgres(conn) => {
                let params: Vec<pg4::ParameterValue> = params.iter().map(to_pg).collect();
                self.watch(timed(1, || conn.execute(statement, &params).map(drop).map_err(pg_error)))
            }
        }
    }

    /// Runs `work` in a transaction: committed if it returns `Ok`, rolled back
    /// otherwise. SQLite takes its write lock up front (`BEGIN IMMEDIATE`), so
    /// concurrent writers queue instead of failing half-way.
    pub fn transaction<T, E: From<StoreError>>(&self, work: impl FnOnce(&Db) -> Result<T, E>) -> Result<T, E> {
        match &self.0.connection {
            Connection::Sqlite(conn) => self.watch(timed(1, || begin_immediate(conn)))?,
            Connection::Postgres(_) => self.execute("BEGIN", &[])?,
        }
        match work(self) {
            Ok(value) => match self.execute("COMMIT", &[]) {
                Ok(()) => Ok(value),
                Err(err) => {
                    // SQLite keeps a transaction open when COMMIT fails:
                    // end it here, and drop the connection anyway.
                    let _ = self.execute("ROLLBACK", &[]);
                    self.0.broken.set(true);
                    Err(err.into())
                }
            },
            Err(err) => {
                // A failed rollback marks the connection broken (`watch`):
                // no later request may find this transaction open.
                let _ = self.execute("ROLLBACK", &[]);
                Err(err)
            }
        }
    }
}

/// How long a SQLite writer waits for the write lock before the request
/// answers 503.
const SQLITE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Takes SQLite's write lock, polling every millisecond or two instead of
/// through SQLite's busy handler: that one sleeps longer the longer a writer
/// has waited (up to 100 ms a time) while newcomers poll fast, so under
/// concurrent writes an unlucky one waited a second or more (the p99 of
/// contacts create at 16 connections was 0.8–1.5 s). Polling at one pace
/// for everyone keeps the wait close to the queue's length.
fn begin_immediate(conn: &sqlite::Connection) -> Result<(), StoreError> {
    conn.execute("PRAGMA busy_timeout = 0", &[]).map_err(sqlite_error)?;
    let started = std::time::Instant::now();
    let mut attempt: u32 = 0;
    let outcome = loop {
        match conn.execute("BEGIN IMMEDIATE", &[]) {
            Ok(_) => break Ok(()),
            Err(sqlite::Error::Io(msg))
                if (msg.contains("locked") || msg.contains("busy")) && started.elapsed() < SQLITE_LOCK_WAIT =>
            {
                attempt = attempt.wrapping_add(1);
                // 1 or 2 ms, alternating with the attempt, so that waiters
                // do not move in step.
                std::thread::sleep(std::time::Duration::from_micros(1000 + u64::from(attempt % 2) * 1000));
            }
            Err(err) => break Err(sqlite_error(err)),
        }
    };
    // Single statements outside a transaction keep SQLite's own waiting.
    conn.execute("PRAGMA busy_timeout = 5000", &[]).map_err(sqlite_error)?;
    outcome
}

fn to_sqlite(value: &Value) -> sqlite::Value {
    match value {
        Value::Int(n) => sqlite::Value::Integer(*n),
        Value::Text(s) => sqlite::Value::Text(s.clone()),
        Value::Bool(b) => sqlite::Value::Integer(*b as i64),
        Value::Null => sqlite::Value::Null,
    }
}

fn from_sqlite(value: sqlite::Value) -> Value {
    match value {
        sqlite::Value::Integer(n) => Value::Int(n),
        sqlite::Value::Text(s) => Value::Text(s),
        sqlite::Value::Real(f) => Value::Int(f as i64),
        sqlite::Value::Blob(b) => Value::Text(String::from_utf8_lossy(&b).into_owned()),
        sqlite::Value::Null => Value::Null,
    }
}

fn to_pg(value: &Value) -> pg4::ParameterValue {
    match value {
        Value::Int(n) => pg4::ParameterValue::Int64(*n),
        Value::Text(s) => pg4::ParameterValue::Str(s.clone()),
        Value::Bool(b) => pg4::ParameterValue::Boolean(*b),
        Value::Null => pg4::ParameterValue::DbNull,
    }
}

fn from_pg(value: pg4::DbValue) -> Value {
    use pg4::DbValue as V;
    match value {
        V::Boolean(b) => Value::Bool(b),
        V::Int8(n) => Value::Int(n.into()),
        V::Int16(n) => Value::Int(n.into()),
        V::Int32(n) => Value::Int(n.into()),
        V::Int64(n) => Value::Int(n),
        V::Str(s) => Value::Text(s),
        V::DbNull => Value::Null,
        other => Value::Text(format!("{other:?}")),
    }
}

fn sqlite_error(err: sqlite::Error) -> StoreError {
    match err {
        sqlite::Error::Io(msg) if msg.contains("UNIQUE constraint failed") => StoreError::Conflict,
        sqlite::Error::Io(msg) if msg.contains("database is locked") || msg.contains("busy") => {
            StoreError::Unavailable(msg)
        }
        sqlite::Error::Io(msg) => StoreError::Query(msg),
        other => StoreError::Unavailable(format!("{other:?}")),
    }
}

fn pg_error(err: pg4::PgError) -> StoreError {
    match err {
        pg4::PgError::QueryFailed(pg4::QueryError::DbError(db)) => match db.code.as_str() {
            "23505" => StoreError::Conflict,
            // Connection exceptions, shutdowns, cancelled or timed-out statements.
            // Deadlocks and serialization failures: the same request retried
            // goes through.
            code if code.starts_with("08") || code.starts_with("57") || matches!(code, "53300" | "40P01" | "40001") => {
                StoreError::Unavailable(format!("{} ({})", db.message, db.code))
            }
            _ => StoreError::Query(format!("{} ({})", db.message, db.code)),
        },
        pg4::PgError::QueryFailed(pg4::QueryError::Text(msg)) => StoreError::Unavailable(msg),
        pg4::PgError::ConnectionFailed(msg) | pg4::PgError::Other(msg) => StoreError::Unavailable(msg),
        other => StoreError::Query(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corrupt(result: Result<impl std::fmt::Debug, StoreError>) -> String {
        match result {
            Err(StoreError::Corrupt(why)) => why,
            other => panic!("expected corrupt data, got {other:?}"),
        }
    }

    #[test]
    fn columns_of_an_unexpected_type_are_errors_not_traps() {
        let row = Row(vec![Value::Int(7), Value::Text("x".into()), Value::Null, Value::Bool(true)]);
        assert_eq!(row.int(0), Ok(7));
        assert_eq!(row.text(1), Ok("x".to_string()));
        assert_eq!(row.opt_text(2), Ok(None));
        assert_eq!(row.bool(3), Ok(true));
        assert_eq!(row.bool(0), Ok(true), "SQLite's 0/1 booleans");
        assert!(corrupt(row.text(0)).contains("column 0 is not text"));
        assert!(corrupt(row.int(1)).contains("column 1 is not an integer"));
        assert!(corrupt(row.bool(1)).contains("column 1 is not a boolean"));
        assert!(corrupt(row.opt_text(0)).contains("not text"));
        assert!(corrupt(row.text(9)).contains("no column 9"));
        assert!(corrupt(Row::single_int(&[])).contains("no row"));
        assert_eq!(Row::single_int(&[row]), Ok(7));
    }
}
