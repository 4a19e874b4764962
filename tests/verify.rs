//! The `verify` CLI (src/verify) as a user sees it: exit codes and the reasons
//! it prints, against deliberately broken servers and against the real app.

use std::{
    path::PathBuf,
    process::Command,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use mewayz_tests::{
    fake::{Answer, Seen, answer, refused_url, serve},
    repo_root,
};
use serde_json::Value;

/// Builds the `verify` binary once per test process and returns its path, as
/// cargo reports it (whatever the target directory).
fn verify_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let output = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "verify", "--bin", "verify", "--message-format=json-render-diagnostics"])
            .current_dir(repo_root())
            .output()
            .expect("running cargo build -p verify");
        assert!(output.status.success(), "cargo build -p verify failed:\n{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "verify")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no verify executable")
    })
}

/// What a run of `verify` showed.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("--json output is not JSON ({e}):\n{self}"))
    }

    /// The verdict line for `name` (`"  PASS  Readiness  …"`).
    fn verdict(&self, name: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.len() > 1 && matches!(words[0], "PASS" | "FAIL") && l.contains(&format!(" {name} "))
            })
            .unwrap_or_else(|| panic!("no {name} verdict in:\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}\n--- stdout ---\n{}--- stderr ---\n{}", self.code, self.stdout, self.stderr)
    }
}

fn verify(args: &[&str]) -> Run {
    let output = Command::new(verify_binary()).args(args).current_dir(repo_root()).output().expect("running verify");
    Run {
        code: output.status.code().expect("verify exited by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const VERDICTS: [&str; 5] = ["Readiness", "Liveness", "Health", "Deployment ready", "Speed"];
const VERDICT_KEYS: [&str; 5] = ["readiness", "liveness", "health", "deployment_ready", "speed"];
const PROBE_ROUTES: [&str; 5] = ["/", "/health", "/api/health", "/readiness", "/liveness"];

#[test]
fn a_server_answering_503_fails_readiness_and_says_http_503() {
    let url = serve(|_| answer("503 Service Unavailable", ""));
    let run = verify(&["--url", &url, "--samples", "3"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("3 × HTTP 503"), "the reason, counted per route:\n{run}");
    assert!(run.verdict("Readiness").contains("FAIL"), "{run}");
    assert!(run.verdict("Readiness").contains("HTTP 503"), "{run}");
    assert!(run.verdict("Deployment ready").contains("FAIL"), "{run}");
    assert!(run.stdout.contains("something answers"), "a 503 is an answer, not silence:\n{run}");
    assert!(!run.stdout.contains("nothing answered"), "{run}");

    let json = verify(&["--url", &url, "--samples", "2", "--json"]);
    assert_eq!(json.code, 1, "{json}");
    let report = json.json();
    assert_eq!(report["pass"], false);
    assert_eq!(report["verdicts"]["readiness"]["pass"], false);
    for route in report["routes"].as_array().unwrap() {
        assert_eq!(route["successes"], 0, "{route}");
        assert_eq!(route["failure_reasons"][0]["reason"], "HTTP 503", "{route}");
        assert_eq!(route["failure_reasons"][0]["count"], 2, "{route}");
    }
}

#[test]
fn a_server_slower_than_the_timeout_fails_with_timed_out() {
    let url = serve(|_| Answer { delay: Duration::from_millis(1500), ..answer("200 OK", "{}") });
    let started = Instant::now();
    let run = verify(&["--url", &url, "--samples", "1"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("timed out after 1s"), "{run}");
    assert!(run.verdict("Readiness").contains("FAIL"), "{run}");
    assert!(run.verdict("Liveness").contains("timed out after 1s"), "{run}");
    // One round (five routes at once) and the status route: about 2 s, not 1.5 s × 6.
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
}

#[test]
fn a_refused_port_fails_with_connection_refused_and_a_hint() {
    let url = refused_url();
    let run = verify(&["--url", &url, "--samples", "2"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("connection refused"), "{run}");
    assert!(run.verdict("Readiness").contains("connection refused"), "{run}");
    assert!(run.stdout.contains(&format!("nothing answered at {url}")), "{run}");
}

#[test]
fn bad_urls_are_usage_errors_in_one_line() {
    for bad in ["notaurl", "127.0.0.1:3000", "ftp://127.0.0.1:3000", "http://"] {
        let run = verify(&["--url", bad]);
        assert_eq!(run.code, 2, "--url {bad}: {run}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line for --url {bad}: {run}");
        assert!(run.stderr.contains("--url"), "{run}");
        assert!(run.stdout.is_empty(), "{run}");
    }
    let missing_scheme = verify(&["--url", "127.0.0.1:3000"]);
    assert!(missing_scheme.stderr.contains("http://127.0.0.1:3000"), "suggests the fix: {missing_scheme}");

    // Other usage errors exit 2 as well.
    for args in [&["--samples", "0"][..], &["--timeout", "soon"], &["--watch", "0s"], &["--bogus"]] {
        assert_eq!(verify(args).code, 2, "{args:?}");
    }
}

/// Answers 200 `{}` on the probe routes and 404 elsewhere (so no
/// `/api/status`); remembers the requests.
fn healthy_server() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let url = serve(move |request| {
        log.lock().unwrap().push(request.clone());
        if PROBE_ROUTES.contains(&request.path.as_str()) {
            answer("200 OK", "{}")
        } else {
            answer("404 Not Found", r#"{"error":{"code":"not_found","message":"no such route"}}"#)
        }
    });
    (url, seen)
}

#[test]
fn a_healthy_server_passes_every_verdict() {
    let (url, seen) = healthy_server();
    // A trailing slash must not turn /health into //health (which would 404).
    let run = verify(&["--url", &format!("{url}/"), "--samples", "4", "--max-p99", "1s"]);
    assert_eq!(run.code, 0, "{run}");
    for name in VERDICTS {
        assert!(run.verdict(name).contains("PASS"), "{name}: {run}");
    }
    assert!(run.stdout.contains("No sample failed"), "{run}");
    for route in PROBE_ROUTES {
        let row = run.stdout.lines().find(|l| l.split_whitespace().next() == Some(route)).unwrap();
        assert!(row.contains("4/4"), "{route}: {run}");
    }
    assert!(run.stdout.contains("absent (HTTP 404)"), "the status route is said to be absent: {run}");
    assert!(run.stderr.is_empty(), "no progress indicator without a terminal: {run}");

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 5 * 4 + 1, "{requests:?}");
    for request in &requests {
        let head = request.head.to_ascii_lowercase();
        assert!(head.contains("user-agent: kube-probe/1.31 (mewayz-verify)\r\n"), "{}", request.head);
    }
    assert_eq!(requests.iter().filter(|r| r.path == "/api/status").count(), 1);

    let json = verify(&["--url", &url, "--samples", "3", "--max-p99", "1s", "--json"]);
    assert_eq!(json.code, 0, "{json}");
    assert!(json.stderr.is_empty(), "{json}");
    let report = json.json();
    assert_eq!(report["pass"], true, "{report}");
    for key in VERDICT_KEYS {
        assert_eq!(report["verdicts"][key]["pass"], true, "{key}: {report}");
        assert!(report["verdicts"][key]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{key}");
    }
    let routes = report["routes"].as_array().unwrap();
    assert_eq!(routes.iter().map(|r| r["route"].as_str().unwrap()).collect::<Vec<_>>(), PROBE_ROUTES);
    for route in routes {
        assert_eq!((route["samples"].as_u64(), route["successes"].as_u64()), (Some(3), Some(3)), "{route}");
        assert!(route["failure_reasons"].as_array().unwrap().is_empty(), "{route}");
        assert!(route["latency_ms"]["p99_ms"].as_f64().is_some(), "{route}");
    }
    assert_eq!(report["status_route"]["http_status"], 404, "{report}");
    assert_eq!(report["status_route"]["status"], Value::Null, "{report}");
}

#[test]
fn a_redirect_counts_as_success_and_is_not_followed() {
    // The kubelet takes 200-399 as success; following the redirect here would 404.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&seen);
    let url = serve(move |request| {
        log.lock().unwrap().push(request.path.clone());
        match request.path.as_str() {
            "/api/status" | "/moved" => answer("404 Not Found", "{}"),
            _ => Answer {
                bytes: b"HTTP/1.1 302 Found\r\nLocation: /moved\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
                delay: Duration::ZERO,
            },
        }
    });
    let run = verify(&["--url", &url, "--samples", "2", "--max-p99", "1s"]);
    assert_eq!(run.code, 0, "{run}");
    assert!(!seen.lock().unwrap().iter().any(|p| p == "/moved"), "followed a redirect");
}

#[test]
fn the_status_route_is_reported_but_not_judged() {
    let url = serve(|request| match request.path.as_str() {
        "/api/status" => Answer {
            bytes: "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/health+json\r\n\
                    Content-Length: 17\r\nConnection: close\r\n\r\n{\"status\":\"fail\"}"
                .into(),
            delay: Duration::ZERO,
        },
        _ => answer("200 OK", "{}"),
    });
    let run = verify(&["--url", &url, "--samples", "2", "--max-p99", "1s"]);
    assert_eq!(run.code, 0, "a failing status route does not fail the verdicts: {run}");
    assert!(run.stdout.contains(r#"HTTP 503, status "fail""#), "{run}");
    let report = verify(&["--url", &url, "--samples", "1", "--max-p99", "1s", "--json"]).json();
    assert_eq!(report["status_route"]["http_status"], 503);
    assert_eq!(report["status_route"]["status"], "fail");
}

#[test]
fn watch_reports_the_failure_window_of_a_server_that_turns_bad() {
    // 200 for the first 400 ms after the first request, then 503.
    let first = Arc::new(OnceLock::<Instant>::new());
    let url = serve(move |_| {
        let since = first.get_or_init(Instant::now).elapsed();
        if since < Duration::from_millis(400) { answer("200 OK", "{}") } else { answer("503 Service Unavailable", "") }
    });
    let run = verify(&["--url", &url, "--watch", "1s"]);
    assert_eq!(run.code, 1, "{run}");
    let live: Vec<&str> = run.stdout.lines().filter(|l| l.contains("  FAIL  ")).collect();
    assert!(!live.is_empty(), "failed samples are reported as they happen: {run}");
    for line in &live {
        // 2026-08-05T10:00:00.123Z  FAIL  /readiness  HTTP 503  (1.2 ms)
        let time = line.split_whitespace().next().unwrap();
        assert!(time.len() == 24 && time.ends_with('Z') && time.as_bytes()[19] == b'.', "RFC 3339 ms: {line}");
        assert!(line.contains("HTTP 503"), "{line}");
    }
    assert!(
        run.stdout.contains("Failure windows (consecutive failed rounds): 1"),
        "the server never recovers: one window:\n{run}"
    );
    let window = run.stdout.lines().find(|l| l.trim_start().starts_with("1. ")).expect("the window's line");
    assert!(window.contains(" → ") && window.contains("/readiness") && window.contains("/liveness"), "{window}");
    assert!(run.stdout.contains("FAIL  ") && run.stdout.contains("samples failed"), "{run}");
}

#[test]
fn watch_of_a_healthy_server_exits_0() {
    let (url, _) = healthy_server();
    let run = verify(&["--url", &url, "--watch", "500ms", "--interval", "50ms", "--json"]);
    assert_eq!(run.code, 0, "{run}");
    let report = run.json();
    assert_eq!(report["failures"], 0);
    assert!(report["rounds"].as_u64().unwrap() >= 5, "{report}");
    assert_eq!(report["samples"].as_u64().unwrap(), report["rounds"].as_u64().unwrap() * 5);
    assert!(report["windows"].as_array().unwrap().is_empty());
    assert!(report["failed_samples"].as_array().unwrap().is_empty());
}

/// The real app on `spin up`.
mod on_spin {
    use mewayz_tests::spin::SpinApp;

    use super::*;

    #[test]
    fn verify_passes_every_verdict_on_the_real_app() {
        let app = SpinApp::start();
        let run = verify(&["--url", &app.url("/"), "--samples", "5", "--max-p99", "1s"]);
        println!("{run}");
        assert_eq!(run.code, 0, "{run}\n{}", app.logs());
        for name in VERDICTS {
            assert!(run.verdict(name).contains("PASS"), "{name}: {run}");
        }
        assert!(run.stdout.contains("No sample failed"), "{run}");
    }

    #[test]
    fn watch_sees_no_failure_on_the_real_app() {
        let app = SpinApp::start();
        let run = verify(&["--url", &app.url(""), "--watch", "2s"]);
        println!("{run}");
        assert_eq!(run.code, 0, "{run}\n{}", app.logs());
        assert!(run.stdout.contains("Failure windows: none"), "{run}");
        assert!(run.stdout.contains("PASS  no probe failed"), "{run}");
        assert!(!run.stdout.contains("  FAIL  "), "{run}");
    }
}
