//! Feature routes beside their floors, on `spin up` with SQLite and with
//! PostgreSQL, at 1, 16 and 64 connections, measured with wrk:
//! - Spin's host-only `/.well-known/spin/health` (the host floor);
//! - a do-nothing WASI P3 component of the routes' generation
//!   (benches/database-floor `/p3`, the component floor the ratios are to)
//!   and a do-nothing spin-sdk 5.2 WASI P2 one (benches/floor, the P2 floor);
//! - a WASI P3 component that runs `SELECT 1` on a connection its instance
//!   keeps (benches/database-floor, the database floor: no route that reads
//!   the database can be faster);
//! - the zero-import probe, `me`, the contacts list (50), contacts create,
//!   bookings create (every request on one of four slots: contention), login.
//!
//! First prints where each route's time goes, from its answers' own
//! Server-Timing (component, database, statements, connection kept), then a
//! table (req/s, p50, p99, errors, ratio to the component floor) and `me`
//! beside logins; writes target/bench/routes.json and target/bench/routes.svg.
//! Asserts nothing. Run by `bash benches/routes.sh [seconds per measurement]`;
//! `BENCH_BACKENDS=sqlite` and `BENCH_ROUTES="contacts create,me"` narrow a
//! run while working on one route (the floors always run);
//! `BENCH_SPIN=3.6` measures the Spin 3.6 build on Spin 3.6 (default: the
//! default build on Spin 4);
//! `BENCH_SPIN_ARGS="--max-instance-concurrent-reuse-count 4"` passes
//! `spin up` arguments; `BENCH_NODELAY=1` (in benches/routes.sh) preloads
//! benches/nodelay into Spin, which then sets TCP_NODELAY (a diagnostic).

use std::{fmt::Write as _, fs, path::Path, process::Command};

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TestApp},
    repo_path,
    spin::{SpinApp, SpinOptions},
};
use serde_json::{Value, json};

const CONNECTIONS: [u32; 3] = [1, 16, 64];
const LOGIN_ACCOUNTS: usize = 40;

struct Route {
    name: &'static str,
    method: &'static str,
    url: String,
    token: Option<String>,
    /// A Lua expression giving each request's JSON body.
    body: Option<String>,
    /// One such body, for the requests that read the server's timings.
    sample: Option<&'static str>,
}

#[derive(Clone)]
struct Figures {
    requests_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    requests: u64,
}

fn millis(text: &str) -> f64 {
    let (number, unit) = text.trim().split_at(text.trim().find(|c: char| c.is_alphabetic()).unwrap_or(text.len()));
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(route: &Route, connections: u32, seconds: u64, scripts: &Path) -> Figures {
    let script = scripts.join(format!("{}.lua", route.name.replace(' ', "_")));
    let mut lua = format!("wrk.method = \"{}\"\n", route.method);
    if let Some(token) = &route.token {
        writeln!(lua, "wrk.headers[\"authorization\"] = \"Bearer {token}\"").unwrap();
    }
    if let Some(body) = &route.body {
        writeln!(lua, "wrk.headers[\"content-type\"] = \"application/json\"").unwrap();
        writeln!(
            lua,
            "local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format(nil, nil, nil, {body})\nend"
        )
        .unwrap();
    }
    fs::write(&script, lua).unwrap();
    let threads = connections.min(2);
    let output = Command::new("wrk")
        .args([&format!("-t{threads}"), &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency"])
        .arg("-s")
        .arg(&script)
        .arg(&route.url)
        .output()
        .expect("running wrk (Debian's wrk package)");
    let text = String::from_utf8_lossy(&output.stdout);
    let after = |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(str::trim));
    let socket_errors: u64 = after("Socket errors:")
        .map(|s| s.split(',').filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    let non_2xx: u64 = after("Non-2xx or 3xx responses:").and_then(|s| s.parse().ok()).unwrap_or(0);
    Figures {
        requests_per_s: after("Requests/sec:").and_then(|s| s.parse().ok()).unwrap_or(0.0),
        p50_ms: after("50%").map(millis).unwrap_or(f64::NAN),
        p99_ms: after("99%").map(millis).unwrap_or(f64::NAN),
        errors: socket_errors + non_2xx,
        requests: text
            .lines()
            .find_map(|l| l.trim().split_once(" requests in ").and_then(|(n, _)| n.parse().ok()))
            .unwrap_or(0),
    }
}

/// benches/nodelay, built by benches/routes.sh when BENCH_NODELAY=1.
fn preload() -> Option<String> {
    std::env::var("BENCH_PRELOAD").ok().filter(|path| !path.is_empty())
}

/// The app with an owner, a workspace, 50 contacts, a service and accounts
/// to log in with.
fn seeded(backend: Backend) -> (TestApp, Vec<Route>) {
    // BENCH_SPIN_ARGS: more `spin up` arguments, such as
    // `--max-instance-concurrent-reuse-count 4`, to measure Spin's settings.
    let spin_args = std::env::var("BENCH_SPIN_ARGS").unwrap_or_default();
    // Many accounts are registered from this one address, told apart by a
    // forwarded address (registrations are limited per address).
    let mut vars =
        vec![("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET), ("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1/32")];
    let preload = preload();
    if let Some(library) = &preload {
        vars.push(("LD_PRELOAD", library));
    }
    let app = TestApp::start_on(backend, &vars, &spin_args.split_whitespace().collect::<Vec<_>>(), spin3());
    let owner = app.register("owner@example.com");
    let ws = app.workspace(&owner, "Bench Shop");
    let contacts = format!("/api/workspaces/{ws}/contacts");
    let writes = app.workspace(&owner, "Bench Writes");
    for i in 0..50 {
        let reply =
            app.call("POST", &contacts, Some(&owner.token), Some(json!({"first_name": format!("Contact {i}")})));
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let service = app.call(
        "POST",
        &format!("/api/workspaces/{ws}/services"),
        Some(&owner.token),
        Some(json!({"name": "Session", "duration_minutes": 30, "price": 5000, "max_attendees": 10000})),
    );
    assert_eq!(service.status, 201, "{}", service.text());
    let service_id = service.json()["id"].as_str().unwrap().to_string();
    for i in 0..LOGIN_ACCOUNTS {
        let body = json!({"email": format!("bench{i}@example.com"), "password": "a long password"}).to_string();
        let reply = mewayz_tests::http::send(
            "POST",
            &app.url("/api/auth/register"),
            &[("content-type", "application/json"), ("x-forwarded-for", &format!("198.51.100.{i}"))],
            body.into_bytes(),
        )
        .unwrap();
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let token = Some(owner.token.clone());
    let routes = vec![
        Route { name: "probe", method: "GET", url: app.url("/readiness"), token: None, body: None, sample: None },
        Route {
            name: "me",
            method: "GET",
            url: app.url("/api/auth/me"),
            token: token.clone(),
            body: None,
            sample: None,
        },
        Route {
            name: "contacts list 50",
            method: "GET",
            url: app.url(&format!("{contacts}?limit=50")),
            token: token.clone(),
            body: None,
            sample: None,
        },
        Route {
            name: "contacts create",
            method: "POST",
            // Into a workspace of their own: the list keeps its 50.
            url: app.url(&format!("/api/workspaces/{writes}/contacts")),
            token: token.clone(),
            body: Some(r#"string.format('{"first_name":"Bench %d"}', n)"#.into()),
            sample: Some(r#"{"first_name":"Sample"}"#),
        },
        Route {
            name: "bookings create",
            method: "POST",
            url: app.url(&format!("/api/workspaces/{ws}/bookings")),
            token: token.clone(),
            body: Some(format!(
                r#"string.format('{{"service_id":"{service_id}","client_name":"Bench","client_email":"b@example.com","starts_at":"2027-03-0%dT10:00:00Z"}}', 1 + n % 4)"#
            )),
            // Read-only sampling: a booking that fails validation still
            // authenticates and checks membership.
            sample: None,
        },
        Route {
            name: "login",
            method: "POST",
            url: app.url("/api/auth/login"),
            token: None,
            body: Some(format!(
                r#"string.format('{{"email":"bench%d@example.com","password":"a long password"}}', math.random(0, {}))"#,
                LOGIN_ACCOUNTS - 1
            )),
            sample: Some(r#"{"email":"bench0@example.com","password":"a long password"}"#),
        },
    ];
    (app, routes)
}

/// Where a route's time goes, from its own `Server-Timing`, averaged over
/// `n` sequential requests: time in the component, in the database (through
/// Spin's host), and statements per request.
struct Breakdown {
    app_ms: f64,
    db_ms: f64,
    statements: f64,
    kept: usize,
    n: usize,
}

fn breakdown(route: &Route, n: usize) -> Option<Breakdown> {
    if route.body.is_some() && route.sample.is_none() {
        return None;
    }
    let auth = route.token.as_ref().map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    let mut total = Breakdown { app_ms: 0.0, db_ms: 0.0, statements: 0.0, kept: 0, n: 0 };
    for _ in 0..n {
        let body = route.sample.unwrap_or_default().as_bytes().to_vec();
        let reply = mewayz_tests::http::send(route.method, &route.url, &headers, body).ok()?;
        let timing = reply.header("server-timing")?.to_string();
        for metric in timing.split(',').map(str::trim) {
            let mut params = metric.split(';');
            let name = params.next().unwrap_or_default();
            for param in params {
                let (key, value) = param.split_once('=').unwrap_or_default();
                match (name, key) {
                    ("app", "dur") => total.app_ms += value.parse::<f64>().unwrap_or(0.0),
                    ("db", "dur") => total.db_ms += value.parse::<f64>().unwrap_or(0.0),
                    ("db", "statements") => total.statements += value.parse::<f64>().unwrap_or(0.0),
                    ("db", "desc") => total.kept += usize::from(value == "kept"),
                    _ => {}
                }
            }
        }
        total.n += 1;
    }
    let n = total.n.max(1) as f64;
    Some(Breakdown { app_ms: total.app_ms / n, db_ms: total.db_ms / n, statements: total.statements / n, ..total })
}

fn svg(results: &[Value]) -> String {
    // Requests/s at 16 connections, on a log scale, one row per route and backend.
    let rows: Vec<&Value> = results.iter().filter(|r| r["connections"] == 16).collect();
    let (width, row_height, left) = (900.0, 22.0, 260.0);
    let height = 60.0 + rows.len() as f64 * row_height;
    let scale = |v: f64| (v.max(1.0).log10() / 5.0) * (width - left - 80.0);
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">
<text x="10" y="20" font-size="14">Requests per second at 16 connections (log scale), spin up, SQLite and PostgreSQL</text>
"#
    );
    for (i, row) in rows.iter().enumerate() {
        let y = 40.0 + i as f64 * row_height;
        let rps = row["requests_per_s"].as_f64().unwrap_or(0.0);
        let colour = if row["backend"] == "sqlite" { "#4a7bd0" } else { "#d07b4a" };
        writeln!(
            out,
            r#"<text x="10" y="{ty}">{name} ({backend})</text><rect x="{left}" y="{y}" width="{w:.1}" height="16" fill="{colour}"/><text x="{tx:.1}" y="{ty}">{rps:.0} req/s, p99 {p99:.1} ms</text>"#,
            ty = y + 12.0,
            name = row["route"].as_str().unwrap(),
            backend = row["backend"].as_str().unwrap(),
            w = scale(rps),
            tx = left + scale(rps) + 6.0,
            p99 = row["p99_ms"].as_f64().unwrap_or(f64::NAN),
        )
        .unwrap();
    }
    out.push_str("</svg>\n");
    out
}

/// `BENCH_SPIN=3.6`: the Spin 3.6 build on Spin 3.6.
fn spin3() -> bool {
    std::env::var("BENCH_SPIN").is_ok_and(|v| v.starts_with("3."))
}

fn main() {
    let seconds: u64 = std::env::args().nth(1).map_or(5, |s| s.parse().expect("seconds per measurement"));
    // The floors of the routes' generation, switched as build-component
    // switches the components.
    let mut build = Command::new("cargo");
    build
        .args(["build", "--quiet", "-p", "bench-floor", "-p", "bench-database-floor"])
        .args(["--target", "wasm32-wasip2", "--release"])
        .current_dir(repo_path("."));
    if spin3() {
        build.env("CARGO_TARGET_DIR", repo_path("target/spin3")).env("CARGO_ENCODED_RUSTFLAGS", "--cfg=mewayz_spin3");
    }
    assert!(
        build.status().expect("building the floors").success(),
        "building benches/floor and benches/database-floor"
    );
    let floor_manifest = repo_path(if spin3() { "benches/floor/spin3.toml" } else { "benches/floor/spin.toml" });
    let scripts = tempfile::tempdir().unwrap();

    let spin = if spin3() { mewayz_tests::spin::spin3_binary() } else { mewayz_tests::spin::spin_binary() };
    let spin_version = Command::new(spin.expect("no Spin binary for this generation"))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("{spin_version}, {cores} cores, wrk --latency, {seconds} s per measurement");
    if let Some(library) = preload() {
        println!("TCP_NODELAY set on Spin's connections by {library} (a diagnostic: Spin does not set it)");
    }

    let mut results = Vec::new();
    let wanted =
        |var: &str, name: &str| std::env::var(var).map_or(true, |list| list.split(',').any(|item| item.trim() == name));
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let label = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
        if !wanted("BENCH_BACKENDS", label) {
            continue;
        }
        let (app, routes) = seeded(backend);
        // The floors, with the app's database for the database floor.
        let env = match &app.database {
            Some(db) => vec![
                ("SPIN_VARIABLE_DATABASE_URL".to_string(), db.url.clone()),
                ("SPIN_VARIABLE_DATABASE_HOST".to_string(), db.host()),
            ],
            None => Vec::new(),
        };
        let env = env.into_iter().chain(preload().map(|library| ("LD_PRELOAD".to_string(), library))).collect();
        let floor = SpinApp::start_with(SpinOptions {
            manifest: Some(floor_manifest.clone()),
            env,
            spin3: spin3(),
            ..Default::default()
        });
        let floors = [
            Route {
                name: "host floor",
                method: "GET",
                url: app.url("/.well-known/spin/health"),
                token: None,
                body: None,
                sample: None,
            },
            Route {
                name: "component floor",
                method: "GET",
                url: floor.url("/p3"),
                token: None,
                body: None,
                sample: None,
            },
            Route { name: "P2 floor", method: "GET", url: floor.url("/"), token: None, body: None, sample: None },
            Route {
                name: "database floor",
                method: "GET",
                url: floor.url("/database"),
                token: None,
                body: None,
                sample: None,
            },
        ];
        for route in routes.iter().filter(|r| wanted("BENCH_ROUTES", r.name)) {
            let n = if route.name == "login" { 20 } else { 200 };
            if let Some(b) = breakdown(route, n) {
                println!(
                    "{label:<9} timings  {:<17} component {:>7.3} ms, of which database {:>7.3} ms in {:.1} statements; connection kept {} of {}",
                    route.name, b.app_ms, b.db_ms, b.statements, b.kept, b.n
                );
                results.push(json!({
                    "backend": label, "route": route.name, "server_timing": {
                        "requests": b.n, "component_ms": b.app_ms, "database_ms": b.db_ms,
                        "statements": b.statements, "connection_kept": b.kept,
                    },
                }));
            }
        }
        for connections in CONNECTIONS {
            let mut floor_rps = f64::NAN;
            for route in floors.iter().chain(routes.iter().filter(|r| wanted("BENCH_ROUTES", r.name))) {
                let f = wrk(route, connections, seconds, scripts.path());
                if route.name == "component floor" {
                    floor_rps = f.requests_per_s;
                }
                let ratio = f.requests_per_s / floor_rps;
                println!(
                    "{label:<9} c={connections:<3} {:<17} {:>9.0} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  errors {:>6} of {:>7}  {:>5.2}× floor",
                    route.name, f.requests_per_s, f.p50_ms, f.p99_ms, f.errors, f.requests, ratio
                );
                results.push(json!({
                    "backend": label, "connections": connections, "route": route.name,
                    "requests_per_s": f.requests_per_s, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms,
                    "errors": f.errors, "requests": f.requests, "ratio_to_component_floor": ratio,
                }));
            }
        }
        // `me` while logins (Argon2, ~100 ms of CPU each) run beside it,
        // 8 connections each: requests a component instance holds at once
        // run one after another, so a cheap route may wait behind expensive
        // ones of the same component.
        let by_name = |name: &str| routes.iter().find(|r| r.name == name);
        if let (Some(me), Some(login)) = (by_name("me"), by_name("login"))
            && wanted("BENCH_ROUTES", "me beside logins")
        {
            let dir = scripts.path().to_path_buf();
            let figures = std::thread::scope(|scope| {
                let logins = scope.spawn(|| wrk(login, 8, seconds, &dir));
                let me = wrk(me, 8, seconds, &dir);
                (me, logins.join().unwrap())
            });
            for (name, f) in [("me beside logins", figures.0), ("logins beside me", figures.1)] {
                println!(
                    "{label:<9} c=8+8 {:<17} {:>9.0} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  errors {:>6} of {:>7}",
                    name, f.requests_per_s, f.p50_ms, f.p99_ms, f.errors, f.requests
                );
                results.push(json!({
                    "backend": label, "connections": 8, "route": name, "beside": "8 connections of the other",
                    "requests_per_s": f.requests_per_s, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms,
                    "errors": f.errors, "requests": f.requests,
                }));
            }
        }
        drop(app);
    }
    let out = repo_path("target/bench");
    fs::create_dir_all(&out).unwrap();
    let report = json!({
        "spin": spin_version, "cores": cores, "seconds": seconds, "tcp_nodelay_forced": preload().is_some(),
        "results": results,
    });
    fs::write(out.join("routes.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();
    fs::write(out.join("routes.svg"), svg(&results)).unwrap();
    println!("wrote target/bench/routes.json and target/bench/routes.svg");
}
