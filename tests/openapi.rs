//! The OpenAPI document and the docs page: served by a component that
//! imports nothing, naming exactly the routes spin.toml serves (checked
//! when the document is built), and rendered by Swagger UI in headless
//! Chromium.

use mewayz_tests::{
    embedded::{InboundHttp, Method, request},
    manifest::{component_wasm, manifest},
    wasm::component_interface,
};
use serde_json::Value;

/// The document as the `openapi` component serves it (an embedded wasmtime
/// compiles the 2 MB component: once, in the test that needs it).
fn served_document() -> Value {
    let wasm = component_wasm("openapi");
    let reply = InboundHttp::new(&wasm).unwrap().handle(&request(Method::Get, "/api/openapi.json")).unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    serde_json::from_slice(&reply.body.expect("a body")).expect("the document is JSON")
}

mod wasm {
    use super::*;

    #[test]
    fn the_docs_components_import_nothing() {
        for id in ["openapi", "docs"] {
            let interface = component_interface(&component_wasm(id)).unwrap();
            assert!(interface.imports.is_empty(), "{id} imports {:?}", interface.imports);
            assert_eq!(interface.exports, ["fermyon:spin/inbound-http"], "{id}");
            assert!(manifest().capabilities(id).is_empty(), "{id} is granted {:?}", manifest().capabilities(id));
        }
    }

    #[test]
    fn the_component_serves_the_document_built_from_the_code() {
        assert_eq!(served_document(), mewayz_openapi::document().unwrap());
    }

    /// `document()` itself holds the paths against spin.toml's routes
    /// (src/openapi/src/routes.rs, generated): building it is the check.
    #[test]
    fn the_document_is_openapi_3_1_and_builds_against_spin_toml() {
        let document = mewayz_openapi::document().unwrap();
        assert_eq!(document["openapi"], "3.1.0");
    }

    /// Found by schemathesis: a module record's `required` named `status`
    /// twice (its own field and the derived one), which OpenAPI 3.1 refuses.
    #[test]
    fn every_required_list_names_distinct_properties() {
        let document = mewayz_openapi::document().unwrap();
        for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
            let Some(required) = schema["required"].as_array() else { continue };
            let unique: std::collections::BTreeSet<_> = required.iter().map(|r| r.as_str().unwrap()).collect();
            assert_eq!(unique.len(), required.len(), "{name} requires {required:?}");
            for field in unique {
                assert!(schema["properties"].get(field).is_some(), "{name} requires {field}, which it does not define");
            }
        }
    }

    #[test]
    fn every_reference_resolves_and_every_operation_has_an_id_and_error_answers() {
        let document = mewayz_openapi::document().unwrap();
        let text = document.to_string();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let missing: Vec<_> = regex::Regex::new("#/components/schemas/([A-Za-z0-9_]+)")
            .unwrap()
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            .filter(|name| !schemas.contains_key(name))
            .collect();
        assert!(missing.is_empty(), "unresolved: {missing:?}");
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                assert!(ids.insert(id.to_string()), "operationId {id} twice");
                let secured = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
                if secured && !path.starts_with("/api/status") {
                    let error = &op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(error, "#/components/schemas/ErrorBody", "{method} {path}: 401 in the error shape");
                }
            }
        }
        assert!(ids.len() >= 60, "{} operations", ids.len());
    }
}

mod on_spin {
    use mewayz_tests::{
        app::{Backend, TestApp},
        browser::headless,
    };

    #[test]
    fn the_docs_page_renders_every_operation_and_a_schema_in_chromium() {
        let app = TestApp::start(Backend::Sqlite);
        let reply = mewayz_tests::http::get(&app.url("/api/openapi.json")).unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json(), mewayz_openapi::document().unwrap());

        let page = mewayz_tests::http::get(&app.url("/api/docs")).unwrap();
        let policy = page.header("content-security-policy").expect("a Content-Security-Policy");
        assert!(policy.starts_with("default-src 'none'") && policy.contains("script-src 'self'"), "{policy}");

        // Deep-linked to one operation, which Swagger UI opens with its body.
        let profile = tempfile::tempdir().unwrap();
        let dom = headless(profile.path(), &["--dump-dom"], &app.url("/api/docs#/accounts/register"));
        let document = mewayz_openapi::document().unwrap();
        for (path, item) in document["paths"].as_object().unwrap() {
            for op in item.as_object().unwrap().values() {
                let summary = op["summary"].as_str().unwrap();
                assert!(dom.contains(&format!("data-path=\"{path}\"")), "{path} is not listed");
                assert!(dom.contains(summary), "{summary:?} ({path}) is not shown");
            }
        }
        assert!(dom.contains("correct horse battery"), "the open operation's example body is not shown");
        assert!(dom.contains("Registration"), "the Registration schema is not shown");
    }
}

/// docs/api.md's client example: a TypeScript client generated from the
/// document the app serves (openapi-typescript), type-checked with `tsc
/// --strict` against a journey (tests/ts-client/journey.ts) that registers,
/// creates a workspace and a contact, lists contacts and meets a 422, then
/// run with node against `spin up`. tests/run.sh installs the npm packages
/// into `$TS_CLIENT_MODULES`.
#[test]
fn on_spin_a_generated_typescript_client_drives_register_workspace_and_contact() {
    use std::process::Command;
    let modules = std::path::PathBuf::from(
        std::env::var_os("TS_CLIENT_MODULES")
            .expect("TS_CLIENT_MODULES is unset: tests/run.sh installs tests/ts-client's npm packages and sets it"),
    );
    let app = mewayz_tests::app::TestApp::start(mewayz_tests::app::Backend::Sqlite);
    // Inside the folder that holds node_modules, so tsc and node find them.
    let work = tempfile::tempdir_in(&modules).unwrap();
    let source = mewayz_tests::repo_path("tests/ts-client");
    for file in ["journey.ts", "tsconfig.json", "package.json"] {
        std::fs::copy(source.join(file), work.path().join(file)).unwrap();
    }
    let document = mewayz_tests::http::get(&app.url("/api/openapi.json")).unwrap();
    std::fs::write(work.path().join("openapi.json"), &document.body).unwrap();
    let run = |program: &std::path::Path, args: &[&str]| {
        let output = Command::new(program).args(args).current_dir(work.path()).output().unwrap();
        let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{} {args:?}:\n{printed}", program.display());
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let bin = modules.join("node_modules/.bin");
    run(&bin.join("openapi-typescript"), &["openapi.json", "-o", "api.d.ts"]);
    run(&bin.join("tsc"), &["-p", "."]);
    let printed = run(std::path::Path::new("node"), &["out/journey.js", &app.url("")]);
    let outcome: Value = serde_json::from_str(printed.trim()).unwrap_or_else(|e| panic!("{e}: {printed}"));
    assert_eq!(
        outcome,
        serde_json::json!({"workspace": "typed-shop", "contact": "Ada", "total": 1, "refused": [422, "lead_score"]})
    );
}
