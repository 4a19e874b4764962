//! The app with a chosen database backend, in this process or on real
//! Spin, and an API client for the feature tests.

use serde_json::{Value, json};

use crate::{
    http::{self, Reply},
    in_process::InProcessApp,
    load,
    postgres::{PgServer, TestDatabase, psql},
    spin::{SpinApp, SpinOptions},
};

/// The signing secret the tests run the app with (tests forge tokens with it).
pub const TEST_AUTH_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
/// The operator token for `/api/status` (at least 32 bytes, or it admits nobody).
pub const TEST_STATUS_TOKEN: &str = "test-status-token-0123456789abcdef";
pub const TEST_ORIGIN: &str = "https://app.mewayz.test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The whole app with its own fresh database, stopped when dropped: its
/// components called in this process, or on `spin up`.
pub struct TestApp {
    server: Server,
    pub database: Option<TestDatabase>,
}

/// What serves a [`TestApp`].
enum Server {
    InProcess(InProcessApp),
    Spin(SpinApp),
}

/// The client address in-process requests come from, as Spin names a peer.
pub const TEST_PEER: &str = "127.0.0.1:41000";

impl TestApp {
    /// The app's components in this process (`in_process`), on a fresh
    /// database of `backend`.
    pub fn in_process(backend: Backend) -> Self {
        Self::in_process_with(backend, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)])
    }

    /// [`in_process`](Self::in_process) with exactly these `SPIN_VARIABLE_*`
    /// settings (plus the database's, and `cors_allowed_origins` =
    /// [`TEST_ORIGIN`] unless set), as [`start_with`](Self::start_with).
    pub fn in_process_with(backend: Backend, vars: &[(&str, &str)]) -> Self {
        let (env, database) = environment(backend, vars);
        TestApp { server: Server::InProcess(InProcessApp::start(&env)), database }
    }

    /// The whole app on `spin up` 4.0 (tier c).
    pub fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)])
    }

    /// Starts with exactly these extra `SPIN_VARIABLE_*` settings (plus the
    /// database's, and `cors_allowed_origins` = [`TEST_ORIGIN`] unless set).
    pub fn start_with(backend: Backend, vars: &[(&str, &str)]) -> Self {
        Self::start_with_args(backend, vars, &[])
    }

    /// The Spin 3.6 build (`build-component --spin3`) on Spin 3.6.
    pub fn start_spin3(backend: Backend) -> Self {
        Self::start_on(backend, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)], &[], true)
    }

    /// [`start_with`](Self::start_with), with more `spin up` arguments.
    pub fn start_with_args(backend: Backend, vars: &[(&str, &str)], args: &[&str]) -> Self {
        Self::start_on(backend, vars, args, false)
    }

    /// [`start_with_args`](Self::start_with_args) on Spin 4 with the default
    /// build, or (`spin3`) on Spin 3.6 with the Spin 3.6 build.
    pub fn start_on(backend: Backend, vars: &[(&str, &str)], args: &[&str], spin3: bool) -> Self {
        let (env, database) = environment(backend, vars);
        let args = args.iter().map(|a| a.to_string()).collect();
        let spin = SpinApp::start_with(SpinOptions { env, args, spin3, ..Default::default() });
        TestApp { server: Server::Spin(spin), database }
    }

    /// An app already on `spin up` (a manifest of the test's own), with no
    /// database of its own.
    pub fn on(spin: SpinApp) -> Self {
        TestApp { server: Server::Spin(spin), database: None }
    }

    /// The `spin up` serving the app; a test of what only a runtime shows.
    pub fn spin(&self) -> &SpinApp {
        match &self.server {
            Server::Spin(spin) => spin,
            Server::InProcess(_) => panic!("this test needs the app on Spin (TestApp::start)"),
        }
    }

    /// The absolute URL of `path` on the app's `spin up`.
    pub fn url(&self, path: &str) -> String {
        self.spin().url(path)
    }

    /// Sends `method path` with these headers and body, once.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        self.try_send(method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.logs()))
    }

    fn try_send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> anyhow::Result<Reply> {
        match &self.server {
            Server::Spin(spin) => http::send(method, &spin.url(path), headers, body),
            Server::InProcess(app) => Ok(app.send(method, path, headers, body, TEST_PEER)),
        }
    }

    /// Sends a request with an optional bearer token and JSON body, as a
    /// well-behaved client: again after `Retry-After` while the app answers
    /// 503 `busy` (its password work is admitted, see tests/overload.rs).
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        load::admitted(|| self.try_once(method, path, token, body.clone()))
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.logs()))
    }

    /// Sends a request once, whatever it is answered.
    pub fn call_once(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.try_once(method, path, token, body).unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.logs()))
    }

    fn try_once(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> anyhow::Result<Reply> {
        let (headers, body) = json_request(token, body)?;
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.try_send(method, path, &headers, body)
    }

    /// The app's logs so far (in process, the components log to the test's
    /// own output).
    pub fn logs(&self) -> String {
        match &self.server {
            Server::Spin(spin) => spin.logs(),
            Server::InProcess(_) => "(in process: the components' logs are in the test's output)".into(),
        }
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), None)
    }

    /// Registers an account and returns its access token and user id.
    pub fn register(&self, email: &str) -> User {
        let reply = self.call(
            "POST",
            "/api/auth/register",
            None,
            Some(json!({"email": email, "password": "a long password", "full_name": "Test User"})),
        );
        assert_eq!(reply.status, 201, "register {email}: {}\n{}", reply.text(), self.logs());
        let body = reply.json();
        User {
            token: body["access_token"].as_str().unwrap().to_string(),
            id: body["user"]["id"].as_str().unwrap().to_string(),
            email: body["user"]["email"].as_str().unwrap().to_string(),
        }
    }

    /// Creates a workspace owned by `owner` and returns its id.
    pub fn workspace(&self, owner: &User, name: &str) -> String {
        let reply = self.call("POST", "/api/workspaces", Some(&owner.token), Some(json!({"name": name})));
        assert_eq!(reply.status, 201, "create workspace: {}\n{}", reply.text(), self.logs());
        reply.json()["id"].as_str().unwrap().to_string()
    }

    /// A workspace named `name` with an owner, an admin, an editor and a
    /// viewer, and an outsider who owns a workspace of their own.
    pub fn team(&self, name: &str) -> Team {
        let owner = self.register("owner@example.com");
        let ws = self.workspace(&owner, name);
        let [admin, editor, viewer] = ["admin", "editor", "viewer"].map(|role| {
            let user = self.register(&format!("{role}@example.com"));
            self.add_member(&owner, &ws, &user, role);
            user
        });
        let outsider = self.register("outsider@example.com");
        let outsider_ws = self.workspace(&outsider, "Outsider Shop");
        Team { ws, owner, admin, editor, viewer, outsider, outsider_ws }
    }

    /// Invites `email` into a workspace with `role`, as `by`: the reply to
    /// `POST /api/workspaces/{id}/members`.
    pub fn invite(&self, by: &User, workspace: &str, email: &str, role: &str) -> Reply {
        self.call(
            "POST",
            &format!("/api/workspaces/{workspace}/members"),
            Some(&by.token),
            Some(json!({"email": email, "role": role})),
        )
    }

    /// Adds `user` to a workspace with `role`, as `by`: an invitation that
    /// `user` accepts.
    pub fn add_member(&self, by: &User, workspace: &str, user: &User, role: &str) {
        let invited = self.invite(by, workspace, &user.email, role);
        assert_eq!(invited.status, 201, "invite a member: {}", invited.text());
        let id = invited.json()["id"].as_str().unwrap().to_string();
        let accepted = self.call("POST", &format!("/api/invitations/{id}/accept"), Some(&user.token), None);
        assert_eq!(accepted.status, 200, "accept an invitation: {}", accepted.text());
    }

    /// Runs SQL statements on the app's database (PostgreSQL, or the SQLite
    /// `default` file) behind the app's back: for states no route makes,
    /// like an invitation that has expired. Returns psql's output, or the
    /// SQLite statements' rows, a line each, columns joined by `|`.
    pub fn sql(&self, statements: &str) -> String {
        match &self.database {
            Some(db) => crate::postgres::psql(&db.url, statements),
            None => {
                let file = match &self.server {
                    Server::Spin(spin) => spin.state_dir().join("sqlite_db.db"),
                    Server::InProcess(app) => app.sqlite_file(),
                };
                sqlite(&file, statements)
            }
        }
    }
}

/// The whole app on `spin up` with its data in a database `mewayz` created on
/// `pg`, a private server: for the tests and benches that stop, pause or
/// break that server under the running app.
pub fn start_on_private_server(pg: &PgServer) -> SpinApp {
    psql(&pg.url("postgres"), "CREATE DATABASE mewayz");
    SpinApp::start_with(SpinOptions {
        env: vec![
            ("SPIN_VARIABLE_AUTH_SECRET".into(), TEST_AUTH_SECRET.into()),
            ("SPIN_VARIABLE_DATABASE_URL".into(), pg.url("mewayz")),
            ("SPIN_VARIABLE_DATABASE_HOST".into(), format!("postgres://127.0.0.1:{}", pg.port)),
        ],
        ..Default::default()
    })
}

/// Runs `statements` on the SQLite file (waiting up to 5 s for the app's
/// write lock): one statement with what it returns, a row a line, or
/// several that return nothing.
fn sqlite(file: &std::path::Path, statements: &str) -> String {
    use mewayz_native_host::rusqlite::{Connection, Error, types::ValueRef};
    let db = Connection::open(file).unwrap_or_else(|e| panic!("opening {}: {e}", file.display()));
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let mut statement = match db.prepare(statements) {
        Ok(statement) => statement,
        Err(Error::MultipleStatement) => {
            db.execute_batch(statements).unwrap_or_else(|e| panic!("{statements:?}: {e}"));
            return String::new();
        }
        Err(e) => panic!("{statements:?}: {e}"),
    };
    let columns = statement.column_count();
    let mut rows = statement.raw_query();
    let mut lines = Vec::new();
    while let Some(row) = rows.next().unwrap_or_else(|e| panic!("{statements:?}: {e}")) {
        let values: Vec<String> = (0..columns)
            .map(|i| match row.get_ref(i).unwrap() {
                ValueRef::Null => String::new(),
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Real(x) => x.to_string(),
                ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            })
            .collect();
        lines.push(values.join("|"));
    }
    lines.join("\n")
}

/// The spin.toml variables a test app starts with (`vars`, then the test
/// origin and the database's unless set), and its fresh database.
fn environment(backend: Backend, vars: &[(&str, &str)]) -> (Vec<(String, String)>, Option<TestDatabase>) {
    let mut env: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if !env.iter().any(|(name, _)| name == "SPIN_VARIABLE_CORS_ALLOWED_ORIGINS") {
        env.push(("SPIN_VARIABLE_CORS_ALLOWED_ORIGINS".into(), TEST_ORIGIN.into()));
    }
    let database = (backend == Backend::Postgres).then(TestDatabase::create);
    if let Some(db) = &database {
        env.push(("SPIN_VARIABLE_DATABASE_URL".into(), db.url.clone()));
        env.push(("SPIN_VARIABLE_DATABASE_HOST".into(), db.host()));
    }
    (env, database)
}

/// A request's headers, by name.
type Headers = Vec<(&'static str, String)>;

/// The headers and body of a request with an optional bearer token and
/// JSON body.
fn json_request(token: Option<&str>, body: Option<Value>) -> anyhow::Result<(Headers, Vec<u8>)> {
    let mut headers = Vec::new();
    if let Some(token) = token {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    let body = match body {
        Some(body) => {
            headers.push(("content-type", "application/json".to_string()));
            serde_json::to_vec(&body)?
        }
        None => Vec::new(),
    };
    Ok((headers, body))
}

/// Sends `method url` with an optional bearer token and JSON body: how
/// tests and benches talk to an app on a runtime.
pub fn call_json(url: &str, method: &str, token: Option<&str>, body: Option<Value>) -> anyhow::Result<Reply> {
    let (headers, body) = json_request(token, body)?;
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    http::send(method, url, &headers, body)
}

/// See [`TestApp::team`].
pub struct Team {
    pub ws: String,
    pub owner: User,
    pub admin: User,
    pub editor: User,
    pub viewer: User,
    pub outsider: User,
    pub outsider_ws: String,
}

/// A registered account.
#[derive(Debug, Clone)]
pub struct User {
    pub token: String,
    pub id: String,
    pub email: String,
}

/// Asserts the API's error shape and code.
#[track_caller]
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body = reply.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

/// Defines each test twice, `in_process::sqlite::NAME` and
/// `in_process::postgres::NAME`, each on its own app (its components called
/// in the test process) and database.
#[macro_export]
macro_rules! on_both_backends {
    ($($tests:tt)*) => { $crate::on_each_backend!(in_process, in_process, $($tests)*); };
}

/// Defines each test twice, `on_spin::sqlite::NAME` and
/// `on_spin::postgres::NAME`, each on its own `spin up` and database: for
/// what only a runtime shows.
#[macro_export]
macro_rules! on_spin_with_both_backends {
    ($($tests:tt)*) => { $crate::on_each_backend!(on_spin, start, $($tests)*); };
}

/// The two macros above: the tests in `mod $tier { mod sqlite; mod postgres }`,
/// each on the app `TestApp::$start` gives on that backend.
#[doc(hidden)]
#[macro_export]
macro_rules! on_each_backend {
    ($tier:ident, $start:ident, $($(#[doc = $doc:expr])* fn $name:ident($app:ident) $body:block)*) => {
        mod $tier {
            #[allow(unused_imports)]
            use super::*;
            mod sqlite {
                #[allow(unused_imports)]
                use super::*;
                $($(#[doc = $doc])* #[test] fn $name() { let $app = &$crate::app::TestApp::$start($crate::app::Backend::Sqlite); $body })*
            }
            mod postgres {
                #[allow(unused_imports)]
                use super::*;
                $($(#[doc = $doc])* #[test] fn $name() { let $app = &$crate::app::TestApp::$start($crate::app::Backend::Postgres); $body })*
            }
        }
    };
}
