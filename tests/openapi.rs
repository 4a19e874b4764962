//! The OpenAPI document and the docs page: served by a component that
//! imports nothing, naming exactly the routes spin.toml serves, and
//! rendered by Swagger UI in headless Chromium.

use mewayz_tests::{
    embedded::{InboundHttp, Method, request},
    manifest::{component_serving, component_wasm, manifest},
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

/// `{workspace_id}` and `:workspace_id` both become `{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with(':') || (s.starts_with('{') && s.ends_with('}')) { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Where the document and spin.toml disagree: a public route with no
/// operation in the document, or a documented path no route serves.
fn disagreements(document: &Value) -> Vec<String> {
    let paths: Vec<String> = document["paths"].as_object().expect("paths").keys().cloned().collect();
    let mut problems = Vec::new();
    for trigger in &manifest().trigger.http {
        let Some(route) = trigger.public_route() else { continue };
        let covered = match route.strip_suffix("/...") {
            Some(prefix) => paths.iter().any(|p| shape(p).starts_with(&format!("{}/", shape(prefix)))),
            None => paths.iter().any(|p| shape(p) == shape(route)),
        };
        if !covered {
            problems.push(format!("route {route} ({}) is not in the document", trigger.component));
        }
    }
    for path in &paths {
        let concrete =
            path.split('/').map(|s| if s.starts_with('{') { "sample-1" } else { s }).collect::<Vec<_>>().join("/");
        if component_serving(&concrete).is_none() {
            problems.push(format!("the document names {path}, which no route in spin.toml serves"));
        }
    }
    problems
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
        assert_eq!(served_document(), mewayz_openapi::document());
    }

    #[test]
    fn the_document_is_openapi_3_1_and_names_exactly_the_routes_spin_toml_serves() {
        let document = mewayz_openapi::document();
        assert_eq!(document["openapi"], "3.1.0");
        assert_eq!(disagreements(&document), Vec::<String>::new());
    }

    #[test]
    fn the_route_check_catches_a_missing_and_an_unserved_route() {
        let mut document = mewayz_openapi::document();
        let paths = document["paths"].as_object_mut().unwrap();
        paths.retain(|path, _| !path.starts_with("/api/auth/"));
        paths.insert("/api/ghosts".into(), serde_json::json!({"get": {}}));
        let problems = disagreements(&document);
        assert!(problems.iter().any(|p| p.contains("/api/auth/...")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("/api/ghosts")), "{problems:?}");
    }

    /// Found by schemathesis: a module record's `required` named `status`
    /// twice (its own field and the derived one), which OpenAPI 3.1 refuses.
    #[test]
    fn every_required_list_names_distinct_properties() {
        let document = mewayz_openapi::document();
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
        let document = mewayz_openapi::document();
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
        assert_eq!(reply.json(), mewayz_openapi::document());

        let page = mewayz_tests::http::get(&app.url("/api/docs")).unwrap();
        let policy = page.header("content-security-policy").expect("a Content-Security-Policy");
        assert!(policy.starts_with("default-src 'none'") && policy.contains("script-src 'self'"), "{policy}");

        // Deep-linked to one operation, which Swagger UI opens with its body.
        let profile = tempfile::tempdir().unwrap();
        let dom = headless(profile.path(), &["--dump-dom"], &app.url("/api/docs#/accounts/register"));
        let document = mewayz_openapi::document();
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
