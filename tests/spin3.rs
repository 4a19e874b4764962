//! The previous generation: the same source built for Spin 3.6
//! (`build-component --spin3`, spin-sdk 5.2, `target/spin3/spin.toml`) runs
//! on Spin 3.6.3, what containerd-shim-spin <= 0.24 embeds. A smoke run:
//! the probes, the auth journey and one module, on both databases. Tier d
//! runs this build under the shim itself.

use mewayz_tests::{
    app::{Backend, TestApp, assert_error},
    http,
};
use serde_json::json;

fn smoke(backend: Backend) {
    let app = TestApp::start_spin3(backend);
    for probe in ["/", "/health", "/api/health", "/readiness", "/liveness"] {
        let reply = http::get(&app.url(probe)).unwrap();
        assert_eq!(reply.status, 200, "{probe}: {}", reply.text());
    }

    let user = app.register("spin3@example.com");
    let login = app.call(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": "spin3@example.com", "password": "a long password"})),
    );
    assert_eq!(login.status, 200, "{}", login.text());
    let me = app.get("/api/auth/me", &user.token);
    assert_eq!((me.status, me.json()["user"]["id"].as_str()), (200, Some(user.id.as_str())), "{}", me.text());

    let ws = app.workspace(&user, "Spin 3 Shop");
    let contacts = format!("/api/workspaces/{ws}/contacts");
    let created = app.call("POST", &contacts, Some(&user.token), Some(json!({"first_name": "Ada", "tags": ["vip"]})));
    assert_eq!(created.status, 201, "{}", created.text());
    let listed = app.get(&contacts, &user.token);
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(listed.json()["total"], 1);
    assert_eq!(listed.json()["data"][0]["first_name"], "Ada");
    assert_error(&app.call("POST", &contacts, Some(&user.token), Some(json!({}))), 422, "validation_failed");

    let logout = app.call("POST", "/api/auth/logout", Some(&user.token), None);
    assert_eq!(logout.status, 204, "{}", logout.text());
    assert_error(&app.get("/api/auth/me", &user.token), 401, "unauthorized");
}

#[test]
fn on_spin3_sqlite_serves_the_probes_the_auth_journey_and_a_module() {
    smoke(Backend::Sqlite);
}

#[test]
fn on_spin3_postgres_serves_the_probes_the_auth_journey_and_a_module() {
    smoke(Backend::Postgres);
}
