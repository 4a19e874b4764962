//! Every routed component answers through its own component on `spin up`
//! 4.0, on SQLite and PostgreSQL: a request to each public route of
//! spin.toml, as an owner of a workspace, reaches the component routed there
//! (feature components say so in `Server-Timing`; the probes, docs and
//! status in their own answers), and answers as the same component called
//! in process does (tests/support/in_process.rs): the in-process suites
//! test what Spin serves.

use mewayz_manifest::Manifest;
use mewayz_tests::{
    app::{Backend, TestApp},
    on_spin_with_both_backends, repo_root,
};

/// What each kind of component answers a GET of its route with.
fn kind(component: &str) -> &'static str {
    match component {
        c if c.starts_with("probe-") => "probe",
        "openapi" | "docs" => "docs",
        "status" => "status",
        // Its own HTML and redirects, not the API's JSON layer.
        "public-pages" => "page",
        _ => "feature",
    }
}

fn every_route_is_answered_by_its_component(backend: Backend, app: &TestApp) {
    let owner = app.register("smoke@example.com");
    let ws = app.workspace(&owner, "Smoke Shop");
    let in_process = TestApp::in_process(backend);
    let twin = in_process.register("smoke@example.com");
    let twin_ws = in_process.workspace(&twin, "Smoke Shop");

    let manifest = Manifest::load(repo_root()).unwrap();
    let routes = manifest.public_routes().unwrap();
    assert!(routes.len() > 20, "{} public routes", routes.len());
    let mut checked = Vec::new();
    for (route, component) in routes {
        let sample = route.sample_paths().remove(0);
        let path = sample.replace("sample-1", &ws);
        let auth = format!("Bearer {}", owner.token);
        let reply = app.send("GET", &path, &[("authorization", &auth)], vec![]);
        let what = format!("GET {path} ({} → {component})", route.as_str());
        assert!(reply.status < 500, "{what}: {} {}", reply.status, reply.text());
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}: not a component's answer");
        match kind(component) {
            "probe" => assert_eq!((reply.status, reply.json()["status"].is_string()), (200, true), "{what}"),
            "docs" => assert_eq!(reply.status, 200, "{what}"),
            "status" => assert_eq!(reply.header("content-type"), Some("application/health+json"), "{what}"),
            kind => {
                if kind == "feature" {
                    let timing = reply.header("server-timing").unwrap_or_default();
                    assert!(timing.starts_with("app;dur="), "{what}: no feature component's Server-Timing: {timing:?}");
                }
                // The same request in process: the same answer.
                let twin_path = sample.replace("sample-1", &twin_ws);
                let twin_auth = format!("Bearer {}", twin.token);
                let there = in_process.send("GET", &twin_path, &[("authorization", &twin_auth)], vec![]);
                assert_eq!(
                    (there.status, there.header("content-type"), there.header("cache-control")),
                    (reply.status, reply.header("content-type"), reply.header("cache-control")),
                    "{what}: in process {}, on Spin {}",
                    there.text(),
                    reply.text()
                );
            }
        }
        checked.push(what);
    }
    println!("figures: {} routes answered by their components:\n{}", checked.len(), checked.join("\n"));
}

on_spin_with_both_backends! {
    fn every_routed_component_answers_through_its_own_component_as_it_does_in_process(app) {
        let backend = if app.database.is_some() { Backend::Postgres } else { Backend::Sqlite };
        every_route_is_answered_by_its_component(backend, app);
    }
}
