//! The `/api/status` answer, free of the Spin SDK: the component gives it
//! Spin's variables and its chained call to `status-database`; the
//! in-process tests give it theirs.

use std::time::{Duration, Instant, SystemTime};

use mewayz_auth::AuthSecret;

use crate::report::{self, Check, DatabaseAnswer, Status, StatusToken};

/// The chained database check gets this long; the rest of the answer is instant.
pub const DATABASE_BUDGET: Duration = Duration::from_millis(800);

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the status route needs from its runtime.
pub trait Host {
    /// A variable of the component; empty when unset.
    fn variable(&self, name: &str) -> String;
    /// `GET /` on the private `status-database` component: its status and
    /// body, or why there is none within `budget`.
    fn check_database(&self, budget: Duration) -> Result<(u16, Vec<u8>), String>;
}

/// One answer of the route.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Answers `method` on `/api/status?{query}` for a caller who sent
/// `authorization`.
pub fn respond(method: &str, query: &str, authorization: Option<&str>, host: &impl Host) -> Answer {
    let mut answer = answer(method, query, authorization, host);
    // Every answer, in this one place: a browser must not guess a type.
    answer.headers.push(("x-content-type-options", "nosniff".into()));
    answer
}

fn answer(method: &str, query: &str, authorization: Option<&str>, host: &impl Host) -> Answer {
    if method != "GET" && method != "HEAD" {
        return Answer {
            status: 405,
            headers: vec![
                ("allow", "GET, HEAD".into()),
                ("content-type", "application/json".into()),
                ("cache-control", "no-store".into()),
            ],
            body: r#"{"error":{"code":"method_not_allowed","message":"this route accepts GET, HEAD"}}"#.into(),
        };
    }
    let configured = host.variable("status_token");
    if let Some(problem) = StatusToken::problem(&configured) {
        eprintln!("status: {problem}");
    }
    let operator = StatusToken::new(&configured).is_some_and(|token| token.admits(authorization));
    let checks = [database_check(host), auth_secret_check(host)];
    let status = report::overall(&checks).http_status();
    let verbose = form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == "verbose");
    let (content_type, body) = if verbose {
        ("text/plain; charset=utf-8", report::verbose_text(&checks, operator))
    } else {
        let release = option_env!("MEWAYZ_RELEASE_ID").unwrap_or(VERSION);
        ("application/health+json", report::health_json(&checks, VERSION, release, operator).to_string())
    };
    Answer { status, headers: vec![("content-type", content_type.into()), ("cache-control", "no-store".into())], body }
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn database_check(host: &impl Host) -> Check {
    let started = Instant::now();
    let outcome = host.check_database(DATABASE_BUDGET);
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

fn auth_secret_check(host: &impl Host) -> Check {
    let configured = AuthSecret::new(&host.variable("auth_secret")).is_some();
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
