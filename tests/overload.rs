//! Probes no load can starve: under bursts of logins (Argon2, CPU-bound)
//! and of cheap requests, the kubelet-style sampler on `/liveness` and
//! `/readiness` sees every probe answered 200 within the kubelet's 1 s;
//! password work is admitted per pod (`password_hash_slots`), the rest
//! answered 503 `busy` with `Retry-After` at once, and nothing else fails.
//! The percentiles and login rates are figures: `benches/overload.sh`.

use std::time::Duration;

use mewayz_tests::{
    app::{Backend, TestApp, assert_error},
    load::{self, ProbeSampler},
};
use serde_json::json;

const PROBES: [&str; 2] = ["/liveness", "/readiness"];
/// Long enough for the burst to reach its steady state, as the issue's
/// measurement did over 20 s, kept short for CI.
const BURST: Duration = Duration::from_secs(10);

/// `clients` log in for [`BURST`] under the sampler; asserts what a user
/// and the kubelet see and returns the figures line.
fn probes_survive_a_login_burst(app: &TestApp, accounts: &[serde_json::Value], clients: usize) -> String {
    let sampler = ProbeSampler::start(&app.url(""), &PROBES);
    let burst = load::login_burst(&app.url(""), accounts, clients, BURST);
    let probes = sampler.finish();
    assert!(
        probes.failures().is_empty(),
        "the kubelet would have failed {} of {} probes under {clients} logging in: {:?}\n{}",
        probes.failures().len(),
        probes.probes.len(),
        probes.failures(),
        burst.summary()
    );
    assert!(burst.failed.is_empty(), "logins failed other than busy: {:?}", &burst.failed[..burst.failed.len().min(5)]);
    assert!(!burst.logged_in.is_empty(), "no login got through: {}", burst.summary());
    format!("{clients} logging in: probes {}; logins {}", probes.summary(), burst.summary())
}

fn login_bursts(backend: Backend) {
    let app = TestApp::start(backend);
    let accounts = load::accounts(&app.url(""), "burst", 40);
    for clients in [40, 200] {
        eprintln!("figures ({backend:?}): {}", probes_survive_a_login_burst(&app, &accounts, clients));
    }
    // Every slot was given back (each before its answer left): a login
    // alone is admitted at once, not after a lease lapsed.
    let alone = app.call_once("POST", "/api/auth/login", None, Some(accounts[0].clone()));
    assert_eq!(alone.status, 200, "{}", alone.text());
}

#[test]
fn on_spin_postgres_login_bursts_never_starve_the_probes() {
    login_bursts(Backend::Postgres);
}

#[test]
fn on_spin_sqlite_login_bursts_never_starve_the_probes() {
    login_bursts(Backend::Sqlite);
}

#[test]
fn on_spin_postgres_me_at_64_connections_never_starves_the_probes() {
    let app = TestApp::start(Backend::Postgres);
    let user = app.register("me-burst@example.com");
    let sampler = ProbeSampler::start(&app.url(""), &PROBES);
    let (answered, failed) = load::me_burst(&app.url(""), &user.token, 64, BURST);
    let probes = sampler.finish();
    assert!(probes.failures().is_empty(), "probes failed under me at 64 connections: {:?}", probes.failures());
    assert!(
        failed.is_empty(),
        "{} of the me calls failed: {:?}\n{}",
        failed.len(),
        &failed[..failed.len().min(5)],
        app.logs()
    );
    eprintln!("figures: me at 64 connections: {answered} answered; probes {}", probes.summary());
}

/// One slot per pod: of logins sent at once, on instances of their own
/// (Spin 4 serves each request in a new instance here), those that find the
/// slot taken are turned away before any password work, with the answer a
/// client can act on; the slot is given back whatever the outcome.
#[test]
fn on_spin_password_work_is_admitted_across_instances() {
    let app = TestApp::start_with_args(
        Backend::Sqlite,
        &[
            ("SPIN_VARIABLE_AUTH_SECRET", mewayz_tests::app::TEST_AUTH_SECRET),
            ("SPIN_VARIABLE_PASSWORD_HASH_SLOTS", "1"),
        ],
        &["--max-instance-reuse-count", "1"],
    );
    let accounts = load::accounts(&app.url(""), "slot", 1);
    let replies: Vec<_> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (app, credentials) = (&app, &accounts[0]);
                scope.spawn(move || app.call_once("POST", "/api/auth/login", None, Some(credentials.clone())))
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(statuses.contains(&200), "one login holds the slot and gets through: {statuses:?}");
    let busy: Vec<_> = replies.iter().filter(|r| r.status != 200).collect();
    assert!(!busy.is_empty(), "8 logins at once on one slot: some are turned away: {statuses:?}");
    for reply in busy {
        assert_error(reply, 503, "busy");
        assert_eq!(reply.header("retry-after"), Some("1"), "busy answers say when to come back");
        assert!(!reply.text().contains("password"), "nothing of the request is echoed: {}", reply.text());
    }
    // A wrong password is refused as ever, and gives its slot back too.
    // Once every answer is in, the slot is free at once (no lease lapsed).
    let wrong = json!({"email": "slot0@example.com", "password": "not the password"});
    assert_error(&app.call_once("POST", "/api/auth/login", None, Some(wrong)), 401, "unauthorized");
    let again = app.call_once("POST", "/api/auth/login", None, Some(accounts[0].clone()));
    assert_eq!(again.status, 200, "{}", again.text());
    // Refusals are load, not faults: they are not logged one by one.
    assert!(!app.logs().contains("busy"), "{}", app.logs());
}

/// The limit is the operator's: a value that is not a count is a clear
/// configuration error on the password routes, never a silent default.
#[test]
fn on_spin_a_bad_slot_count_is_a_configuration_error() {
    let app = TestApp::start_with(
        Backend::Sqlite,
        &[
            ("SPIN_VARIABLE_AUTH_SECRET", mewayz_tests::app::TEST_AUTH_SECRET),
            ("SPIN_VARIABLE_PASSWORD_HASH_SLOTS", "0"),
        ],
    );
    let reply = app.call_once(
        "POST",
        "/api/auth/register",
        None,
        Some(json!({"email": "a@example.com", "password": load::PASSWORD})),
    );
    assert_error(&reply, 500, "configuration_error");
    assert!(app.logs().contains("password_hash_slots must be a whole number from 1 to 16"), "{}", app.logs());
    assert!(mewayz_tests::http::get(&app.url("/liveness")).unwrap().status == 200, "probes are untouched");
}
