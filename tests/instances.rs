//! Feature components (all but accounts, see its entry point) are WASI P3
//! components on real Spin: one instance serves many requests and keeps its
//! database connection. What an instance
//! keeps must never carry one caller into another's request, a transaction
//! that failed must not stay open for the next request, and a connection that
//! broke is dropped, reopened and its schema checked again.
//!
//! `Server-Timing: db;…;desc=kept` says a request found its instance's
//! connection (`opened`: it opened one). Spin runs with a long idle timeout
//! here so that sequential requests meet the same instance however slow the
//! machine is.

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TestApp, User, assert_error},
    http::Reply,
};
use serde_json::json;

/// Instances stay for a minute between requests and serve up to 1000.
const REUSE: &[&str] = &["--idle-instance-timeout", "60s", "--max-instance-reuse-count", "1000"];

fn start(backend: Backend) -> TestApp {
    TestApp::start_with_args(backend, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)], REUSE)
}

/// `opened` or `kept`, from `Server-Timing`, when the request used the database.
fn connection(reply: &Reply) -> Option<String> {
    let timing = reply.header("server-timing")?;
    let db = timing.split(',').find_map(|metric| metric.trim().strip_prefix("db;"))?;
    db.split(';').find_map(|param| param.strip_prefix("desc=")).map(str::to_string)
}

/// The statements a request sent, from `Server-Timing`.
fn statements(reply: &Reply) -> u32 {
    let timing = reply.header("server-timing").expect("Server-Timing");
    let db = timing.split(',').find_map(|metric| metric.trim().strip_prefix("db;")).expect("a db metric");
    db.split(';').find_map(|param| param.strip_prefix("statements=")).expect("statements").parse().unwrap()
}

fn contact_names(app: &TestApp, user: &User, ws: &str) -> Reply {
    app.get(&format!("/api/workspaces/{ws}/contacts"), &user.token)
}

fn names(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    body["data"].as_array().unwrap().iter().map(|c| c["first_name"].as_str().unwrap().to_string()).collect()
}

fn callers_never_meet_in_a_reused_instance(backend: Backend) {
    let app = &start(backend);
    let ada = app.register("ada@example.com");
    let bob = app.register("bob@example.com");
    let ada_ws = app.workspace(&ada, "Ada's shop");
    let bob_ws = app.workspace(&bob, "Bob's shop");
    for (user, ws, name) in [(&ada, &ada_ws, "Ada's lead"), (&bob, &bob_ws, "Bob's lead")] {
        let reply = app.call(
            "POST",
            &format!("/api/workspaces/{ws}/contacts"),
            Some(&user.token),
            Some(json!({"first_name": name})),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }

    let mut kept = 0;
    for _ in 0..15 {
        // Callers take turns on the same instances: each sees only their own.
        for user in [&ada, &bob] {
            let (own, theirs, shop, lead) = if user.id == ada.id {
                (&ada_ws, &bob_ws, "Ada's shop", "Ada's lead")
            } else {
                (&bob_ws, &ada_ws, "Bob's shop", "Bob's lead")
            };
            let workspaces = app.get("/api/workspaces", &user.token);
            assert_eq!(workspaces.status, 200, "{}", workspaces.text());
            let listed = workspaces.json();
            let listed: Vec<&str> =
                listed["data"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
            assert_eq!(listed, [shop]);
            kept += usize::from(connection(&workspaces).as_deref() == Some("kept"));

            assert_eq!(names(&contact_names(app, user, own)), [lead]);
            assert_error(&contact_names(app, user, theirs), 404, "not_found");
        }
        // Right after a known caller, a caller with no token or a forged one
        // is nobody.
        assert_error(&app.call("GET", "/api/workspaces", None, None), 401, "unauthorized");
        assert_error(&app.get("/api/workspaces", "not-a-token"), 401, "unauthorized");
        assert_error(&contact_names(app, &User { token: String::new(), ..ada.clone() }, &ada_ws), 401, "unauthorized");
    }
    // On SQLite an instance keeps its connections between requests; on
    // PostgreSQL an idle instance gives them back to Spin's host pool (shared
    // by every instance: see mewayz_store::Db), so a request alone opens
    // one from the pool, and connections are kept only while the instance
    // serves others (tests below).
    if backend == Backend::Sqlite {
        assert!(kept >= 25, "only {kept} of 30 workspace lists found their instance's connection kept");
    }

    // A write that fails inside its transaction (a slug another workspace
    // has) leaves no transaction open for the next request on the
    // connection, and nothing of it is stored.
    let taken =
        app.call("POST", "/api/workspaces", Some(&bob.token), Some(json!({"name": "Copy", "slug": "ada-s-shop"})));
    assert_error(&taken, 409, "slug_taken");
    let next = app.call("POST", "/api/workspaces", Some(&bob.token), Some(json!({"name": "Bob's second"})));
    assert_eq!(next.status, 201, "{}", next.text());
    let listed = app.get("/api/workspaces", &bob.token);
    let listed = listed.json();
    let workspace_names: Vec<&str> =
        listed["data"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert!(!workspace_names.contains(&"Copy") && workspace_names.contains(&"Bob's second"), "{workspace_names:?}");

    // Logging out ends the token on instances that just served it.
    assert_eq!(app.call("POST", "/api/auth/logout", Some(&ada.token), None).status, 204);
    assert_error(&app.get("/api/workspaces", &ada.token), 401, "unauthorized");
    assert_error(&contact_names(app, &ada, &ada_ws), 401, "unauthorized");
    assert_eq!(app.get("/api/workspaces", &bob.token).status, 200);
}

#[test]
fn on_spin_sqlite_callers_never_meet_in_a_reused_instance() {
    callers_never_meet_in_a_reused_instance(Backend::Sqlite);
}

#[test]
fn on_spin_postgres_callers_never_meet_in_a_reused_instance() {
    callers_never_meet_in_a_reused_instance(Backend::Postgres);
}

#[test]
fn on_spin_postgres_a_broken_connection_is_dropped_and_the_schema_checked_again() {
    let app = &start(Backend::Postgres);
    let ada = app.register("ada@example.com");
    let first = app.get("/api/workspaces", &ada.token);
    let second = app.get("/api/workspaces", &ada.token);
    assert_eq!((first.status, second.status), (200, 200));
    // The instance remembers the schema it checked: the second request
    // sends only its own statements.
    assert!(
        statements(&second) < statements(&first),
        "{:?} then {:?}",
        first.header("server-timing"),
        second.header("server-timing")
    );

    // The server ends every connection to the app's database, and the
    // database comes back empty (a new server, a restore gone wrong).
    app.sql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    app.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");

    // The request that finds the schema gone (on a connection the host's
    // pool replaced) answers 503, and retrying is right: the next one
    // checks the schema again, creates it (else: 500, relation "users" does
    // not exist) and finds no Ada.
    let broken = app.get("/api/workspaces", &ada.token);
    assert_error(&broken, 503, "database_unavailable");
    assert!(broken.header("retry-after").is_some());
    let after = app.get("/api/workspaces", &ada.token);
    assert_error(&after, 401, "unauthorized");
    assert_eq!(connection(&after).as_deref(), Some("opened"), "{:?}", after.header("server-timing"));
    // The accounts component's instance held no connection while idle: its
    // next request gets a live one from the host's pool (which replaced the
    // dead ones) and finds the schema the request above made again.
    let bob = app.call(
        "POST",
        "/api/auth/register",
        None,
        Some(json!({"email": "bob@example.com", "password": "a long password"})),
    );
    assert_eq!(bob.status, 201, "{}", bob.text());
    let listed = app.get("/api/workspaces", bob.json()["access_token"].as_str().unwrap());
    assert_eq!(listed.status, 200, "{}", listed.text());
}

/// On Spin 4 the requests an instance holds interleave at every database
/// call. Two callers at once, eight requests each in flight: writes in
/// transactions (contacts with tags), writes that fail inside theirs (a
/// taken slug: rolled back) and reads, all on the same instances. Each sees
/// exactly their own records, every acknowledged write is stored, and no
/// failed one is.
fn interleaved_callers_stay_apart(backend: Backend) {
    let app = &start(backend);
    let ada = app.register("ada@example.com");
    let bob = app.register("bob@example.com");
    let ada_ws = app.workspace(&ada, "Ada's shop");
    let bob_ws = app.workspace(&bob, "Bob's shop");
    let taken_slug = app.call("GET", &format!("/api/workspaces/{ada_ws}"), Some(&ada.token), None).json()["slug"]
        .as_str()
        .unwrap()
        .to_string();
    std::thread::scope(|scope| {
        for worker in 0..16 {
            let (user, ws, who) = if worker % 2 == 0 { (&ada, &ada_ws, "ada") } else { (&bob, &bob_ws, "bob") };
            let taken_slug = &taken_slug;
            scope.spawn(move || {
                for n in 0..6 {
                    let contacts = format!("/api/workspaces/{ws}/contacts");
                    let name = format!("{who}-{worker}-{n}");
                    let body = json!({"first_name": name, "tags": [who]});
                    let created = app.call("POST", &contacts, Some(&user.token), Some(body));
                    assert_eq!(created.status, 201, "{}", created.text());
                    let failed = app.call(
                        "POST",
                        "/api/workspaces",
                        Some(&user.token),
                        Some(json!({"name": format!("Copy {name}"), "slug": taken_slug})),
                    );
                    assert_error(&failed, 409, "slug_taken");
                    let listed = app.get(&format!("{contacts}?limit=100&tag={who}"), &user.token);
                    assert!(names(&listed).iter().all(|n| n.starts_with(&format!("{who}-"))), "{}", listed.text());
                }
            });
        }
    });
    for (user, ws, who) in [(&ada, &ada_ws, "ada"), (&bob, &bob_ws, "bob")] {
        let listed = app.get(&format!("/api/workspaces/{ws}/contacts?limit=100"), &user.token);
        let mut stored = names(&listed);
        stored.sort();
        let mut expected: Vec<String> = (0..16)
            .filter(|w| (w % 2 == 0) == (who == "ada"))
            .flat_map(|w| (0..6).map(move |n| format!("{who}-{w}-{n}")))
            .collect();
        expected.sort();
        assert_eq!(stored, expected, "{who}'s contacts are exactly the ones acknowledged");
        let workspaces = app.get("/api/workspaces", &user.token).json();
        assert_eq!(workspaces["total"], 1, "no failed workspace create was stored: {workspaces}");
    }
}

#[test]
fn on_spin_sqlite_interleaved_callers_stay_apart() {
    interleaved_callers_stay_apart(Backend::Sqlite);
}

#[test]
fn on_spin_postgres_interleaved_callers_stay_apart() {
    interleaved_callers_stay_apart(Backend::Postgres);
}
