//! Figures of the app on SpinKube's node runtime (containerd +
//! containerd-shim-spin, pulled from a local registry) beside `spin up`:
//! push, pull and start times, probe latency under wrk, and memory idle and
//! under 40 concurrent logins. Prints a table and writes
//! target/bench/node.json. Asserts nothing. Run by `bash benches/node.sh`.

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use mewayz_tests::{
    app::{TEST_AUTH_SECRET, call_json},
    deploy::spinapps,
    load,
    node::{Node, RunOptions},
    repo_path,
    spin::{SpinApp, SpinOptions},
};
use serde_json::{Value, json};

const LOGIN_CLIENTS: usize = 40;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `wrk -t2 -c16 --latency` on one URL: requests/s, p50 and p99 as wrk prints them.
fn wrk(url: &str, seconds: u64) -> Value {
    let output = Command::new("wrk")
        .args(["-t2", "-c16", &format!("-d{seconds}s"), "--latency", url])
        .output()
        .expect("running wrk (Debian's wrk package)");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("wrk printed no {prefix:?}:\n{text}"))
    };
    json!({"requests_per_s": field("Requests/sec:"), "p50": field("50%"), "p99": field("99%")})
}

/// 40 clients, each with its own account (see [`register`]; one account
/// would meet its own login throttle), logging in for `seconds` while
/// `sample` is read every 50 ms; returns logins done and the highest sample.
fn login_storm(login_url: &str, seconds: u64, sample: impl Fn() -> u64) -> (u64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..LOGIN_CLIENTS)
        .map(|client| {
            let (stop, done, url) = (stop.clone(), done.clone(), login_url.to_string());
            std::thread::spawn(move || {
                let body = json!({"email": format!("bench{client}@example.com"), "password": "a long password"});
                while !stop.load(Ordering::Relaxed) {
                    // As a well-behaved client: `busy` is retried after Retry-After.
                    let reply = load::admitted(|| call_json(&url, "POST", None, Some(body.clone())));
                    if reply.is_ok_and(|r| r.status == 200) {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut peak = 0;
    while Instant::now() < until {
        peak = peak.max(sample());
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    clients.into_iter().for_each(|c| c.join().unwrap());
    (done.load(Ordering::Relaxed), peak.max(sample()))
}

/// The login storm's accounts, `bench0@example.com` … one per client.
fn register(base: &str) {
    for client in 0..LOGIN_CLIENTS {
        let body = json!({"email": format!("bench{client}@example.com"), "password": "a long password"});
        let reply = call_json(&format!("{base}/api/auth/register"), "POST", None, Some(body)).unwrap();
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
}

fn main() {
    let seconds: u64 = std::env::args().nth(1).map_or(8, |s| s.parse().expect("seconds"));
    let env = vec![("SPIN_VARIABLE_AUTH_SECRET".to_string(), TEST_AUTH_SECRET.to_string())];
    let mut report = json!({
        "machine": {"cores": std::thread::available_parallelism().map_or(0, |n| n.get())},
        "versions": {
            "spin": String::from_utf8_lossy(&Command::new(mewayz_tests::spin::spin_binary().unwrap()).arg("--version").output().unwrap().stdout).trim(),
            "shim": String::from_utf8_lossy(&Command::new("containerd-shim-spin-v2").arg("-v").output().unwrap().stdout).lines().find(|l| l.contains("Version")).unwrap_or("").trim(),
            "containerd": String::from_utf8_lossy(&Command::new("containerd").arg("--version").output().unwrap().stdout).trim(),
        },
        "wrk": format!("-t2 -c16 -d{seconds}s"),
    });

    // --- SpinKube's node runtime --------------------------------------------
    let node = Node::start();
    let image = node.reference("mewayz-api", "bench");
    let push = node.push(&image);
    let pull = node.pull(&image);
    let cold = node.run(&image, RunOptions { env: env.clone(), ..Default::default() });
    let cold_start = cold.time_to_first_answer();
    drop(cold);
    // A second pod on the same node finds the components precompiled.
    let task = node.run(&image, RunOptions { env: env.clone(), ..Default::default() });
    let warm_start = task.time_to_first_answer();
    register(&task.url(""));
    std::thread::sleep(Duration::from_secs(1));
    let (idle, _) = task.memory();
    let shim_probe = wrk(&task.url("/readiness"), seconds);
    let (shim_logins, shim_peak_sampled) = login_storm(&task.url("/api/auth/login"), seconds, || task.memory().0);
    let (_, shim_peak) = task.memory();
    report["shim"] = json!({
        "push_s": push.as_secs_f64(),
        "pull_s": pull.as_secs_f64(),
        "run_to_first_200_cold_s": cold_start.as_secs_f64(),
        "run_to_first_200_precompiled_s": warm_start.as_secs_f64(),
        "probe_readiness": shim_probe,
        "memory_idle_mib": mib(idle),
        "memory_peak_40_logins_mib": mib(shim_peak.max(shim_peak_sampled)),
        "logins_per_s": shim_logins as f64 / seconds as f64,
    });
    drop(task);

    // The split's accounts SpinApp alone: where logins land in that layout.
    let accounts =
        spinapps("split").into_iter().find(|a| a.name() == "mewayz-accounts").expect("deploy/split/accounts.yaml");
    let accounts_env = accounts.container_env(|name| (name == "auth_secret").then(|| TEST_AUTH_SECRET.to_string()));
    let task = node.run(&image, RunOptions { env: accounts_env, ..Default::default() });
    register(&task.url(""));
    std::thread::sleep(Duration::from_secs(1));
    let (idle, _) = task.memory();
    let (logins, peak_sampled) = login_storm(&task.url("/api/auth/login"), seconds, || task.memory().0);
    report["shim_accounts_spinapp"] = json!({
        "memory_idle_mib": mib(idle),
        "memory_peak_40_logins_mib": mib(task.memory().1.max(peak_sampled)),
        "logins_per_s": logins as f64 / seconds as f64,
    });
    drop(task);
    drop(node);

    // Each split SpinApp in an image of its own (deploy/split/), each the
    // first pod of its image on a node that has seen none of them.
    let node = Node::start();
    let full = mewayz_tests::manifest::build_components_spin3();
    let mut starts = serde_json::Map::new();
    for app in spinapps("split") {
        let components = app.components().expect("a split SpinApp names its components");
        let manifest = node.dir().join(format!("{}.toml", app.name()));
        std::fs::write(&manifest, mewayz_manifest::subset(&full, &components).expect("a subset")).unwrap();
        let image = node.reference(app.name(), "bench");
        node.push_manifest(&manifest, &image);
        node.pull(&image);
        let env = app.container_env(|name| (name == "auth_secret").then(|| TEST_AUTH_SECRET.to_string()));
        let task = node.run(&image, RunOptions { env, ..Default::default() });
        starts.insert(app.name().to_string(), json!(task.time_to_first_answer().as_secs_f64()));
    }
    report["shim_split_images_run_to_first_200_cold_s"] = Value::Object(starts);
    drop(node);

    // --- spin up, for comparison ----------------------------------------------
    let spin = SpinApp::start_with(SpinOptions { env, ..Default::default() });
    register(&spin.url(""));
    std::thread::sleep(Duration::from_secs(1));
    let idle = spin.resident_memory();
    let spin_probe = wrk(&spin.url("/readiness"), seconds);
    let (spin_logins, spin_peak) = login_storm(&spin.url("/api/auth/login"), seconds, || spin.resident_memory());
    report["spin_up"] = json!({
        "probe_readiness": spin_probe,
        "memory_idle_mib": mib(idle),
        "memory_peak_40_logins_mib": mib(spin_peak),
        "logins_per_s": spin_logins as f64 / seconds as f64,
    });

    let out = repo_path("target/bench/node.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    let (s, u) = (&report["shim"], &report["spin_up"]);
    println!("{} | {} | {}", report["versions"]["spin"], report["versions"]["shim"], report["versions"]["containerd"]);
    println!("{} cores, wrk {}", report["machine"]["cores"], report["wrk"]);
    println!(
        "push {:.2} s, pull {:.2} s, ctr run → first 200: {:.2} s (cold), {:.2} s (precompiled on this node)",
        s["push_s"].as_f64().unwrap(),
        s["pull_s"].as_f64().unwrap(),
        s["run_to_first_200_cold_s"].as_f64().unwrap(),
        s["run_to_first_200_precompiled_s"].as_f64().unwrap()
    );
    println!("{:<28} {:>14} {:>14}", "", "shim", "spin up");
    for (label, key) in [("/readiness req/s", "requests_per_s"), ("/readiness p50", "p50"), ("/readiness p99", "p99")] {
        println!(
            "{label:<28} {:>14} {:>14}",
            s["probe_readiness"][key].as_str().unwrap(),
            u["probe_readiness"][key].as_str().unwrap()
        );
    }
    for (label, key) in [
        ("memory idle (MiB)", "memory_idle_mib"),
        ("memory peak, 40 logins (MiB)", "memory_peak_40_logins_mib"),
        ("logins/s (40 clients)", "logins_per_s"),
    ] {
        println!("{label:<28} {:>14.1} {:>14.1}", s[key].as_f64().unwrap(), u[key].as_f64().unwrap());
    }
    let a = &report["shim_accounts_spinapp"];
    println!(
        "split accounts SpinApp on the shim: memory idle {:.1} MiB, peak under 40 logins {:.1} MiB, {:.1} logins/s",
        a["memory_idle_mib"].as_f64().unwrap(),
        a["memory_peak_40_logins_mib"].as_f64().unwrap(),
        a["logins_per_s"].as_f64().unwrap()
    );
    let starts = report["shim_split_images_run_to_first_200_cold_s"].as_object().unwrap();
    let starts: Vec<String> = starts.iter().map(|(name, s)| format!("{name} {:.2} s", s.as_f64().unwrap())).collect();
    println!("split SpinApps, each in its own image, ctr run → first 200 (cold): {}", starts.join(", "));
    println!(
        "shim memory: the task's container cgroup (what a pod limit sees); spin up: resident memory of spin and its trigger"
    );
    println!("written to {}", out.display());
}
