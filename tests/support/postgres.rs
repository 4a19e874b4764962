//! Throwaway PostgreSQL servers for the tests: `initdb` into a temporary
//! directory, a free loopback port, trust auth, stopped when dropped.

use std::{
    net::TcpListener,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
    sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    },
};

/// Where the PostgreSQL server programs are: `$PG_BIN`, `PATH`, or Debian's
/// `/usr/lib/postgresql/<version>/bin`.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    {
        return dir;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .pop()
        .filter(|d| d.join("initdb").is_file())
        .expect("PostgreSQL server programs not found: install Debian's postgresql package (tests/run.sh does)")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs a PostgreSQL program; as root, as the `postgres` user (initdb and
/// postgres refuse to run as root).
fn run(program: &str, args: &[&str]) -> Output {
    let path = bin_dir().join(program);
    let mut command = if is_root() {
        // runuser lives in sbin, which a plain PATH may lack.
        let runuser = ["/usr/sbin/runuser", "/sbin/runuser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("runuser");
        let mut c = Command::new(runuser);
        c.args(["-u", "postgres", "--"]).arg(&path);
        c
    } else {
        Command::new(&path)
    };
    // `/`: the postgres user may not enter the test's working directory.
    command.args(args).current_dir("/").output().unwrap_or_else(|e| panic!("running {}: {e}", path.display()))
}

fn check(what: &str, output: Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A private PostgreSQL server, stopped when dropped — and when the test
/// process dies without dropping it (a runner's timeout kills it): a
/// watchdog process of its own ends the server's process group then, even
/// a server the test had stopped with SIGSTOP.
pub struct PgServer {
    dir: tempfile::TempDir,
    pub port: u16,
    /// One per start: each ends its postmaster's group when its stdin, held
    /// here, closes.
    watchdogs: Mutex<Vec<Child>>,
}

impl PgServer {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new().prefix("mewayz-pg-").tempdir().expect("temp dir");
        if is_root() {
            let status = Command::new("chown").args(["-R", "postgres:"]).arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown of the PostgreSQL directory failed");
        }
        let data = dir.path().join("data");
        check(
            "initdb",
            run("initdb", &["-D", data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]),
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = PgServer { dir, port, watchdogs: Mutex::new(Vec::new()) };
        server.start_again();
        server
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server (again) on its port and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log");
        check(
            "pg_ctl start",
            run(
                "pg_ctl",
                &[
                    "-D",
                    self.data_dir().to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-o",
                    &options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            ),
        );
        self.watch(self.postmaster().expect("a started server has a postmaster.pid"));
    }

    /// The running postmaster's pid (none while stopped): pg_ctl starts it
    /// in a session of its own, so it leads the process group of every
    /// backend it forks.
    fn postmaster(&self) -> Option<i32> {
        let pid_file = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        pid_file.lines().next().and_then(|l| l.trim().parse().ok())
    }

    /// A watchdog in a process group of its own (a runner that kills the
    /// test's group spares it): when the test process goes, its stdin closes
    /// and it ends the server's group, woken first if stopped.
    fn watch(&self, postmaster: i32) {
        let watchdog = Command::new("bash")
            .args(["-c", r#"read -r _; kill -CONT -- "-$1" 2>/dev/null; kill -KILL -- "-$1" 2>/dev/null; true"#])
            .arg("pg-watchdog")
            .arg(postmaster.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("starting the PostgreSQL watchdog");
        self.watchdogs.lock().unwrap().push(watchdog);
    }

    /// Stops the server at once, as a crash or an outage would.
    pub fn stop(&self) {
        check(
            "pg_ctl stop",
            run("pg_ctl", &["-D", self.data_dir().to_str().unwrap(), "-m", "immediate", "-w", "stop"]),
        );
    }

    /// Stops the server and every backend it forked with SIGSTOP: a server
    /// that still accepts connections (the kernel completes them) and never
    /// answers, as a stalled host or a full pooler does.
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Lets a [`pause`](Self::pause)d server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    /// Sends `signal` to the postmaster and its children.
    fn signal(&self, signal: i32) {
        let Some(postmaster) = self.postmaster() else { return };
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // `pid (comm) state ppid …`: the parent is the field after the state.
            let parent =
                stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok());
            if parent == Some(postmaster) {
                pids.push(pid);
            }
        }
        for pid in pids {
            // SAFETY: signalling a process of the test's own server.
            unsafe { libc::kill(pid, signal) };
        }
    }

    /// `postgres://postgres@127.0.0.1:PORT/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // A paused server cannot stop.
        self.resume();
        let _ = run("pg_ctl", &["-D", self.data_dir().to_str().unwrap(), "-m", "immediate", "-w", "stop"]);
        for mut watchdog in self.watchdogs.get_mut().map(std::mem::take).unwrap_or_default() {
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
    }
}

/// Runs SQL with psql against `url`.
pub fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        .output()
        .expect("running psql (Debian's postgresql-client)");
    check(&format!("psql {sql:?}"), output.clone());
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A fresh, empty database for one test, on the server named by
/// `DATABASE_URL` (tests/run.sh starts one) or on a private server.
pub struct TestDatabase {
    pub url: String,
    _server: Option<PgServer>,
}

impl TestDatabase {
    pub fn create() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let (server_url, server) = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => (url, None),
            None => {
                let server = PgServer::start();
                (server.url("postgres"), Some(server))
            }
        };
        let name = format!(
            "mewayz_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
        );
        psql(&server_url, &format!("CREATE DATABASE {name}"));
        let url = with_database(&server_url, &name);
        TestDatabase { url, _server: server }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        let path = self.url.split_once("://").map_or(self.url.as_str(), |(_, r)| r);
        let name = path.split_once('/').map_or("", |(_, n)| n);
        name.split('?').next().unwrap_or_default()
    }

    /// `postgres://host:port` — what the `database_host` variable grants.
    pub fn host(&self) -> String {
        host_of(&self.url)
    }
}

/// Replaces the database name in a `postgres://…/name?…` URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

/// The same `postgres://` URL, logging in as `user` with `password`.
pub fn as_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{password}@{rest}")
}

/// Runs an SQL file with psql, `-v name=value` for each of `vars`, stopping at
/// the first error.
pub fn psql_file(url: &str, file: &std::path::Path, vars: &[(&str, &str)]) -> String {
    let mut command = Command::new("psql");
    command.args([url, "-v", "ON_ERROR_STOP=1", "-At"]);
    for (name, value) in vars {
        command.arg("-v").arg(format!("{name}={value}"));
    }
    let output = command.arg("-f").arg(file).output().expect("running psql (Debian's postgresql-client)");
    check(&format!("psql -f {}", file.display()), output.clone());
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Runs one statement with psql; its error text if it fails.
pub fn psql_error(url: &str, sql: &str) -> Option<String> {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
        .output()
        .expect("running psql (Debian's postgresql-client)");
    (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
}

/// `postgres://user:pw@host:port/db` → `postgres://host:port`.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("postgres://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_rewritten_for_a_test_database() {
        assert_eq!(with_database("postgres://u:p@h:5/postgres?x=1", "t1"), "postgres://u:p@h:5/t1?x=1");
        assert_eq!(with_database("postgres://h:5", "t1"), "postgres://h:5/t1");
        assert_eq!(host_of("postgres://u:p@h:5/db?x=1"), "postgres://h:5");
    }
}
