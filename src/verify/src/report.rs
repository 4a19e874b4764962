//! The report of a sampling run: per-route table, why samples failed,
//! verdicts, the status route; for humans or as one JSON document.

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use serde::Serialize;

use crate::{
    probe::{ROUTES, STATUS_ROUTE, Sample, StatusRoute, USER_AGENT},
    stats::{Latency, ms},
};

/// How often one reason made a route fail.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: usize,
}

/// One route's samples, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct RouteSummary {
    pub route: &'static str,
    pub samples: usize,
    pub successes: usize,
    pub failures: usize,
    /// Over samples that got an HTTP answer or timed out; `null` if none did.
    pub latency_ms: Option<Latency>,
    /// Most frequent first.
    pub failure_reasons: Vec<ReasonCount>,
}

impl RouteSummary {
    pub fn of(route: &'static str, samples: &[Sample]) -> Self {
        let mine: Vec<&Sample> = samples.iter().filter(|s| s.route == route).collect();
        let successes = mine.iter().filter(|s| s.ok()).count();
        let latencies: Vec<Duration> = mine.iter().filter_map(|s| s.latency()).collect();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for sample in &mine {
            if let Err(failure) = &sample.result {
                *reasons.entry(failure.to_string()).or_default() += 1;
            }
        }
        let mut failure_reasons: Vec<ReasonCount> =
            reasons.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect();
        failure_reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        RouteSummary {
            route,
            samples: mine.len(),
            successes,
            failures: mine.len() - successes,
            latency_ms: Latency::of(&latencies),
            failure_reasons,
        }
    }

    /// Every probe route, in order.
    pub fn all(samples: &[Sample]) -> Vec<Self> {
        ROUTES.iter().map(|route| Self::of(route, samples)).collect()
    }

    fn all_ok(&self) -> bool {
        self.samples > 0 && self.failures == 0
    }
}

fn reasons_line(reasons: &[ReasonCount]) -> String {
    reasons.iter().map(|r| format!("{} × {}", r.count, r.reason)).collect::<Vec<_>>().join(", ")
}

/// One verdict over several routes: `"/ 20/20, /health 18/20, … successful (2 × HTTP 503)"`.
fn group_verdict(routes: &[&RouteSummary]) -> Verdict {
    let counts: Vec<String> = routes.iter().map(|r| format!("{} {}/{}", r.route, r.successes, r.samples)).collect();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for reason in routes.iter().flat_map(|r| &r.failure_reasons) {
        *reasons.entry(&reason.reason).or_default() += reason.count;
    }
    let mut reasons: Vec<ReasonCount> =
        reasons.into_iter().map(|(reason, count)| ReasonCount { reason: reason.to_string(), count }).collect();
    reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    let pass = routes.iter().all(|r| r.all_ok());
    let mut reason = if pass {
        let total: usize = routes.iter().map(|r| r.samples).sum();
        let names: Vec<&str> = routes.iter().map(|r| r.route).collect();
        format!("{} {total}/{total} successful", names.join(", "))
    } else {
        format!("{} successful", counts.join(", "))
    };
    if !reasons.is_empty() {
        let _ = write!(reason, " ({})", reasons_line(&reasons));
    }
    Verdict { pass, reason }
}

/// One verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub pass: bool,
    pub reason: String,
}

/// The five verdicts; field names are stable (JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Verdicts {
    pub readiness: Verdict,
    pub liveness: Verdict,
    pub health: Verdict,
    pub deployment_ready: Verdict,
    pub speed: Verdict,
}

impl Verdicts {
    pub fn judge(routes: &[RouteSummary], max_p99: Duration) -> Self {
        // A route without a summary was not probed: no samples, a failure.
        let route = |name: &'static str| {
            routes.iter().find(|r| r.route == name).cloned().unwrap_or_else(|| RouteSummary::of(name, &[]))
        };
        let single = |name: &'static str| group_verdict(&[&route(name)]);
        let readiness = single("/readiness");
        let liveness = single("/liveness");

        let health_routes = ["/", "/health", "/api/health"].map(route);
        let health = group_verdict(&health_routes.each_ref());

        let failing: Vec<&str> = [("readiness", &readiness), ("liveness", &liveness), ("health", &health)]
            .iter()
            .filter(|(_, v)| !v.pass)
            .map(|(name, _)| *name)
            .collect();
        let deployment_ready = if failing.is_empty() {
            Verdict { pass: true, reason: "readiness, liveness and health all pass".into() }
        } else {
            Verdict { pass: false, reason: format!("not ready: {} failed", failing.join(", ")) }
        };

        let limit = humantime::format_duration(max_p99);
        let mut slow = Vec::new();
        let mut untimed = Vec::new();
        let mut slowest: Option<(&str, &Latency)> = None;
        for r in routes {
            match &r.latency_ms {
                None => untimed.push(r.route),
                Some(latency) => {
                    if latency.p99 >= max_p99 {
                        slow.push(format!("{} p99 {:.1} ms", r.route, ms(latency.p99)));
                    }
                    if slowest.is_none_or(|(_, s)| latency.p99 > s.p99) {
                        slowest = Some((r.route, latency));
                    }
                }
            }
        }
        if !untimed.is_empty() {
            slow.push(format!("no answer to time on {}", untimed.join(", ")));
        }
        let speed = match (slow.is_empty(), slowest) {
            (true, Some((route, latency))) => Verdict {
                pass: true,
                reason: format!("every p99 under {limit} (slowest: {route} p99 {:.1} ms)", ms(latency.p99)),
            },
            _ => Verdict { pass: false, reason: format!("{}; limit: p99 under {limit}", slow.join(", ")) },
        };

        Verdicts { readiness, liveness, health, deployment_ready, speed }
    }

    pub fn all_pass(&self) -> bool {
        self.list().iter().all(|(_, v)| v.pass)
    }

    fn list(&self) -> [(&'static str, &Verdict); 5] {
        [
            ("Readiness", &self.readiness),
            ("Liveness", &self.liveness),
            ("Health", &self.health),
            ("Deployment ready", &self.deployment_ready),
            ("Speed", &self.speed),
        ]
    }
}

/// A sampling run (the default mode).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub url: String,
    pub mode: &'static str,
    pub samples_per_route: u32,
    pub timeout_ms: f64,
    pub max_p99_ms: f64,
    pub user_agent: &'static str,
    pub routes: Vec<RouteSummary>,
    pub verdicts: Verdicts,
    /// `GET /api/status`: reported, not part of the verdicts.
    pub status_route: StatusRoute,
    /// Every sample of every route failed without an HTTP answer.
    pub nothing_answered: bool,
    /// Every verdict passes (the exit code is 0).
    pub pass: bool,
}

impl Report {
    pub fn new(
        url: &str,
        samples_per_route: u32,
        timeout: Duration,
        max_p99: Duration,
        samples: &[Sample],
        status_route: StatusRoute,
    ) -> Self {
        let routes = RouteSummary::all(samples);
        let verdicts = Verdicts::judge(&routes, max_p99);
        Report {
            url: url.to_string(),
            mode: "samples",
            samples_per_route,
            timeout_ms: ms(timeout),
            max_p99_ms: ms(max_p99),
            user_agent: USER_AGENT,
            nothing_answered: nothing_answered(samples),
            pass: verdicts.all_pass(),
            routes,
            verdicts,
            status_route,
        }
    }

    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} — {} samples per route, timeout {}, User-Agent {:?}\n",
            self.url,
            self.samples_per_route,
            humantime::format_duration(Duration::from_secs_f64(self.timeout_ms / 1000.0)),
            self.user_agent,
        );
        out.push_str(&table(&self.routes));
        out.push('\n');
        out.push_str(&failure_section(&self.routes));
        let _ = writeln!(
            out,
            "\nStatus route (GET {STATUS_ROUTE}, not part of the verdicts): {}",
            self.status_route.summary
        );
        out.push_str("\nVerdicts\n");
        for (name, verdict) in self.verdicts.list() {
            let _ = writeln!(out, "  {}  {name:<16}  {}", if verdict.pass { "PASS" } else { "FAIL" }, verdict.reason);
        }
        out.push_str(&hints(&self.url, &self.routes, self.nothing_answered));
        out
    }
}

/// Every sample failed, and not one got an HTTP answer.
pub fn nothing_answered(samples: &[Sample]) -> bool {
    !samples.is_empty() && samples.iter().all(|s| !s.got_answer())
}

/// Hint lines when the whole run failed.
pub fn hints(url: &str, routes: &[RouteSummary], nothing_answered: bool) -> String {
    let total: usize = routes.iter().map(|r| r.samples).sum();
    let successes: usize = routes.iter().map(|r| r.successes).sum();
    if nothing_answered {
        format!("\nhint: nothing answered at {url} — is the app running, and is this its address and port?\n")
    } else if total > 0 && successes == 0 {
        format!("\nhint: something answers at {url}, but no probe route succeeded — is this the Mewayz API?\n")
    } else {
        String::new()
    }
}

fn fmt_ms(d: Option<f64>) -> String {
    d.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"))
}

/// The per-route table.
pub fn table(routes: &[RouteSummary]) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "  {:<12} {:>9}  {:>8} {:>8} {:>8} {:>8}", "route", "ok", "p50 ms", "p95 ms", "p99 ms", "max ms");
    for r in routes {
        let l = r.latency_ms.as_ref();
        let _ = writeln!(
            out,
            "  {:<12} {:>9}  {:>8} {:>8} {:>8} {:>8}",
            r.route,
            format!("{}/{}", r.successes, r.samples),
            fmt_ms(l.map(|l| l.p50_ms)),
            fmt_ms(l.map(|l| l.p95_ms)),
            fmt_ms(l.map(|l| l.p99_ms)),
            fmt_ms(l.map(|l| l.max_ms)),
        );
    }
    out
}

/// Why samples failed, per route with counts.
pub fn failure_section(routes: &[RouteSummary]) -> String {
    let failing: Vec<&RouteSummary> = routes.iter().filter(|r| r.failures > 0).collect();
    if failing.is_empty() {
        return "No sample failed.\n".into();
    }
    let mut out = String::from("Failed samples\n");
    for r in failing {
        for (i, reason) in r.failure_reasons.iter().enumerate() {
            let route = if i == 0 { r.route } else { "" };
            let _ = writeln!(out, "  {route:<12} {:>5} × {}", reason.count, reason.reason);
        }
    }
    out
}
