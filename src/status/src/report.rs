//! The status answer after the IETF draft "Health Check Response Format for
//! HTTP APIs" (`application/health+json`), and kube-apiserver style text for
//! `?verbose`.

use serde_json::{Map, Value, json};

/// A database answering slower than this is `warn`.
pub const DATABASE_WARN_MS: f64 = 250.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

    /// pass and warn → 200; fail → 503.
    pub fn http_status(self) -> u16 {
        if self == Status::Fail { 503 } else { 200 }
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `component:measurement`, e.g. `database:responseTime`.
    pub key: &'static str,
    /// The short name in verbose text, e.g. `database`.
    pub name: &'static str,
    pub component_type: &'static str,
    pub component_id: Option<String>,
    pub observed: Option<(f64, &'static str)>,
    pub status: Status,
    /// Why it is not `pass`. Shown only to operators.
    pub reason: Option<String>,
    pub time: String,
}

/// The worst status of all checks.
pub fn overall(checks: &[Check]) -> Status {
    checks.iter().map(|c| c.status).max().unwrap_or(Status::Pass)
}

/// Classifies a database round trip.
pub fn database_status(elapsed_ms: f64, error: Option<&str>) -> (Status, Option<String>) {
    match error {
        Some(error) => (Status::Fail, Some(error.to_string())),
        None if elapsed_ms > DATABASE_WARN_MS => {
            (Status::Warn, Some(format!("slow: {elapsed_ms:.1} ms, above {DATABASE_WARN_MS} ms")))
        }
        None => (Status::Pass, None),
    }
}

/// What the chained database check (`status-database`) answered, read fail
/// closed: only a 2xx answer whose body is a JSON object with `backend` (a
/// string) and `elapsed_ms` (a number, at least 0) and no `error` is a
/// database that answered. Anything else — another status (a check that
/// crashed answers Spin's 500), a body that is empty, not JSON or of another
/// shape — is an `error`. The body is never quoted but for its own `error`
/// string, so whatever else a broken check wrote stays out of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseAnswer {
    /// The check's own timing, when it gave one.
    pub elapsed_ms: Option<f64>,
    pub backend: Option<String>,
    /// Why the database check fails; `None` only for a well-formed 2xx answer.
    pub error: Option<String>,
}

impl DatabaseAnswer {
    /// No answer at all (a transport error or the deadline).
    pub fn unanswered(why: String) -> Self {
        Self { elapsed_ms: None, backend: None, error: Some(why) }
    }

    /// Classifies the chained answer's HTTP status and body.
    pub fn read(status: u16, body: &[u8]) -> Self {
        let parsed = serde_json::from_slice::<Value>(body).ok();
        let object = parsed.as_ref().and_then(Value::as_object);
        let field = |name: &str| object.and_then(|o| o.get(name)).filter(|v| !v.is_null());
        let elapsed_ms = field("elapsed_ms").and_then(Value::as_f64).filter(|ms| *ms >= 0.0);
        let backend = field("backend").and_then(Value::as_str).filter(|b| !b.is_empty()).map(String::from);
        let failed = |error: String| Self { elapsed_ms, backend: backend.clone(), error: Some(error) };
        let answered = |what: String| {
            let hint = if status >= 500 { "; Spin's log says why if the check crashed" } else { "" };
            failed(format!("the database check answered HTTP {status} {what}{hint}"))
        };
        if let Some(error) = field("error").and_then(Value::as_str) {
            return failed(error.to_string());
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return answered("with an empty body".into());
        }
        if parsed.is_none() {
            return answered(format!("with a body that is not JSON ({} bytes)", body.len()));
        }
        if !(200..300).contains(&status) {
            return answered("without an error".into());
        }
        let wrong: Vec<&str> = [
            (object.is_none(), "not a JSON object"),
            (object.is_some() && backend.is_none(), "no `backend` string"),
            (object.is_some() && elapsed_ms.is_none(), "no `elapsed_ms` number of at least 0"),
            (field("error").is_some(), "an `error` that is not a string"),
        ]
        .into_iter()
        .filter_map(|(wrong, what)| wrong.then_some(what))
        .collect();
        if !wrong.is_empty() {
            return answered(format!("with a body of another shape: {}", wrong.join(", ")));
        }
        Self { elapsed_ms, backend, error: None }
    }
}

/// `application/health+json`. Anonymous callers get only the overall
/// `status`: which checks exist, the backend, timings and the version tell an
/// attacker what to aim at. Operators get every check with its reason.
pub fn health_json(checks: &[Check], version: &str, release_id: &str, operator: bool) -> Value {
    if !operator {
        return json!({ "status": overall(checks).as_str() });
    }
    let mut by_key = Map::new();
    for check in checks {
        let mut entry = json!({
            "componentType": check.component_type,
            "status": check.status.as_str(),
            "time": check.time,
        });
        if let Some(id) = &check.component_id {
            entry["componentId"] = json!(id);
        }
        if let Some((value, unit)) = check.observed {
            entry["observedValue"] = json!((value * 10.0).round() / 10.0);
            entry["observedUnit"] = json!(unit);
        }
        if check.status != Status::Pass {
            entry["output"] = json!(reason(check));
        }
        by_key.insert(check.key.to_string(), json!([entry]));
    }
    json!({
        "status": overall(checks).as_str(),
        "version": version,
        "releaseId": release_id,
        "serviceId": "mewayz-api",
        "description": "whether mewayz-api can do its job",
        "checks": by_key,
    })
}

/// kube-apiserver style: for operators `[+]name ok`, `[-]name failed:
/// reason`; for everyone the last line, `status check passed|failed`.
pub fn verbose_text(checks: &[Check], operator: bool) -> String {
    let mut text = String::new();
    for check in checks.iter().filter(|_| operator) {
        match check.status {
            Status::Pass => text.push_str(&format!("[+]{} ok\n", check.name)),
            Status::Warn => text.push_str(&format!("[+]{} ok (warn: {})\n", check.name, reason(check))),
            Status::Fail => text.push_str(&format!("[-]{} failed: {}\n", check.name, reason(check))),
        }
    }
    let verdict = if overall(checks) == Status::Fail { "failed" } else { "passed" };
    text.push_str(&format!("status check {verdict}\n"));
    text
}

fn reason(check: &Check) -> String {
    check.reason.clone().unwrap_or_else(|| check.status.as_str().to_string())
}

/// The operator token, from the `status_token` variable. A token shorter
/// than [`StatusToken::MIN_LEN`] bytes (unset included) admits nobody: it
/// could be guessed, and it guards what the app tells about its insides.
pub struct StatusToken(String);

impl StatusToken {
    pub const MIN_LEN: usize = 32;

    pub fn new(raw: &str) -> Option<Self> {
        (raw.len() >= Self::MIN_LEN).then(|| Self(raw.to_string()))
    }

    /// Why a configured `status_token` is refused, for the log; `None` if it
    /// is unset (nobody is an operator, by choice) or long enough. Never
    /// includes the token.
    pub fn problem(raw: &str) -> Option<String> {
        (!raw.is_empty() && Self::new(raw).is_none()).then(|| {
            format!(
                "status_token is set but shorter than {} bytes, so it admits nobody: generate one with \
                 `openssl rand -hex 32`",
                Self::MIN_LEN
            )
        })
    }

    /// Whether `authorization` carries this token. Constant-time.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        use subtle::ConstantTimeEq;
        mewayz_auth::bearer_token(authorization)
            .is_some_and(|given| bool::from(given.as_bytes().ct_eq(self.0.as_bytes())))
    }
}

impl std::fmt::Debug for StatusToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatusToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &'static str, status: Status, reason: Option<&str>) -> Check {
        Check {
            key: "database:responseTime",
            name,
            component_type: "datastore",
            component_id: Some("sqlite".into()),
            observed: Some((2.84, "ms")),
            status,
            reason: reason.map(String::from),
            time: "2026-11-29T12:00:00.000Z".into(),
        }
    }

    #[test]
    fn the_worst_check_decides_and_fail_is_503() {
        assert_eq!(overall(&[]), Status::Pass);
        let warn = [check("a", Status::Pass, None), check("b", Status::Warn, Some("slow"))];
        assert_eq!(overall(&warn), Status::Warn);
        assert_eq!(overall(&warn).http_status(), 200);
        let fail = [check("a", Status::Warn, Some("slow")), check("b", Status::Fail, Some("down"))];
        assert_eq!(overall(&fail).http_status(), 503);
    }

    #[test]
    fn slow_databases_warn_and_errors_fail() {
        assert_eq!(database_status(3.0, None), (Status::Pass, None));
        assert_eq!(database_status(400.0, None).0, Status::Warn);
        assert_eq!(database_status(1.0, Some("refused")).0, Status::Fail);
    }

    fn read(status: u16, body: &str) -> DatabaseAnswer {
        DatabaseAnswer::read(status, body.as_bytes())
    }

    fn error_of(status: u16, body: &str) -> String {
        let answer = read(status, body);
        assert_eq!(database_status(1.0, answer.error.as_deref()).0, Status::Fail, "{status} {body:?}");
        answer.error.unwrap()
    }

    #[test]
    fn a_2xx_answer_with_backend_and_time_passes_and_its_own_error_fails() {
        let answer = read(200, r#"{"backend":"sqlite","elapsed_ms":0.4}"#);
        assert_eq!(answer, DatabaseAnswer { elapsed_ms: Some(0.4), backend: Some("sqlite".into()), error: None });
        assert_eq!(read(204, r#"{"backend":"postgres","elapsed_ms":0,"error":null}"#).error, None);
        // What status-database answers when the database is down: its reason, as it is.
        let down = read(503, r#"{"elapsed_ms":2001.5,"error":"database unavailable: connection refused"}"#);
        assert_eq!(down.error.as_deref(), Some("database unavailable: connection refused"));
        assert_eq!(down.elapsed_ms, Some(2001.5));
        // A 2xx that carries an error is not a pass either.
        assert_eq!(error_of(200, r#"{"backend":"sqlite","elapsed_ms":1,"error":"half up"}"#), "half up");
    }

    #[test]
    fn a_crashed_or_missing_check_fails_with_its_http_status() {
        let crashed = error_of(500, "");
        assert_eq!(
            crashed,
            "the database check answered HTTP 500 with an empty body; Spin's log says why if the check crashed"
        );
        let text = error_of(500, "Internal Server Error: wasm trap: unreachable at 0x2a (secret=hunter2)");
        assert!(text.starts_with("the database check answered HTTP 500 with a body that is not JSON ("), "{text}");
        assert!(!text.contains("hunter2") && !text.contains("trap"), "the body is never quoted: {text}");
        assert_eq!(
            error_of(500, r#"{"elapsed_ms":3}"#).split(';').next(),
            Some("the database check answered HTTP 500 without an error")
        );
        assert_eq!(error_of(404, ""), "the database check answered HTTP 404 with an empty body");
        assert_eq!(
            error_of(404, "Not Found"),
            "the database check answered HTTP 404 with a body that is not JSON (9 bytes)"
        );
        // Even a body that looks like a pass does not make a non-2xx one.
        assert_eq!(
            error_of(302, r#"{"backend":"sqlite","elapsed_ms":1}"#),
            "the database check answered HTTP 302 without an error"
        );
    }

    #[test]
    fn a_2xx_answer_that_is_empty_not_json_or_of_another_shape_fails() {
        assert_eq!(error_of(200, ""), "the database check answered HTTP 200 with an empty body");
        assert_eq!(error_of(200, " \n"), "the database check answered HTTP 200 with an empty body");
        assert_eq!(error_of(200, "ok"), "the database check answered HTTP 200 with a body that is not JSON (2 bytes)");
        let not_utf8 = DatabaseAnswer::read(200, &[0xff, 0xfe]).error.unwrap();
        assert_eq!(not_utf8, "the database check answered HTTP 200 with a body that is not JSON (2 bytes)");
        let shape = |body: &str| {
            error_of(200, body).replace("the database check answered HTTP 200 with a body of another shape: ", "")
        };
        assert_eq!(shape("[]"), "not a JSON object");
        assert_eq!(shape("null"), "not a JSON object");
        assert_eq!(shape("{}"), "no `backend` string, no `elapsed_ms` number of at least 0");
        assert_eq!(shape(r#"{"backend":"sqlite"}"#), "no `elapsed_ms` number of at least 0");
        assert_eq!(shape(r#"{"backend":"sqlite","elapsed_ms":"1"}"#), "no `elapsed_ms` number of at least 0");
        assert_eq!(shape(r#"{"backend":"sqlite","elapsed_ms":-1}"#), "no `elapsed_ms` number of at least 0");
        assert_eq!(shape(r#"{"backend":"","elapsed_ms":1}"#), "no `backend` string");
        assert_eq!(shape(r#"{"backend":7,"elapsed_ms":1}"#), "no `backend` string");
        assert_eq!(
            shape(r#"{"backend":"sqlite","elapsed_ms":1,"error":{"code":"x"}}"#),
            "an `error` that is not a string"
        );
    }

    #[test]
    fn no_answer_at_all_fails_with_why() {
        let answer = DatabaseAnswer::unanswered("no answer within 800 ms".into());
        assert_eq!(answer.error.as_deref(), Some("no answer within 800 ms"));
        assert_eq!(answer.elapsed_ms, None);
    }

    #[test]
    fn health_json_follows_the_draft_for_operators_and_says_only_the_status_to_anyone_else() {
        let checks = [check("database", Status::Fail, Some("connection refused"))];
        assert_eq!(health_json(&checks, "0.1.0", "0.1.0", false), json!({"status": "fail"}));
        let operator = health_json(&checks, "0.1.0", "0.1.0", true);
        assert_eq!(operator["status"], "fail");
        assert_eq!(operator["version"], "0.1.0");
        let db = &operator["checks"]["database:responseTime"][0];
        assert_eq!(db["componentType"], "datastore");
        assert_eq!(db["observedValue"], 2.8);
        assert_eq!(db["observedUnit"], "ms");
        assert_eq!(db["output"], "connection refused");
    }

    #[test]
    fn verbose_text_is_kube_style_for_operators_and_one_line_for_anyone_else() {
        let ok = [check("database", Status::Pass, None)];
        assert_eq!(verbose_text(&ok, false), "status check passed\n");
        assert_eq!(verbose_text(&ok, true), "[+]database ok\nstatus check passed\n");
        let failed = [check("database", Status::Fail, Some("refused"))];
        assert_eq!(verbose_text(&failed, false), "status check failed\n");
        assert_eq!(verbose_text(&failed, true), "[-]database failed: refused\nstatus check failed\n");
    }

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn only_the_exact_operator_token_is_an_operator() {
        let token = StatusToken::new(TOKEN).unwrap();
        assert!(token.admits(Some(&format!("Bearer {TOKEN}"))));
        assert!(!token.admits(Some(&format!("Bearer {}F", &TOKEN[..31]))));
        assert!(!token.admits(Some(TOKEN)), "not without the Bearer scheme");
        assert!(!token.admits(None));
        assert!(!token.admits(Some("Bearer ")));
    }

    #[test]
    fn a_token_shorter_than_32_bytes_admits_nobody_and_the_log_says_why_without_it() {
        assert!(StatusToken::new("").is_none(), "unset admits nobody");
        assert!(StatusToken::new(&TOKEN[..31]).is_none());
        assert_eq!(StatusToken::problem(""), None, "unset is a choice, not a problem");
        assert_eq!(StatusToken::problem(TOKEN), None);
        let problem = StatusToken::problem("short-operator-token").unwrap();
        assert!(problem.contains("shorter than 32 bytes"), "{problem}");
        assert!(!problem.contains("short-operator-token"), "{problem}");
        assert_eq!(format!("{:?}", StatusToken::new(TOKEN).unwrap()), "StatusToken(<redacted>)");
    }
}
