//! Least privilege on PostgreSQL, as `deploy/` sets it up: the roles come
//! from `deploy/postgres/roles.sql`; the app's replicas connect as the
//! DML-only role and cannot create, alter or drop anything; migrations run
//! as the owner role, through the migrator (`/api/status`, as the migration
//! Job calls it). On real Spin.

use mewayz_tests::{
    app::{TEST_AUTH_SECRET, TEST_STATUS_TOKEN, call_json},
    http::Reply,
    postgres::{TestDatabase, as_user, psql_error, psql_file},
    repo_path,
    spin::{SpinApp, SpinOptions},
};
use serde_json::{Value, json};

fn start(url: &str, database: &TestDatabase) -> SpinApp {
    let env = [
        ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET.to_string()),
        ("SPIN_VARIABLE_STATUS_TOKEN", TEST_STATUS_TOKEN.to_string()),
        ("SPIN_VARIABLE_DATABASE_URL", url.to_string()),
        ("SPIN_VARIABLE_DATABASE_HOST", database.host()),
    ];
    SpinApp::start_with(SpinOptions {
        env: env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        ..Default::default()
    })
}

fn call(app: &SpinApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    call_json(&app.url(path), method, token, body).unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", app.logs()))
}

#[test]
fn on_spin_postgres_the_app_runs_as_a_dml_only_role_after_the_owner_migrated() {
    let database = TestDatabase::create();
    let suffix = database.name().trim_start_matches("mewayz_test_").to_string();
    let (owner, app_role) = (format!("owner_{suffix}"), format!("app_{suffix}"));
    psql_file(
        &database.url,
        &repo_path("deploy/postgres/roles.sql"),
        &[
            ("db", database.name()),
            ("owner", &owner),
            ("owner_password", "owner-pw"),
            ("app", &app_role),
            ("app_password", "app-pw"),
        ],
    );
    let owner_url = as_user(&database.url, &owner, "owner-pw");
    let app_url = as_user(&database.url, &app_role, "app-pw");

    // Before the migration: the replicas may not create the schema, and say
    // so with a 503 (retry later), not a 500.
    let app = start(&app_url, &database);
    let early = call(
        &app,
        "POST",
        "/api/auth/register",
        None,
        Some(json!({"email": "ada@example.com", "password": "a long password"})),
    );
    assert_eq!(early.status, 503, "{}", early.text());
    assert_eq!(early.json()["error"]["code"], "database_unavailable");
    assert!(app.logs().contains("run the migration Job"), "{}", app.logs());

    // The migration Job's call, to the migrator connected as the owner.
    let migrator = start(&owner_url, &database);
    let migrated = call(&migrator, "GET", "/api/status?verbose", Some(TEST_STATUS_TOKEN), None);
    assert_eq!(
        (migrated.status, migrated.text().lines().last()),
        (200, Some("status check passed")),
        "{}",
        migrated.text()
    );
    drop(migrator);

    // The replicas now work as the DML-only role: the whole journey.
    let registered = call(
        &app,
        "POST",
        "/api/auth/register",
        None,
        Some(json!({"email": "ada@example.com", "password": "a long password"})),
    );
    assert_eq!(registered.status, 201, "{}", registered.text());
    let token = registered.json()["access_token"].as_str().unwrap().to_string();
    let ws = call(&app, "POST", "/api/workspaces", Some(&token), Some(json!({"name": "Least"}))).json();
    let ws = ws["id"].as_str().unwrap().to_string();
    let contact = call(
        &app,
        "POST",
        &format!("/api/workspaces/{ws}/contacts"),
        Some(&token),
        Some(json!({"first_name": "Grace"})),
    );
    assert_eq!(contact.status, 201, "{}", contact.text());
    for _ in 0..3 {
        call(&app, "POST", "/api/auth/login", None, Some(json!({"email": "ada@example.com", "password": "wrong"})));
    }
    assert_eq!(call(&app, "POST", "/api/auth/logout", Some(&token), None).status, 204);
    assert_eq!(call(&app, "DELETE", &format!("/api/workspaces/{ws}"), Some(&token), None).status, 401);

    // What the app's role cannot do, whatever a bug or an injection asks.
    for statement in
        ["CREATE TABLE intruder (x TEXT)", "DROP TABLE users", "ALTER TABLE users ADD COLUMN x TEXT", "TRUNCATE users"]
    {
        let refused = psql_error(&app_url, statement).unwrap_or_else(|| panic!("the app's role ran {statement}"));
        assert!(refused.contains("permission denied") || refused.contains("must be owner"), "{statement}: {refused}");
    }
    assert_eq!(psql_error(&app_url, "SELECT count(*) FROM users"), None, "the app's role reads rows");
}
