//! What each probe route answers. Every body is a compile-time constant: a probe
//! has no state, no clock and nothing that can fail.

/// The request methods Spin passes to an `inbound-http` component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Patch,
    Options,
}

/// A probe's answer. `body` is `None` for HEAD.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub allow: Option<&'static str>,
    pub body: Option<&'static str>,
}

impl Reply {
    /// Response headers. The `Date` header comes from the HTTP server: a
    /// component with no imports has no clock.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [("content-type", "application/json"), ("cache-control", "no-store"), ("x-content-type-options", "nosniff")]
            .into_iter()
            .chain(self.allow.map(|methods| ("allow", methods)))
    }
}

const ALLOWED_METHODS: &str = "GET, HEAD";

pub const ROOT: &str =
    concat!(r#"{"service":"mewayz-api","status":"running","version":""#, env!("CARGO_PKG_VERSION"), r#""}"#);
pub const HEALTH: &str =
    concat!(r#"{"status":"healthy","service":"mewayz-api","version":""#, env!("CARGO_PKG_VERSION"), r#""}"#);
pub const READINESS: &str = r#"{"ready":true,"status":"ready"}"#;
pub const LIVENESS: &str = r#"{"alive":true,"status":"alive"}"#;
pub const NOT_FOUND: &str = r#"{"error":{"code":"not_found","message":"no probe is served at this path"}}"#;
pub const METHOD_NOT_ALLOWED: &str =
    r#"{"error":{"code":"method_not_allowed","message":"probe routes accept GET and HEAD only"}}"#;

/// Answers a probe request. `uri` is the path and query Spin received.
pub fn respond(method: Method, uri: &str) -> Reply {
    let body = match path_of(uri) {
        "/" => ROOT,
        "/health" | "/api/health" => HEALTH,
        "/readiness" => READINESS,
        "/liveness" => LIVENESS,
        _ => return reply(404, None, method, NOT_FOUND),
    };
    match method {
        Method::Get | Method::Head => reply(200, None, method, body),
        _ => reply(405, Some(ALLOWED_METHODS), method, METHOD_NOT_ALLOWED),
    }
}

fn reply(status: u16, allow: Option<&'static str>, method: Method, body: &'static str) -> Reply {
    Reply { status, allow, body: (method != Method::Head).then_some(body) }
}

/// The path of a request target: the query and fragment are not part of it.
fn path_of(uri: &str) -> &str {
    uri.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBES: [(&str, &str); 5] =
        [("/", ROOT), ("/health", HEALTH), ("/api/health", HEALTH), ("/readiness", READINESS), ("/liveness", LIVENESS)];

    fn json(body: &str) -> serde_json::Value {
        serde_json::from_str(body).expect("probe bodies are JSON")
    }

    #[test]
    fn get_answers_every_probe_with_its_documented_body() {
        let version = env!("CARGO_PKG_VERSION");
        let expected = [
            serde_json::json!({"service":"mewayz-api","status":"running","version":version}),
            serde_json::json!({"status":"healthy","service":"mewayz-api","version":version}),
            serde_json::json!({"status":"healthy","service":"mewayz-api","version":version}),
            serde_json::json!({"ready":true,"status":"ready"}),
            serde_json::json!({"alive":true,"status":"alive"}),
        ];
        for ((path, _), want) in PROBES.iter().zip(expected) {
            let reply = respond(Method::Get, path);
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(json(reply.body.unwrap()), want, "{path}");
            assert!(reply.allow.is_none());
        }
    }

    #[test]
    fn probe_responses_are_json_never_cached_and_never_sniffed() {
        for reply in [respond(Method::Get, "/readiness"), respond(Method::Post, "/health"), respond(Method::Get, "/x")]
        {
            let headers: Vec<_> = reply.headers().collect();
            assert!(headers.contains(&("content-type", "application/json")));
            assert!(headers.contains(&("cache-control", "no-store")));
            assert!(headers.contains(&("x-content-type-options", "nosniff")), "{}", reply.status);
        }
    }

    #[test]
    fn head_answers_like_get_without_a_body() {
        for (path, _) in PROBES {
            let get = respond(Method::Get, path);
            let head = respond(Method::Head, path);
            assert_eq!(head.status, get.status);
            assert_eq!(head.headers().collect::<Vec<_>>(), get.headers().collect::<Vec<_>>());
            assert_eq!(head.body, None);
        }
    }

    #[test]
    fn other_methods_get_405_with_allow_and_a_json_error() {
        for method in [Method::Post, Method::Put, Method::Delete, Method::Patch, Method::Options] {
            for (path, _) in PROBES {
                let reply = respond(method, path);
                assert_eq!(reply.status, 405, "{method:?} {path}");
                assert!(reply.headers().any(|h| h == ("allow", "GET, HEAD")));
                let body = json(reply.body.unwrap());
                assert_eq!(body["error"]["code"], "method_not_allowed");
            }
        }
    }

    #[test]
    fn query_strings_do_not_change_the_route() {
        assert_eq!(respond(Method::Get, "/liveness?verbose=1").body, Some(LIVENESS));
        assert_eq!(respond(Method::Get, "/health#x").body, Some(HEALTH));
    }

    #[test]
    fn unknown_and_odd_paths_get_a_json_404() {
        let long = "/".repeat(100_000);
        for path in ["", "/healthz", "/health/", "//", "/%00", "\u{0}", "/ünïcode", &long] {
            let reply = respond(Method::Get, path);
            assert_eq!(reply.status, 404, "{path:?}");
            assert_eq!(json(reply.body.unwrap())["error"]["code"], "not_found");
        }
    }
}
