//! What a hung database costs the app on Spin 4: PostgreSQL stopped with
//! SIGSTOP for 30 s under 16 clients sending `me` (one statement each) and
//! contacts creates, with the resident memory of `spin up` and its trigger
//! process sampled every 250 ms before, during and after the hang, and how
//! the requests answered in each phase. Prints figures for docs/benchmarks.md;
//! asserts nothing (tests/hung_database.rs holds the behaviour). Run by
//! `bash benches/hang.sh`.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use mewayz_tests::{
    app::{call_json, start_on_private_server},
    postgres::PgServer,
};
use serde_json::json;

const CLIENTS: usize = 16;
const BEFORE: Duration = Duration::from_secs(5);
const HANG: Duration = Duration::from_secs(30);
const AFTER: Duration = Duration::from_secs(5);

fn main() {
    let pg = PgServer::start();
    let app = start_on_private_server(&pg);
    let body = json!({"email": "hang@example.com", "password": "a long password"});
    let token = call_json(&app.url("/api/auth/register"), "POST", None, Some(body)).unwrap().json()["access_token"]
        .as_str()
        .expect("registered")
        .to_string();
    let ws = call_json(&app.url("/api/workspaces"), "POST", Some(&token), Some(json!({"name": "Hang"})))
        .unwrap()
        .json()["id"]
        .as_str()
        .expect("a workspace")
        .to_string();
    let contacts = app.url(&format!("/api/workspaces/{ws}/contacts"));
    let me = app.url("/api/auth/me");

    let stop = AtomicBool::new(false);
    let phase = Mutex::new("before");
    // (phase, status, seconds) of every answer.
    let answers = Mutex::new(Vec::<(&'static str, u16, f64)>::new());
    let memory = Mutex::new(Vec::<(&'static str, u64)>::new());
    thread::scope(|scope| {
        for client in 0..CLIENTS {
            let (stop, phase, answers, token, contacts, me) = (&stop, &phase, &answers, &token, &contacts, &me);
            scope.spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let now = *phase.lock().unwrap();
                    let started = Instant::now();
                    let reply = if n.is_multiple_of(2) {
                        call_json(me, "GET", Some(token), None)
                    } else {
                        call_json(contacts, "POST", Some(token), Some(json!({"first_name": format!("c{client}-{n}")})))
                    };
                    let status = reply.map_or(0, |r| r.status);
                    answers.lock().unwrap().push((now, status, started.elapsed().as_secs_f64()));
                }
            });
        }
        let (stop, phase, memory, app) = (&stop, &phase, &memory, &app);
        scope.spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let now = *phase.lock().unwrap();
                memory.lock().unwrap().push((now, app.resident_memory()));
                thread::sleep(Duration::from_millis(250));
            }
        });
        thread::sleep(BEFORE);
        *phase.lock().unwrap() = "hang";
        pg.pause();
        thread::sleep(HANG);
        pg.resume();
        *phase.lock().unwrap() = "after";
        thread::sleep(AFTER);
        stop.store(true, Ordering::Relaxed);
    });

    let spin = mewayz_tests::spin::spin_binary().map(|bin| {
        let output = std::process::Command::new(bin).arg("--version").output().expect("spin --version");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    });
    println!(
        "{}, {} cores, {CLIENTS} clients (me and contacts create), PostgreSQL stopped for {HANG:?}",
        spin.unwrap_or_default(),
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    let (memory, answers) = (memory.into_inner().unwrap(), answers.into_inner().unwrap());
    for phase in ["before", "hang", "after"] {
        let rss: Vec<u64> = memory.iter().filter(|(p, _)| *p == phase).map(|(_, b)| *b).collect();
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let mut statuses: Vec<(u16, usize)> = Vec::new();
        let mut slowest: f64 = 0.0;
        for (_, status, secs) in answers.iter().filter(|(p, _, _)| *p == phase) {
            slowest = slowest.max(*secs);
            match statuses.iter_mut().find(|(s, _)| s == status) {
                Some((_, count)) => *count += 1,
                None => statuses.push((*status, 1)),
            }
        }
        statuses.sort_unstable();
        println!(
            "{phase:<7} memory {:>6.1} MiB at first, {:>6.1} MiB at most; answers {statuses:?} (status, count; 0 = none), slowest {slowest:.2} s",
            rss.first().copied().map_or(0.0, mib),
            rss.iter().copied().max().map_or(0.0, mib),
        );
    }
}
