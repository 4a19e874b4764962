//! Tier d: the app on SpinKube's node runtime — containerd with
//! containerd-shim-spin, the app pulled as an OCI artifact from a registry —
//! started the way spin-operator starts the SpinApps in deploy/.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use mewayz_tests::{
    app::{TEST_AUTH_SECRET, TEST_STATUS_TOKEN, assert_error, call_json},
    checkout::modified_copy,
    deploy::{Doc, spinapps},
    http, load,
    manifest::{build_components_spin3, manifest},
    node::{Node, RunOptions, Task},
    postgres::TestDatabase,
    repo_root,
};
use serde_json::{Value, json};

const PROBE_ROUTES: [&str; 5] = ["/", "/health", "/api/health", "/readiness", "/liveness"];

/// The single SpinApp of deploy/ (PostgreSQL), or the one in deploy/sqlite/.
fn single_spinapp(dir: &str) -> Doc {
    let apps: Vec<Doc> = spinapps(dir)
        .into_iter()
        .filter(|d| d.file.parent().unwrap() == repo_root().join("deploy").join(dir))
        .collect();
    let [app] = apps.as_slice() else { panic!("one SpinApp directly in deploy/{dir}") };
    app.clone()
}

/// A fresh node with this checkout's app pushed to its registry and pulled,
/// as `v1`; returns the node and the image reference.
fn node_with_app() -> (Node, String) {
    let node = Node::start();
    let image = node.reference("mewayz-api", "v1");
    node.push(&image);
    node.pull(&image);
    (node, image)
}

/// What the test's stand-in for the `mewayz-api` Secret holds.
fn secret_value(name: &str, database: Option<&TestDatabase>) -> Option<String> {
    match name {
        "auth_secret" => Some(TEST_AUTH_SECRET.into()),
        "status_token" => Some(TEST_STATUS_TOKEN.into()),
        "database_url" => database.map(|db| db.url.clone()),
        "database_host" => database.map(TestDatabase::host),
        _ => None,
    }
}

#[track_caller]
fn assert_probes_answer(task: &Task<'_>) {
    for route in PROBE_ROUTES {
        let reply = http::get(&task.url(route)).unwrap();
        assert_eq!(reply.status, 200, "{route}: {}\n{}", reply.text(), task.logs());
        assert_eq!(reply.header("content-type"), Some("application/json"), "{route}");
    }
    assert_eq!(http::get(&task.url("/readiness")).unwrap().json()["ready"], true);
}

fn call(task: &Task<'_>, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> http::Reply {
    call_json(&task.url(path), method, token, body).unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", task.logs()))
}

/// register → login → me → workspace → contact → the contact listed.
/// Returns the login token.
fn user_journey(task: &Task<'_>, email: &str) -> String {
    let credentials = json!({"email": email, "password": "a long password"});
    let reply = call(task, "POST", "/api/auth/register", None, Some(credentials.clone()));
    assert_eq!(reply.status, 201, "register: {}\n{}", reply.text(), task.logs());
    let reply = call(task, "POST", "/api/auth/login", None, Some(credentials));
    assert_eq!(reply.status, 200, "login: {}\n{}", reply.text(), task.logs());
    let token = reply.json()["access_token"].as_str().unwrap().to_string();
    let reply = call(task, "GET", "/api/auth/me", Some(&token), None);
    assert_eq!(reply.status, 200, "me: {}", reply.text());
    assert_eq!(reply.json()["user"]["email"], email);
    let reply = call(task, "POST", "/api/workspaces", Some(&token), Some(json!({"name": "Node Shop"})));
    assert_eq!(reply.status, 201, "workspace: {}", reply.text());
    let workspace = reply.json()["id"].as_str().unwrap().to_string();
    let contacts = format!("/api/workspaces/{workspace}/contacts");
    let contact = json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"});
    let reply = call(task, "POST", &contacts, Some(&token), Some(contact));
    assert_eq!(reply.status, 201, "contact: {}\n{}", reply.text(), task.logs());
    let reply = call(task, "GET", &contacts, Some(&token), None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["total"], 1, "{}", reply.text());
    token
}

fn login(task: &Task<'_>, email: &str) -> http::Reply {
    call(task, "POST", "/api/auth/login", None, Some(json!({"email": email, "password": "a long password"})))
}

mod on_shim {
    use super::*;

    #[test]
    fn the_single_spinapp_on_postgres_serves_every_probe_and_a_user_journey() {
        let node = Node::start();
        let image = node.reference("mewayz-api", "v1");
        let push = node.push(&image);
        let pull = node.pull(&image);
        let database = TestDatabase::create();
        let app = single_spinapp("");
        let env = app.container_env(|name| secret_value(name, Some(&database)));
        assert!(env.iter().any(|(k, _)| k == "SPIN_VARIABLE_DATABASE_URL"), "{env:?}");
        let task = node.run(&image, RunOptions { env, ..Default::default() });
        eprintln!(
            "figures: push {push:.1?}, pull {pull:.1?}, ctr run → first answer {:.1?}",
            task.time_to_first_answer()
        );
        assert_probes_answer(&task);
        let token = user_journey(&task, "node-pg@example.com");
        // The account is in PostgreSQL, not in the task.
        let users = mewayz_tests::postgres::psql(&database.url, "SELECT email FROM users");
        assert!(users.contains("node-pg@example.com"), "{users}");
        let reply = call(&task, "GET", "/api/status", Some(TEST_STATUS_TOKEN), None);
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.json()["checks"]["database:responseTime"][0]["componentId"], "postgres");
        assert_error(&call(&task, "GET", "/api/auth/me", Some(&format!("{token}x")), None), 401, "unauthorized");
    }

    #[test]
    fn the_sqlite_spinapp_keeps_its_data_on_its_volume_across_a_restart() {
        let (node, image) = node_with_app();
        let app = single_spinapp("sqlite");
        // The pod as spin-operator builds it: the runtime config rendered from
        // the SpinApp at /runtime-config.toml, and the volume at its mountPath.
        let pod = tempfile::tempdir().unwrap();
        let runtime_config = pod.path().join("runtime-config.toml");
        std::fs::write(&runtime_config, app.runtime_config().expect("a runtime config")).unwrap();
        let volume = pod.path().join("volume");
        std::fs::create_dir(&volume).unwrap();
        let [(_, mount_path)] = app.volume_mounts().try_into().expect("one volume");
        let options = RunOptions {
            env: app.container_env(|name| secret_value(name, None)),
            mounts: vec![(runtime_config, "/runtime-config.toml".into()), (volume.clone(), mount_path)],
            memory_limit: app.memory_limit(),
            ..Default::default()
        };

        let task = node.run(&image, options.clone());
        assert_probes_answer(&task);
        user_journey(&task, "node-sqlite@example.com");
        let reply = call(&task, "GET", "/api/status", Some(TEST_STATUS_TOKEN), None);
        assert_eq!(reply.json()["checks"]["database:responseTime"][0]["componentId"], "sqlite");
        drop(task); // the pod is deleted …
        let files: Vec<_> = std::fs::read_dir(&volume).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(!files.is_empty(), "the database lives on the volume: {files:?}");

        let task = node.run(&image, options); // … and a new one starts on the same volume
        let reply = login(&task, "node-sqlite@example.com");
        assert_eq!(reply.status, 200, "the account survived the restart: {}\n{}", reply.text(), task.logs());
    }

    /// How the shim differs from `spin up`: without a runtime config, Spin's
    /// SQLite `default` database is a file in the task's own root file system
    /// (`spin up` keeps it in `.spin/` next to the app), so a new task from the
    /// same image starts empty.
    #[test]
    fn without_a_volume_the_shims_sqlite_database_dies_with_the_task() {
        let (node, image) = node_with_app();
        let env = vec![("SPIN_VARIABLE_AUTH_SECRET".to_string(), TEST_AUTH_SECRET.to_string())];
        let task = node.run(&image, RunOptions { env: env.clone(), ..Default::default() });
        user_journey(&task, "ephemeral@example.com");
        assert_eq!(login(&task, "ephemeral@example.com").status, 200);
        drop(task);
        let task = node.run(&image, RunOptions { env, ..Default::default() });
        assert_error(&login(&task, "ephemeral@example.com"), 401, "unauthorized");
    }

    /// How the shim differs from `spin up`, seen with the probe SpinApp as
    /// SpinKube starts it: no `SPIN_HTTP_LISTEN_ADDR`, so the shim listens on
    /// 0.0.0.0:80 (`spin up` defaults to 127.0.0.1:3000); no variables at all
    /// (the shim reads them only from `SPIN_VARIABLE_*` container environment);
    /// and before its first answer the shim precompiles every component of
    /// the image — also those `SPIN_COMPONENTS_TO_RETAIN` leaves out — and
    /// keeps the results in containerd's content store for the next pod.
    #[test]
    fn the_probe_spinapp_starts_as_spinkube_starts_it_and_answers_only_its_routes() {
        let (node, image) = node_with_app();
        assert!(node.precompiled_layers().is_empty());
        let app = spinapps("split").into_iter().find(|a| a.name() == "mewayz-probes").unwrap();
        let env = app.container_env(|_| panic!("the probe SpinApp reads no Secret"));
        assert_eq!(env.len(), 1, "only SPIN_COMPONENTS_TO_RETAIN: {env:?}");
        let task = node.run(&image, RunOptions { env, shim_default_listen: true, ..Default::default() });
        assert!(task.url("").starts_with("http://127.0.0.1:80"), "{}", task.url(""));
        assert_probes_answer(&task);
        let reply = http::get(&task.url("/api/auth/me")).unwrap();
        assert_eq!(reply.status, 404, "not kept in this task: {}", reply.text());

        let wasm_layers: BTreeSet<String> = node.registry_json("mewayz-api", "manifests/v1")["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["mediaType"] == "application/vnd.wasm.content.layer.v1+wasm")
            .map(|l| l["digest"].as_str().unwrap().to_string())
            .collect();
        let precompiled = node.precompiled_layers();
        assert!(
            wasm_layers.is_subset(&precompiled),
            "every component is precompiled, kept or not: {} of {} layers",
            wasm_layers.intersection(&precompiled).count(),
            wasm_layers.len()
        );
    }

    /// Variables under the shim: besides `SPIN_VARIABLE_AUTH_SECRET`, the
    /// shim also reads a plain `AUTH_SECRET` from the container's environment
    /// — and the plain one wins. (`spin up` reads only the prefixed one.)
    #[test]
    fn the_shim_reads_a_plain_variable_before_the_prefixed_one() {
        let (node, image) = node_with_app();
        let register = |task: &Task<'_>| {
            let body = json!({"email": "vars@example.com", "password": "a long password"});
            call(task, "POST", "/api/auth/register", None, Some(body))
        };
        let env = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();

        // Only the plain name: the app has its secret.
        let task =
            node.run(&image, RunOptions { env: env(&[("AUTH_SECRET", TEST_AUTH_SECRET)]), ..Default::default() });
        assert_eq!(register(&task).status, 201, "{}", register(&task).text());
        drop(task);
        // Both: the plain one (too short to sign with) is the one used.
        let both = env(&[("SPIN_VARIABLE_AUTH_SECRET", TEST_AUTH_SECRET), ("AUTH_SECRET", "short")]);
        let task = node.run(&image, RunOptions { env: both, ..Default::default() });
        assert_error(&register(&task), 500, "configuration_error");
    }

    /// Each split SpinApp runs its own image (deploy/split/ names one per
    /// SpinApp), pushed from the Spin 3.6 build's manifest cut down to its
    /// components, on a node that has seen none of them: every pod answers
    /// its probes and its routes, and only those. The time from `ctr run`
    /// to each pod's first answer is printed: the shim compiles an image's
    /// components before that, so a pod with only its own answers sooner.
    #[test]
    fn each_split_spinapp_in_an_image_of_its_own_serves_its_routes_and_only_its_routes() {
        let node = Node::start();
        let full = build_components_spin3();
        let apps = spinapps("split");
        // Every SpinApp's pod at once, as a cluster runs them.
        let tasks: Vec<(Doc, Task<'_>)> = apps
            .into_iter()
            .map(|app| {
                let image_name = app.value["spec"]["image"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
                let (name, _tag) = image_name.split_once(':').unwrap();
                assert_eq!(name, app.name(), "each split SpinApp names an image of its own");
                let manifest = node.dir().join(format!("{}.toml", app.name()));
                std::fs::write(&manifest, mewayz_manifest::subset(&full, &app.components().unwrap()).unwrap()).unwrap();
                let image = node.reference(app.name(), "v1");
                node.push_manifest(&manifest, &image);
                node.pull(&image);
                let env = app.container_env(|name| secret_value(name, None));
                let task = node.run(&image, RunOptions { env, ..Default::default() });
                eprintln!(
                    "figures: {} ({} components) in its own image: ctr run -> first 200 in {:.2} s on a node new to it",
                    app.name(),
                    app.components().unwrap().len(),
                    task.time_to_first_answer().as_secs_f64()
                );
                (app, task)
            })
            .collect();
        for (app, task) in &tasks {
            let kept = app.components().unwrap();
            for probe in ["/readiness", "/liveness"] {
                assert_eq!(http::get(&task.url(probe)).unwrap().status, 200, "{} {probe}", app.name());
            }
            for trigger in &manifest().trigger.http {
                let Some(route) = trigger.public_route() else { continue };
                let path = route.replace(":workspace_id", "ws-1").replace("/...", "/x");
                let reply = http::get(&task.url(&path)).unwrap();
                // Our components mark every answer `cache-control: no-store`;
                // Spin's own 404 for a component the task did not keep does not.
                let served = reply.header("cache-control") == Some("no-store");
                if kept.contains(&trigger.component) {
                    assert!(served, "{} should serve {path}: {} {}", app.name(), reply.status, reply.text());
                } else {
                    assert_eq!(reply.status, 404, "{} must not serve {path}", app.name());
                }
            }
        }
        let accounts = &tasks.iter().find(|(a, _)| a.name() == "mewayz-accounts").unwrap().1;
        let reply = call(
            accounts,
            "POST",
            "/api/auth/register",
            None,
            Some(json!({"email": "split@example.com", "password": "a long password"})),
        );
        assert_eq!(reply.status, 201, "{}\n{}", reply.text(), accounts.logs());
    }
}

/// Each component's layer digest in a pushed image, read from the locked app
/// (the artifact's last layer), which names every component's source.
fn component_layers(node: &Node, manifest: &Value) -> BTreeMap<String, String> {
    let locked = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["mediaType"] == "application/vnd.fermyon.spin.application.v1+config")
        .expect("the locked app layer");
    let app = node.registry_json("mewayz-api", &format!("blobs/{}", locked["digest"].as_str().unwrap()));
    app["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["source"]["digest"].as_str().unwrap().to_string()))
        .collect()
}

fn layer_digests(manifest: &Value) -> BTreeSet<String> {
    manifest["layers"].as_array().unwrap().iter().map(|l| l["digest"].as_str().unwrap().to_string()).collect()
}

/// Blob digests the registry served since request number `since`.
fn blobs_fetched(node: &Node, since: usize) -> BTreeSet<String> {
    node.registry_requests()[since..]
        .iter()
        .filter_map(|r| r.strip_prefix("GET "))
        .filter_map(|path| path.split("/blobs/").nth(1))
        .map(String::from)
        .collect()
}

/// Probes a task's probe routes every few milliseconds until stopped.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(usize, Vec<String>)>,
}

impl Sampler {
    fn start(base: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut samples, mut failures) = (0, Vec::new());
            while !flag.load(Ordering::Relaxed) {
                for route in ["/readiness", "/liveness"] {
                    samples += 1;
                    match http::get(&format!("{base}{route}")) {
                        Ok(reply) if reply.status == 200 => {}
                        Ok(reply) => failures.push(format!("{route}: HTTP {}", reply.status)),
                        Err(e) => failures.push(format!("{route}: {e}")),
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            (samples, failures)
        });
        Sampler { stop, thread }
    }

    fn finish(self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

mod on_shim_limits {
    use super::*;

    /// Bursts of 40 and of 200 clients logging in (40 accounts; Argon2 at
    /// 19 MiB a run) on a task under its SpinApp's memory limit, on
    /// PostgreSQL as deploy/ runs, while a kubelet-style sampler probes it:
    /// every probe answered within 1 s, every login answered 200 or 503
    /// `busy` (the client retries after `Retry-After`), and the task is
    /// never OOM-killed.
    fn login_bursts_never_starve_the_probes(app: &Doc) {
        let (node, image) = node_with_app();
        let limit = app.memory_limit().expect("a memory limit");
        let database = TestDatabase::create();
        let env = app.container_env(|name| secret_value(name, Some(&database)));
        let task = node.run(&image, RunOptions { env, memory_limit: Some(limit), ..Default::default() });
        let accounts = load::accounts(&task.url(""), "burst", 40);
        for clients in [40, 200] {
            let sampler = load::ProbeSampler::start(&task.url(""), &["/liveness", "/readiness"]);
            let burst = load::login_burst(&task.url(""), &accounts, clients, Duration::from_secs(10));
            let probes = sampler.finish();
            assert!(task.is_running(), "the task was killed under {clients} logging in: {}", burst.summary());
            assert!(
                probes.failures().is_empty(),
                "the kubelet would have failed {} probes under {clients} logging in: {:?}\n{}",
                probes.failures().len(),
                probes.failures(),
                burst.summary()
            );
            assert!(
                burst.failed.is_empty(),
                "logins failed other than busy: {:?}",
                &burst.failed[..burst.failed.len().min(5)]
            );
            assert!(!burst.logged_in.is_empty(), "no login got through: {}", burst.summary());
            let (_, peak) = task.memory();
            eprintln!(
                "figures: shim, {}, {clients} logging in: probes {}; logins {}; peak {} MiB of a {} MiB limit",
                app.name(),
                probes.summary(),
                burst.summary(),
                peak >> 20,
                limit >> 20
            );
        }
    }

    #[test]
    fn the_accounts_pod_under_login_bursts_never_starves_its_probes_within_its_memory_limit() {
        login_bursts_never_starve_the_probes(
            &spinapps("split").into_iter().find(|a| a.name() == "mewayz-accounts").unwrap(),
        );
    }

    #[test]
    fn the_single_spinapp_under_login_bursts_never_starves_its_probes_within_its_memory_limit() {
        login_bursts_never_starve_the_probes(&single_spinapp(""));
    }
}

mod on_shim_updates {
    use super::*;

    /// One route's component is updated the way the split deployment does
    /// it: a new image whose only new wasm layer is that component's, pulled
    /// by fetching only that layer, and only that SpinApp's pod replaced —
    /// while the probe pod answers every sample.
    #[test]
    fn updating_one_feature_ships_one_new_layer_and_the_probe_pod_never_fails() {
        let (node, v1) = node_with_app();
        let database = TestDatabase::create();
        let secret = |name: &str| secret_value(name, Some(&database));
        let split = spinapps("split");
        let spinapp = |name: &str| split.iter().find(|a| a.name() == name).unwrap().clone();

        // An owner and a workspace, made through the accounts and workspaces pods.
        let accounts =
            node.run(&v1, RunOptions { env: spinapp("mewayz-accounts").container_env(secret), ..Default::default() });
        let credentials = json!({"email": "owner@example.com", "password": "a long password"});
        let reply = call(&accounts, "POST", "/api/auth/register", None, Some(credentials));
        assert_eq!(reply.status, 201, "{}", reply.text());
        let token = reply.json()["access_token"].as_str().unwrap().to_string();
        let workspaces =
            node.run(&v1, RunOptions { env: spinapp("mewayz-workspaces").container_env(secret), ..Default::default() });
        let reply = call(&workspaces, "POST", "/api/workspaces", Some(&token), Some(json!({"name": "Update Shop"})));
        assert_eq!(reply.status, 201, "{}", reply.text());
        let unknown_member = format!(
            "/api/workspaces/{}/members/00000000-0000-4000-8000-000000000000",
            reply.json()["id"].as_str().unwrap()
        );

        let members_env = spinapp("mewayz-members").container_env(secret);
        let probes =
            node.run(&v1, RunOptions { env: spinapp("mewayz-probes").container_env(secret), ..Default::default() });
        let members = node.run(&v1, RunOptions { env: members_env.clone(), ..Default::default() });
        let reply = call(&members, "DELETE", &unknown_member, Some(&token), None);
        assert_eq!(reply.json()["error"]["message"], "no such member", "{}", reply.text());

        // The update: one message in the members crate, built in a copy.
        let copy = modified_copy("src/members/src/lib.rs", "\"no such member\"", "\"no member by that id\"");
        let v2 = node.reference("mewayz-api", "v2");
        node.push_manifest(&copy.build_spin3(), &v2);

        let (old, new) =
            (node.registry_json("mewayz-api", "manifests/v1"), node.registry_json("mewayz-api", "manifests/v2"));
        let (old_components, new_components) = (component_layers(&node, &old), component_layers(&node, &new));
        let changed: Vec<&String> =
            new_components.iter().filter(|(id, digest)| old_components[*id] != **digest).map(|(id, _)| id).collect();
        assert_eq!(changed, ["members"], "only the members component changed");
        let (old_layers, new_layers) = (layer_digests(&old), layer_digests(&new));
        let added: BTreeSet<&String> = new_layers.difference(&old_layers).collect();
        let removed: BTreeSet<&String> = old_layers.difference(&new_layers).collect();
        // Besides the members layer, only the locked app (which lists every
        // component's digest) is new; every other layer is byte-identical.
        assert_eq!(added.len(), 2, "{added:?}");
        assert!(added.contains(&new_components["members"]), "{added:?}");
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(removed.contains(&old_components["members"]), "{removed:?}");
        let unchanged = new_layers.intersection(&old_layers).count();
        assert_eq!(unchanged, new_layers.len() - 2);

        // The node already has v1: pulling v2 fetches only the new blobs.
        let before = node.registry_requests().len();
        node.pull(&v2);
        let fetched = blobs_fetched(&node, before);
        assert!(fetched.contains(&new_components["members"]), "{fetched:?}");
        let wasm_fetched: Vec<&String> = fetched.iter().filter(|d| new_components.values().any(|c| c == *d)).collect();
        assert_eq!(wasm_fetched, [&new_components["members"]], "only the changed component's layer is fetched");
        assert!(fetched.len() <= 3, "the members layer, the locked app and the image config at most: {fetched:?}");

        // Replace the members pod while the probe pod is sampled.
        let sampler = Sampler::start(probes.url(""));
        std::thread::sleep(Duration::from_millis(300));
        drop(members);
        let compiled_before = node.precompiled_layers();
        let members = node.run(&v2, RunOptions { env: members_env, ..Default::default() });
        let compiled: Vec<String> = node.precompiled_layers().difference(&compiled_before).cloned().collect();
        eprintln!(
            "figures: the first v2 pod on a node that ran v1: ctr run -> first 200 in {:.2} s; layers compiled for it: \
             {compiled:?} (the new members layer is {})",
            members.time_to_first_answer().as_secs_f64(),
            new_components["members"]
        );
        std::thread::sleep(Duration::from_millis(300));
        let (samples, failures) = sampler.finish();
        assert!(samples > 20, "{samples} samples");
        assert!(failures.is_empty(), "the probe pod failed {} of {samples} samples: {failures:?}", failures.len());
        let reply = call(&members, "DELETE", &unknown_member, Some(&token), None);
        assert_eq!(reply.json()["error"]["message"], "no member by that id", "{}", reply.text());
        // The other pods still run v1, unchanged.
        assert_eq!(call(&accounts, "GET", "/api/auth/me", Some(&token), None).status, 200);
        eprintln!(
            "figures: pulling v2 fetched {} blobs (the members layer, the locked app, the config); \
             the probe pod answered {samples} samples during the update, {} failed",
            fetched.len(),
            failures.len()
        );
    }
}

mod on_shim_stop {
    use super::*;

    /// What the kubelet's SIGTERM does to a pod under load: the shim stops
    /// the task at once and every request still in flight is cut without an
    /// answer — no drain. That is why deploy/self-managed/ sleeps in preStop
    /// (a SpinApp has no preStop) and rolls with maxUnavailable: 0.
    #[test]
    fn sigterm_stops_the_task_at_once_and_cuts_requests_in_flight() {
        let (node, image) = node_with_app();
        let env = vec![("SPIN_VARIABLE_AUTH_SECRET".to_string(), TEST_AUTH_SECRET.to_string())];
        let task = node.run(&image, RunOptions { env, ..Default::default() });
        let credentials = json!({"email": "load@example.com", "password": "a long password"});
        assert_eq!(call(&task, "POST", "/api/auth/register", None, Some(credentials.clone())).status, 201);

        // Logins (an Argon2 verification each, ~100 ms) from 8 clients.
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let clients: Vec<_> = (0..8)
            .map(|_| {
                let (stop, url, body) = (stop.clone(), task.url("/api/auth/login"), credentials.clone());
                std::thread::spawn(move || {
                    let mut requests = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let sent = started.elapsed();
                        let outcome = call_json(&url, "POST", None, Some(body.clone())).map(|r| r.status);
                        requests.push((sent, started.elapsed(), outcome.map_err(|e| e.to_string())));
                    }
                    requests
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(2));
        let signalled = started.elapsed();
        task.signal("SIGTERM");
        while task.is_running() {
            std::thread::sleep(Duration::from_millis(10));
            assert!(started.elapsed() - signalled < Duration::from_secs(30), "the task ignored SIGTERM");
        }
        let stopped = started.elapsed() - signalled;
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
        let requests: Vec<_> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();

        let answered_before = requests.iter().filter(|(_, end, r)| *end < signalled && r == &Ok(200)).count();
        let in_flight: Vec<_> =
            requests.iter().filter(|(sent, end, _)| *sent < signalled && *end > signalled).collect();
        let cut = in_flight.iter().filter(|(_, _, r)| r.is_err()).count();
        // What finished while the task was stopping (under CPU load the
        // stop takes a few hundred milliseconds, and Argon2 runs already on
        // a core may end in it) is no drain: a drain would keep the task up
        // for the grace period and answer everything in flight.
        let answered_while_stopping = in_flight.iter().filter(|(_, _, r)| r.is_ok()).count();
        eprintln!(
            "figures: SIGTERM → task stopped in {stopped:.2?}; {answered_before} logins answered before, \
             {} in flight, {cut} of them cut without an answer, {answered_while_stopping} answered while it stopped",
            in_flight.len()
        );
        assert!(answered_before > 0, "the load ran: {requests:?}");
        assert!(cut > 0, "requests in flight at SIGTERM are cut: {in_flight:?}");
        assert!(
            stopped < Duration::from_secs(5),
            "the task took {stopped:?} to stop (it drains?) — update the drain advice in docs/deploy.md"
        );
        assert!(http::get(&task.url("/liveness")).is_err(), "nothing listens after the task stopped");
    }
}
