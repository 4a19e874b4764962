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
