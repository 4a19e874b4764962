//! One probe sample, with the kubelet's semantics: a fresh connection, a
//! `kube-probe` User-Agent, no redirects followed, success = HTTP 200–399
//! received (body included) within the timeout.

use std::{
    fmt,
    io::ErrorKind,
    time::{Duration, Instant, SystemTime},
};

use serde::Serialize;
use ureq::{Agent, http::Uri};

/// What the kubelet sends, plus who we are.
pub const USER_AGENT: &str = "kube-probe/1.31 (mewayz-verify)";

/// The probe routes, in report order.
pub const ROUTES: [&str; 5] = ["/", "/health", "/api/health", "/readiness", "/liveness"];

/// The operator status route: reported, never part of the verdicts.
pub const STATUS_ROUTE: &str = "/api/status";

/// The kubelet reads at most 10 KiB of a probe's body and ignores the rest.
const MAX_BODY: u64 = 10 * 1024;

/// The base URL every route is appended to: `http://host[:port][/prefix]`,
/// without a trailing slash.
#[derive(Debug, Clone)]
pub struct Target {
    base: String,
}

impl Target {
    /// Parses `--url`. The error is one line, fit for the user.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let example = "expected e.g. http://127.0.0.1:3000";
        if url.is_empty() {
            return Err(format!("empty URL; {example}"));
        }
        let uri: Uri = url.parse().map_err(|e| format!("{url:?} is not a URL ({e}); {example}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(s) if s.eq_ignore_ascii_case("http") => {}
            Some(s) if s.eq_ignore_ascii_case("https") => {
                return Err(format!(
                    "{url:?}: https is not supported (this tool speaks plain HTTP, like the app's pod port); use http://"
                ));
            }
            Some(other) => return Err(format!("{url:?}: scheme {other:?} is not supported; use http://")),
            None => {
                let looks_like_host =
                    !url.contains("://") && (url.contains(':') || url.contains('.') || url == "localhost");
                let guess = if !looks_like_host { String::new() } else { format!(" (did you mean http://{url}?)") };
                return Err(format!("{url:?} has no scheme{guess}; {example}"));
            }
        }
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("{url:?} has no host; {example}"));
        }
        if uri.query().is_some() {
            return Err(format!("{url:?}: a base URL takes no query string; {example}"));
        }
        let prefix = uri.path().trim_end_matches('/');
        Ok(Target { base: format!("http://{authority}{prefix}") })
    }

    /// The base URL as given, normalised (no trailing slash).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The absolute URL of `route` (which starts with `/`).
    pub fn url(&self, route: &str) -> String {
        format!("{}{route}", self.base)
    }
}

/// Why a sample failed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// An answer outside 200–399.
    Status(u16),
    /// No complete answer within the timeout.
    TimedOut(Duration),
    /// Nothing listens at the address.
    Refused,
    /// Anything else on the way (reset, closed early, bad HTTP, DNS…).
    Other(String),
}

impl Failure {
    /// Whether the sample's elapsed time says something about the server's
    /// speed: an HTTP answer or a timeout does; a failed connection does not.
    pub fn is_timed(&self) -> bool {
        matches!(self, Failure::Status(_) | Failure::TimedOut(_))
    }

    /// Whether something answered in HTTP.
    pub fn got_answer(&self) -> bool {
        matches!(self, Failure::Status(_))
    }

    fn from_error(error: ureq::Error, timeout: Duration) -> Self {
        match error {
            ureq::Error::Timeout(_) => Failure::TimedOut(timeout),
            ureq::Error::Io(e) => match e.kind() {
                ErrorKind::ConnectionRefused => Failure::Refused,
                ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::TimedOut(timeout),
                ErrorKind::ConnectionReset => Failure::Other("connection reset".into()),
                ErrorKind::ConnectionAborted => Failure::Other("connection aborted".into()),
                ErrorKind::UnexpectedEof => Failure::Other("connection closed before a complete response".into()),
                ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                    Failure::Other(format!("unreachable: {e}"))
                }
                _ => Failure::Other(e.to_string()),
            },
            ureq::Error::HostNotFound => Failure::Other("host not found".into()),
            ureq::Error::ConnectionFailed => Failure::Other("connection failed".into()),
            ureq::Error::Protocol(e) => Failure::Other(format!("not a valid HTTP response: {e}")),
            other => Failure::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status(code) => write!(f, "HTTP {code}"),
            Failure::TimedOut(t) => write!(f, "timed out after {}", humantime::format_duration(*t)),
            Failure::Refused => f.write_str("connection refused"),
            Failure::Other(reason) => f.write_str(reason),
        }
    }
}

/// One request to one route.
#[derive(Debug, Clone)]
pub struct Sample {
    pub route: &'static str,
    /// When the request was sent.
    pub at: SystemTime,
    /// Until the answer was complete, or the request gave up.
    pub elapsed: Duration,
    /// The HTTP status on success.
    pub result: Result<u16, Failure>,
}

impl Sample {
    pub fn ok(&self) -> bool {
        self.result.is_ok()
    }

    /// The latency worth counting in percentiles (see [`Failure::is_timed`]).
    pub fn latency(&self) -> Option<Duration> {
        match &self.result {
            Ok(_) => Some(self.elapsed),
            Err(f) if f.is_timed() => Some(self.elapsed),
            Err(_) => None,
        }
    }

    /// Whether something answered in HTTP, successfully or not.
    pub fn got_answer(&self) -> bool {
        self.result.as_ref().map_or_else(Failure::got_answer, |_| true)
    }
}

/// What `GET /api/status` said.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRoute {
    pub route: &'static str,
    /// The HTTP status, when something answered.
    pub http_status: Option<u16>,
    /// The body's `status` field (`pass`, `warn`, `fail`), when there is one.
    pub status: Option<String>,
    pub content_type: Option<String>,
    /// The body's checks that do not pass, as `"name: status"`.
    pub checks_not_passing: Vec<String>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// One line for humans.
    pub summary: String,
}

/// Sends probes to a target.
pub struct Prober {
    agent: Agent,
    target: Target,
    timeout: Duration,
}

/// An answer read in full (up to the kubelet's limit).
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Prober {
    pub fn new(target: Target, timeout: Duration) -> Self {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            // Like the kubelet, a new connection for every probe: during a
            // rolling update each one may reach a different pod.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .user_agent(USER_AGENT)
            .build()
            .new_agent();
        Prober { agent, target, timeout }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn get(&self, route: &str) -> Result<Answer, ureq::Error> {
        let mut response = self
            .agent
            .get(self.target.url(route))
            .header("User-Agent", USER_AGENT)
            .header("Connection", "close")
            .call()?;
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = match response.body_mut().with_config().limit(MAX_BODY).read_to_vec() {
            Ok(body) => body,
            // The kubelet truncates a long body and carries on.
            Err(ureq::Error::BodyExceedsLimit(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(Answer { status, content_type, body })
    }

    /// One probe of `route`.
    pub fn sample(&self, route: &'static str) -> Sample {
        let at = SystemTime::now();
        let started = Instant::now();
        let result = self.get(route);
        let elapsed = started.elapsed();
        let result = match result {
            Ok(answer) if (200..400).contains(&answer.status) => Ok(answer.status),
            Ok(answer) => Err(Failure::Status(answer.status)),
            Err(e) => Err(Failure::from_error(e, self.timeout)),
        };
        Sample { route, at, elapsed, result }
    }

    /// One round: every probe route once, at the same time (as the kubelets
    /// of several pods would), in [`ROUTES`] order.
    pub fn round(&self) -> Vec<Sample> {
        std::thread::scope(|scope| {
            let (at, started) = (SystemTime::now(), Instant::now());
            let handles: Vec<_> = ROUTES.iter().map(|route| (*route, scope.spawn(|| self.sample(route)))).collect();
            handles
                .into_iter()
                .map(|(route, h)| {
                    // A probe that panicked got no answer: a failed sample
                    // (untimed, like a failed connection).
                    h.join().unwrap_or_else(|_| Sample {
                        route,
                        at,
                        elapsed: started.elapsed(),
                        result: Err(Failure::Other("the probe thread panicked".into())),
                    })
                })
                .collect()
        })
    }

    /// `GET /api/status`, once.
    pub fn status_route(&self) -> StatusRoute {
        let mut report = StatusRoute {
            route: STATUS_ROUTE,
            http_status: None,
            status: None,
            content_type: None,
            checks_not_passing: Vec::new(),
            error: None,
            summary: String::new(),
        };
        let answer = match self.get(STATUS_ROUTE) {
            Ok(answer) => answer,
            Err(e) => {
                let reason = Failure::from_error(e, self.timeout).to_string();
                report.summary = format!("no answer: {reason}");
                report.error = Some(reason);
                return report;
            }
        };
        report.http_status = Some(answer.status);
        report.content_type = answer.content_type;
        if answer.status == 404 {
            report.summary = "absent (HTTP 404): this deployment serves no status route".into();
            return report;
        }
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
        report.status =
            parsed.as_ref().and_then(|body| body.get("status")).and_then(|s| s.as_str()).map(str::to_string);
        if let Some(checks) = parsed.as_ref().and_then(|body| body.get("checks")).and_then(|c| c.as_object()) {
            for (name, entries) in checks {
                for entry in entries.as_array().into_iter().flatten() {
                    let status = entry.get("status").and_then(|s| s.as_str()).unwrap_or("unknown");
                    let line = format!("{name}: {status}");
                    if status != "pass" && !report.checks_not_passing.contains(&line) {
                        report.checks_not_passing.push(line);
                    }
                }
            }
        }
        let code = answer.status;
        report.summary = match (&parsed, &report.status) {
            (_, Some(status)) => {
                let expected = match status.as_str() {
                    "pass" | "warn" => Some(200),
                    "fail" => Some(503),
                    _ => None,
                };
                match expected {
                    Some(expected) if expected != code => {
                        format!(
                            "HTTP {code}, status {status:?} (unexpected: {status:?} should come with HTTP {expected})"
                        )
                    }
                    Some(_) => format!("HTTP {code}, status {status:?}"),
                    None => format!("HTTP {code}, status {status:?} (not one of pass, warn, fail)"),
                }
            }
            (Some(_), None) => format!("HTTP {code}, but the body has no \"status\" field"),
            (None, None) => format!("HTTP {code}, but the body is not JSON"),
        };
        if !report.checks_not_passing.is_empty() {
            report.summary.push_str(&format!("; not passing: {}", report.checks_not_passing.join(", ")));
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        for (given, base) in [
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
            ("  http://localhost:3000//  ", "http://localhost:3000"),
            ("http://example.com/prefix/", "http://example.com/prefix"),
            ("HTTP://example.com", "http://example.com"),
        ] {
            assert_eq!(Target::parse(given).unwrap().base(), base, "{given}");
        }
        let target = Target::parse("http://h:1/").unwrap();
        assert_eq!(target.url("/"), "http://h:1/");
        assert_eq!(target.url("/health"), "http://h:1/health");
    }

    #[test]
    fn bad_urls_get_one_line_errors() {
        for bad in
            ["", "notaurl", "127.0.0.1:3000", "ftp://host/", "https://host", "http://", "http://h/?a=1", "http://a b"]
        {
            let error = Target::parse(bad).expect_err(bad);
            assert!(!error.contains('\n'), "{bad}: {error}");
        }
        assert!(Target::parse("127.0.0.1:3000").unwrap_err().contains("did you mean http://127.0.0.1:3000"));
    }

    #[test]
    fn failures_read_well() {
        assert_eq!(Failure::Status(503).to_string(), "HTTP 503");
        assert_eq!(Failure::TimedOut(Duration::from_secs(1)).to_string(), "timed out after 1s");
        assert_eq!(Failure::TimedOut(Duration::from_millis(250)).to_string(), "timed out after 250ms");
        assert_eq!(Failure::Refused.to_string(), "connection refused");
    }
}
