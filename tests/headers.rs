//! Every answer of the app says `X-Content-Type-Options: nosniff` — probes,
//! API answers and errors, 204s, CORS preflights, public pages and their
//! redirects — so no browser guesses a type for what we send. In process,
//! on SQLite and PostgreSQL; `/api/status`'s answers are checked on Spin
//! (tests/status.rs), where its database check runs.

use mewayz_tests::{
    app::{TEST_ORIGIN, TestApp},
    http::Reply,
    on_both_backends,
};
use serde_json::{Value, json};

fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    app.call(method, path, token, body)
}

on_both_backends! {
    fn every_kind_of_answer_says_nosniff(app) {
        let owner = app.register("nosniff@example.com");
        let token = Some(owner.token.as_str());
        let mut answers: Vec<(String, u16, Reply)> = Vec::new();
        let mut expect = |label: &str, status: u16, reply: Reply| answers.push((label.to_string(), status, reply));

        for probe in ["/", "/health", "/api/health", "/readiness", "/liveness"] {
            expect(&format!("GET {probe}"), 200, send(app, "GET", probe, None, None));
        }
        expect("POST /readiness", 405, send(app, "POST", "/readiness", None, None));

        let created = send(app, "POST", "/api/workspaces", token, Some(json!({"name": "Sniff Shop"})));
        let ws = created.json()["id"].as_str().unwrap().to_string();
        expect("POST /api/workspaces", 201, created);
        expect("GET /api/workspaces", 200, send(app, "GET", "/api/workspaces", token, None));
        expect("GET /api/workspaces without a token", 401, send(app, "GET", "/api/workspaces", None, None));
        expect("GET /api/auth/nope", 404, send(app, "GET", "/api/auth/nope", None, None));
        expect("PUT /api/workspaces", 405, send(app, "PUT", "/api/workspaces", token, None));
        expect("PATCH name null", 422, send(app, "PATCH", &format!("/api/workspaces/{ws}"), token, Some(json!({"name": null}))));
        let doomed = app.workspace(&owner, "Doomed");
        expect("DELETE a workspace", 204, send(app, "DELETE", &format!("/api/workspaces/{doomed}"), token, None));
        let preflight = app.send("OPTIONS", "/api/workspaces",
            &[("origin", TEST_ORIGIN), ("access-control-request-method", "POST")], vec![]);
        assert_eq!(preflight.header("access-control-allow-origin"), Some(TEST_ORIGIN), "an allowed origin's preflight");
        expect("OPTIONS /api/workspaces", 204, preflight);

        let site = send(app, "POST", &format!("/api/workspaces/{ws}/bio-sites"), token, Some(json!({
            "title": "Sniff", "slug": "sniff", "is_published": true,
            "links": [{"title": "Blog", "url": "https://blog.example"}],
        })));
        let link = site.json()["links"][0]["id"].as_str().unwrap().to_string();
        expect("POST bio-sites", 201, site);
        expect("GET /p/sniff", 200, send(app, "GET", "/p/sniff", None, None));
        let redirect = send(app, "GET", &format!("/p/sniff/l/{link}"), None, None);
        assert_eq!(redirect.header("location"), Some("https://blog.example"));
        expect("GET /p/sniff/l/{link}", 302, redirect);
        expect("GET /p/nobody", 404, send(app, "GET", "/p/nobody", None, None));
        expect("POST /p/sniff", 405, send(app, "POST", "/p/sniff", None, None));

        for (label, status, reply) in &answers {
            assert_eq!(reply.status, *status, "{label}: {}", String::from_utf8_lossy(&reply.body));
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{label}");
        }
    }
}
