//! The API against its own contract: schemathesis (PyPI; tests/run.sh puts
//! it in a venv and names it in `$SCHEMATHESIS`) generates requests for every
//! operation of /api/openapi.json — examples, the coverage phase's edge
//! cases, fuzzing and stateful sequences along the links it infers — against
//! a live `spin up` on SQLite and on PostgreSQL, authenticated, and checks
//! that no answer is a server error and that every status, content type and
//! body is the one the document declares. A fixed seed keeps runs
//! reproducible; 40 examples per operation keep each under 5 minutes.

use std::{path::PathBuf, process::Command, time::Instant};

use mewayz_tests::{
    app::{Backend, TestApp, User},
    on_spin_with_both_backends,
};

/// Every check schemathesis has, on positive and negative data alike.
const CHECKS: &str = "all";
/// The seed when `SCHEMATHESIS_SEED` does not name one: any seed must pass.
const SEED: &str = "20261130";
const MAX_EXAMPLES: &str = "40";

fn schemathesis() -> PathBuf {
    std::env::var_os("SCHEMATHESIS").map(PathBuf::from).expect(
        "SCHEMATHESIS is unset: tests/run.sh installs schemathesis into a venv and sets it \
         (or: python3 -m venv v && v/bin/pip install schemathesis==4.32.5 && SCHEMATHESIS=v/bin/schemathesis)",
    )
}

/// What the run may touch. Operations that end what the others need — a
/// session, every session of an account, the workspace — get tokens and a
/// workspace of their own, so every operation is exercised and none cuts
/// the run short.
fn config(app: &TestApp, owner: &User, workspace: &str) -> String {
    let login = |user: &User| {
        let reply = app.call(
            "POST",
            "/api/auth/login",
            None,
            Some(serde_json::json!({"email": user.email, "password": "a long password"})),
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["access_token"].as_str().unwrap().to_string()
    };
    let expendable = app.register("expendable@example.com");
    let doomed_workspace = app.workspace(owner, "Doomed Shop");
    let invited = app.invite(owner, workspace, "someone@example.com", "viewer");
    assert_eq!(invited.status, 201, "{}", invited.text());
    format!(
        r#"headers = {{ Authorization = "Bearer {owner_token}" }}

[parameters]
workspace_id = "{workspace}"
user_id = "{owner_id}"
invitation_id = "{invitation}"

[[operations]]
include-operation-id = "logout"
headers = {{ Authorization = "Bearer {second_session}" }}

[[operations]]
include-operation-id = "logoutAll"
headers = {{ Authorization = "Bearer {expendable_token}" }}

[[operations]]
include-operation-id = "changePassword"
headers = {{ Authorization = "Bearer {expendable_session}" }}

[[operations]]
include-operation-id = "deleteWorkspace"
parameters = {{ workspace_id = "{doomed_workspace}" }}
{cross_field}{host_trace}"#,
        owner_token = owner.token,
        owner_id = owner.id,
        invitation = invited.json()["id"].as_str().unwrap(),
        second_session = login(owner),
        expendable_token = expendable.token,
        expendable_session = login(&expendable),
        cross_field = CROSS_FIELD_RULES
            .iter()
            .map(|(id, _)| format!(
                "\n[[operations]]\ninclude-operation-id = \"{id}\"\n\
                 checks.positive_data_acceptance.expected-statuses = [\"2xx\", \"401\", \"403\", \"404\", \"409\", \"422\"]\n"
            ))
            .collect::<String>(),
        host_trace = SPIN_ANSWERS_TRACE
            .iter()
            .map(|id| {
                format!(
                    "\n[[operations]]\ninclude-operation-id = \"{id}\"\n\
                     phases.coverage.unexpected-methods = [\"get\", \"put\", \"post\", \"delete\", \"options\", \"patch\"]\n"
                )
            })
            .collect::<String>(),
    )
}

/// Operations with rules no JSON Schema can state, named in their
/// descriptions: a schema-valid body may still be a 422 there.
const CROSS_FIELD_RULES: [(&str, &str); 4] = [
    ("createProduct", "sale_price"),
    ("updateProduct", "sale_price"),
    ("createBooking", "service_id"),
    ("updateBooking", "service_id"),
];

/// The zero-import probe and docs components' routes: `fermyon:spin/
/// inbound-http` has no `TRACE` or `QUERY`, so Spin's host answers them there
/// itself, with a bare 405 and no `Allow` (ours name it, as
/// `on_spin_trace_on_the_import_free_routes_is_the_host_s_answer` shows).
/// Every other undeclared method is still sent to them.
const SPIN_ANSWERS_TRACE: [&str; 8] =
    ["serviceBanner", "health", "apiHealth", "readiness", "liveness", "apiDocs", "apiDocsFile", "openapiDocument"];

on_spin_with_both_backends! {
    fn every_operation_answers_as_the_contract_says(app) {
        let owner = app.register("owner@example.com");
        let workspace = app.workspace(&owner, "Fuzz Shop");
        let dir = tempfile::tempdir().unwrap();
        let config_file = dir.path().join("schemathesis.toml");
        std::fs::write(&config_file, config(app, &owner, &workspace)).unwrap();

        let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| SEED.to_string());
        let started = Instant::now();
        let output = Command::new(schemathesis())
            .arg("--config-file")
            .arg(&config_file)
            .args(["run", &app.url("/api/openapi.json"), "--url", &app.url("")])
            .args(["--checks", CHECKS, "--seed", &seed, "--mode", "all", "--max-examples", MAX_EXAMPLES])
            // One worker: with two, one worker's stateful run deleted the newest
            // workspace (a list's first) the other had just created, and the
            // other's DELETE of it met a 404 that is no fault of the server.
            .args(["--workers", "1", "--no-color", "--request-timeout", "30"])
            // For a closer look at a failure, e.g. `--report har --report-dir DIR`.
            .args(std::env::var("SCHEMATHESIS_ARGS").unwrap_or_default().split_whitespace())
            .current_dir(dir.path())
            .output()
            .expect("running schemathesis");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary: Vec<&str> = stdout.lines().filter(|l| l.contains("generated") || l.contains("Selected")).collect();
        eprintln!("figures: schemathesis (seed {seed}) in {:.0?}: {}", started.elapsed(), summary.join("; ").trim());
        assert!(
            output.status.success(),
            "schemathesis found problems ({}):\n{stdout}\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            app.spin().logs()
        );
        let document = mewayz_openapi::document().unwrap();
        let operations: usize = document["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
        assert!(stdout.contains(&format!("Selected: {operations}/{operations}")), "every operation is tested:\n{stdout}");
    }
}

/// What the schemathesis run lets through is written down where a client
/// reads it: each operation it allows a 422 for names the rule.
#[test]
fn operations_with_cross_field_rules_name_them() {
    let document = mewayz_openapi::document().unwrap();
    for (id, field) in CROSS_FIELD_RULES {
        let op = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .find(|op| op["operationId"] == id)
            .unwrap_or_else(|| panic!("no operation {id}"));
        let description = op["description"].as_str().unwrap_or_default();
        assert!(description.contains(field), "{id}: {description:?}");
        assert!(op["responses"]["422"].is_object(), "{id} documents its 422");
    }
}

#[test]
fn on_spin_trace_on_the_import_free_routes_is_the_host_s_answer() {
    let app = TestApp::start(Backend::Sqlite);
    let owner = app.register("trace@example.com");
    for method in ["TRACE", "QUERY"] {
        let host = mewayz_tests::http::send(method, &app.url("/readiness"), &[], vec![]).unwrap();
        assert_eq!((host.status, host.header("allow")), (405, None), "{method}: Spin's own answer, before the probe");
    }
    let probe = mewayz_tests::http::send("DELETE", &app.url("/readiness"), &[], vec![]).unwrap();
    assert_eq!((probe.status, probe.header("allow")), (405, Some("GET, HEAD")), "the probe's answer");
    let auth = format!("Bearer {}", owner.token);
    let ours =
        mewayz_tests::http::send("TRACE", &app.url("/api/workspaces"), &[("authorization", &auth)], vec![]).unwrap();
    assert_eq!((ours.status, ours.header("allow")), (405, Some("GET, HEAD, POST")));
}
