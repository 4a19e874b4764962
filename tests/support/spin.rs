//! Runs the application on a real `spin` binary for end-to-end tests.

use std::{
    fs::File,
    net::TcpListener,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    http,
    manifest::{build_components, build_components_spin3},
    repo_path,
};

/// How long Spin may take to load the app and answer.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// The Spin 4 binary the app runs on: `$SPIN_BIN`, else `spin-4.0.2` or
/// `spin` on `PATH` (tests/run.sh checks the version).
pub fn spin_binary() -> Option<PathBuf> {
    binary("SPIN_BIN", &["spin-4.0.2", "spin"])
}

/// The Spin 3.6 binary the previous generation's build runs on:
/// `$SPIN3_BIN`, else `spin-3.6.3` or `spin` on `PATH`.
pub fn spin3_binary() -> Option<PathBuf> {
    binary("SPIN3_BIN", &["spin-3.6.3", "spin"])
}

fn binary(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os(variable).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|c| c.is_file()))
}

/// Options for starting the app.
#[derive(Default)]
pub struct SpinOptions {
    /// Run only these components (`spin up -c`); all when empty.
    pub components: Vec<String>,
    /// Extra environment, e.g. `SPIN_VARIABLE_*`. Nothing else of the test
    /// process's environment reaches Spin but `PATH` and `HOME`.
    pub env: Vec<(String, String)>,
    /// Another app's spin.toml (the benchmark's floor); the app's when `None`.
    pub manifest: Option<PathBuf>,
    /// More `spin up` arguments, e.g. `--idle-instance-timeout 60s`.
    pub args: Vec<String>,
    /// The Spin 3.6 build (`target/spin3/spin.toml`) on Spin 3.6 instead
    /// of the default build on Spin 4.
    pub spin3: bool,
}

/// A running `spin up`, stopped (and its state deleted) when dropped — also
/// when the test panics, and, through the parent-death signal, when the test
/// process itself dies. `spin up` runs the app in a child process
/// (`spin trigger http`), so both live in their own process group and are
/// stopped together: SIGTERM first (spin up then stops its trigger), SIGKILL
/// for whatever is left.
pub struct SpinApp {
    child: Child,
    base_url: String,
    log: PathBuf,
    state: tempfile::TempDir,
}

impl SpinApp {
    /// Starts the whole app. Panics with one clear line if Spin is not installed.
    pub fn start() -> Self {
        Self::start_with(SpinOptions::default())
    }

    pub fn start_with(options: SpinOptions) -> Self {
        let (spin, manifest) = if options.spin3 {
            let spin = spin3_binary().expect("no `spin` on PATH and SPIN3_BIN is unset: Spin 3.6's tier cannot run");
            (spin, options.manifest.clone().unwrap_or_else(build_components_spin3))
        } else {
            let spin =
                spin_binary().expect("no `spin-4.0.2` or `spin` on PATH and SPIN_BIN is unset: tier c cannot run");
            build_components();
            (spin, options.manifest.clone().unwrap_or_else(|| repo_path("spin.toml")))
        };
        let state = tempfile::tempdir().expect("creating a state directory");
        let log = state.path().join("spin.log");
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");

        let mut command = Command::new(&spin);
        command
            .arg("up")
            .arg("--from")
            .arg(manifest)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--state-dir")
            .arg(state.path().join("spin"))
            .env_clear()
            .envs(["PATH", "HOME"].iter().filter_map(|k| Some((k, std::env::var_os(k)?))))
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(File::create(&log).expect("creating the Spin log"))
            .stderr(File::create(state.path().join("spin.err")).expect("creating the Spin log"));
        for component in &options.components {
            command.arg("--component-id").arg(component);
        }
        command.args(&options.args);
        command.process_group(0);
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to
        // signal Spin if the thread that started it goes away without dropping
        // us. SIGTERM, not SIGKILL: `spin up` then stops its trigger process.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", spin.display()));
        let mut app = SpinApp { child, base_url, log, state };
        app.wait_until_listening();
        app
    }

    /// Spin's `--state-dir`: where it keeps the SQLite `default` database
    /// (`sqlite_db.db`).
    pub fn state_dir(&self) -> PathBuf {
        self.state.path().join("spin")
    }

    fn wait_until_listening(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("polling spin") {
                panic!("spin exited before it answered ({status}):\n{}", self.logs());
            }
            if http::get(&self.url("/.well-known/spin/health")).is_ok_and(|reply| reply.status == 200) {
                return;
            }
            if started.elapsed() > START_DEADLINE {
                panic!("spin did not answer within {START_DEADLINE:?}:\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The absolute URL of `path` on this app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Resident memory of `spin up` and its trigger process together, in bytes.
    pub fn resident_memory(&self) -> u64 {
        let group = self.child.id().to_string();
        let mut total = 0;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // pid (comm) state ppid pgrp …: the fields after the command name.
            let fields: Vec<&str> = stat.rsplit_once(')').map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
            if fields.get(2) != Some(&group.as_str()) {
                continue;
            }
            let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            let kib: u64 = status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0);
            total += kib * 1024;
        }
        total
    }

    /// What Spin printed so far (stdout, then stderr), then what each
    /// component wrote (Spin keeps component stdio in the state's `logs/`).
    pub fn logs(&self) -> String {
        let out = std::fs::read_to_string(&self.log).unwrap_or_default();
        let err = std::fs::read_to_string(self.log.with_file_name("spin.err")).unwrap_or_default();
        let mut text = format!("--- spin stdout ---\n{out}\n--- spin stderr ---\n{err}");
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.log.with_file_name("spin").join("logs"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for file in files {
            let content = std::fs::read_to_string(&file).unwrap_or_default();
            if !content.is_empty() {
                text.push_str(&format!("\n--- {} ---\n{content}", file.file_name().unwrap().to_string_lossy()));
            }
        }
        text
    }
}

impl Drop for SpinApp {
    fn drop(&mut self) {
        let group = -(self.child.id() as i32);
        // SAFETY: signalling our own child's process group.
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above; the group may already be empty.
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago. Whoever binds it next may lose a race:
/// Spin then exits (its log is in the panic message) and a shim task fails
/// the listener-ownership check.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("finding a free port")
}
