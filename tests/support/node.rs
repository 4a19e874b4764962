//! SpinKube's node runtime, started for one test: containerd (its own root,
//! state and socket in a temporary directory) with `containerd-shim-spin-v2`
//! on `PATH`, and a local OCI registry (Debian's `docker-registry`) on a free
//! loopback port. The app takes the path a user's app takes on a cluster:
//! `spin registry push` → `ctr image pull` → `ctr run --runtime
//! io.containerd.spin.v2`, with variables as `SPIN_VARIABLE_*` container
//! environment, as spin-operator sets them.

use std::{
    collections::BTreeSet,
    fs::File,
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::{http, manifest::build_components_spin3, spin::free_port};

/// The runtime handler containerd routes to `containerd-shim-spin-v2`.
pub const SPIN_RUNTIME: &str = "io.containerd.spin.v2";
/// The containerd namespace the tests work in.
const NAMESPACE: &str = "mewayz";
/// How long a task may take from `ctr run` to answering: the shim
/// precompiles every component it keeps before it listens.
const START_DEADLINE: Duration = Duration::from_secs(120);

/// A program the node runtime needs, found on `PATH`, or a panic that says
/// how to get it (tests/run.sh checks the same before any test runs).
pub fn program(name: &str) -> PathBuf {
    which(name).unwrap_or_else(|| {
        panic!(
            "`{name}` is not on PATH: tier d (SpinKube's node runtime) needs containerd >= 1.7.7 with ctr, \
             containerd-shim-spin-v2 and docker-registry — see docs/testing.md, \"Installing the runtimes\""
        )
    })
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `PATH` for containerd: where its shim and ctr were found, then the usual.
fn node_path() -> String {
    let shim_dir = program(SHIM_BINARY).parent().unwrap().display().to_string();
    format!("{shim_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

/// Starts `command` in its own process group, told to stop (SIGTERM) if the
/// test process dies without dropping us.
fn spawn(mut command: Command, log: &Path) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(File::create(log).expect("creating a log"))
        .stderr(File::create(log.with_extension("err")).expect("creating a log"))
        .process_group(0);
    // SAFETY: prctl is async-signal-safe and only asks the kernel for a
    // signal when the thread that started the child goes away.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    command.spawn().unwrap_or_else(|e| panic!("starting {command:?}: {e}"))
}

fn stop(child: &mut Child) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Panics with the command's output unless it succeeded.
#[track_caller]
pub fn check(what: &str, output: Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{what} failed ({}):\n{text}", output.status);
    text
}

/// One node: containerd with the Spin shim, and a registry next to it.
pub struct Node {
    dir: tempfile::TempDir,
    containerd: Child,
    registry: Child,
    socket: PathBuf,
    /// `127.0.0.1:PORT` of the registry.
    pub registry_addr: String,
}

impl Node {
    pub fn start() -> Self {
        // SAFETY: geteuid has no preconditions.
        assert!(
            unsafe { libc::geteuid() } == 0,
            "tier d runs containerd, which mounts snapshots: run the tests as root"
        );
        program(SHIM_BINARY);
        let dir = tempfile::Builder::new().prefix("mewayz-node-").tempdir().expect("temp dir");
        let socket = dir.path().join("containerd.sock");
        let config = dir.path().join("containerd.toml");
        std::fs::write(
            &config,
            format!(
                "version = 2\nroot = {:?}\nstate = {:?}\n\
                 # No Kubernetes here: the CRI plugin would only look for CNI.\n\
                 disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
                 [grpc]\n  address = {socket:?}\n[ttrpc]\n  address = \"{}.ttrpc\"\n",
                dir.path().join("root"),
                dir.path().join("state"),
                socket.display(),
            ),
        )
        .unwrap();
        // A clean environment, as a node's service manager gives containerd:
        // tasks inherit containerd's environment, and the shim resolves a
        // Spin variable from a plain `NAME` variable too (tier d shows it) —
        // the test process's DATABASE_URL would reach every app.
        let mut command = Command::new(program("containerd"));
        command.arg("--config").arg(&config).env_clear().env("PATH", node_path());
        let containerd = spawn(command, &dir.path().join("containerd.log"));

        let registry_addr = format!("127.0.0.1:{}", free_port());
        let registry_config = dir.path().join("registry.yml");
        std::fs::write(
            &registry_config,
            format!(
                "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n\
                 storage:\n  filesystem:\n    rootdirectory: {:?}\n  delete:\n    enabled: true\n\
                 http:\n  addr: {registry_addr}\n",
                dir.path().join("registry"),
            ),
        )
        .unwrap();
        let mut command = Command::new(program("docker-registry"));
        command.arg("serve").arg(&registry_config);
        let registry = spawn(command, &dir.path().join("registry.log"));

        let mut node = Node { dir, containerd, registry, socket, registry_addr };
        node.wait_until_up();
        node
    }

    fn wait_until_up(&mut self) {
        let started = Instant::now();
        loop {
            for (name, exited) in [("containerd", self.containerd.try_wait()), ("registry", self.registry.try_wait())] {
                if let Some(status) = exited.unwrap() {
                    panic!("{name} exited ({status}):\n{}", self.logs_of(name));
                }
            }
            let containerd_up = self.socket.exists() && self.ctr(&["version"]).status.success();
            let registry_up = http::get(&format!("http://{}/v2/", self.registry_addr)).is_ok_and(|r| r.status == 200);
            if containerd_up && registry_up {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the node did not come up:\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn logs_of(&self, name: &str) -> String {
        let log = self.dir.path().join(format!("{name}.log"));
        format!("--- {name} ---\n{}{}", read(&log), read(&log.with_extension("err")))
    }

    /// containerd's and the registry's logs.
    pub fn logs(&self) -> String {
        format!("{}\n{}", self.logs_of("containerd"), self.logs_of("registry"))
    }

    /// Runs `ctr` against this node's containerd, in the tests' namespace.
    pub fn ctr(&self, args: &[&str]) -> Output {
        Command::new(program("ctr"))
            .arg("--address")
            .arg(&self.socket)
            .args(["--namespace", NAMESPACE])
            .args(args)
            .output()
            .expect("running ctr")
    }

    /// The node's own temporary directory (its containerd, registry and
    /// scratch files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `NAME:TAG` in this node's registry.
    pub fn reference(&self, name: &str, tag: &str) -> String {
        format!("{}/mewayz/{name}:{tag}", self.registry_addr)
    }

    /// `spin registry push` of this checkout's Spin 3.6 build, built first:
    /// containerd-shim-spin 0.24 runs Spin 3.6.3. Returns the time the push
    /// took.
    pub fn push(&self, reference: &str) -> Duration {
        self.push_manifest(&build_components_spin3(), reference)
    }

    /// `spin registry push` of the app described by `manifest` (its
    /// components already built): what a split SpinApp's own image is
    /// pushed from (`mewayz_manifest::subset`). Returns the time it took.
    pub fn push_manifest(&self, manifest: &Path, reference: &str) -> Duration {
        let spin = crate::spin::spin3_binary().expect("no `spin` on PATH and SPIN3_BIN is unset");
        let started = Instant::now();
        let output = Command::new(spin)
            .args(["registry", "push", "--insecure", "--from"])
            .arg(manifest)
            .arg("--cache-dir")
            .arg(self.dir.path().join("spin-cache"))
            .arg(reference)
            .env("HOME", self.dir.path())
            .output()
            .expect("running spin registry push");
        let took = started.elapsed();
        check(&format!("spin registry push {reference}"), output);
        took
    }

    /// The layers the shim has precompiled on this node: the digests named
    /// by the `runwasi.io/precompiled/…/original` labels of its content.
    pub fn precompiled_layers(&self) -> BTreeSet<String> {
        let listing = check("ctr content ls", self.ctr(&["content", "ls"]));
        listing
            .split([',', ' ', '\t', '\n'])
            .filter(|label| label.starts_with("runwasi.io/precompiled/"))
            .filter_map(|label| label.split_once("/original=").map(|(_, digest)| digest.to_string()))
            .collect()
    }

    /// `ctr image pull` over plain HTTP. Returns the time it took.
    pub fn pull(&self, reference: &str) -> Duration {
        let started = Instant::now();
        let output = self.ctr(&["image", "pull", "--plain-http", reference]);
        let took = started.elapsed();
        check(&format!("ctr image pull {reference}"), output);
        took
    }

    /// The registry's access log so far: one `METHOD PATH` per request.
    pub fn registry_requests(&self) -> Vec<String> {
        let log = self.dir.path().join("registry.log");
        let text = format!("{}{}", read(&log), read(&log.with_extension("err")));
        // Access log lines are Apache combined format: `… "GET /v2/… HTTP/1.1" 200 …`.
        text.lines()
            .filter_map(|line| {
                let request = line.split('"').nth(1)?;
                let mut words = request.split_whitespace();
                let method = words.next()?;
                let path = words.next()?;
                path.starts_with("/v2/").then(|| format!("{method} {path}"))
            })
            .collect()
    }

    /// A document from the registry: a manifest (`manifests/TAG`) or a blob.
    pub fn registry_json(&self, name: &str, what: &str) -> Value {
        let url = format!("http://{}/v2/mewayz/{name}/{what}", self.registry_addr);
        let accept = "application/vnd.oci.image.manifest.v1+json";
        let reply = http::send("GET", &url, &[("accept", accept)], Vec::new()).expect("asking the registry");
        assert_eq!(reply.status, 200, "GET {url}: {}", reply.text());
        reply.json()
    }

    /// Starts a task of `reference` under the Spin shim, as the kubelet
    /// would start a SpinApp's container, and waits until it answers.
    pub fn run(&self, reference: &str, options: RunOptions) -> Task<'_> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let id = format!("task-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut args: Vec<String> = vec!["run".into(), "--net-host".into(), "--runtime".into(), SPIN_RUNTIME.into()];
        let port = if options.shim_default_listen {
            assert!(TcpListener::bind("0.0.0.0:80").is_ok(), "port 80 is taken: the shim's default listener needs it");
            80
        } else {
            let port = free_port();
            args.extend(["--env".into(), format!("SPIN_HTTP_LISTEN_ADDR=127.0.0.1:{port}")]);
            port
        };
        for (key, value) in &options.env {
            args.extend(["--env".into(), format!("{key}={value}")]);
        }
        for (host, container) in &options.mounts {
            args.extend([
                "--mount".into(),
                format!("type=bind,src={},dst={container},options=rbind:rw", host.display()),
            ]);
        }
        if let Some(bytes) = options.memory_limit {
            args.extend(["--memory-limit".into(), bytes.to_string()]);
        }
        // ctr wants a command; the shim ignores it (the app is the image).
        args.extend([reference.to_string(), id.clone(), "/".into()]);
        // Attached, not --detach: ctr copies what the app prints to our log.
        let log = self.dir.path().join(format!("{id}.log"));
        let mut command = Command::new(program("ctr"));
        command.arg("--address").arg(&self.socket).args(["--namespace", NAMESPACE]).args(&args);
        let started = Instant::now();
        let ctr = spawn(command, &log);
        let mut task = Task { node: self, id, port, log, ctr, started, first_answer: None };
        task.wait_until_answering();
        task
    }
}

/// containerd's name for the shim binary it looks up on `PATH`.
const SHIM_BINARY: &str = "containerd-shim-spin-v2";

impl Drop for Node {
    fn drop(&mut self) {
        // Tasks first: their shims outlive containerd otherwise.
        let listed = self.ctr(&["task", "list", "--quiet"]);
        for id in String::from_utf8_lossy(&listed.stdout).split_whitespace() {
            let _ = self.ctr(&["task", "kill", "--signal", "SIGKILL", id]);
            let _ = self.ctr(&["task", "delete", "--force", id]);
        }
        stop(&mut self.containerd);
        stop(&mut self.registry);
        // Whatever is still mounted under our directory (a snapshot of a task
        // that did not stop) would keep it from being removed.
        let mounts = read(Path::new("/proc/self/mounts"));
        let ours = self.dir.path().to_string_lossy().to_string();
        for target in mounts.lines().filter_map(|l| l.split_whitespace().nth(1)).filter(|t| t.starts_with(&ours)) {
            // SAFETY: a valid C string; a lazy unmount of our own mount.
            let target = std::ffi::CString::new(target).unwrap();
            unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        }
    }
}

/// How a task is started.
#[derive(Default, Clone)]
pub struct RunOptions {
    /// Container environment: `SPIN_VARIABLE_*`, `SPIN_COMPONENTS_TO_RETAIN`.
    pub env: Vec<(String, String)>,
    /// Host directory → path in the container (a Kubernetes volume).
    pub mounts: Vec<(PathBuf, String)>,
    /// The container's memory limit in bytes (a pod's `limits.memory`).
    pub memory_limit: Option<u64>,
    /// Leave `SPIN_HTTP_LISTEN_ADDR` unset, as SpinKube does: the shim then
    /// listens on 0.0.0.0:80 (the port SpinKube's probes and Service use).
    pub shim_default_listen: bool,
}

/// A running task; killed and deleted when dropped.
pub struct Task<'a> {
    node: &'a Node,
    pub id: String,
    port: u16,
    log: PathBuf,
    ctr: Child,
    started: Instant,
    first_answer: Option<Duration>,
}

impl Task<'_> {
    fn wait_until_answering(&mut self) {
        loop {
            if let Some(status) = self.ctr.try_wait().unwrap() {
                panic!("task {} ended before it answered ({status}):\n{}", self.id, self.logs());
            }
            if http::get(&self.url("/.well-known/spin/health")).is_ok_and(|r| r.status == 200) {
                self.first_answer = Some(self.started.elapsed());
                self.assert_owns_listener();
                return;
            }
            assert!(
                self.started.elapsed() < START_DEADLINE,
                "task {} did not answer within {START_DEADLINE:?}:\n{}",
                self.id,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whatever answered must be this task: the socket listening on its port
    /// belongs to a process in the task's cgroup — not to some other app that
    /// took the port first, and not to a stand-in for the shim.
    fn assert_owns_listener(&self) {
        let port = format!(":{:04X}", self.port);
        let tcp = read(Path::new("/proc/net/tcp"));
        // sl local_address rem_address st … inode: state 0A is LISTEN.
        let inode = tcp
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|f| f.len() > 9 && f[1].ends_with(&port) && f[3] == "0A")
            .map(|f| f[9].to_string())
            .unwrap_or_else(|| panic!("nothing listens on port {}:\n{tcp}", self.port));
        let socket = format!("socket:[{inode}]");
        let owner = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
            .find(|e| {
                std::fs::read_dir(e.path().join("fd"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.as_os_str() == socket.as_str()))
            })
            .unwrap_or_else(|| panic!("no process owns the listener on port {}", self.port));
        let cgroups = read(&owner.path().join("cgroup"));
        let cmdline = read(&owner.path().join("cmdline")).replace('\0', " ");
        assert!(
            cgroups.lines().any(|l| l.ends_with(&format!("/{NAMESPACE}/{}", self.id))),
            "port {} is served by process {} ({cmdline}), which is not task {}:\n{cgroups}",
            self.port,
            owner.file_name().to_string_lossy(),
            self.id
        );
    }

    /// From `ctr run` to the first answer.
    pub fn time_to_first_answer(&self) -> Duration {
        self.first_answer.expect("the task answered")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What the app printed, then the node's logs (the shim reports
    /// through containerd's).
    pub fn logs(&self) -> String {
        let app = format!("{}{}", read(&self.log), read(&self.log.with_extension("err")));
        format!("--- task {} ---\n{app}\n{}", self.id, self.node.logs())
    }

    /// The host process of the task (`ctr task list`'s PID).
    pub fn pid(&self) -> u32 {
        let listing = check("ctr task list", self.node.ctr(&["task", "list"]));
        listing
            .lines()
            .find(|l| l.starts_with(&self.id))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_else(|| panic!("task {} is not listed:\n{listing}", self.id))
    }

    /// The task's container memory cgroup as `(now, peak)` in bytes: what a
    /// pod's memory limit is held against. The shim process that starts the
    /// task (and precompiles its components) lives outside it.
    pub fn memory(&self) -> (u64, u64) {
        let cgroups = read(Path::new(&format!("/proc/{}/cgroup", self.pid())));
        let number = |path: String| -> u64 {
            read(Path::new(&path)).trim().parse().unwrap_or_else(|_| panic!("reading {path}"))
        };
        match cgroups.lines().find_map(|l| l.split_once(":memory:").map(|(_, p)| p.to_string())) {
            Some(v1) => (
                number(format!("/sys/fs/cgroup/memory{v1}/memory.usage_in_bytes")),
                number(format!("/sys/fs/cgroup/memory{v1}/memory.max_usage_in_bytes")),
            ),
            None => {
                let v2 = cgroups.lines().find_map(|l| l.strip_prefix("0::")).expect("a cgroup");
                (
                    number(format!("/sys/fs/cgroup{v2}/memory.current")),
                    number(format!("/sys/fs/cgroup{v2}/memory.peak")),
                )
            }
        }
    }

    /// Sends a signal, as the kubelet does on pod deletion (`SIGTERM`).
    pub fn signal(&self, signal: &str) {
        check("ctr task kill", self.node.ctr(&["task", "kill", "--signal", signal, &self.id]));
    }

    /// Whether the task is still running.
    pub fn is_running(&self) -> bool {
        let listing = check("ctr task list", self.node.ctr(&["task", "list"]));
        listing.lines().any(|l| l.starts_with(&self.id) && l.contains("RUNNING"))
    }
}

impl Drop for Task<'_> {
    fn drop(&mut self) {
        let _ = self.node.ctr(&["task", "kill", "--signal", "SIGKILL", &self.id]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.is_running_quiet() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        stop(&mut self.ctr);
        let _ = self.node.ctr(&["task", "delete", "--force", &self.id]);
        let _ = self.node.ctr(&["container", "delete", &self.id]);
    }
}

impl Task<'_> {
    fn is_running_quiet(&self) -> bool {
        let listing = self.node.ctr(&["task", "list"]);
        String::from_utf8_lossy(&listing.stdout).lines().any(|l| l.starts_with(&self.id) && l.contains("RUNNING"))
    }
}
