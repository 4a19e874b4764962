use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    time::{Duration, Instant},
};

use crate::{
    DatabaseUrl,
    host::{self, Connection},
    migrations::{self, Migration},
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
pub struct Row(pub(crate) Vec<Value>);

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

    /// SQLite stores booleans as 0/1, PostgreSQL as booleans; any other
    /// integer is not a boolean the store wrote.
    pub fn bool(&self, i: usize) -> Result<bool, StoreError> {
        match self.column(i)? {
            Value::Bool(b) => Ok(*b),
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
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
    /// The request carries text the database cannot hold (a NUL character,
    /// which PostgreSQL refuses in text): the caller's to change.
    Unstorable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "database unavailable: {why}"),
            StoreError::Conflict => f.write_str("unique constraint violated"),
            StoreError::Query(why) => write!(f, "query failed: {why}"),
            StoreError::Corrupt(why) => write!(f, "stored data is corrupt: {why}"),
            StoreError::Unstorable(why) => write!(f, "the database cannot store this value: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection to the app's database, leased by one request.
///
/// Spin reuses a WASI P3 component's instance for many requests (up to 128,
/// 16 at a time), so while an instance is busy it keeps a few of the
/// connections its requests opened, idle between them. A request takes one
/// of them (or opens one) on its first statement and gives it back when the
/// last handle to it is dropped. Requests an instance holds at the same time
/// interleave at every database call on Spin 4 (the calls are
/// asynchronous), so no two of them ever share a connection: one request's
/// transaction cannot take in another's statements. Nothing of a request's
/// caller is kept with a connection: who is calling is read from each
/// request's token and the database, never from the instance.
///
/// Spin's host pools PostgreSQL connections too: at most 64 per database
/// address and Spin process, shared by every component and instance. A
/// connection an instance keeps is one the pool cannot hand to another
/// instance, and with each instance keeping up to 16, `me` at 64 clients had
/// requests wait out their deadline opening one (503) while others sat
/// idle. So an instance keeps at most [`IDLE_LIMIT`], and gives all of them
/// back to the host when its last request in flight ends (its SQLite ones
/// it keeps: the host pools none). A request that opens one gets it from the
/// host's pool, which checks it first (and replaces a dead one).
#[derive(Clone)]
pub struct Db(Rc<Lease>);

struct Lease {
    /// `None` once the connection was dropped after a failure: later calls
    /// of the same request are refused, the next request opens a new one.
    kept: RefCell<Option<Kept>>,
    /// How long each database call may take before the request gives up.
    deadline: Duration,
    backend: Backend,
    usage: Cell<Usage>,
    /// This request checked the schema itself: a table missing now is a
    /// bug (500), not a database emptied under the app (503, checked again).
    checked_here: Cell<bool>,
}

struct Kept {
    connection: Rc<Connection>,
    url: DatabaseUrl,
}

/// Connections an instance keeps idle while it has requests in flight.
const IDLE_LIMIT: usize = 4;

thread_local! {
    /// The instance's idle connections (a component instance is single-threaded).
    static IDLE: RefCell<Vec<Kept>> = const { RefCell::new(Vec::new()) };
    /// Requests of the instance holding a connection now.
    static LEASED: Cell<usize> = const { Cell::new(0) };
    /// Migration versions the instance has seen applied, per database. Forgotten
    /// when a call on that database fails (it may have been emptied or
    /// replaced): the next request checks again.
    static CHECKED: RefCell<Vec<(DatabaseUrl, i64)>> = const { RefCell::new(Vec::new()) };
}

impl Drop for Lease {
    /// The request is done with its connection: back to the instance's idle
    /// ones while the instance has other requests in flight (unless a
    /// failure dropped it already); with the last one, every idle connection
    /// goes back to the host.
    fn drop(&mut self) {
        let kept = self.kept.get_mut().take();
        let leased = LEASED.get().saturating_sub(1);
        LEASED.set(leased);
        IDLE.with_borrow_mut(|idle| {
            if let Some(kept) = kept
                && idle.len() < IDLE_LIMIT
            {
                idle.push(kept);
            }
            if leased == 0 {
                // Idle instances keep no PostgreSQL connection: under a burst
                // Spin runs dozens of instances, and one each (tried) was
                // enough to empty the host's pool — 200 clients logging in
                // got 503s opening one. SQLite connections are the
                // instance's own (the host pools none): keeping them costs
                // no other instance anything.
                idle.retain(|kept| kept.url == DatabaseUrl::Sqlite);
            }
        });
    }
}

/// How the current request came by its connection, for `Server-Timing`
/// (operators see whether their runtime reuses instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connected {
    /// Opened by this request (or handed out by the host's pool).
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

/// What a request did with the database, for `Server-Timing`: where its
/// time went, without a profiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// How it came by its connection.
    pub connected: Connected,
    /// Statements sent (round trips to the database, each through Spin's host).
    pub statements: u32,
    /// Time spent waiting on the host for them, opening included.
    pub time: Duration,
}

impl Db {
    /// A connection to the database `url` names for this request: one the
    /// instance keeps, or a new one, with the store's part of the schema and
    /// the parts in `also` up to date. Called inside the request that needs
    /// data, never at start-up. Every call on it, opening included, gives up
    /// after `deadline` with [`StoreError::Unavailable`].
    pub async fn open(url: &DatabaseUrl, deadline: Duration, also: &[&[Migration]]) -> Result<Db, StoreError> {
        let db = Db::connect(url, deadline).await?;
        let wanted = || migrations::MIGRATIONS.iter().chain(also.iter().copied().flatten()).map(|m| m.version);
        let checked = CHECKED.with_borrow(|checked| wanted().all(|v| checked.contains(&(url.clone(), v))));
        if !checked {
            db.0.checked_here.set(true);
            migrations::ensure_current(&db, also).await?;
            CHECKED.with_borrow_mut(|checked| checked.extend(wanted().map(|v| (url.clone(), v))));
        }
        Ok(db)
    }

    /// A connection to the pod's own SQLite `default` database, whatever
    /// database holds the app's data, without the app's schema: for what
    /// the instances of one pod share ([`crate::slots`]).
    pub(crate) async fn open_pod_local(deadline: Duration) -> Result<Db, StoreError> {
        Db::connect(&DatabaseUrl::Sqlite, deadline).await
    }

    /// One of the instance's idle connections to `url`, or a new one.
    async fn connect(url: &DatabaseUrl, deadline: Duration) -> Result<Db, StoreError> {
        let started = Instant::now();
        // A component may use two databases (the app's PostgreSQL and the
        // pod's SQLite): each request takes one to the address it wants.
        let idle = IDLE.with_borrow_mut(|idle| idle.iter().rposition(|kept| &kept.url == url).map(|i| idle.remove(i)));
        let (kept, connected) = match idle {
            Some(kept) => (kept, Connected::Kept),
            None => {
                let connection = bounded(deadline, "opening a connection", Connection::open(url)).await?;
                (Kept { connection: Rc::new(connection), url: url.clone() }, Connected::Opened)
            }
        };
        LEASED.set(LEASED.get() + 1);
        let db = Db(Rc::new(Lease {
            backend: kept.connection.backend(),
            kept: RefCell::new(Some(kept)),
            deadline,
            usage: Cell::new(Usage { connected, statements: 0, time: started.elapsed() }),
            checked_here: Cell::new(false),
        }));
        if connected == Connected::Opened && db.backend() == Backend::Sqlite {
            db.configure_sqlite().await?;
        }
        Ok(db)
    }

    async fn configure_sqlite(&self) -> Result<(), StoreError> {
        // First, so that the statements below wait for a lock another
        // connection holds instead of failing at once: switching to WAL takes
        // the database's exclusive lock, and on a new file the first requests
        // of every instance race for it (a concurrent first register failed
        // with "database is locked"). A statement outside a transaction that
        // meets another connection's write lock waits as long as a call may
        // take (`begin_immediate` waits its own way).
        self.execute(&format!("PRAGMA busy_timeout = {}", self.0.deadline.as_millis()), &[]).await?;
        // SQLite enforces foreign keys, and so their ON DELETE CASCADE,
        // only when a connection asks; PostgreSQL always does. Each part of
        // the schema owns its cascades through them.
        self.execute("PRAGMA foreign_keys = ON", &[]).await?;
        // Write-ahead logging: readers never wait on a writer, and a commit
        // appends to the log instead of rewriting pages under an exclusive
        // lock, so concurrent writes queue for microseconds, not for the busy
        // handler's sleeps (a 1 s tail before). The mode is stored in the
        // file; NORMAL sync is safe with WAL (a power cut can lose the last
        // commits, never corrupt).
        // SQLite answers a switch that meets another connection's lock with
        // "database is locked" at once, without its busy handler: on a new
        // file one of 50 concurrent first requests failed so. It is polled
        // for like a write lock.
        self.while_locked("PRAGMA journal_mode = WAL").await?;
        self.execute("PRAGMA synchronous = NORMAL", &[]).await
    }

    pub fn backend(&self) -> Backend {
        self.0.backend
    }

    /// What this request did with the database so far.
    pub fn usage(&self) -> Usage {
        self.0.usage.get()
    }

    /// Runs one call on the connection within the deadline and times it. A
    /// failure that may leave the connection unusable or mid-transaction
    /// (the server went away or did not answer, a statement failed) drops
    /// it at once: a SQLite connection inside a transaction would hold the
    /// write lock, a hung one would hold the request. A refused unique
    /// value or a corrupt row says nothing about the connection.
    async fn call<T>(
        &self,
        what: &str,
        keep: Keep,
        call: impl AsyncFnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        // A handle of its own, so that no borrow of the lease is held while
        // the call waits.
        let Some(connection) = self.0.kept.borrow().as_ref().map(|kept| kept.connection.clone()) else {
            return Err(StoreError::Unavailable("the connection was closed after an earlier failure".into()));
        };
        let result = bounded(self.0.deadline, what, call(&connection)).await.map_err(|err| match err {
            // A table the checked schema has is gone: the database was
            // emptied or replaced under the app. Retrying is right: the
            // schema is checked (and made) again by the next request.
            StoreError::Query(why) if keep == Keep::Sound && !self.0.checked_here.get() && is_missing_table(&why) => {
                StoreError::Unavailable(format!(
                    "the schema is missing ({why}); it is checked again on the next request"
                ))
            }
            other => other,
        });
        let mut usage = self.0.usage.get();
        usage.statements += 1;
        usage.time += started.elapsed();
        self.0.usage.set(usage);
        // A server that went away or did not answer in time is never kept,
        // whoever asked: its next call would wait out the deadline again.
        let dropped = match (&result, keep) {
            (Err(StoreError::Unavailable(why)), Keep::IfLocked) => !is_locked(why),
            (Err(StoreError::Unavailable(_)), _) => true,
            (Err(StoreError::Query(_)), keep) => keep != Keep::IfQueryFailed,
            _ => false,
        };
        if dropped {
            self.drop_connection();
        }
        result
    }

    /// Runs a query and returns its rows.
    pub async fn query(&self, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.call(statement, Keep::Sound, async |c| c.query(statement, params).await).await
    }

    /// A query whose failure is an answer, not a fault (the migration
    /// ledger may not exist yet): unlike [`query`](Self::query), a failed
    /// statement leaves the connection kept (an unavailable server does not).
    pub(crate) async fn probe(&self, statement: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.call(statement, Keep::IfQueryFailed, async |c| c.query(statement, params).await).await
    }

    /// Runs a statement that returns no rows.
    pub async fn execute(&self, statement: &str, params: &[Value]) -> Result<(), StoreError> {
        self.call(statement, Keep::Sound, async |c| c.execute(statement, params).await).await
    }

    /// Runs `work` in a transaction: committed if it returns `Ok`, rolled back
    /// otherwise. SQLite takes its write lock up front (`BEGIN IMMEDIATE`), so
    /// concurrent writers queue instead of failing half-way. A connection
    /// dropped by a failure inside the transaction needs no rollback: the
    /// database ends the transaction of a closed connection.
    pub async fn transaction<T, E: From<StoreError>>(
        &self,
        work: impl AsyncFnOnce(&Db) -> Result<T, E>,
    ) -> Result<T, E> {
        match self.backend() {
            Backend::Sqlite => self.begin_immediate().await?,
            Backend::Postgres => self.execute("BEGIN", &[]).await?,
        }
        match work(self).await {
            Ok(value) => match self.execute("COMMIT", &[]).await {
                Ok(()) => Ok(value),
                Err(err) => {
                    // SQLite keeps a transaction open when COMMIT fails:
                    // dropping the connection ends it.
                    self.drop_connection();
                    Err(err.into())
                }
            },
            Err(err) => {
                if self.is_open() {
                    // A failed rollback drops the connection (`call`): no
                    // later request may find this transaction open.
                    let _ = self.execute("ROLLBACK", &[]).await;
                }
                Err(err)
            }
        }
    }

    /// Drops the request's connection after a failure that may have left
    /// it unusable, and forgets that its database's schema was checked (the
    /// database may have been emptied or replaced).
    fn drop_connection(&self) {
        if let Some(kept) = self.0.kept.borrow_mut().take() {
            CHECKED.with_borrow_mut(|checked| checked.retain(|(url, _)| url != &kept.url));
        }
    }

    fn is_open(&self) -> bool {
        self.0.kept.borrow().is_some()
    }

    /// Takes SQLite's write lock, polling every millisecond or two instead
    /// of through SQLite's busy handler: that one sleeps longer the longer a
    /// writer has waited (up to 100 ms a time) while newcomers poll fast, so
    /// under concurrent writes an unlucky one waited a second or more (the
    /// p99 of contacts create at 16 connections was 0.8–1.5 s). Polling at
    /// one pace for everyone keeps the wait close to the queue's length. It
    /// waits as long as one call may take.
    async fn begin_immediate(&self) -> Result<(), StoreError> {
        self.execute("PRAGMA busy_timeout = 0", &[]).await?;
        let outcome = self.while_locked("BEGIN IMMEDIATE").await;
        // Single statements outside a transaction keep SQLite's own waiting.
        let restored = self.execute(&format!("PRAGMA busy_timeout = {}", self.0.deadline.as_millis()), &[]).await;
        outcome.and(restored)
    }

    /// Runs `statement` until no other connection holds the lock it needs,
    /// polling every millisecond or two for as long as one call may take.
    async fn while_locked(&self, statement: &str) -> Result<(), StoreError> {
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            match self.call(statement, Keep::IfLocked, async |c| c.execute(statement, &[]).await).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Unavailable(msg)) if is_locked(&msg) && started.elapsed() < self.0.deadline => {
                    attempt = attempt.wrapping_add(1);
                    // 1 or 2 ms, alternating with the attempt, so that
                    // waiters do not move in step.
                    host::sleep(Duration::from_micros(1000 + u64::from(attempt % 2) * 1000)).await;
                }
                Err(err) => {
                    self.drop_connection();
                    return Err(err);
                }
            }
        }
    }
}

/// Which failures of a call leave its connection kept (`Db::call`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Only those that say nothing about the connection: the usual case.
    Sound,
    /// Also a failed statement: the migration ledger may not exist yet.
    IfQueryFailed,
    /// Also SQLite's write lock held by another: the lock is polled for.
    IfLocked,
}

/// PostgreSQL's undefined_table, SQLite's "no such table".
fn is_missing_table(why: &str) -> bool {
    why.contains("(42P01)") || why.contains("no such table")
}

/// SQLite's answer when another connection holds the lock it needs.
fn is_locked(why: &str) -> bool {
    why.contains("locked") || why.contains("busy")
}

/// `call`, or [`StoreError::Unavailable`] once `deadline` has passed (where
/// the runtime lets a call be given up: see `host::within`).
async fn bounded<T>(
    deadline: Duration,
    what: &str,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    host::within(deadline, call).await.unwrap_or_else(|| {
        let what: String = what.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(60).collect();
        Err(StoreError::Unavailable(format!("no answer within {} ms ({what})", deadline.as_millis())))
    })
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
        let sqlite = Row(vec![Value::Int(0), Value::Int(1)]);
        assert_eq!((sqlite.bool(0), sqlite.bool(1)), (Ok(false), Ok(true)), "SQLite's 0/1 booleans");
        assert!(corrupt(row.bool(0)).contains("column 0 is not a boolean"), "7 is no boolean the store wrote");
        assert!(corrupt(row.text(0)).contains("column 0 is not text"));
        assert!(corrupt(row.int(1)).contains("column 1 is not an integer"));
        assert!(corrupt(row.bool(1)).contains("column 1 is not a boolean"));
        assert!(corrupt(row.opt_text(0)).contains("not text"));
        assert!(corrupt(row.text(9)).contains("no column 9"));
        assert!(corrupt(Row::single_int(&[])).contains("no row"));
        assert_eq!(Row::single_int(&[row]), Ok(7));
    }
}
