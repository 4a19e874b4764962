//! Bounded work per input: for each shape of route, the worst body of up to
//! 1 MiB we could think of — a huge string, a list of 100,000 tags or links,
//! 60,000 unknown keys, deep nesting — is refused with a clear 4xx, and the
//! component's own `Server-Timing` says it cost the server little. In
//! process (unoptimised code), on SQLite and PostgreSQL. (The printed
//! figures are what was seen; the bound is loose on purpose: it catches work that grows
//! with the input — de-duplicating 100,000 tags pairwise took 28 s — not a
//! busy machine.)

use mewayz_tests::{
    app::{TestApp, assert_error},
    http::Reply,
    on_both_backends,
};
use serde_json::{Value, json};

/// Far above the few milliseconds these take on an idle machine.
const LIMIT_MS: f64 = 250.0;
const MIB: usize = 1024 * 1024;

/// Method, path, bearer token, body, the status it must get.
type Case<'a> = (&'a str, String, Option<&'a str>, Vec<u8>, u16);

fn server_ms(reply: &Reply) -> f64 {
    let timing = reply.header("server-timing").expect("a Server-Timing header");
    let app = timing.split(',').next().unwrap_or_default();
    app.strip_prefix("app;dur=").and_then(|ms| ms.parse().ok()).unwrap_or_else(|| panic!("{timing}"))
}

fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Vec<u8>) -> Reply {
    assert!(body.len() <= MIB, "{path}: the body must stay within the 1 MiB limit ({} bytes)", body.len());
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    app.send(method, path, &headers, body)
}

fn big_string() -> String {
    "x".repeat(MIB - 200)
}

fn many_tags() -> Value {
    json!((0..100_000).map(|i| format!("{i:x}")).collect::<Vec<_>>())
}

fn unknown_keys() -> Vec<u8> {
    let keys: Vec<String> = (0..60_000).map(|i| format!("\"k{i}\":1")).collect();
    format!("{{\"first_name\":\"x\",{}}}", keys.join(",")).into_bytes()
}

fn deep_nesting() -> Vec<u8> {
    let depth = 100_000;
    format!("{{\"first_name\":\"x\",\"notes\":{}{}}}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
}

on_both_backends! {
    fn the_worst_bodies_are_refused_at_little_cost_on_every_route_shape(app) {
        let owner = app.register("owner@example.com");
        let ws = app.workspace(&owner, "Bounded");
        let token = Some(owner.token.as_str());
        let contacts = format!("/api/workspaces/{ws}/contacts");
        let bio_sites = format!("/api/workspaces/{ws}/bio-sites");
        let contact = app.call("POST", &contacts, token, Some(json!({"first_name": "Ada"}))).json();
        let contact_path = format!("{contacts}/{}", contact["id"].as_str().unwrap());
        let links: Vec<Value> = (0..20_000).map(|i| json!({"title": "t", "url": format!("https://x.io/{i}")})).collect();
        let to_vec = |v: Value| serde_json::to_vec(&v).unwrap();

        let cases: Vec<Case<'_>> = vec![
            ("POST", "/api/auth/register".into(), None,
             to_vec(json!({"email": "a@b.io", "password": big_string()})), 422),
            ("POST", "/api/auth/register".into(), None,
             to_vec(json!({"email": "a@b.io", "password": "a long password", "full_name": big_string()})), 422),
            ("POST", "/api/auth/login".into(), None,
             to_vec(json!({"email": "owner@example.com", "password": big_string()})), 401),
            ("POST", "/api/workspaces".into(), token, to_vec(json!({"name": big_string()})), 422),
            ("PATCH", format!("/api/workspaces/{ws}"), token, to_vec(json!({"description": big_string()})), 422),
            ("POST", format!("/api/workspaces/{ws}/members"), token,
             to_vec(json!({"email": big_string(), "role": "viewer"})), 422),
            ("POST", contacts.clone(), token, to_vec(json!({"first_name": "x", "tags": many_tags()})), 422),
            ("POST", contacts.clone(), token, to_vec(json!({"first_name": "x", "tags": vec!["vip"; 150_000]})), 422),
            ("PATCH", contact_path.clone(), token, to_vec(json!({"tags": many_tags()})), 422),
            ("POST", contacts.clone(), token, unknown_keys(), 422),
            ("POST", contacts.clone(), token, deep_nesting(), 422),
            ("POST", contacts.clone(), token, to_vec(json!({"first_name": big_string()})), 422),
            ("POST", bio_sites.clone(), token, to_vec(json!({"title": "t", "slug": "s", "links": links})), 422),
        ];
        let mut figures = Vec::new();
        for (method, path, token, body, status) in cases {
            let size = body.len();
            let reply = send(app, method, &path, token, body);
            assert_eq!(reply.status, status, "{method} {path} ({size} bytes): {}", reply.text());
            assert!(reply.json()["error"]["code"].is_string(), "{method} {path}: a JSON error");
            let ms = server_ms(&reply);
            figures.push(format!("{method} {path} {size} B -> {status} in {ms:.1} ms"));
            assert!(ms < LIMIT_MS, "{method} {path} ({size} bytes) cost the server {ms} ms");
        }
        println!("figures:\n{}", figures.join("\n"));
        // Nothing of it was stored.
        let list = app.get(&contacts, &owner.token).json();
        assert_eq!(list["total"], 1, "{list}");
        assert_error(&app.call("POST", &contacts, token, Some(json!({"first_name": "x", "tags": vec!["a"; 21]}))), 422, "validation_failed");
        let fine = app.call("POST", &contacts, token, Some(json!({"first_name": "x", "tags": vec!["a"; 20]})));
        assert_eq!(fine.json()["tags"], json!(["a"]), "a few repeats are still folded into one tag");
    }
}
