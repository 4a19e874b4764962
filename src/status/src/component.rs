//! Runs the status checks inside Spin, each within its own budget, so the
//! whole answer comes within a second even when the database hangs.

use std::time::{Duration, Instant, SystemTime};

use mewayz_auth::AuthSecret;
use spin_sdk::{
    http::{Request, Response},
    http_component, variables,
};

use crate::{
    chain,
    report::{self, Check, DatabaseAnswer, Status, StatusToken},
};

/// The chained database check gets this long; the rest of the answer is instant.
const DATABASE_BUDGET: Duration = Duration::from_millis(800);
const DATABASE_CHECK_HOST: &str = "status-database.spin.internal";

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[http_component]
fn handle(req: Request) -> Response {
    let mut response = respond(req);
    // Every answer, in this one place: a browser must not guess a type.
    response.set_header("x-content-type-options", "nosniff");
    response
}

fn respond(req: Request) -> Response {
    let method = req.method().to_string();
    if method != "GET" && method != "HEAD" {
        return Response::builder()
            .status(405)
            .header("allow", "GET, HEAD")
            .header("content-type", "application/json")
            .header("cache-control", "no-store")
            .body(r#"{"error":{"code":"method_not_allowed","message":"this route accepts GET, HEAD"}}"#)
            .build();
    }
    let configured = variables::get("status_token").unwrap_or_default();
    if let Some(problem) = StatusToken::problem(&configured) {
        eprintln!("status: {problem}");
    }
    let authorization = req.header("authorization").and_then(|h| h.as_str());
    let operator = StatusToken::new(&configured).is_some_and(|token| token.admits(authorization));
    let checks = [database_check(), auth_secret_check()];
    let status = report::overall(&checks).http_status();
    let verbose = form_urlencoded::parse(req.query().as_bytes()).any(|(key, _)| key == "verbose");
    let (content_type, body) = if verbose {
        ("text/plain; charset=utf-8", report::verbose_text(&checks, operator))
    } else {
        let release = option_env!("MEWAYZ_RELEASE_ID").unwrap_or(VERSION);
        ("application/health+json", report::health_json(&checks, VERSION, release, operator).to_string())
    };
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("cache-control", "no-store")
        .body(body)
        .build()
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn database_check() -> Check {
    let started = Instant::now();
    let outcome = chain::get_within(DATABASE_CHECK_HOST, "/", DATABASE_BUDGET);
    let round_trip_ms = started.elapsed().as_secs_f64() * 1000.0;
    let answer = match outcome {
        Ok((status, body)) => DatabaseAnswer::read(status, &body),
        Err(why) => DatabaseAnswer::unanswered(why),
    };
    let DatabaseAnswer { elapsed_ms, backend, error } = answer;
    let observed_ms = elapsed_ms.unwrap_or(round_trip_ms);
    if let Some(error) = &error {
        eprintln!("status: database check failed: {error}");
    }
    let (status, reason) = report::database_status(observed_ms, error.as_deref());
    Check {
        key: "database:responseTime",
        name: "database",
        component_type: "datastore",
        component_id: backend,
        observed: Some((observed_ms, "ms")),
        status,
        reason,
        time: now(),
    }
}

fn auth_secret_check() -> Check {
    let configured = AuthSecret::new(&variables::get("auth_secret").unwrap_or_default()).is_some();
    Check {
        key: "config:auth_secret",
        name: "config:auth_secret",
        component_type: "system",
        component_id: None,
        observed: None,
        status: if configured { Status::Pass } else { Status::Fail },
        reason: (!configured).then(|| format!("auth_secret is unset or shorter than {} bytes", AuthSecret::MIN_LEN)),
        time: now(),
    }
}
