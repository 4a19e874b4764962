//! Load for the overload tests and benches: a kubelet-style probe sampler,
//! clients that log in as fast as the app admits them, and callers of `me`.
//! Shared by `tests/overload.rs`, tier d (`tests/node.rs`) and the overload
//! bench (`benches/overload.sh`), so that the figures in docs/benchmarks.md and the
//! tests' assertions come from the same load.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use ureq::Agent;

use crate::{app::call_json, http::Reply};

/// How the kubelet probes: a new connection each time (it sends
/// `Connection: close`), one second to answer (`timeoutSeconds: 1`).
pub const KUBELET_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the sampler probes each route: ten times as often as the
/// readiness check in deploy/, for percentiles worth the name.
pub const SAMPLE_PERIOD: Duration = Duration::from_millis(150);

/// One probe: the route, and its time to a 200, or why it failed.
#[derive(Debug, Clone)]
pub struct Probe {
    pub route: String,
    pub outcome: Result<Duration, String>,
}

/// Probes `routes` of `base` as the kubelet does, each from its own thread
/// every [`SAMPLE_PERIOD`], until [`finish`](Self::finish).
pub struct ProbeSampler {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<Vec<Probe>>>,
}

impl ProbeSampler {
    pub fn start(base: &str, routes: &[&str]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = routes
            .iter()
            .map(|route| {
                let (stop, url, route) = (stop.clone(), format!("{base}{route}"), route.to_string());
                std::thread::spawn(move || {
                    let mut probes = Vec::new();
                    let mut next = Instant::now();
                    while !stop.load(Ordering::Relaxed) {
                        probes.push(Probe { route: route.clone(), outcome: probe(&url) });
                        // On a fixed beat, as the kubelet's period: a slow
                        // answer does not push the next probe back.
                        next += SAMPLE_PERIOD;
                        std::thread::sleep(next.saturating_duration_since(Instant::now()));
                    }
                    probes
                })
            })
            .collect();
        ProbeSampler { stop, threads }
    }

    pub fn finish(self) -> ProbeReport {
        self.stop.store(true, Ordering::Relaxed);
        ProbeReport { probes: self.threads.into_iter().flat_map(|t| t.join().expect("sampler thread")).collect() }
    }
}

fn probe(url: &str) -> Result<Duration, String> {
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(KUBELET_TIMEOUT))
        .max_idle_connections(0)
        .build()
        .into();
    let started = Instant::now();
    let response = agent.get(url).header("connection", "close").call().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    response.into_body().read_to_vec().map_err(|e| e.to_string())?;
    let took = started.elapsed();
    match status {
        200 if took <= KUBELET_TIMEOUT => Ok(took),
        200 => Err(format!("answered after {took:?}, past the kubelet's {KUBELET_TIMEOUT:?}")),
        other => Err(format!("HTTP {other}")),
    }
}

/// What the sampler saw.
#[derive(Debug)]
pub struct ProbeReport {
    pub probes: Vec<Probe>,
}

impl ProbeReport {
    /// Probes the kubelet would have counted as failed: no 200 within 1 s.
    pub fn failures(&self) -> Vec<String> {
        self.probes.iter().filter_map(|p| p.outcome.as_ref().err().map(|why| format!("{}: {why}", p.route))).collect()
    }

    /// The `q` quantile (0.5, 0.99) of the answered probes' times.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut times: Vec<Duration> = self.probes.iter().filter_map(|p| p.outcome.clone().ok()).collect();
        quantile(&mut times, q)
    }

    pub fn summary(&self) -> String {
        format!(
            "{} probes, {} failed, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.probes.len(),
            self.failures().len(),
            ms(self.quantile(0.5)),
            ms(self.quantile(0.99)),
            ms(self.quantile(1.0))
        )
    }
}

/// The `q` quantile of `times` (nearest rank); zero for none.
pub fn quantile(times: &mut [Duration], q: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    let rank = ((q * times.len() as f64).ceil() as usize).clamp(1, times.len());
    times[rank - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The password every load account has.
pub const PASSWORD: &str = "a long password";

/// Registers `count` accounts for the login clients, one after another
/// (retrying when the app is busy), and returns their credentials.
pub fn accounts(base: &str, prefix: &str, count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let credentials = json!({"email": format!("{prefix}{i}@example.com"), "password": PASSWORD});
            let reply =
                admitted(|| call_json(&format!("{base}/api/auth/register"), "POST", None, Some(credentials.clone())))
                    .expect("the app answers");
            assert_eq!(reply.status, 201, "registering a load account: {}", reply.text());
            credentials
        })
        .collect()
}

/// `call`, again after `Retry-After` for as long as the app answers 503
/// `busy` (at most a minute), as a well-behaved client does: the tests'
/// client ([`crate::app::TestApp::call`]) is one.
pub fn admitted(call: impl Fn() -> anyhow::Result<Reply>) -> anyhow::Result<Reply> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let reply = call()?;
        if !is_busy(&reply) || Instant::now() > until {
            return Ok(reply);
        }
        std::thread::sleep(retry_after(&reply));
    }
}

pub fn is_busy(reply: &Reply) -> bool {
    reply.status == 503 && reply.body.windows(6).any(|w| w == b"\"busy\"")
}

fn retry_after(reply: &Reply) -> Duration {
    Duration::from_secs(reply.header("retry-after").and_then(|s| s.parse().ok()).unwrap_or(1))
}

/// What a burst of logins got.
#[derive(Debug, Default)]
pub struct BurstReport {
    /// Logins answered 200, and their times.
    pub logged_in: Vec<Duration>,
    /// Answers 503 `busy` (turned away before any work, retried).
    pub busy: usize,
    /// Anything else: the failures the tests count.
    pub failed: Vec<String>,
    pub elapsed: Duration,
}

impl BurstReport {
    pub fn per_second(&self) -> f64 {
        self.logged_in.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn summary(&self) -> String {
        let mut times = self.logged_in.clone();
        format!(
            "{} logins in {:.1} s ({:.1}/s), p50 {:.0} ms, p99 {:.0} ms; {} answered busy; {} failed",
            self.logged_in.len(),
            self.elapsed.as_secs_f64(),
            self.per_second(),
            ms(quantile(&mut times, 0.5)),
            ms(quantile(&mut times, 0.99)),
            self.busy,
            self.failed.len()
        )
    }
}

/// `clients` threads log in for `duration`, client `i` as account
/// `i % accounts.len()`, each as a well-behaved client: the next login as
/// soon as one is answered, after `Retry-After` when answered busy.
pub fn login_burst(base: &str, accounts: &[Value], clients: usize, duration: Duration) -> BurstReport {
    let started = Instant::now();
    let until = started + duration;
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (base, credentials) = (base.to_string(), accounts[i % accounts.len()].clone());
            std::thread::spawn(move || {
                let mut report = BurstReport::default();
                while Instant::now() < until {
                    let sent = Instant::now();
                    match call_json(&format!("{base}/api/auth/login"), "POST", None, Some(credentials.clone())) {
                        Ok(reply) if reply.status == 200 => report.logged_in.push(sent.elapsed()),
                        Ok(reply) if is_busy(&reply) => {
                            report.busy += 1;
                            std::thread::sleep(retry_after(&reply));
                        }
                        Ok(reply) => report.failed.push(format!("HTTP {}: {}", reply.status, reply.text())),
                        Err(e) => report.failed.push(e.to_string()),
                    }
                }
                report
            })
        })
        .collect();
    let mut total = BurstReport::default();
    for thread in threads {
        let report = thread.join().expect("login client");
        total.logged_in.extend(report.logged_in);
        total.busy += report.busy;
        total.failed.extend(report.failed);
    }
    total.elapsed = started.elapsed();
    total
}

/// `clients` threads call `GET /api/auth/me` with `token` for `duration`,
/// each on a kept connection; returns the answers that were not 200.
pub fn me_burst(base: &str, token: &str, clients: usize, duration: Duration) -> (usize, Vec<String>) {
    let until = Instant::now() + duration;
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (url, auth) = (format!("{base}/api/auth/me"), format!("Bearer {token}"));
            std::thread::spawn(move || {
                let agent: Agent = Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                let (mut answered, mut failed) = (0, Vec::new());
                while Instant::now() < until {
                    match agent.get(&url).header("authorization", &auth).call() {
                        Ok(mut r) if r.status() == 200 => {
                            let _ = r.body_mut().read_to_vec();
                            answered += 1;
                        }
                        Ok(mut r) => {
                            let body = r.body_mut().read_to_string().unwrap_or_default();
                            failed.push(format!("HTTP {}: {body}", r.status()));
                        }
                        Err(e) => failed.push(e.to_string()),
                    }
                }
                (answered, failed)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().expect("me client")).fold((0, Vec::new()), |(n, mut f), (a, more)| {
        f.extend(more);
        (n + a, f)
    })
}
