//! The API against its own contract: schemathesis (PyPI; tests/run.sh puts
//! it in a venv and names it in `$SCHEMATHESIS`) generates requests for every
//! operation of /api/openapi.json — examples, the coverage phase's edge
//! cases, fuzzing and stateful sequences along the links it infers — against
//! a live `spin up` on SQLite and on PostgreSQL, authenticated, and checks
//! that no answer is a server error and that every status, content type and
//! body is the one the document declares. A fixed seed keeps runs
//! reproducible; 20 examples per operation keep each under 5 minutes.

use std::{path::PathBuf, process::Command, time::Instant};

use mewayz_tests::{
    app::{TestApp, User},
    on_both_backends,
};

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
const SEED: &str = "20261130";
const MAX_EXAMPLES: &str = "20";

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
"#,
        owner_token = owner.token,
        owner_id = owner.id,
        invitation = invited.json()["id"].as_str().unwrap(),
        second_session = login(owner),
        expendable_token = expendable.token,
        expendable_session = login(&expendable),
    )
}

on_both_backends! {
    fn every_operation_answers_as_the_contract_says(app) {
        let owner = app.register("owner@example.com");
        let workspace = app.workspace(&owner, "Fuzz Shop");
        let dir = tempfile::tempdir().unwrap();
        let config_file = dir.path().join("schemathesis.toml");
        std::fs::write(&config_file, config(app, &owner, &workspace)).unwrap();

        let started = Instant::now();
        let output = Command::new(schemathesis())
            .arg("--config-file")
            .arg(&config_file)
            .args(["run", &app.url("/api/openapi.json"), "--url", &app.url("")])
            .args(["--checks", CHECKS, "--seed", SEED, "--max-examples", MAX_EXAMPLES])
            .args(["--workers", "2", "--no-color", "--request-timeout", "30"])
            .current_dir(dir.path())
            .output()
            .expect("running schemathesis");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary: Vec<&str> = stdout.lines().filter(|l| l.contains("generated") || l.contains("Selected")).collect();
        eprintln!("figures: schemathesis in {:.0?}: {}", started.elapsed(), summary.join("; ").trim());
        assert!(
            output.status.success(),
            "schemathesis found problems ({}):\n{stdout}\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            app.spin.logs()
        );
        assert!(stdout.contains("Selected: 60/60"), "every operation is tested:\n{stdout}");
    }
}
