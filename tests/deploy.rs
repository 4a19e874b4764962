//! The Kubernetes manifests in deploy/, validated without a cluster, and the
//! split deployment run locally: one `spin up -c …` per SpinApp.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;

use mewayz_tests::{
    checkout::{generate_check, source_copy},
    deploy::{Doc, crd_files, crd_violations, documents, spinapps},
    manifest::{component_serving, manifest},
};
use regex::Regex;
use serde_yaml_ng::Value;
use sha2::{Digest, Sha256};

/// Example request paths a spin.toml route serves (one level below a
/// wildcard: deeper paths are 404 in the components either way).
fn sample_paths(route: &str) -> Vec<String> {
    let concrete = |r: &str| r.replace(":workspace_id", "ws-1");
    match route.strip_suffix("/...") {
        Some(prefix) => vec![format!("{}/x", concrete(prefix)), concrete(prefix)],
        None => vec![concrete(route)],
    }
}

fn is_probe(component: &str) -> bool {
    manifest().source(component).unwrap() == manifest().source("probe-readiness").unwrap()
}

fn runs(app: &Doc, component: &str) -> bool {
    app.components().is_none_or(|c| c.iter().any(|id| id == component))
}

#[test]
fn every_manifest_parses_and_names_its_kind() {
    let docs = documents("");
    assert!(docs.len() >= 10, "{} documents", docs.len());
    for doc in &docs {
        assert!(doc.value["apiVersion"].is_string(), "{}: no apiVersion", doc.file.display());
        assert!(!doc.kind().is_empty() && !doc.name().is_empty(), "{}: no kind or name", doc.file.display());
    }
}

#[test]
fn spinapps_and_executors_use_only_schema_fields() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in documents("").iter().filter(|d| ["SpinApp", "SpinAppExecutor"].contains(&d.kind())) {
        assert_eq!(doc.value["apiVersion"], "core.spinkube.dev/v1alpha1", "{}", doc.file.display());
        problems.extend(crd_violations(doc).into_iter().map(|p| format!("{} {}: {p}", doc.file.display(), doc.name())));
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} SpinApps and SpinAppExecutors found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_check_catches_unknown_fields_and_wrong_types() {
    // deploy/spinapp.yaml, which passes, with a wrong type and a field SpinKube does not have.
    let mut app = spinapps("").into_iter().find(|d| d.file.ends_with("deploy/spinapp.yaml")).unwrap();
    assert_eq!(crd_violations(&app), Vec::<String>::new());
    let spec = &mut app.value["spec"];
    spec["replicas"] = Value::from("two");
    spec["checks"]["startup"] = serde_yaml_ng::from_str("httpGet:\n  path: /readiness\n").unwrap();
    let problems = crd_violations(&app);
    assert!(problems.iter().any(|p| p.starts_with("/spec/replicas: ")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("/spec/checks: ") && p.contains("'startup'")), "{problems:?}");
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn the_crd_copies_are_spinkubes_released_files_unmodified() {
    let files = crd_files();
    let expected = [("spinappexecutors", "SpinAppExecutor"), ("spinapps", "SpinApp")];
    let (tag, commit) = (Regex::new(r"^v\d+\.\d+\.\d+$").unwrap(), Regex::new("^[0-9a-f]{40}$").unwrap());
    assert_eq!(files.len(), expected.len(), "{:?}", files.iter().map(|f| &f.file).collect::<Vec<_>>());
    for (file, (plural, kind)) in files.iter().zip(expected) {
        let name = format!("{plural}.core.spinkube.dev");
        let at = file.file.display();
        assert_eq!(file.file.file_name().unwrap().to_str(), Some(format!("{name}.yaml").as_str()));
        assert!(file.header["repository"].contains("/spin-operator"), "{at}: {:?}", file.header);
        assert_eq!(file.header["path"], format!("config/crd/bases/core.spinkube.dev_{plural}.yaml"), "{at}");
        assert!(tag.is_match(&file.header["tag"]), "{at}: {:?}", file.header);
        assert!(commit.is_match(&file.header["commit"]), "{at}: {:?}", file.header);
        // Both copies come from the same release.
        assert_eq!(
            (&file.header["tag"], &file.header["commit"]),
            (&files[0].header["tag"], &files[0].header["commit"])
        );
        let sha256: String = Sha256::digest(file.body.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(file.header["sha256"], sha256, "{at} was edited below its header");
        let crd = &file.crd;
        assert_eq!(
            (crd.value["apiVersion"].as_str(), crd.kind()),
            (Some("apiextensions.k8s.io/v1"), "CustomResourceDefinition")
        );
        assert_eq!(crd.name(), name, "{at}");
        assert_eq!(crd.value["spec"]["group"], "core.spinkube.dev", "{at}");
        assert_eq!(crd.value["spec"]["names"]["kind"], kind, "{at}");
        let versions = crd.value["spec"]["versions"].as_sequence().unwrap();
        let v1alpha1 = versions.iter().find(|v| v["name"] == "v1alpha1").unwrap_or_else(|| panic!("{at}: no v1alpha1"));
        assert_eq!(v1alpha1["served"], true, "{at}");
        let schema = &v1alpha1["schema"]["openAPIV3Schema"];
        assert_eq!(schema["type"], "object", "{at}");
        assert!(schema["properties"]["spec"]["properties"].is_mapping(), "{at}: no spec schema");
    }
}

#[test]
fn every_spinapp_component_exists_and_probes_point_at_probe_routes_served_in_the_same_spinapp() {
    for app in spinapps("") {
        for id in app.components().unwrap_or_default() {
            assert!(manifest().component.contains_key(&id), "{}: no component {id} in spin.toml", app.name());
        }
        for probe in ["liveness", "readiness"] {
            let path = app.value["spec"]["checks"][probe]["httpGet"]["path"]
                .as_str()
                .unwrap_or_else(|| panic!("{} has no {probe} check", app.name()));
            let component = component_serving(path).unwrap_or_else(|| panic!("{path} is no route"));
            assert!(is_probe(&component), "{}: {probe} probes {path}, served by {component}, not a probe", app.name());
            assert!(
                runs(&app, &component),
                "{}: {probe} path {path} is served by {component}, not in this SpinApp",
                app.name()
            );
            assert!(
                app.value["spec"]["checks"][probe]["initialDelaySeconds"].as_i64().is_some_and(|s| s <= 5),
                "{}: {probe} should start probing early",
                app.name()
            );
        }
    }
}

#[test]
fn referenced_variables_and_secrets_exist() {
    let secret = documents("").into_iter().find(|d| d.kind() == "Secret").expect("a Secret template");
    let secret_keys: BTreeSet<&str> =
        secret.value["stringData"].as_mapping().unwrap().keys().filter_map(|k| k.as_str()).collect();
    for app in spinapps("") {
        for var in app.value["spec"]["variables"].as_sequence().into_iter().flatten() {
            let name = var["name"].as_str().unwrap();
            assert!(manifest().variables.contains_key(name), "{}: variable {name} is not in spin.toml", app.name());
            if let Some(key) = var["valueFrom"]["secretKeyRef"]["key"].as_str() {
                assert_eq!(var["valueFrom"]["secretKeyRef"]["name"], secret.name());
                assert!(secret_keys.contains(key), "{}: secret key {key} is not in the template", app.name());
            }
        }
    }
}

/// What the app makes of `value` for the secret `variable`, by its own
/// checks: `true` if it would use it.
fn app_accepts(variable: &str, value: &str) -> bool {
    match variable {
        "auth_secret" => mewayz_auth::AuthSecret::new(value).is_some(),
        "status_token" => mewayz_status::report::StatusToken::new(value).is_some(),
        "database_url" => mewayz_store::DatabaseUrl::parse(value).is_ok(),
        other => panic!("no check for the secret variable {other}: call the app's own check for it here"),
    }
}

/// A Secret's values: `stringData` as written, `data` base64-decoded.
fn secret_values(secret: &Doc) -> Vec<(String, String)> {
    let mut values = Vec::new();
    for (field, encoded) in [("stringData", false), ("data", true)] {
        for (key, value) in secret.value[field].as_mapping().into_iter().flatten() {
            let (key, value) = (key.as_str().unwrap(), value.as_str().unwrap_or_default());
            let value = if encoded {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(value)
                    .unwrap_or_else(|e| panic!("{}: data.{key} is not base64: {e}", secret.file.display()));
                String::from_utf8(bytes)
                    .unwrap_or_else(|_| panic!("{}: data.{key} is not UTF-8", secret.file.display()))
            } else {
                value.to_string()
            };
            values.push((key.to_string(), value));
        }
    }
    values
}

/// A Secret in deploy/ is a template: applied as written, it must not give
/// the app a key everyone who can read this repository knows. So every value
/// for a `secret = true` variable, and database_url (it carries a password),
/// must be one the app refuses.
#[test]
fn no_secret_in_deploy_holds_a_value_the_app_would_accept() {
    let secret_variables: BTreeSet<&str> = manifest()
        .variables
        .iter()
        .filter(|(_, v)| v.get("secret").and_then(|s| s.as_bool()) == Some(true))
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(secret_variables.contains("database_url"), "database_url carries a password: mark it secret in spin.toml");
    // A Secret key may feed a variable of another name (the migrator's
    // database_url is the key database_owner_url): check it as that variable.
    let mut variable_of: BTreeMap<String, String> = BTreeMap::new();
    for app in spinapps("") {
        for variable in app.value["spec"]["variables"].as_sequence().into_iter().flatten() {
            if let (Some(name), Some(key)) =
                (variable["name"].as_str(), variable["valueFrom"]["secretKeyRef"]["key"].as_str())
            {
                variable_of.insert(key.to_string(), name.to_string());
            }
        }
    }
    let mut checked = BTreeSet::new();
    let mut accepted = Vec::new();
    for secret in documents("").iter().filter(|d| d.kind() == "Secret") {
        for (key, value) in secret_values(secret) {
            let variable = variable_of.get(&key).cloned().unwrap_or_else(|| key.clone());
            if secret_variables.contains(variable.as_str()) {
                if app_accepts(&variable, &value) {
                    accepted.push(format!("{} ({}): {key}", secret.file.display(), secret.name()));
                }
                checked.insert(variable);
            }
        }
    }
    assert_eq!(variable_of.get("database_owner_url").map(String::as_str), Some("database_url"));
    assert_eq!(
        checked.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        secret_variables,
        "every secret variable is in a Secret and was checked"
    );
    assert!(accepted.is_empty(), "the app would use these template values as they are:\n{}", accepted.join("\n"));
}

#[test]
fn the_secret_check_accepts_what_the_app_accepts() {
    // The template's former placeholders for these two: the app took both.
    assert!(app_accepts("auth_secret", "CHANGE-ME-at-least-32-random-bytes-please"));
    assert!(app_accepts("database_url", "postgres://mewayz:CHANGE-ME@postgres.mewayz.svc:5432/mewayz"));
    assert!(app_accepts("status_token", "0123456789abcdef0123456789abcdef"));
    assert!(app_accepts("database_url", ""), "empty is SQLite, not a refusal");
    let secret = Doc {
        file: "inline.yaml".into(),
        value: serde_yaml_ng::from_str(
            "kind: Secret\ndata:\n  auth_secret: eDEyMzQ1\nstringData:\n  status_token: abc\n",
        )
        .unwrap(),
    };
    let mut values = secret_values(&secret);
    values.sort();
    assert_eq!(values, [("auth_secret".into(), "x12345".into()), ("status_token".into(), "abc".into())]);
}

#[test]
fn the_single_spinapp_runs_everything_with_two_replicas_and_probes() {
    let apps: Vec<Doc> = spinapps("").into_iter().filter(|d| d.file.parent().unwrap().ends_with("deploy")).collect();
    let [app] = apps.as_slice() else { panic!("one SpinApp directly in deploy/") };
    assert!(app.components().is_none(), "it runs every component");
    assert_eq!(app.value["spec"]["replicas"], 2);
    assert_eq!(app.value["spec"]["executor"], "containerd-shim-spin");
    let names: BTreeSet<&str> =
        app.value["spec"]["variables"].as_sequence().unwrap().iter().filter_map(|v| v["name"].as_str()).collect();
    assert!(names.contains("auth_secret") && names.contains("database_url"), "{names:?}");
}

#[test]
fn the_sqlite_spinapp_keeps_its_database_on_a_claimed_volume_with_one_replica() {
    let docs = documents("sqlite");
    let app = docs.iter().find(|d| d.kind() == "SpinApp").expect("a SpinApp in deploy/sqlite");
    assert_eq!(app.value["spec"]["replicas"], 1, "SQLite is one file: one replica");
    assert!(app.components().is_none(), "it runs every component");
    let databases = app.value["spec"]["runtimeConfig"]["sqliteDatabases"].as_sequence().expect("sqliteDatabases");
    let [database] = databases.as_slice() else { panic!("one database: {databases:?}") };
    assert_eq!(database["name"], "default", "the database the components open");
    assert_eq!(database["type"], "spin");
    let path = database["options"][0]["value"].as_str().expect("a path option");
    assert_eq!(database["options"][0]["name"], "path");
    let config = app.runtime_config().unwrap();
    assert!(config.contains(&format!("path = {path:?}")), "{config}");
    // The file lives on a volume that outlives the pod: a PersistentVolumeClaim.
    let (volume, mount) = app
        .volume_mounts()
        .into_iter()
        .find(|(_, mount)| path.starts_with(&format!("{mount}/")))
        .unwrap_or_else(|| panic!("{path} is on no volume mount"));
    let claim = app.value["spec"]["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["name"].as_str() == Some(volume.as_str()))
        .and_then(|v| v["persistentVolumeClaim"]["claimName"].as_str())
        .unwrap_or_else(|| panic!("volume {volume} (at {mount}) is no PersistentVolumeClaim"));
    assert!(
        docs.iter().any(|d| d.kind() == "PersistentVolumeClaim" && d.name() == claim),
        "the claim {claim} is defined next to the SpinApp"
    );
    let variables: Vec<&str> =
        app.value["spec"]["variables"].as_sequence().unwrap().iter().filter_map(|v| v["name"].as_str()).collect();
    assert!(!variables.contains(&"database_url"), "no PostgreSQL here: {variables:?}");
}

/// deploy/split/ is written by `generate` (its unit tests check that every
/// path reaches exactly the SpinApp Spin routes it to); a hand edit fails.
#[test]
fn the_split_is_generated_and_a_hand_edit_or_a_stray_file_fails_the_check() {
    let copy = source_copy();
    let (passes, report) = generate_check(copy.path());
    assert!(passes, "deploy/split/ is stale: run `cargo run -p generate`\n{report}");

    let contacts = copy.path().join("deploy/split/contacts.yaml");
    let text = std::fs::read_to_string(&contacts).unwrap();
    std::fs::write(&contacts, text.replacen("replicas: 2", "replicas: 5", 1)).unwrap();
    std::fs::write(copy.path().join("deploy/split/extra.yaml"), "kind: SpinApp\n").unwrap();
    let (passes, report) = generate_check(copy.path());
    assert!(!passes, "{report}");
    assert!(report.contains("deploy/split/contacts.yaml is not what spin.toml generates"), "{report}");
    assert!(report.contains("deploy/split/extra.yaml is in deploy/split/ but not generated"), "{report}");
}

#[test]
fn in_the_split_probes_need_nothing() {
    let probes = spinapps("split").into_iter().find(|a| a.name() == "mewayz-probes").unwrap();
    assert!(probes.components().unwrap().iter().all(|c| is_probe(c)));
    assert!(probes.value["spec"]["variables"].is_null(), "the probe SpinApp needs no variables");
}

#[test]
fn the_account_routes_are_rate_limited_at_the_ingress_and_their_client_addresses_believed() {
    let ingresses: Vec<Doc> = documents("split").into_iter().filter(|d| d.kind() == "Ingress").collect();
    let auth = ingresses
        .iter()
        .find(|i| serde_yaml_ng::to_string(&i.value["spec"]).unwrap().contains("^/api/auth"))
        .expect("an Ingress routing /api/auth");
    let annotations = &auth.value["metadata"]["annotations"];
    let rpm: u32 = annotations["nginx.ingress.kubernetes.io/limit-rpm"].as_str().unwrap_or("0").parse().unwrap();
    assert!((1..=60).contains(&rpm), "{}: /api/auth needs a per-client rate limit", auth.file.display());
    for ingress in ingresses.iter().filter(|i| i.name() != auth.name()) {
        assert!(
            !serde_yaml_ng::to_string(&ingress.value["spec"]).unwrap().contains("/api/auth"),
            "{} also routes /api/auth, without the limit",
            ingress.name()
        );
    }
    // Behind the ingress every request comes from its pods: unless they are
    // trusted proxies, all clients would share one failed-login count.
    for app in spinapps("").into_iter().filter(|app| runs(app, "accounts")) {
        let trusted = app.container_env(|_| Some(String::new()));
        assert!(
            trusted.iter().any(|(name, value)| name == "SPIN_VARIABLE_TRUSTED_PROXIES" && !value.is_empty()),
            "{} runs accounts without trusted_proxies",
            app.name()
        );
    }
}

#[test]
fn the_self_managed_deployment_drains_before_the_shim_stops() {
    let docs = documents("self-managed");
    let executor = docs.iter().find(|d| d.kind() == "SpinAppExecutor").expect("a SpinAppExecutor");
    assert_eq!(executor.value["spec"]["createDeployment"], false);
    let deployment = docs.iter().find(|d| d.kind() == "Deployment").expect("a Deployment");
    let pod = &deployment.value["spec"]["template"]["spec"];
    assert_eq!(pod["runtimeClassName"], "wasmtime-spin-v2");
    let container = &pod["containers"][0];
    let sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"].as_i64().expect("preStop sleep");
    let grace = pod["terminationGracePeriodSeconds"].as_i64().unwrap_or(30);
    assert!(sleep > 0 && sleep < grace, "preStop sleep {sleep}s must fit in the grace period {grace}s");
    assert_eq!(deployment.value["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0);
    for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
        let path = container[probe]["httpGet"]["path"].as_str().unwrap_or_else(|| panic!("no {probe}"));
        assert!(is_probe(&component_serving(path).unwrap()), "{probe} → {path} is not a probe route");
        assert_eq!(container[probe]["httpGet"]["port"], 80);
    }
    for env in container["env"].as_sequence().unwrap() {
        let name = env["name"].as_str().unwrap();
        let var = name.strip_prefix("SPIN_VARIABLE_").expect("only Spin variables").to_lowercase();
        assert!(manifest().variables.contains_key(&var), "{name} is no spin.toml variable");
    }
}

/// The split, run locally: one `spin up -c …` per SpinApp, each on its own
/// port with only the variables that SpinApp gets.
mod on_spin {
    use mewayz_tests::{
        app::{TEST_AUTH_SECRET, TEST_STATUS_TOKEN},
        http,
        spin::{SpinApp, SpinOptions},
    };
    use serde_json::json;

    use super::*;

    /// Local stand-ins for the Secret's values (SQLite: each process has its own).
    fn local_value(variable: &str) -> String {
        match variable {
            "auth_secret" => TEST_AUTH_SECRET.into(),
            "status_token" => TEST_STATUS_TOKEN.into(),
            "cors_allowed_origins" => "https://app.mewayz.com".into(),
            _ => String::new(),
        }
    }

    #[test]
    fn each_split_spinapp_serves_its_routes_and_only_its_routes() {
        for app in spinapps("split") {
            let components = app.components().unwrap();
            // As spin-operator sets them, but for the component selection,
            // which `spin up` takes as `-c` (tier d passes it to the shim).
            let env: Vec<(String, String)> = app
                .container_env(|name| Some(local_value(name)).filter(|v| !v.is_empty()))
                .into_iter()
                .filter(|(key, _)| key != "SPIN_COMPONENTS_TO_RETAIN")
                .collect();
            if ["mewayz-probes", "mewayz-docs"].contains(&app.name()) {
                assert!(env.is_empty(), "{} starts with no variables at all", app.name());
            }
            let spin = SpinApp::start_with(SpinOptions { components: components.clone(), env, ..Default::default() });
            for probe in ["/readiness", "/liveness"] {
                assert_eq!(http::get(&spin.url(probe)).unwrap().status, 200, "{} {probe}", app.name());
            }
            for trigger in &manifest().trigger.http {
                let Some(route) = trigger.public_route() else { continue };
                let path = &sample_paths(route)[0];
                let reply = http::get(&spin.url(path)).unwrap();
                // Our components mark every answer `cache-control: no-store`;
                // Spin's own 404 does not.
                let served = reply.header("cache-control") == Some("no-store");
                if components.contains(&trigger.component) {
                    assert!(served, "{} should serve {path}: {} {}", app.name(), reply.status, reply.text());
                } else {
                    // Not here: Spin's 404, or a JSON 404 from a wildcard
                    // sibling (the Ingress never sends such a path here).
                    assert_eq!(reply.status, 404, "{} must not serve {path}", app.name());
                }
            }
            match app.name() {
                "mewayz-accounts" => {
                    let reply = http::send(
                        "POST",
                        &spin.url("/api/auth/register"),
                        &[("content-type", "application/json")],
                        json!({"email": "split@example.com", "password": "a long password"}).to_string().into_bytes(),
                    )
                    .unwrap();
                    assert_eq!(reply.status, 201, "{}\n{}", reply.text(), spin.logs());
                }
                "mewayz-status" => {
                    let reply = http::get(&spin.url("/api/status")).unwrap();
                    assert_eq!(reply.status, 200, "{}\n{}", reply.text(), spin.logs());
                }
                "mewayz-probes" => {
                    assert_eq!(http::get(&spin.url("/")).unwrap().json()["status"], "running");
                }
                _ => {}
            }
        }
    }
}
