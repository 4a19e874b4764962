//! What each docs route answers: constants embedded at build time.

/// The request methods that matter here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Other,
}

/// An answer. `body` is `None` for HEAD.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub allow: Option<&'static str>,
    pub body: Option<&'static [u8]>,
}

/// The page loads only what this component serves: no inline script or
/// style, nothing from elsewhere, and it may not be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

impl Reply {
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [
            ("content-type", self.content_type),
            ("cache-control", "no-store"),
            ("x-content-type-options", "nosniff"),
            ("content-security-policy", CONTENT_SECURITY_POLICY),
            ("referrer-policy", "no-referrer"),
            // The contract is public: generators and gateways may read it
            // from any origin.
            ("access-control-allow-origin", "*"),
        ]
        .into_iter()
        .chain(self.allow.map(|methods| ("allow", methods)))
    }
}

pub const DOCUMENT: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));
const BUNDLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui-bundle.js"));
const STYLES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/swagger-ui.css"));

pub const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mewayz API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"#;

/// Starts Swagger UI on the document; a file, since the policy allows no
/// inline script.
const INIT: &str = r##"window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 1,
});
"##;

const NOT_FOUND: &str = r#"{"error":{"code":"not_found","message":"no such route"}}"#;
const METHOD_NOT_ALLOWED: &str =
    r#"{"error":{"code":"method_not_allowed","message":"this route accepts GET and HEAD"}}"#;

/// Answers a request. `uri` is the path and query Spin received.
pub fn respond(method: Method, uri: &str) -> Reply {
    let (content_type, body): (&str, &[u8]) = match path_of(uri) {
        "/api/openapi.json" => ("application/json", DOCUMENT.as_bytes()),
        "/api/docs" | "/api/docs/" => ("text/html; charset=utf-8", PAGE.as_bytes()),
        "/api/docs/init.js" => ("text/javascript; charset=utf-8", INIT.as_bytes()),
        "/api/docs/swagger-ui-bundle.js" => ("text/javascript; charset=utf-8", BUNDLE),
        "/api/docs/swagger-ui.css" => ("text/css; charset=utf-8", STYLES),
        _ => return reply(404, None, method, "application/json", NOT_FOUND.as_bytes()),
    };
    match method {
        Method::Get | Method::Head => reply(200, None, method, content_type, body),
        Method::Other => reply(405, Some("GET, HEAD"), method, "application/json", METHOD_NOT_ALLOWED.as_bytes()),
    }
}

fn reply(
    status: u16,
    allow: Option<&'static str>,
    method: Method,
    content_type: &'static str,
    body: &'static [u8],
) -> Reply {
    Reply { status, content_type, allow, body: (method != Method::Head).then_some(body) }
}

/// The path of a request target: the query and fragment are not part of it.
fn path_of(uri: &str) -> &str {
    uri.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_served_as_json_and_is_openapi_3_1() {
        let reply = respond(Method::Get, "/api/openapi.json?x=1");
        assert_eq!((reply.status, reply.content_type), (200, "application/json"));
        let document: serde_json::Value = serde_json::from_slice(reply.body.unwrap()).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        assert!(document["paths"]["/api/auth/login"]["post"].is_object());
    }

    #[test]
    fn the_page_loads_only_its_own_files_under_a_strict_policy() {
        let reply = respond(Method::Get, "/api/docs");
        assert_eq!((reply.status, reply.content_type), (200, "text/html; charset=utf-8"));
        let page = std::str::from_utf8(reply.body.unwrap()).unwrap();
        for asset in ["/api/docs/swagger-ui.css", "/api/docs/swagger-ui-bundle.js", "/api/docs/init.js"] {
            assert!(page.contains(asset), "{asset}");
            assert_eq!(respond(Method::Get, asset).status, 200, "{asset}");
        }
        assert!(!page.contains("<script>") && !page.contains("style="), "nothing inline");
        assert!(reply.headers().any(|h| h == ("content-security-policy", CONTENT_SECURITY_POLICY)));
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none'"));
    }

    #[test]
    fn head_has_no_body_other_methods_get_405_and_unknown_paths_404() {
        let head = respond(Method::Head, "/api/openapi.json");
        assert_eq!((head.status, head.body), (200, None));
        let post = respond(Method::Other, "/api/docs");
        assert_eq!((post.status, post.allow), (405, Some("GET, HEAD")));
        assert_eq!(respond(Method::Get, "/api/docs/secrets").status, 404);
    }
}
