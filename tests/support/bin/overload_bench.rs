//! Probes under load on `spin up`: the kubelet-style sampler (a fresh
//! connection every 150 ms on `/liveness` and `/readiness`, 1 s timeout) at
//! rest, under 40 and 200 clients logging in (40 accounts, Argon2 at the
//! configured cost, clients that honour `Retry-After`) and under `me` at 64
//! connections, on SQLite and on PostgreSQL; with the peak resident memory
//! of `spin up` and its trigger during each. Prints a table for docs/benchmarks.md
//! and asserts nothing (tests/overload.rs holds the behaviour). Run by
//! `bash benches/overload.sh`.
//!
//! `OVERLOAD_SECONDS` (default 20) sets each phase's length,
//! `OVERLOAD_SLOTS` the app's `password_hash_slots` (default: spin.toml's),
//! `OVERLOAD_BACKENDS` (`sqlite,postgres`) the backends.

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Duration,
};

use mewayz_tests::{
    app::{Backend, TEST_AUTH_SECRET, TestApp},
    load::{self, ProbeSampler},
};

const PROBES: [&str; 2] = ["/liveness", "/readiness"];

/// One phase's load: runs it and says what it got.
type Load<'a> = Box<dyn Fn() -> String + 'a>;

fn main() {
    let seconds: u64 = std::env::var("OVERLOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let phase = Duration::from_secs(seconds);
    let slots = std::env::var("OVERLOAD_SLOTS").ok();
    let backends = std::env::var("OVERLOAD_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!(
        "overload: {seconds} s per phase, password_hash_slots = {}, on {} ({} cores)",
        slots.as_deref().unwrap_or("spin.toml's default"),
        mewayz_tests::spin::spin_binary().map(|p| p.display().to_string()).unwrap_or_default(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("| backend | load | probes | failed | p50 | p99 | max | logins/s (busy answers) | peak memory |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for backend in backends.split(',') {
        let backend = match backend.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("OVERLOAD_BACKENDS: unknown backend {other:?}"),
        };
        let mut vars = vec![("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET)];
        if let Some(slots) = &slots {
            vars.push(("SPIN_VARIABLE_PASSWORD_HASH_SLOTS", slots));
        }
        let app = TestApp::start_with(backend, &vars);
        let base = app.url("");
        let accounts = load::accounts(&base, "bench", 40);
        let token = app.register("bench-me@example.com").token;

        let loads: [(&str, Load<'_>); 4] = [
            (
                "at rest",
                Box::new(|| {
                    std::thread::sleep(phase);
                    String::from("—")
                }),
            ),
            ("40 logging in", Box::new(|| burst(&base, &accounts, 40, phase))),
            ("200 logging in", Box::new(|| burst(&base, &accounts, 200, phase))),
            (
                "`me` at 64 connections",
                Box::new(|| {
                    let (answered, failed) = load::me_burst(&base, &token, 64, phase);
                    format!("`me` {:.0}/s, {} failed", answered as f64 / phase.as_secs_f64(), failed.len())
                }),
            ),
        ];
        for (name, run) in loads {
            let peak = AtomicU64::new(0);
            let done = AtomicBool::new(false);
            let (probes, outcome) = std::thread::scope(|scope| {
                scope.spawn(|| {
                    while !done.load(Ordering::Relaxed) {
                        peak.fetch_max(app.spin().resident_memory(), Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(250));
                    }
                });
                let sampler = ProbeSampler::start(&base, &PROBES);
                let outcome = run();
                let probes = sampler.finish();
                done.store(true, Ordering::Relaxed);
                (probes, outcome)
            });
            println!(
                "| {backend:?} | {name} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {outcome} | {} MiB |",
                probes.probes.len(),
                probes.failures().len(),
                load::ms(probes.quantile(0.5)),
                load::ms(probes.quantile(0.99)),
                load::ms(probes.quantile(1.0)),
                peak.load(Ordering::Relaxed) >> 20
            );
        }
    }
}

fn burst(base: &str, accounts: &[serde_json::Value], clients: usize, phase: Duration) -> String {
    let report = load::login_burst(base, accounts, clients, phase);
    for failure in report.failed.iter().take(3) {
        eprintln!("{clients} logging in: a login failed: {failure}");
    }
    format!("{:.1} ({} busy, {} failed)", report.per_second(), report.busy, report.failed.len())
}
