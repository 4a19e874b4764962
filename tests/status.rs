//! `/api/status`: the health+json answer, `?verbose`, details only for the
//! operator token, a bounded answer when the database is down or hangs (in
//! process, its chained call to `status-database` answered by that
//! component in the test process); on Spin, the same through Spin's local
//! service chaining, and a failed database check when the check itself
//! crashes or answers something that is not its answer.

use std::{
    net::TcpListener,
    path::PathBuf,
    time::{Duration, Instant},
};

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TEST_STATUS_TOKEN, TestApp},
    http,
    postgres::{PgServer, psql},
    repo_path,
    spin::{SpinApp, SpinOptions},
};
use serde_json::{Value, json};

fn status(app: &TestApp, query: &str, operator: bool) -> http::Reply {
    let auth = format!("Bearer {TEST_STATUS_TOKEN}");
    let headers: Vec<(&str, &str)> = if operator { vec![("authorization", &auth)] } else { vec![] };
    app.send("GET", &format!("/api/status{query}"), &headers, vec![])
}

fn check<'a>(body: &'a Value, key: &str) -> &'a Value {
    &body["checks"][key][0]
}

/// The app on SQLite, in this process or (`on_spin`) on `spin up`, with
/// the operator token and these settings.
fn start(on_spin: bool, vars: &[(&str, &str)]) -> TestApp {
    start_on(on_spin, Backend::Sqlite, vars)
}

/// [`start`] on `backend`.
fn start_on(on_spin: bool, backend: Backend, vars: &[(&str, &str)]) -> TestApp {
    let mut vars = vars.to_vec();
    vars.push(("SPIN_VARIABLE_STATUS_TOKEN", TEST_STATUS_TOKEN));
    if on_spin { TestApp::start_with(backend, &vars) } else { TestApp::in_process_with(backend, &vars) }
}

/// A PostgreSQL that accepts connections and never answers: what a wedged
/// server looks like. Its port; it lives as long as the test process.
fn hung_database() -> u16 {
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hung.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in hung.incoming() {
            held.push(stream);
        }
    });
    port
}

/// What the stand-in for `status-database` does with its request.
enum FakeCheck {
    /// Executes `unreachable`: the check crashes (Spin answers for it).
    Traps,
    /// Answers this status and body, as a check must not.
    Answers(u16, &'static str),
}

/// A zero-import component in place of `status-database`: a core module in
/// WAT exporting `fermyon:spin/inbound-http` (wit/probe, the probe's world),
/// made a component here. Production code has no way to crash on purpose.
fn fake_check(check: &FakeCheck) -> Vec<u8> {
    // The response record (status u16, headers option<list>, body
    // option<list<u8>>) at 16: status at +0, headers' tag at +4, body's tag
    // at +16, its pointer at +20 and length at +24. The body at 1024; the
    // allocator (for the request Spin passes in) above 4096.
    let (handler, data) = match check {
        FakeCheck::Traps => ("unreachable".to_string(), String::new()),
        FakeCheck::Answers(status, body) => {
            assert!(body.len() < 3072);
            let escaped: String = body.bytes().map(|b| format!("\\{b:02x}")).collect();
            (
                format!(
                    "(i32.store16 (i32.const 16) (i32.const {status}))
                     (i32.store8 (i32.const 20) (i32.const 0))
                     (i32.store8 (i32.const 32) (i32.const 1))
                     (i32.store (i32.const 36) (i32.const 1024))
                     (i32.store (i32.const 40) (i32.const {len}))
                     (i32.const 16)",
                    len = body.len()
                ),
                format!(r#"(data (i32.const 1024) "{escaped}")"#),
            )
        }
    };
    let wat = format!(
        r#"(module
          (memory (export "memory") 1)
          (global $next (mut i32) (i32.const 4096))
          ;; A bump allocator: Spin only asks for fresh memory (old pointer 0).
          (func (export "cabi_realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
            (local $at i32)
            (local.set $at (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                                    (i32.sub (i32.const 0) (local.get $align))))
            (global.set $next (i32.add (local.get $at) (local.get $size)))
            (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
              (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $next)
                                                                          (i32.mul (memory.size) (i32.const 65536)))
                                                                  (i32.const 16))
                                                      (i32.const 1)))
                                (i32.const -1))
                      (then unreachable))))
            (local.get $at))
          ;; method, uri, headers, params, body: ten flat parameters; the response by pointer.
          (func (export "fermyon:spin/inbound-http#handle-request")
            (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
            {handler})
          {data})"#
    );
    let mut module = wat::parse_str(&wat).unwrap_or_else(|e| panic!("{e}\n{wat}"));
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(repo_path("wit/probe")).expect("reading wit/probe");
    let world = resolve.select_world(&[package], Some("probe")).expect("the probe world");
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8, false)
        .expect("embedding the component type");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .expect("encoding the fake check as a component")
}

/// The app (spin.toml, every other component as built) with `status-database`
/// replaced by `check`. The manifest lives in the returned folder.
fn start_with_fake_check(check: FakeCheck) -> (TestApp, tempfile::TempDir) {
    mewayz_tests::manifest::build_components();
    let dir = tempfile::tempdir().expect("a folder for the manifest");
    let fake = dir.path().join("status-database.wasm");
    std::fs::write(&fake, fake_check(&check)).expect("writing the fake check");
    let text = std::fs::read_to_string(repo_path("spin.toml")).expect("reading spin.toml");
    let mut manifest: toml::Table = text.parse().expect("spin.toml is TOML");
    let components = manifest.get_mut("component").and_then(|c| c.as_table_mut()).expect("[component.*]");
    assert!(components.contains_key("status-database"), "spin.toml has no status-database to replace");
    for (id, component) in components.iter_mut() {
        let component = component.as_table_mut().expect("a component table");
        if id == "status-database" {
            // Only its code: a zero-import component needs no capabilities.
            *component = toml::Table::from_iter([("source".to_string(), fake.to_string_lossy().into_owned().into())]);
            continue;
        }
        component.remove("build");
        let source = component["source"].as_str().expect("a local source").to_string();
        component.insert("source".into(), repo_path(source).to_string_lossy().into_owned().into());
    }
    let path: PathBuf = dir.path().join("spin.toml");
    std::fs::write(&path, toml::to_string(&manifest).unwrap()).expect("writing the manifest");
    let env = vec![
        ("SPIN_VARIABLE_AUTH_SECRET".into(), TEST_AUTH_SECRET.into()),
        ("SPIN_VARIABLE_STATUS_TOKEN".into(), TEST_STATUS_TOKEN.into()),
    ];
    (TestApp::on(SpinApp::start_with(SpinOptions { env, manifest: Some(path), ..Default::default() })), dir)
}

/// What an operator and anyone else see when the database check is broken:
/// a failed database check with `reason_starts` in its output, within the
/// second /api/status promises. Returns the reason.
fn assert_check_fails(app: &TestApp, reason_starts: &str) -> String {
    let started = Instant::now();
    let verbose = status(app, "?verbose", true);
    let took = started.elapsed();
    assert_eq!(verbose.status, 503, "{}\n{}", verbose.text(), app.logs());
    let text = verbose.text();
    let first = text.lines().next().unwrap_or_default();
    let reason = first.strip_prefix("[-]database failed: ").unwrap_or_else(|| panic!("{text}\n{}", app.logs()));
    assert!(reason.starts_with(reason_starts), "{text}");
    assert_eq!(&text[first.len()..], "\n[+]config:auth_secret ok\nstatus check failed\n");
    assert!(took < Duration::from_secs(1), "took {took:?}");

    let body = status(app, "", true).json();
    assert_eq!(body["status"], "fail", "{body}");
    let db = check(&body, "database:responseTime");
    assert_eq!(db["status"], "fail", "{db}");
    assert_eq!(db["output"], reason, "{db}");
    assert!(db.get("componentId").is_none(), "no backend answered: {db}");
    assert!(db["observedValue"].as_f64().is_some_and(|ms| ms >= 0.0), "{db}");
    assert_eq!(check(&body, "config:auth_secret")["status"], "pass");

    let anonymous = status(app, "", false);
    assert_eq!((anonymous.status, anonymous.json()), (503, json!({"status": "fail"})));
    let anonymous = status(app, "?verbose", false);
    assert_eq!((anonymous.status, anonymous.text()), (503, "status check failed\n"));
    for secret in [TEST_AUTH_SECRET, TEST_STATUS_TOKEN] {
        assert!(!text.contains(secret) && !body.to_string().contains(secret), "{text}\n{body}");
    }
    // The status route is not a probe: the probes stay up.
    assert_eq!(app.send("GET", "/readiness", &[], vec![]).status, 200);
    reason.to_string()
}

fn assert_passes(app: &TestApp, backend: &str) {
    let anonymous = status(app, "", false);
    assert_eq!(anonymous.status, 200, "{}\n{}", anonymous.text(), app.logs());
    assert_eq!(anonymous.header("content-type"), Some("application/health+json"));
    assert_eq!(anonymous.header("cache-control"), Some("no-store"));
    assert_eq!(anonymous.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(anonymous.json(), json!({"status": "pass"}), "anyone else learns the verdict only");

    let reply = status(app, "", true);
    assert_eq!(reply.status, 200, "{}\n{}", reply.text(), app.logs());
    assert_eq!(reply.header("content-type"), Some("application/health+json"));
    let body = reply.json();
    assert_eq!(body["status"], "pass", "{body}");
    assert_eq!(body["version"], mewayz_tests::APP_VERSION);
    assert!(body["releaseId"].is_string());
    let db = check(&body, "database:responseTime");
    assert_eq!(db["componentType"], "datastore");
    assert_eq!(db["componentId"], backend);
    assert_eq!(db["observedUnit"], "ms");
    assert!(db["observedValue"].as_f64().is_some_and(|ms| ms >= 0.0), "{db}");
    assert_eq!(db["status"], "pass");
    assert!(db["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{db}");
    assert_eq!(check(&body, "config:auth_secret")["status"], "pass");

    let verbose = status(app, "?verbose", true);
    assert_eq!(verbose.status, 200);
    assert_eq!(verbose.text(), "[+]database ok\n[+]config:auth_secret ok\nstatus check passed\n");
    let verbose = status(app, "?verbose", false);
    assert_eq!((verbose.status, verbose.text()), (200, "status check passed\n"));
}

fn a_hung_database_still_gets_an_answer_within_a_second(on_spin: bool) {
    let port = hung_database();
    let url = format!("postgres://postgres@127.0.0.1:{port}/mewayz");
    let host = format!("postgres://127.0.0.1:{port}");
    let app = start(
        on_spin,
        &[
            ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET),
            ("SPIN_VARIABLE_DATABASE_URL", &url),
            ("SPIN_VARIABLE_DATABASE_HOST", &host),
        ],
    );
    let started = Instant::now();
    let reply = status(&app, "", true);
    let took = started.elapsed();
    assert_eq!(reply.status, 503, "{}", reply.text());
    let db = check(&reply.json(), "database:responseTime").clone();
    assert_eq!(db["status"], "fail");
    assert!(db["output"].as_str().unwrap().contains("no answer within"), "{db}");
    // The contract: the whole answer within 1 s even when the database hangs.
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(app.send("GET", "/readiness", &[], vec![]).status, 200);
}

mod in_process {
    use super::*;

    #[test]
    fn passes_on_sqlite() {
        assert_passes(&start(false, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)]), "sqlite");
    }

    #[test]
    fn passes_on_postgres() {
        let app = start_on(false, Backend::Postgres, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)]);
        assert_passes(&app, "postgres");
    }

    #[test]
    fn fails_without_auth_secret_and_tells_only_operators_why() {
        let app = &start(false, &[]);
        let anonymous = status(app, "", false);
        assert_eq!(anonymous.status, 503);
        assert_eq!(anonymous.json(), json!({"status": "fail"}));
        let verbose = status(app, "?verbose", false);
        assert_eq!((verbose.status, verbose.text()), (503, "status check failed\n"));

        let operator = status(app, "?verbose", true);
        assert_eq!(operator.status, 503);
        assert!(operator.text().starts_with("[+]database ok\n"), "{}", operator.text());
        assert!(operator.text().contains("[-]config:auth_secret failed: auth_secret is unset"), "{}", operator.text());
        assert!(operator.text().ends_with("\nstatus check failed\n"), "{}", operator.text());
        let body = status(app, "", true).json();
        assert_eq!(body["status"], "fail");
        assert_eq!(check(&body, "config:auth_secret")["status"], "fail");
        assert!(check(&body, "config:auth_secret")["output"].as_str().unwrap().contains("auth_secret"));
        assert_eq!(check(&body, "database:responseTime")["status"], "pass");
        // The status route is not a probe: the probes stay up.
        assert_eq!(app.send("GET", "/readiness", &[], vec![]).status, 200);
    }

    #[test]
    fn a_stopped_database_fails_fast_and_recovers() {
        let pg = PgServer::start();
        psql(&pg.url("postgres"), "CREATE DATABASE mewayz");
        let (url, host) = (pg.url("mewayz"), format!("postgres://127.0.0.1:{}", pg.port));
        let app = start(
            false,
            &[
                ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET),
                ("SPIN_VARIABLE_DATABASE_URL", &url),
                ("SPIN_VARIABLE_DATABASE_HOST", &host),
            ],
        );
        assert_eq!(status(&app, "", false).status, 200);
        pg.stop();
        let started = Instant::now();
        let reply = status(&app, "?verbose", true);
        let took = started.elapsed();
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert!(reply.text().starts_with("[-]database failed: "), "{}", reply.text());
        assert!(!reply.text().contains("reason withheld"), "operators see the reason");
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert_eq!(app.send("GET", "/liveness", &[], vec![]).status, 200);
        pg.start_again();
        assert_eq!(status(&app, "", false).status, 200, "recovers without a restart");
    }

    #[test]
    fn a_hung_database_still_gets_an_answer_within_a_second() {
        super::a_hung_database_still_gets_an_answer_within_a_second(false);
    }

    #[test]
    fn only_get_and_head() {
        let app = start(false, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)]);
        let reply = app.send("POST", "/api/status", &[], vec![]);
        assert_eq!((reply.status, reply.header("allow")), (405, Some("GET, HEAD")));
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.json()["error"]["code"], "method_not_allowed");
        let head = app.send("HEAD", "/api/status", &[], vec![]);
        assert_eq!((head.status, head.body.len()), (200, 0));
        let verbose = app.send("GET", "/api/status?verbose", &[], vec![]);
        assert_eq!(verbose.header("x-content-type-options"), Some("nosniff"));
    }
}

/// What needs a runtime: Spin's local service chaining with its deadline,
/// a check that crashes in Spin, Spin's log.
mod on_spin {
    use super::*;

    #[test]
    fn passes_on_sqlite() {
        let app = start(true, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)]);
        assert_passes(&app, "sqlite");
        // Spin's own health route is Spin's, not the app's.
        assert_eq!(app.send("GET", "/.well-known/spin/health", &[], vec![]).status, 200);
    }

    #[test]
    fn passes_on_postgres() {
        let app = start_on(true, Backend::Postgres, &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)]);
        assert_passes(&app, "postgres");
    }

    #[test]
    fn a_hung_database_still_gets_an_answer_within_a_second() {
        super::a_hung_database_still_gets_an_answer_within_a_second(true);
    }

    #[test]
    fn a_database_check_that_traps_fails_and_tells_operators_why() {
        let (app, _manifest) = start_with_fake_check(FakeCheck::Traps);
        let reason = assert_check_fails(&app, "the database check answered HTTP 500");

        assert!(reason.ends_with("Spin's log says why if the check crashed"), "where to look: {reason}");
        // Every request, not only the first: a crashed instance is not kept.
        assert_check_fails(&app, "the database check answered HTTP 500");
    }

    #[test]
    fn a_database_check_answering_500_or_no_json_fails_and_never_quotes_the_body() {
        let body = "Internal Server Error: postgres://mewayz:hunter2@db:5432/mewayz";
        let (app, _manifest) = start_with_fake_check(FakeCheck::Answers(500, body));
        let reason = assert_check_fails(&app, "the database check answered HTTP 500 with a body that is not JSON (");
        assert!(!reason.contains("hunter2"), "{reason}");
        drop(app);
        // What used to pass: a 200 whose body is not the check's answer.
        let (app, _manifest) = start_with_fake_check(FakeCheck::Answers(200, "ok"));
        assert_check_fails(&app, "the database check answered HTTP 200 with a body that is not JSON (2 bytes)");
    }

    #[test]
    fn a_status_token_shorter_than_32_bytes_admits_nobody_and_the_log_says_why_without_it() {
        let short = &TEST_STATUS_TOKEN[..31];
        let app = SpinApp::start_with(SpinOptions {
            env: vec![
                ("SPIN_VARIABLE_AUTH_SECRET".into(), TEST_AUTH_SECRET.into()),
                ("SPIN_VARIABLE_STATUS_TOKEN".into(), short.into()),
            ],
            ..Default::default()
        });
        let auth = format!("Bearer {short}");
        let reply = http::send("GET", &app.url("/api/status"), &[("authorization", &auth)], vec![]).unwrap();
        assert_eq!((reply.status, reply.json()), (200, json!({"status": "pass"})));
        let logs = app.logs();
        assert!(logs.contains("status_token is set but shorter than 32 bytes"), "{logs}");
        assert!(!logs.contains(short), "the log must not carry the token: {logs}");
    }

    #[test]
    fn a_database_url_that_is_no_url_is_a_configuration_error_not_a_silent_sqlite() {
        // What deploy/secret.template.yaml holds until someone fills it in.
        let app = start(
            true,
            &[
                ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET),
                ("SPIN_VARIABLE_DATABASE_URL", "REPLACE-ME with postgres://USER:PASSWORD@HOST:5432/DATABASE"),
            ],
        );
        let register = app.send(
            "POST",
            "/api/auth/register",
            &[("content-type", "application/json")],
            json!({"email": "ada@example.com", "password": "a long password"}).to_string().into_bytes(),
        );
        assert_eq!(register.status, 500, "{}", register.text());
        assert_eq!(register.json()["error"]["code"], "configuration_error");
        assert!(register.json()["error"]["message"].as_str().unwrap().contains("database_url"), "{}", register.text());
        let reply = status(&app, "?verbose", true);
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert!(reply.text().starts_with("[-]database failed: database_url must be empty"), "{}", reply.text());
        assert!(!app.logs().contains("REPLACE-ME"), "the value is never logged: {}", app.logs());
    }
}
