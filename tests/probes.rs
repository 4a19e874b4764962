//! The five probe routes: the built wasm (imports, exports, size, behaviour in
//! an embedded wasmtime) and the app on real Spin.

use mewayz_tests::{
    APP_VERSION,
    manifest::{component_wasm, manifest},
};
use serde_json::{Value, json};

/// Probe routes and the body each answers.
fn probes() -> Vec<(&'static str, Value)> {
    let health = json!({"status": "healthy", "service": "mewayz-api", "version": APP_VERSION});
    vec![
        ("/", json!({"service": "mewayz-api", "status": "running", "version": APP_VERSION})),
        ("/health", health.clone()),
        ("/api/health", health),
        ("/readiness", json!({"ready": true, "status": "ready"})),
        ("/liveness", json!({"alive": true, "status": "alive"})),
    ]
}

/// The component serving a probe route, per spin.toml.
fn probe_component(route: &str) -> &'static str {
    manifest().component_for_route(route).unwrap_or_else(|| panic!("spin.toml routes nothing to {route}"))
}

/// Tier b: the compiled `.wasm`, without Spin.
mod wasm {
    use mewayz_tests::{
        embedded::{ALL_METHODS, InboundHttp, Method, request},
        wasm::component_interface,
    };

    use super::*;

    const MAX_PROBE_SIZE: usize = 64 * 1024;

    #[test]
    fn every_probe_route_has_its_own_component() {
        let mut ids: Vec<_> = probes().iter().map(|(route, _)| probe_component(route)).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 5, "five routes, five components: {ids:?}");
    }

    #[test]
    fn probe_components_import_nothing_and_export_only_inbound_http() {
        for (route, _) in probes() {
            let id = probe_component(route);
            let interface = component_interface(&component_wasm(id)).unwrap();
            assert!(
                interface.imports.is_empty(),
                "probe component {id} ({route}) must import nothing, imports {:?}",
                interface.imports
            );
            assert_eq!(interface.exports, ["fermyon:spin/inbound-http"], "{id}");
        }
    }

    #[test]
    fn the_import_check_sees_imports() {
        // The check above is only worth something if it can fail.
        let with_import = wat::parse_str(
            r#"(component
                 (import "wasi:cli/environment@0.2.0" (instance))
                 (import "fermyon:spin/http-types" (instance)))"#,
        )
        .unwrap();
        let interface = component_interface(&with_import).unwrap();
        assert_eq!(interface.imports, ["wasi:cli/environment@0.2.0", "fermyon:spin/http-types"]);

        let core_module = wat::parse_str("(module)").unwrap();
        assert!(component_interface(&core_module).is_err(), "a core module is not a component");
    }

    #[test]
    fn probe_components_declare_no_capabilities() {
        for (route, _) in probes() {
            let id = probe_component(route);
            let granted = manifest().capabilities(id);
            assert!(granted.is_empty(), "probe component {id} declares {granted:?}");
        }
    }

    #[test]
    fn probe_wasm_is_small() {
        let size = component_wasm(probe_component("/liveness")).len();
        println!("probe component: {size} bytes");
        assert!(size <= MAX_PROBE_SIZE, "probe component is {size} bytes, over {MAX_PROBE_SIZE}");
    }

    fn embedded(route: &str) -> InboundHttp {
        InboundHttp::new(&component_wasm(probe_component(route))).expect("compiling the probe")
    }

    #[test]
    fn get_and_head_answer_every_probe_in_an_empty_host() {
        for (route, body) in probes() {
            let probe = embedded(route);
            let get = probe.handle(&request(Method::Get, route)).unwrap();
            assert_eq!(get.status, 200, "GET {route}");
            assert_eq!(get.header("content-type"), Some("application/json"));
            assert_eq!(get.header("cache-control"), Some("no-store"));
            assert_eq!(get.header("x-content-type-options"), Some("nosniff"), "GET {route}");
            let got: Value = serde_json::from_slice(get.body.as_deref().unwrap()).unwrap();
            assert_eq!(got, body, "GET {route}");

            let head = probe.handle(&request(Method::Head, route)).unwrap();
            assert_eq!(head.status, 200, "HEAD {route}");
            assert_eq!(head.headers, get.headers, "HEAD {route}");
            assert!(head.body.unwrap_or_default().is_empty(), "HEAD {route} has a body");
        }
    }

    #[test]
    fn other_methods_get_405_with_allow_in_an_empty_host() {
        for (route, _) in probes() {
            let probe = embedded(route);
            for method in ALL_METHODS.into_iter().filter(|m| !matches!(m, Method::Get | Method::Head)) {
                let reply = probe.handle(&request(method, route)).unwrap();
                assert_eq!(reply.status, 405, "{method:?} {route}");
                assert_eq!(reply.header("allow"), Some("GET, HEAD"));
                assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{method:?} {route}");
                let body: Value = serde_json::from_slice(reply.body.as_deref().unwrap()).unwrap();
                assert_eq!(body["error"]["code"], "method_not_allowed");
            }
        }
    }

    #[test]
    fn odd_requests_never_trap() {
        let probe = embedded("/health");
        let mut huge = request(Method::Post, "/health");
        huge.body = Some(vec![0xff; 16 * 1024 * 1024]);
        assert_eq!(probe.handle(&huge).unwrap().status, 405);

        let mut many_headers = request(Method::Get, "/health?x=1&y");
        many_headers.headers = (0..10_000).map(|i| (format!("x-odd-{i}"), "\u{0}\u{7f}ünï".repeat(i % 7))).collect();
        assert_eq!(probe.handle(&many_headers).unwrap().status, 200);

        let long_path = format!("/{}", "a/".repeat(500_000));
        for uri in ["", "*", "//", "/health/../health", "/%2e%2e/", "\u{0}", &long_path] {
            let reply = probe.handle(&request(Method::Get, uri)).unwrap();
            assert_eq!(reply.status, 404, "{uri:.40?}");
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{uri:.40?}");
        }
    }
}

/// Tier c: the whole app on a real `spin up`.
mod on_spin {
    use mewayz_tests::{http, spin::SpinApp};

    use super::*;

    #[test]
    fn serves_every_probe_route() {
        let app = SpinApp::start();
        for (route, body) in probes() {
            let reply = http::get(&app.url(route)).unwrap();
            assert_eq!(reply.status, 200, "GET {route}: {}", reply.text());
            assert_eq!(reply.header("content-type"), Some("application/json"), "{route}");
            assert_eq!(reply.header("cache-control"), Some("no-store"), "{route}");
            assert!(reply.header("date").is_some(), "{route}: the server dates responses");
            assert_eq!(reply.json(), body, "GET {route}");
        }
    }

    #[test]
    fn the_app_and_its_probes_report_one_version() {
        assert_eq!(manifest().application.name, "mewayz-api");
        assert_eq!(manifest().application.version, APP_VERSION);
        let app = SpinApp::start();
        let info = http::get(&app.url("/.well-known/spin/info")).unwrap().json();
        assert_eq!(info["version"], APP_VERSION, "{info}");
    }

    #[test]
    fn head_answers_without_a_body_and_other_methods_get_405() {
        let app = SpinApp::start();
        for (route, _) in probes() {
            let head = http::send("HEAD", &app.url(route), &[], vec![]).unwrap();
            assert_eq!(head.status, 200, "HEAD {route}");
            assert_eq!(head.header("content-type"), Some("application/json"));
            assert!(head.body.is_empty());

            for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
                let reply = http::send(method, &app.url(route), &[], b"{}".to_vec()).unwrap();
                assert_eq!(reply.status, 405, "{method} {route}");
                assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method} {route}");
                assert_eq!(reply.json()["error"]["code"], "method_not_allowed");
            }
        }
        // Methods outside inbound-http's enum never reach the component: Spin answers.
        let reply = http::send("PROPFIND", &app.url("/health"), &[], vec![]).unwrap();
        assert_eq!(reply.status, 405);
    }

    #[test]
    fn unknown_routes_are_404_and_the_host_health_check_answers() {
        let app = SpinApp::start();
        for path in ["/nope", "/healthz", "/api/health/extra", "/readiness/"] {
            assert_eq!(http::get(&app.url(path)).unwrap().status, 404, "{path}");
        }
        let host = http::get(&app.url("/.well-known/spin/health")).unwrap();
        assert_eq!((host.status, host.text()), (200, "OK"));
    }

    #[test]
    fn odd_requests_leave_the_probes_answering() {
        let app = SpinApp::start();
        let huge = http::send("POST", &app.url("/readiness"), &[], vec![b'x'; 8 * 1024 * 1024]).unwrap();
        assert_eq!(huge.status, 405);
        let odd = http::send(
            "GET",
            &app.url("/liveness?%00=%ff&&=="),
            &[
                ("x-odd", &"\"; DROP TABLE users; --".repeat(300)),
                ("user-agent", "kube-probe/1.31"),
                ("accept", "*/*;q=bogus"),
                ("content-length", "0"),
            ],
            vec![],
        )
        .unwrap();
        assert_eq!(odd.status, 200);
        assert_eq!(http::get(&app.url("/readiness")).unwrap().status, 200);
    }
}
