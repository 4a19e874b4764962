//! What browser code needs of the API, on real Spin: CORS preflights that
//! answer only for routed paths and the methods they serve, answers whose
//! `Retry-After`, `Server-Timing` and `Location` an allowed origin can read
//! (shown in headless Chromium for a 429 and a 503), HEAD wherever GET is
//! served, and OPTIONS telling a route's methods.

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::{Arc, OnceLock},
    time::Duration,
};

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TEST_ORIGIN, TestApp, assert_error},
    browser::headless,
    fake::{answer_as, refused_url, serve},
    http::{self, Reply},
    on_spin_with_both_backends,
};
use serde_json::json;

fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> Reply {
    http::send(
        "OPTIONS",
        &app.url(path),
        &[
            ("origin", origin),
            ("access-control-request-method", method),
            ("access-control-request-headers", "content-type"),
        ],
        vec![],
    )
    .unwrap()
}

fn from_origin(app: &TestApp, method: &str, path: &str, token: &str) -> Reply {
    let auth = format!("Bearer {token}");
    http::send(method, &app.url(path), &[("origin", TEST_ORIGIN), ("authorization", &auth)], vec![]).unwrap()
}

/// What follows the head of a HEAD answer on the wire, up to the close: a
/// client library never reads a body after HEAD, so this reads the socket.
fn bytes_after_head(app: &TestApp, path: &str, token: Option<&str>) -> Vec<u8> {
    let base = app.url("");
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "HEAD {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let (mut all, mut buf) = (Vec::new(), [0u8; 4096]);
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").expect("an answer's head") + 4;
    assert!(all.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&all));
    all.split_off(end)
}

on_spin_with_both_backends! {
    fn preflights_are_granted_for_routed_paths_and_the_methods_they_serve(app) {
        let granted = preflight(app, "/api/workspaces/ws-1/contacts", TEST_ORIGIN, "POST");
        assert_eq!(granted.status, 204);
        assert_eq!(granted.header("access-control-allow-origin"), Some(TEST_ORIGIN));
        assert_eq!(granted.header("access-control-allow-methods"), Some("GET, HEAD, POST"));

        let wrong_method = preflight(app, "/api/workspaces/ws-1/contacts", TEST_ORIGIN, "PUT");
        assert_error(&wrong_method, 405, "method_not_allowed");
        assert_eq!(wrong_method.header("allow"), Some("GET, HEAD, POST"));
        assert!(wrong_method.header("access-control-allow-origin").is_none());

        // Inside a component's routes (`/api/auth/...`), but no route of it.
        let unrouted = preflight(app, "/api/auth/nowhere", TEST_ORIGIN, "POST");
        assert_error(&unrouted, 404, "not_found");
        assert!(unrouted.header("access-control-allow-origin").is_none());

        let plain = http::send("OPTIONS", &app.url("/api/workspaces/ws-1"), &[], vec![]).unwrap();
        assert_eq!(plain.status, 204);
        assert_eq!(plain.header("allow"), Some("GET, HEAD, PATCH, DELETE, OPTIONS"));
    }

    fn allowed_origins_may_read_retry_after_server_timing_and_location(app) {
        let owner = app.register("exposed@example.com");
        let listed = from_origin(app, "GET", "/api/workspaces", &owner.token);
        assert_eq!(listed.status, 200);
        assert_eq!(listed.header("access-control-allow-origin"), Some(TEST_ORIGIN));
        let exposed = listed.header("access-control-expose-headers").unwrap_or_default().to_string();
        for header in ["retry-after", "server-timing", "location"] {
            assert!(exposed.split(", ").any(|h| h == header), "{header} not in {exposed:?}");
        }
        let other = http::send("GET", &app.url("/api/workspaces"),
            &[("origin", "https://evil.example"), ("authorization", &format!("Bearer {}", owner.token))], vec![]).unwrap();
        assert!(other.header("access-control-expose-headers").is_none());
    }

    fn head_answers_what_get_does_without_a_body_or_a_side_effect(app) {
        let owner = app.register("head@example.com");
        let ws = app.workspace(&owner, "Head Office");
        let contacts = format!("/api/workspaces/{ws}/contacts");
        let made = app.call("POST", &contacts, Some(&owner.token), Some(json!({"first_name": "Ada"})));
        assert_eq!(made.status, 201, "{}", made.text());
        for path in ["/api/workspaces".to_string(), format!("/api/workspaces/{ws}"), contacts.clone(), "/api/auth/me".into()] {
            let get = from_origin(app, "GET", &path, &owner.token);
            let head = from_origin(app, "HEAD", &path, &owner.token);
            assert_eq!((head.status, get.status), (200, 200), "{path}");
            let sent = bytes_after_head(app, &path, Some(&owner.token));
            assert!(sent.is_empty(), "HEAD {path} sent a body: {}", String::from_utf8_lossy(&sent));
            assert_eq!(head.header("content-type"), get.header("content-type"), "{path}");
            assert_eq!(head.header("content-length"), Some(get.body.len().to_string().as_str()), "{path}");
        }
        let unauthenticated = http::send("HEAD", &app.url(&contacts), &[], vec![]).unwrap();
        assert_eq!(unauthenticated.status, 401);
        let post_only = http::send("HEAD", &app.url("/api/auth/login"), &[], vec![]).unwrap();
        assert_eq!((post_only.status, post_only.header("allow")), (405, Some("POST")));

        let site = app.call("POST", &format!("/api/workspaces/{ws}/bio-sites"), Some(&owner.token), Some(json!({
            "title": "Heads", "slug": "heads", "is_published": true,
            "links": [{"title": "Blog", "url": "https://blog.example"}],
        })));
        assert_eq!(site.status, 201, "{}", site.text());
        let (id, link) = (site.json()["id"].as_str().unwrap().to_string(), site.json()["links"][0]["id"].as_str().unwrap().to_string());
        let page = http::send("HEAD", &app.url("/p/heads"), &[], vec![]).unwrap();
        assert_eq!(page.status, 200);
        assert!(bytes_after_head(app, "/p/heads", None).is_empty(), "HEAD /p/heads sent a body");
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
        let redirect = http::send("HEAD", &app.url(&format!("/p/heads/l/{link}")), &[], vec![]).unwrap();
        assert_eq!((redirect.status, redirect.header("location")), (302, Some("https://blog.example")));
        let counted = app.get(&format!("/api/workspaces/{ws}/bio-sites/{id}"), &owner.token).json();
        assert_eq!((counted["visit_count"].as_i64(), counted["click_count"].as_i64()), (Some(0), Some(0)),
            "HEAD counts no visit and no click: {counted}");
        // GET does count, as the control.
        assert_eq!(http::send("GET", &app.url("/p/heads"), &[], vec![]).unwrap().status, 200);
        assert_eq!(http::send("GET", &app.url(&format!("/p/heads/l/{link}")), &[], vec![]).unwrap().status, 302);
        let counted = app.get(&format!("/api/workspaces/{ws}/bio-sites/{id}"), &owner.token).json();
        assert_eq!((counted["visit_count"].as_i64(), counted["click_count"].as_i64()), (Some(1), Some(1)), "{counted}");
    }
}

/// A page on its own loopback origin whose script calls two apps the way a
/// front end would and writes what it could read into the page.
const PAGE: &str = r#"<!doctype html><html><head><title>front end</title></head><body><pre id="out">running</pre>
<script>
(async () => {
  const out = [];
  const post = (base, path, body) => fetch(base + path, {
    method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
  });
  try {
    let reply;
    for (let i = 0; i < 12; i++) {
      reply = await post(LIVE, "/api/auth/login", {email: "nobody@example.com", password: "wrong password"});
      if (reply.status === 429) break;
    }
    out.push(`live ${reply.status} retry-after=${reply.headers.get("retry-after")}`);
    reply = await post(DEAD, "/api/auth/register", {email: "new@example.com", password: "a long password"});
    out.push(`dead ${reply.status} retry-after=${reply.headers.get("retry-after")} timing=${reply.headers.get("server-timing") !== null}`);
  } catch (e) {
    out.push(`failed: ${e}`);
  }
  document.getElementById("out").textContent = out.join("\n");
})();
</script></body></html>"#;

#[test]
fn on_spin_chromium_from_an_allowed_origin_reads_retry_after_of_a_429_and_a_503() {
    let apps: Arc<OnceLock<(String, String)>> = Arc::new(OnceLock::new());
    let page_apps = apps.clone();
    let page = serve(move |_| {
        let (live, dead) = page_apps.get().expect("the apps started");
        let script = format!("<script>const LIVE = {live:?}, DEAD = {dead:?};</script>");
        answer_as("200 OK", "text/html", &PAGE.replacen("<pre", &format!("{script}<pre"), 1))
    });
    let cors = ("SPIN_VARIABLE_CORS_ALLOWED_ORIGINS", page.as_str());
    let live = TestApp::start_with(Backend::Sqlite, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET), cors]);
    // PostgreSQL where nothing listens: every database call answers 503.
    let nowhere = refused_url().replace("http://", "");
    let dead_url = format!("postgres://mewayz@{nowhere}/mewayz");
    let dead_host = format!("postgres://{nowhere}");
    let dead = TestApp::start_with(
        Backend::Sqlite,
        &[
            ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET),
            cors,
            ("SPIN_VARIABLE_DATABASE_URL", &dead_url),
            ("SPIN_VARIABLE_DATABASE_HOST", &dead_host),
        ],
    );
    apps.set((live.url(""), dead.url(""))).expect("set once");

    let profile = tempfile::tempdir().unwrap();
    let dom = headless(profile.path(), &["--dump-dom"], &format!("{page}/"));
    let read = dom.split("<pre id=\"out\">").nth(1).and_then(|rest| rest.split("</pre>").next()).unwrap_or(&dom);
    let lines: Vec<&str> = read.lines().collect();
    assert_eq!(lines.len(), 2, "the page's script did not finish: {dom}");
    let live_line = lines[0].strip_prefix("live 429 retry-after=").unwrap_or_else(|| panic!("{read}"));
    assert!(live_line.parse::<u32>().is_ok_and(|s| s > 0), "{read}");
    assert_eq!(lines[1], "dead 503 retry-after=5 timing=true", "{read}");
}
