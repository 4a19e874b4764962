//! Sessions that end, in process on SQLite and PostgreSQL: log
//! out one token, log out everywhere, change the password. A token that has
//! ended is refused by every component, not only by `/api/auth`.

use mewayz_tests::{
    app::{TestApp, User, assert_error},
    on_both_backends,
};
use serde_json::json;

fn login(app: &TestApp, email: &str, password: &str) -> String {
    let reply = app.call("POST", "/api/auth/login", None, Some(json!({"email": email, "password": password})));
    assert_eq!(reply.status, 200, "login: {}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_string()
}

/// 200 from `me` and from a route of another component (workspaces).
fn works(app: &TestApp, token: &str) -> bool {
    let me = app.get("/api/auth/me", token).status;
    let workspaces = app.get("/api/workspaces", token).status;
    assert_eq!(me, workspaces, "accounts and workspaces disagree about a token");
    me == 200
}

fn assert_ended(app: &TestApp, token: &str) {
    assert_error(&app.get("/api/auth/me", token), 401, "unauthorized");
    assert_error(&app.get("/api/workspaces", token), 401, "unauthorized");
}

fn post(app: &TestApp, path: &str, user_token: &str, body: Option<serde_json::Value>) -> mewayz_tests::http::Reply {
    app.call("POST", path, Some(user_token), body)
}

on_both_backends! {
    fn logout_ends_this_token_and_no_other(app) {
        let User { token: first, email, .. } = app.register("ada@example.com");
        let second = login(app, &email, "a long password");
        assert!(works(app, &first) && works(app, &second));

        assert_eq!(post(app, "/api/auth/logout", &first, None).status, 204);
        assert_ended(app, &first);
        assert!(works(app, &second), "the other session goes on");
        assert_error(&post(app, "/api/auth/logout", &first, None), 401, "unauthorized");
        assert_error(&app.call("POST", "/api/auth/logout", None, None), 401, "unauthorized");
    }

    fn logout_all_ends_every_token_of_the_account_only(app) {
        let ada = app.register("ada@example.com");
        let second = login(app, &ada.email, "a long password");
        let grace = app.register("grace@example.com");

        assert_eq!(post(app, "/api/auth/logout-all", &second, None).status, 204);
        assert_ended(app, &ada.token);
        assert_ended(app, &second);
        assert!(works(app, &grace.token), "other accounts keep their sessions");
        let fresh = login(app, &ada.email, "a long password");
        assert!(works(app, &fresh), "logging in again starts a new session");
    }

    fn a_password_change_ends_other_sessions_and_answers_a_fresh_token(app) {
        let ada = app.register("ada@example.com");
        let other = login(app, &ada.email, "a long password");
        let change = |current: &str, new: &str| {
            post(app, "/api/auth/password", &ada.token,
                 Some(json!({"current_password": current, "new_password": new})))
        };

        let wrong = change("not my password", "a brand new password");
        assert_error(&wrong, 422, "validation_failed");
        assert_eq!(wrong.json()["error"]["field"], "current_password");
        let short = change("a long password", "short");
        assert_error(&short, 422, "validation_failed");
        assert_eq!(short.json()["error"]["field"], "new_password");
        assert!(works(app, &ada.token) && works(app, &other), "a refused change ends nothing");

        let changed = change("a long password", "a brand new password");
        assert_eq!(changed.status, 200, "{}", changed.text());
        let fresh = changed.json()["access_token"].as_str().unwrap().to_string();
        assert_eq!(changed.json()["user"]["id"], ada.id.as_str());
        assert!(works(app, &fresh));
        assert_ended(app, &ada.token);
        assert_ended(app, &other);
        let old = app.call("POST", "/api/auth/login", None,
            Some(json!({"email": ada.email, "password": "a long password"})));
        assert_error(&old, 401, "unauthorized");
        login(app, &ada.email, "a brand new password");
    }

    fn session_routes_take_post_only_and_bodies_are_checked(app) {
        let ada = app.register("ada@example.com");
        for path in ["/api/auth/logout", "/api/auth/logout-all", "/api/auth/password"] {
            let reply = app.get(path, &ada.token);
            assert_error(&reply, 405, "method_not_allowed");
            assert_eq!(reply.header("allow"), Some("POST"));
        }
        let extra = post(app, "/api/auth/password", &ada.token,
            Some(json!({"current_password": "a long password", "new_password": "a brand new password", "x": 1})));
        assert_eq!(extra.status, 422, "{}", extra.text());
        assert!(works(app, &ada.token), "nothing changed");
    }
}
