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

/// `application/health+json`. Reasons are included only for `operator`s;
/// anonymous callers see "reason withheld".
pub fn health_json(checks: &[Check], version: &str, release_id: &str, operator: bool) -> Value {
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
            entry["output"] = json!(reason(check, operator));
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

/// kube-apiserver style: `[+]name ok`, `[-]name failed: reason`, and a last line.
pub fn verbose_text(checks: &[Check], operator: bool) -> String {
    let mut text = String::new();
    for check in checks {
        match check.status {
            Status::Pass => text.push_str(&format!("[+]{} ok\n", check.name)),
            Status::Warn => text.push_str(&format!("[+]{} ok (warn: {})\n", check.name, reason(check, operator))),
            Status::Fail => text.push_str(&format!("[-]{} failed: {}\n", check.name, reason(check, operator))),
        }
    }
    let verdict = if overall(checks) == Status::Fail { "failed" } else { "passed" };
    text.push_str(&format!("status check {verdict}\n"));
    text
}

fn reason(check: &Check, operator: bool) -> String {
    match (&check.reason, operator) {
        (Some(reason), true) => reason.clone(),
        (Some(_), false) => "reason withheld".to_string(),
        (None, _) => check.status.as_str().to_string(),
    }
}

/// Whether `authorization` carries the operator token. Constant-time, and an
/// unset token admits nobody.
pub fn is_operator(authorization: Option<&str>, status_token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Some(given) = mewayz_auth::bearer_token(authorization) else {
        return false;
    };
    !status_token.is_empty() && bool::from(given.as_bytes().ct_eq(status_token.as_bytes()))
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
    fn health_json_follows_the_draft_and_withholds_reasons() {
        let checks = [check("database", Status::Fail, Some("connection refused"))];
        let anonymous = health_json(&checks, "0.1.0", "0.1.0", false);
        assert_eq!(anonymous["status"], "fail");
        let db = &anonymous["checks"]["database:responseTime"][0];
        assert_eq!(db["componentType"], "datastore");
        assert_eq!(db["observedValue"], 2.8);
        assert_eq!(db["observedUnit"], "ms");
        assert_eq!(db["output"], "reason withheld");
        let operator = health_json(&checks, "0.1.0", "0.1.0", true);
        assert_eq!(operator["checks"]["database:responseTime"][0]["output"], "connection refused");
    }

    #[test]
    fn verbose_text_is_kube_style() {
        let ok = [check("database", Status::Pass, None)];
        assert_eq!(verbose_text(&ok, false), "[+]database ok\nstatus check passed\n");
        let failed = [check("database", Status::Fail, Some("refused"))];
        assert_eq!(verbose_text(&failed, false), "[-]database failed: reason withheld\nstatus check failed\n");
        assert_eq!(verbose_text(&failed, true), "[-]database failed: refused\nstatus check failed\n");
    }

    #[test]
    fn only_the_exact_operator_token_is_an_operator() {
        assert!(is_operator(Some("Bearer s3cret-token"), "s3cret-token"));
        assert!(!is_operator(Some("Bearer s3cret-tokeN"), "s3cret-token"));
        assert!(!is_operator(Some("s3cret-token"), "s3cret-token"));
        assert!(!is_operator(None, "s3cret-token"));
        assert!(!is_operator(Some("Bearer "), ""), "an unset token admits nobody");
    }
}
