//! `/api/status` on real Spin: the health+json answer, `?verbose`, details
//! only for the operator token, and a bounded answer when the database is
//! down or hangs.

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TEST_STATUS_TOKEN, TestApp},
    http,
    postgres::{PgServer, psql},
    spin::{SpinApp, SpinOptions},
};
use serde_json::{Value, json};

fn status(app: &SpinApp, query: &str, operator: bool) -> http::Reply {
    let auth = format!("Bearer {TEST_STATUS_TOKEN}");
    let headers: Vec<(&str, &str)> = if operator { vec![("authorization", &auth)] } else { vec![] };
    http::send("GET", &app.url(&format!("/api/status{query}")), &headers, vec![]).unwrap()
}

fn check<'a>(body: &'a Value, key: &str) -> &'a Value {
    &body["checks"][key][0]
}

fn start(env: &[(&str, String)]) -> SpinApp {
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    env.push(("SPIN_VARIABLE_STATUS_TOKEN".into(), TEST_STATUS_TOKEN.into()));
    SpinApp::start_with(SpinOptions { env, ..Default::default() })
}

fn assert_passes(app: &SpinApp, backend: &str) {
    let anonymous = status(app, "", false);
    assert_eq!(anonymous.status, 200, "{}\n{}", anonymous.text(), app.logs());
    assert_eq!(anonymous.header("content-type"), Some("application/health+json"));
    assert_eq!(anonymous.header("cache-control"), Some("no-store"));
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

mod on_spin {
    use super::*;

    #[test]
    fn passes_on_sqlite() {
        let app = start(&[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET.into())]);
        assert_passes(&app, "sqlite");
    }

    #[test]
    fn passes_on_postgres() {
        let app = TestApp::start_with(
            Backend::Postgres,
            &[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET), ("SPIN_VARIABLE_STATUS_TOKEN", TEST_STATUS_TOKEN)],
        );
        assert_passes(&app.spin, "postgres");
    }

    #[test]
    fn fails_without_auth_secret_and_tells_only_operators_why() {
        let app = start(&[]);
        let anonymous = status(&app, "", false);
        assert_eq!(anonymous.status, 503);
        assert_eq!(anonymous.json(), json!({"status": "fail"}));
        let verbose = status(&app, "?verbose", false);
        assert_eq!((verbose.status, verbose.text()), (503, "status check failed\n"));

        let operator = status(&app, "?verbose", true);
        assert_eq!(operator.status, 503);
        assert!(operator.text().starts_with("[+]database ok\n"), "{}", operator.text());
        assert!(operator.text().contains("[-]config:auth_secret failed: auth_secret is unset"), "{}", operator.text());
        assert!(operator.text().ends_with("\nstatus check failed\n"), "{}", operator.text());
        let body = status(&app, "", true).json();
        assert_eq!(body["status"], "fail");
        assert_eq!(check(&body, "config:auth_secret")["status"], "fail");
        assert!(check(&body, "config:auth_secret")["output"].as_str().unwrap().contains("auth_secret"));
        assert_eq!(check(&body, "database:responseTime")["status"], "pass");
        // The status route is not a probe: the probes stay up.
        assert_eq!(http::get(&app.url("/readiness")).unwrap().status, 200);
    }

    #[test]
    fn a_stopped_database_fails_fast() {
        let pg = PgServer::start();
        psql(&pg.url("postgres"), "CREATE DATABASE mewayz");
        let app = start(&[
            ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET.into()),
            ("SPIN_VARIABLE_DATABASE_URL", pg.url("mewayz")),
            ("SPIN_VARIABLE_DATABASE_HOST", format!("postgres://127.0.0.1:{}", pg.port)),
        ]);
        assert_eq!(status(&app, "", false).status, 200);
        pg.stop();
        let started = Instant::now();
        let reply = status(&app, "?verbose", true);
        let took = started.elapsed();
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert!(reply.text().starts_with("[-]database failed: "), "{}", reply.text());
        assert!(!reply.text().contains("reason withheld"), "operators see the reason");
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert_eq!(http::get(&app.url("/liveness")).unwrap().status, 200);
        pg.start_again();
        assert_eq!(status(&app, "", false).status, 200, "recovers without a restart");
    }

    #[test]
    fn a_hung_database_still_gets_an_answer_within_a_second() {
        // Accepts connections and never answers: what a wedged PostgreSQL looks like.
        let hung = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = hung.local_addr().unwrap().port();
        let _keep = std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in hung.incoming() {
                held.push(stream);
            }
        });
        let app = start(&[
            ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET.into()),
            ("SPIN_VARIABLE_DATABASE_URL", format!("postgres://postgres@127.0.0.1:{port}/mewayz")),
            ("SPIN_VARIABLE_DATABASE_HOST", format!("postgres://127.0.0.1:{port}")),
        ]);
        let started = Instant::now();
        let reply = status(&app, "", true);
        let took = started.elapsed();
        assert_eq!(reply.status, 503, "{}", reply.text());
        let db = check(&reply.json(), "database:responseTime").clone();
        assert_eq!(db["status"], "fail");
        assert!(db["output"].as_str().unwrap().contains("no answer within"), "{db}");
        // The contract: the whole answer within 1 s even when the database hangs.
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert_eq!(http::get(&app.url("/readiness")).unwrap().status, 200);
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
        let app = start(&[
            ("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET.into()),
            ("SPIN_VARIABLE_DATABASE_URL", "REPLACE-ME with postgres://USER:PASSWORD@HOST:5432/DATABASE".into()),
        ]);
        let register = http::send(
            "POST",
            &app.url("/api/auth/register"),
            &[("content-type", "application/json")],
            json!({"email": "ada@example.com", "password": "a long password"}).to_string().into_bytes(),
        )
        .unwrap();
        assert_eq!(register.status, 500, "{}", register.text());
        assert_eq!(register.json()["error"]["code"], "configuration_error");
        assert!(register.json()["error"]["message"].as_str().unwrap().contains("database_url"), "{}", register.text());
        let reply = status(&app, "?verbose", true);
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert!(reply.text().starts_with("[-]database failed: database_url must be empty"), "{}", reply.text());
        assert!(!app.logs().contains("REPLACE-ME"), "the value is never logged: {}", app.logs());
    }

    #[test]
    fn only_get_and_head() {
        let app = start(&[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET.into())]);
        let reply = http::send("POST", &app.url("/api/status"), &[], vec![]).unwrap();
        assert_eq!((reply.status, reply.header("allow")), (405, Some("GET, HEAD")));
        let reply = http::send("GET", &app.url("/.well-known/spin/health"), &[], vec![]).unwrap();
        assert_eq!(reply.status, 200);
    }
}
