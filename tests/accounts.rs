//! Accounts (`/api/auth`), in process on SQLite and PostgreSQL.

use mewayz_auth::{AuthSecret, issue_token};
use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TEST_ORIGIN, TestApp, assert_error},
    on_both_backends,
};
use serde_json::json;

fn register_body(email: &str) -> serde_json::Value {
    json!({"email": email, "password": "a long password", "full_name": "Ada Lovelace"})
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

on_both_backends! {
    fn register_then_login_then_me(app) {
        let reply = app.call("POST", "/api/auth/register", None, Some(register_body("  Ada@Example.COM ")));
        assert_eq!(reply.status, 201, "{}", reply.text());
        let session = reply.json();
        assert_eq!(session["token_type"], "bearer");
        assert_eq!(session["expires_in"], 86400);
        assert_eq!(session["user"]["email"], "ada@example.com", "emails are trimmed and lower-cased");
        assert_eq!(session["user"]["full_name"], "Ada Lovelace");
        assert_eq!(session["user"]["is_active"], true);
        assert!(session["user"].get("password_hash").is_none() && !reply.text().contains("argon2"));

        let login = app.call("POST", "/api/auth/login", None,
            Some(json!({"email": "ADA@example.com", "password": "a long password"})));
        assert_eq!(login.status, 200, "{}", login.text());
        let token = login.json()["access_token"].as_str().unwrap().to_string();
        assert_eq!(login.json()["user"]["id"], session["user"]["id"]);

        let me = app.get("/api/auth/me", &token);
        assert_eq!(me.status, 200, "{}", me.text());
        assert_eq!(me.json()["user"]["id"], session["user"]["id"]);
        assert_eq!(me.header("cache-control"), Some("no-store"));
    }

    fn a_taken_email_is_a_409_whatever_its_case(app) {
        app.register("taken@example.com");
        let again = app.call("POST", "/api/auth/register", None, Some(register_body("TAKEN@example.com")));
        assert_error(&again, 409, "email_taken");
    }

    fn wrong_password_and_unknown_email_get_the_same_401(app) {
        app.register("known@example.com");
        let wrong = app.call("POST", "/api/auth/login", None,
            Some(json!({"email": "known@example.com", "password": "not the password"})));
        let unknown = app.call("POST", "/api/auth/login", None,
            Some(json!({"email": "nobody@example.com", "password": "not the password"})));
        assert_error(&wrong, 401, "unauthorized");
        assert_eq!((wrong.status, wrong.json()), (unknown.status, unknown.json()));
    }

    fn bad_input_gets_the_right_4xx_and_nothing_is_stored(app) {
        let post = |body: &[u8], content_type: &str| {
            app.send("POST", "/api/auth/register", &[("content-type", content_type)], body.to_vec())
        };
        assert_error(&post(b"{\"email\": ", "application/json"), 400, "invalid_json");
        assert_error(&post(br#"{"email":"a@b.co","password":"long enough"}"#, "text/plain"), 415, "unsupported_media_type");
        assert_error(&post(&vec![b' '; 1024 * 1024 + 1], "application/json"), 413, "payload_too_large");

        let unknown = post(br#"{"email":"a@b.co","password":"long enough","is_admin":true}"#, "application/json");
        assert_error(&unknown, 422, "validation_failed");
        assert_eq!(unknown.json()["error"]["field"], "is_admin");
        let wrong_type = post(br#"{"email":"a@b.co","password":12345678}"#, "application/json");
        assert_eq!(wrong_type.json()["error"]["field"], "password");
        let bad_email = post(br#"{"email":"not-an-email","password":"long enough"}"#, "application/json");
        assert_eq!((bad_email.status, bad_email.json()["error"]["field"].clone()), (422, json!("email")));
        let short = post(br#"{"email":"a@b.co","password":"short"}"#, "application/json");
        assert_eq!((short.status, short.json()["error"]["field"].clone()), (422, json!("password")));
        let long = post(json!({"email":"a@b.co","password":"x".repeat(129)}).to_string().as_bytes(), "application/json");
        assert_eq!(long.status, 422);

        // None of those created the account.
        let login = app.call("POST", "/api/auth/login", None, Some(json!({"email": "a@b.co", "password": "long enough"})));
        assert_error(&login, 401, "unauthorized");
    }

    fn me_refuses_every_bad_token(app) {
        let user = app.register("me@example.com");
        assert_error(&app.call("GET", "/api/auth/me", None, None), 401, "unauthorized");
        let secret = AuthSecret::new(TEST_AUTH_SECRET).unwrap();
        let other = AuthSecret::new("some other secret that is long enough!").unwrap();
        let parts: Vec<&str> = user.token.split('.').collect();
        let bad_tokens = [
            "garbage".to_string(),
            issue_token(&other, &user.id, 0, now()).unwrap(),
            // alg "none": the header says none and the signature is empty.
            format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]),
            issue_token(&secret, &user.id, 0, now() - 2 * 86400).unwrap(),
            // Validly signed, for a user that does not exist (or was deleted).
            issue_token(&secret, "00000000-0000-4000-8000-000000000000", 0, now()).unwrap(),
        ];
        for token in &bad_tokens {
            assert_error(&app.get("/api/auth/me", token), 401, "unauthorized");
        }
        let reply = app.get("/api/auth/me", &issue_token(&secret, &user.id, 0, now()).unwrap());
        assert_eq!(reply.status, 200, "a token signed with the real secret works");
    }

    fn unknown_auth_routes_and_methods_get_json_errors(app) {
        assert_error(&app.call("GET", "/api/auth/nope", None, None), 404, "not_found");
        let reply = app.call("GET", "/api/auth/login", None, None);
        assert_error(&reply, 405, "method_not_allowed");
        assert_eq!(reply.header("allow"), Some("POST"));
    }

    fn cors_answers_allowed_origins_only(app) {
        let preflight = |origin: &str| {
            app.send("OPTIONS", "/api/auth/login", &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ], vec![])
        };
        let allowed = preflight(TEST_ORIGIN);
        assert_eq!(allowed.status, 204);
        assert_eq!(allowed.header("access-control-allow-origin"), Some(TEST_ORIGIN));
        assert!(allowed.header("access-control-allow-methods").unwrap().contains("POST"));
        assert!(allowed.header("access-control-allow-headers").unwrap().contains("authorization"));
        assert!(allowed.header("access-control-allow-credentials").is_none());

        let refused = preflight("https://evil.example");
        assert!(refused.header("access-control-allow-origin").is_none());

        let user = app.register("cors@example.com");
        let auth = format!("Bearer {}", user.token);
        let me = app.send("GET", "/api/auth/me", &[("origin", TEST_ORIGIN), ("authorization", &auth)], vec![]);
        assert_eq!(me.header("access-control-allow-origin"), Some(TEST_ORIGIN));
        let other = app.send("GET", "/api/auth/me", &[("origin", "https://evil.example"), ("authorization", &auth)], vec![]);
        assert_eq!(other.status, 200);
        assert!(other.header("access-control-allow-origin").is_none());
    }
}

/// Without `auth_secret` the app still starts, probes answer, and auth routes
/// say clearly what is missing.
#[test]
fn in_process_without_auth_secret_auth_routes_answer_a_configuration_error() {
    let app = TestApp::in_process_with(Backend::Sqlite, &[]);
    for probe in ["/", "/health", "/readiness", "/liveness"] {
        assert_eq!(app.send("GET", probe, &[], vec![]).status, 200, "{probe}");
    }
    let register = app.call("POST", "/api/auth/register", None, Some(register_body("x@example.com")));
    assert_error(&register, 500, "configuration_error");
    assert!(register.json()["error"]["message"].as_str().unwrap().contains("auth_secret"));
    assert_error(&app.call("GET", "/api/auth/me", Some("whatever"), None), 500, "configuration_error");
    assert_error(&app.call("GET", "/api/workspaces", Some("whatever"), None), 500, "configuration_error");
}
