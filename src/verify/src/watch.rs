//! `--watch`: a round over every probe route every interval for a while,
//! every failed sample reported as it happens, then failure windows. The tool
//! that proves a rolling update dropped no probe.

use std::{
    fmt::Write as _,
    time::{Duration, Instant, SystemTime},
};

use serde::Serialize;

use crate::{
    probe::{Prober, Sample},
    progress::Progress,
    report::{self, RouteSummary},
    stats::ms,
};

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

fn ms_json(d: Duration) -> f64 {
    (ms(d) * 1000.0).round() / 1000.0
}

/// A failed sample, as reported live.
#[derive(Debug, Clone, Serialize)]
pub struct FailedSample {
    /// When the request was sent (RFC 3339, UTC, milliseconds).
    pub time: String,
    pub route: &'static str,
    pub reason: String,
    pub elapsed_ms: f64,
}

impl FailedSample {
    fn of(sample: &Sample) -> Option<Self> {
        let failure = sample.result.as_ref().err()?;
        Some(FailedSample {
            time: rfc3339(sample.at),
            route: sample.route,
            reason: failure.to_string(),
            elapsed_ms: ms_json(sample.elapsed),
        })
    }

    fn line(&self) -> String {
        format!("{}  FAIL  {:<12} {}  ({:.1} ms)", self.time, self.route, self.reason, self.elapsed_ms)
    }
}

/// Consecutive rounds with at least one failed sample.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    /// When the first failed round started.
    pub start: String,
    /// When the last failed round ended.
    pub end: String,
    pub duration_ms: f64,
    pub rounds: usize,
    pub failures: usize,
    /// The routes that failed in it, in probe order.
    pub routes: Vec<&'static str>,
}

struct Round {
    start: SystemTime,
    end: SystemTime,
    samples: Vec<Sample>,
}

impl Round {
    fn failed(&self) -> bool {
        self.samples.iter().any(|s| !s.ok())
    }
}

fn windows(rounds: &[Round]) -> Vec<Window> {
    let mut windows = Vec::new();
    for group in rounds.chunk_by(|a, b| a.failed() == b.failed()) {
        if !group[0].failed() {
            continue;
        }
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let routes: Vec<&'static str> = crate::probe::ROUTES
            .into_iter()
            .filter(|route| group.iter().flat_map(|r| &r.samples).any(|s| s.route == *route && !s.ok()))
            .collect();
        windows.push(Window {
            start: rfc3339(first.start),
            end: rfc3339(last.end),
            duration_ms: ms_json(last.end.duration_since(first.start).unwrap_or_default()),
            rounds: group.len(),
            failures: group.iter().flat_map(|r| &r.samples).filter(|s| !s.ok()).count(),
            routes,
        });
    }
    windows
}

/// A watch run.
#[derive(Debug, Clone, Serialize)]
pub struct WatchReport {
    pub url: String,
    pub mode: &'static str,
    pub started: String,
    /// As asked with `--watch`.
    pub duration_ms: f64,
    /// Until the last round ended.
    pub elapsed_ms: f64,
    pub interval_ms: f64,
    pub timeout_ms: f64,
    pub rounds: usize,
    pub samples: usize,
    pub failures: usize,
    pub routes: Vec<RouteSummary>,
    pub failed_samples: Vec<FailedSample>,
    pub windows: Vec<Window>,
    pub nothing_answered: bool,
    /// No sample failed (the exit code is 0).
    pub pass: bool,
}

impl WatchReport {
    /// The summary printed after the live lines.
    pub fn human_summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nWatched {} for {}: {} rounds, {} samples, {} failed\n",
            self.url,
            humantime::format_duration(Duration::from_millis(self.duration_ms.round() as u64)),
            self.rounds,
            self.samples,
            self.failures,
        );
        out.push_str(&report::table(&self.routes));
        out.push('\n');
        out.push_str(&report::failure_section(&self.routes));
        if self.windows.is_empty() {
            out.push_str("\nFailure windows: none\n");
        } else {
            let _ = writeln!(out, "\nFailure windows (consecutive failed rounds): {}", self.windows.len());
            for (i, w) in self.windows.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {}. {} → {}  {:.1} ms, {} round{}, {} failed sample{}: {}",
                    i + 1,
                    w.start,
                    w.end,
                    w.duration_ms,
                    w.rounds,
                    if w.rounds == 1 { "" } else { "s" },
                    w.failures,
                    if w.failures == 1 { "" } else { "s" },
                    w.routes.join(", "),
                );
            }
        }
        if self.pass {
            let _ = writeln!(out, "\nPASS  no probe failed in {} samples", self.samples);
        } else {
            let _ = writeln!(out, "\nFAIL  {} of {} samples failed", self.failures, self.samples);
        }
        out.push_str(&report::hints(&self.url, &self.routes, self.nothing_answered));
        out
    }
}

/// Probes for `duration`, a round every `interval` (the next round starts at
/// once if one took longer). `live` receives each failed sample's line as it
/// happens.
pub fn run(
    prober: &Prober,
    duration: Duration,
    interval: Duration,
    progress: &Progress,
    mut live: impl FnMut(&str),
) -> WatchReport {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let deadline = started + duration;
    let mut rounds: Vec<Round> = Vec::new();
    let mut failed_samples = Vec::new();
    let mut next = started;
    while next < deadline {
        let wait = next.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        let start = SystemTime::now();
        let samples = prober.round();
        let end = SystemTime::now();
        let mut failed: Vec<&Sample> = samples.iter().filter(|s| !s.ok()).collect();
        failed.sort_by_key(|s| s.at);
        for failed in failed.into_iter().filter_map(FailedSample::of) {
            live(&failed.line());
            failed_samples.push(failed);
        }
        rounds.push(Round { start, end, samples });
        progress.watch_tick(started.elapsed(), failed_samples.len());
        next += interval;
        // A round that overran starts the next one at once.
        next = next.max(Instant::now());
    }
    let samples: Vec<Sample> = rounds.iter().flat_map(|r| r.samples.iter().cloned()).collect();
    let routes = RouteSummary::all(&samples);
    let failures = samples.iter().filter(|s| !s.ok()).count();
    WatchReport {
        url: prober.target().base().to_string(),
        mode: "watch",
        started: rfc3339(started_at),
        duration_ms: ms_json(duration),
        elapsed_ms: ms_json(started.elapsed()),
        interval_ms: ms_json(interval),
        timeout_ms: ms_json(prober.timeout()),
        rounds: rounds.len(),
        samples: samples.len(),
        failures,
        nothing_answered: report::nothing_answered(&samples),
        pass: failures == 0 && !samples.is_empty(),
        windows: windows(&rounds),
        routes,
        failed_samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{Failure, ROUTES};

    fn round(at_ms: u64, failing: &[&'static str]) -> Round {
        let start = SystemTime::UNIX_EPOCH + Duration::from_millis(at_ms);
        let samples = ROUTES
            .iter()
            .map(|route| Sample {
                route,
                at: start,
                elapsed: Duration::from_millis(2),
                result: if failing.contains(route) { Err(Failure::Status(503)) } else { Ok(200) },
            })
            .collect();
        Round { start, end: start + Duration::from_millis(5), samples }
    }

    #[test]
    fn consecutive_failed_rounds_make_one_window() {
        let rounds = vec![
            round(0, &[]),
            round(100, &["/readiness"]),
            round(200, &["/", "/readiness"]),
            round(300, &[]),
            round(400, &["/liveness"]),
        ];
        let windows = windows(&rounds);
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[0].start, "1970-01-01T00:00:00.100Z");
        assert_eq!(windows[0].end, "1970-01-01T00:00:00.205Z");
        assert_eq!(windows[0].duration_ms, 105.0);
        assert_eq!(windows[0].rounds, 2);
        assert_eq!(windows[0].failures, 3);
        assert_eq!(windows[0].routes, ["/", "/readiness"]);
        assert_eq!(windows[1].routes, ["/liveness"]);
        assert!(super::windows(&[round(0, &[])]).is_empty());
    }
}
