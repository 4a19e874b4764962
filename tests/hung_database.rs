//! A PostgreSQL that accepts connections and never answers (stopped with
//! SIGSTOP under a running load), on Spin 4: every database call has a
//! deadline (`database_timeout_ms`, 2 s by default), so every feature request
//! answers within it (a 503 `database_unavailable` with `Retry-After` past
//! it), the probes and `/api/status` keep answering, requests that need no
//! database are not held up by the hung ones of their instance, and after
//! SIGCONT the app recovers without a restart and has lost nothing it
//! acknowledged.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use mewayz_tests::{
    app::{call_json, start_on_private_server},
    http::{self, Reply},
    postgres::{PgServer, psql},
};
use serde_json::{Value, json};

/// spin.toml's default `database_timeout_ms`.
const DEADLINE: Duration = Duration::from_secs(2);
/// What the issue allows beyond the deadline for an answer.
const MARGIN: Duration = Duration::from_millis(500);
/// How long the server stays stopped.
const HANG: Duration = Duration::from_secs(5);
/// How long the load waits for an answer: past the bound it checks, so a
/// request the deadline no longer bounds fails this test's own assertion
/// ("no answer") within seconds, not the runner's timeout.
const GIVE_UP: Duration = Duration::from_secs(4);

/// `call_json`, giving up after [`GIVE_UP`].
fn call(url: &str, method: &str, token: Option<&str>, body: Option<Value>) -> anyhow::Result<Reply> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    let body = body.map(|b| serde_json::to_vec(&b)).transpose()?.unwrap_or_default();
    http::send_within(GIVE_UP, method, url, &headers, body)
}

/// Tells the load to stop when dropped: also when the test fails half-way,
/// so that a failure ends the test instead of leaving its load running.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// One request of the load: when it was sent (since the test began), how
/// long its answer took, and the answer.
struct Sent {
    at: Duration,
    took: Duration,
    what: String,
    outcome: Result<(u16, Option<String>, String), String>,
}

#[test]
fn on_spin_a_hung_postgres_bounds_every_request_and_loses_nothing() {
    let pg = PgServer::start();
    let app = start_on_private_server(&pg);
    let register = call_json(
        &app.url("/api/auth/register"),
        "POST",
        None,
        Some(json!({"email": "hang@example.com", "password": "a long password"})),
    )
    .unwrap();
    assert_eq!(register.status, 201, "{}\n{}", register.text(), app.logs());
    let token = register.json()["access_token"].as_str().unwrap().to_string();
    let workspace =
        call_json(&app.url("/api/workspaces"), "POST", Some(&token), Some(json!({"name": "Hang Shop"}))).unwrap();
    assert_eq!(workspace.status, 201, "{}", workspace.text());
    let ws = workspace.json()["id"].as_str().unwrap().to_string();
    let contacts = format!("/api/workspaces/{ws}/contacts");

    let began = Instant::now();
    let stop = AtomicBool::new(false);
    let sent = Mutex::new(Vec::<Sent>::new());
    let record = |what: String, at: Duration, started: Instant, outcome: anyhow::Result<http::Reply>| {
        let outcome = outcome
            .map(|r| {
                let code = r.json().get("error").and_then(|e| e["code"].as_str()).unwrap_or_default().to_string();
                (r.status, r.header("retry-after").map(String::from), code)
            })
            .map_err(|e| e.to_string());
        sent.lock().unwrap().push(Sent { at, took: started.elapsed(), what, outcome });
    };
    let (paused_at, resumed_at) = thread::scope(|scope| {
        let _stop_the_load = StopOnDrop(&stop);
        // The load: creates (what must not be lost) and `me`, four at a time.
        for worker in 0..4 {
            let (stop, record, token, contacts, app) = (&stop, &record, &token, &contacts, &app);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let (at, started) = (began.elapsed(), Instant::now());
                    if n % 2 == 0 {
                        let reply = call(&app.url("/api/auth/me"), "GET", Some(token), None);
                        record("me".into(), at, started, reply);
                    } else {
                        let name = format!("w{worker}-{n}");
                        let body = json!({"first_name": name});
                        let reply = call(&app.url(contacts), "POST", Some(token), Some(body));
                        record(format!("create {name}"), at, started, reply);
                    }
                }
            });
        }
        // Beside it: the probes as a kubelet sends them, the operator
        // status, and requests to the same components that need no database
        // (no token: 401 before any database call; a path no module has).
        let (stop, record, app) = (&stop, &record, &app);
        scope.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for path in ["/liveness", "/readiness", "/api/status", "/api/auth/me", "/api/workspaces/x/contacts/a/b"]
                {
                    let (at, started) = (began.elapsed(), Instant::now());
                    record(format!("GET {path}"), at, started, call(&app.url(path), "GET", None, None));
                }
                thread::sleep(Duration::from_millis(150));
            }
        });

        thread::sleep(Duration::from_secs(1));
        pg.pause();
        let paused_at = began.elapsed();
        // A component no request used before: its instance opens its first
        // connection, and checks the schema on it, during the hang.
        thread::sleep(Duration::from_secs(1));
        let (at, started) = (began.elapsed(), Instant::now());
        let services = call(&app.url(&format!("/api/workspaces/{ws}/services")), "GET", Some(&token), None);
        record("first services list".into(), at, started, services);
        thread::sleep(HANG.saturating_sub(Duration::from_secs(1) + started.elapsed()));
        pg.resume();
        let resumed_at = began.elapsed();
        thread::sleep(Duration::from_secs(3));
        (paused_at, resumed_at)
    });

    let sent = sent.into_inner().unwrap();
    let mut problems = Vec::new();
    let mut unavailable = 0;
    for s in &sent {
        let Ok((status, retry_after, code)) = &s.outcome else {
            problems.push(format!("{} at {:?}: no answer: {:?}", s.what, s.at, s.outcome.as_ref().err()));
            continue;
        };
        let limit = match s.what.as_str() {
            "GET /liveness" | "GET /readiness" | "GET /api/status" => Duration::from_secs(1),
            "GET /api/auth/me" | "GET /api/workspaces/x/contacts/a/b" => MARGIN,
            _ => DEADLINE + MARGIN,
        };
        if s.took > limit {
            problems.push(format!("{} at {:?} took {:?} (limit {limit:?}): {status}", s.what, s.at, s.took));
        }
        let expected = match s.what.as_str() {
            "GET /liveness" | "GET /readiness" => Some(200),
            "GET /api/auth/me" => Some(401),
            "GET /api/workspaces/x/contacts/a/b" => Some(404),
            _ => None,
        };
        if expected.is_some_and(|e| e != *status) {
            problems.push(format!("{} at {:?}: {status}, expected {expected:?}", s.what, s.at));
        }
        let during_hang = s.at > paused_at && s.at + DEADLINE < resumed_at;
        let feature = s.what == "me" || s.what.starts_with("create ") || s.what == "first services list";
        if feature && during_hang {
            if *status != 503 || code != "database_unavailable" || retry_after.is_none() {
                problems.push(format!("{} at {:?} during the hang: {status} {code} {retry_after:?}", s.what, s.at));
            }
            unavailable += 1;
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} requests:\n{}\n{}",
        problems.len(),
        sent.len(),
        problems.join("\n"),
        app.logs()
    );
    assert!(unavailable > 0, "the load sent feature requests while the database hung");

    // Recovered without a restart: the next requests succeed.
    let me = call_json(&app.url("/api/auth/me"), "GET", Some(&token), None).unwrap();
    assert_eq!(me.status, 200, "{}\n{}", me.text(), app.logs());
    let after = call_json(&app.url(&contacts), "POST", Some(&token), Some(json!({"first_name": "after"}))).unwrap();
    assert_eq!(after.status, 201, "{}", after.text());

    // Nothing acknowledged is lost: every 201 is a stored contact.
    let stored =
        psql(&pg.url("mewayz"), &format!("SELECT data::jsonb->>'first_name' FROM records WHERE workspace_id = '{ws}'"));
    let stored: std::collections::BTreeSet<&str> = stored.lines().map(str::trim).collect();
    let acknowledged: Vec<&str> = sent
        .iter()
        .filter(|s| matches!(s.outcome, Ok((201, _, _))))
        .filter_map(|s| s.what.strip_prefix("create "))
        .collect();
    assert!(!acknowledged.is_empty());
    let lost: Vec<&&str> = acknowledged.iter().filter(|name| !stored.contains(**name)).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    let took_503: Vec<Duration> = sent
        .iter()
        .filter(|s| matches!(&s.outcome, Ok((503, _, _))) && !s.what.starts_with("GET "))
        .map(|s| s.took)
        .collect();
    println!(
        "figures: {} requests, {} answered 503 while the database hung (slowest {:?}), {} creates acknowledged",
        sent.len(),
        took_503.len(),
        took_503.iter().max(),
        acknowledged.len()
    );
}
