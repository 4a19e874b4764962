//! Failed password attempts are counted in the database, per account and
//! per client address, and checked before any Argon2 work; so are
//! registrations per address. In process, on SQLite and PostgreSQL.

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TestApp, assert_error},
    http::Reply,
    load, on_both_backends,
};
use serde_json::json;

fn login(app: &TestApp, email: &str, password: &str) -> Reply {
    app.call("POST", "/api/auth/login", None, Some(json!({"email": email, "password": password})))
}

/// A POST of `body` to `path` as seen through a trusted proxy that says
/// the client is `client`.
fn post_from(app: &TestApp, path: &str, client: &str, body: serde_json::Value) -> Reply {
    let body = serde_json::to_vec(&body).unwrap();
    let headers = [("content-type", "application/json"), ("x-forwarded-for", client)];
    load::admitted(|| Ok(app.send("POST", path, &headers, body.clone()))).unwrap()
}

fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> Reply {
    post_from(app, "/api/auth/login", client, json!({"email": email, "password": password}))
}

fn register_from(app: &TestApp, client: &str, email: &str) -> Reply {
    post_from(app, "/api/auth/register", client, json!({"email": email, "password": "a long password"}))
}

fn assert_throttled(reply: &Reply, at_most: u64) {
    assert_error(reply, 429, "too_many_attempts");
    let retry_after: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=at_most).contains(&retry_after), "Retry-After {retry_after}");
}

on_both_backends! {
    fn after_ten_failures_an_account_is_locked_even_for_the_right_password(app) {
        let ada = app.register("ada@example.com");
        let grace = app.register("grace@example.com");
        for _ in 0..10 {
            assert_error(&login(app, &ada.email, "wrong password"), 401, "unauthorized");
        }
        assert_throttled(&login(app, &ada.email, "wrong password"), 15 * 60);
        assert_throttled(&login(app, "ADA@example.com", "a long password"), 15 * 60);
        assert_eq!(login(app, &grace.email, "a long password").status, 200, "other accounts are not locked");
        assert_eq!(app.get("/api/auth/me", &ada.token).status, 200, "sessions already open go on");
    }

    fn unknown_emails_are_locked_the_same_way(app) {
        for _ in 0..10 {
            assert_error(&login(app, "nobody@example.com", "wrong password"), 401, "unauthorized");
        }
        assert_throttled(&login(app, "nobody@example.com", "wrong password"), 15 * 60);
    }

    fn forty_parallel_wrong_passwords_get_ten_checks_and_thirty_refusals(app) {
        let ada = app.register("ada@example.com");
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let tries: Vec<_> =
                (0..40).map(|_| scope.spawn(|| login(app, &ada.email, "wrong password").status)).collect();
            tries.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let count = |status| statuses.iter().filter(|s| **s == status).count();
        assert_eq!((count(401), count(429)), (10, 30), "{statuses:?}");
    }

    fn a_right_password_clears_the_accounts_failures(app) {
        let ada = app.register("ada@example.com");
        for _ in 0..9 {
            assert_error(&login(app, &ada.email, "wrong password"), 401, "unauthorized");
        }
        assert_eq!(login(app, &ada.email, "a long password").status, 200);
        for _ in 0..9 {
            assert_error(&login(app, &ada.email, "wrong password"), 401, "unauthorized");
        }
        assert_eq!(login(app, &ada.email, "a long password").status, 200);
    }

    fn failed_password_changes_count_against_the_account(app) {
        let ada = app.register("ada@example.com");
        let change = || app.call("POST", "/api/auth/password", Some(&ada.token),
            Some(json!({"current_password": "wrong password", "new_password": "a brand new password"})));
        for _ in 0..10 {
            assert_error(&change(), 422, "validation_failed");
        }
        assert_throttled(&change(), 15 * 60);
        assert_throttled(&login(app, &ada.email, "a long password"), 15 * 60);
    }
}

/// Per client address, through a trusted proxy: 50 failures over any
/// accounts lock the address, not other addresses; successes do not count.
fn failures_per_address(backend: Backend) {
    let app = &TestApp::in_process_with(
        backend,
        &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET), ("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1/32")],
    );
    let ada = app.register("ada@example.com");
    // Behind one NAT: many right passwords from one address are never limited.
    for _ in 0..60 {
        assert_eq!(login_from(app, "198.51.100.9", &ada.email, "a long password").status, 200);
    }
    let mallory = app.register("mallory@example.com");
    for i in 0..50 {
        if i > 0 {
            // A right password of one's own account settles only its own
            // attempt: it cannot cancel the failure before it.
            assert_eq!(login_from(app, "198.51.100.7", &mallory.email, "a long password").status, 200);
        }
        let reply = login_from(app, "198.51.100.7", &format!("guess{i}@example.com"), "wrong password");
        assert_error(&reply, 401, "unauthorized");
    }
    assert_throttled(&login_from(app, "198.51.100.7", "fresh@example.com", "wrong password"), 15 * 60);
    assert_throttled(&login_from(app, "198.51.100.7", &ada.email, "a long password"), 15 * 60);
    // A client cannot step out of its count by claiming another address: the
    // proxy appends what it saw, and only the last hop is believed.
    assert_throttled(&login_from(app, "203.0.113.1, 198.51.100.7", &ada.email, "a long password"), 15 * 60);
    assert_eq!(login_from(app, "198.51.100.8", &ada.email, "a long password").status, 200);
    assert_eq!(login_from(app, "198.51.100.9", &ada.email, "a long password").status, 200);
}

/// 50 registrations an hour per address, whatever their outcome (a taken
/// email counts); refused ones cost nothing and store nothing.
fn registrations_per_address(backend: Backend) {
    let app = &TestApp::in_process_with(
        backend,
        &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET), ("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1/32")],
    );
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..5)
            .map(|t| {
                scope.spawn(move || {
                    (0..10)
                        .map(|i| register_from(app, "198.51.100.7", &format!("user{t}-{i}@example.com")).status)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let refused = register_from(app, "198.51.100.7", "one-more@example.com");
    assert_throttled(&refused, 60 * 60);
    assert!(refused.text().contains("registrations"), "{}", refused.text());
    assert_error(&login(app, "one-more@example.com", "a long password"), 401, "unauthorized");
    // Logins from that address, and registrations from others, go on.
    assert_eq!(login(app, "user0-0@example.com", "a long password").status, 200);
    assert_eq!(register_from(app, "198.51.100.8", "one-more@example.com").status, 201);
}

mod in_process_behind_a_proxy {
    mod sqlite {
        #[test]
        fn failures_are_counted_per_client_address_and_successes_are_not() {
            super::super::failures_per_address(super::super::Backend::Sqlite);
        }

        #[test]
        fn registrations_are_limited_per_client_address() {
            super::super::registrations_per_address(super::super::Backend::Sqlite);
        }
    }
    mod postgres {
        #[test]
        fn failures_are_counted_per_client_address_and_successes_are_not() {
            super::super::failures_per_address(super::super::Backend::Postgres);
        }

        #[test]
        fn registrations_are_limited_per_client_address() {
            super::super::registrations_per_address(super::super::Backend::Postgres);
        }
    }
}
