//! CORS for the web front end: only origins on the allow-list get CORS
//! headers, echoed exactly (never `*`); credentials are a bearer header, so
//! `Access-Control-Allow-Credentials` is never sent.

use crate::http::Response;

use crate::{ApiError, ApiRequest, Config};

const ALLOW_HEADERS: &str = "authorization, content-type";
/// What browser code may read of an answer beyond the CORS-safelisted
/// headers: when to retry (429, 503), where the time went, what was created.
const EXPOSE_HEADERS: &str = "retry-after, server-timing, location";
const MAX_AGE_SECONDS: &str = "600";

/// The request's `Origin` if it is on the allow-list.
pub fn allowed_origin<'a>(req: &'a ApiRequest, config: &Config) -> Option<&'a str> {
    let origin = req.header("origin")?;
    config.cors_allowed_origins.iter().any(|o| o == origin).then_some(origin)
}

/// Answers `OPTIONS` on a route that serves `allow` (`"GET, HEAD, POST"`).
/// A preflight from an allowed origin for one of those methods gets the
/// CORS grant; one for another method is a 405, so the browser refuses it.
/// Any other `OPTIONS` (a disallowed origin, no preflight) is told the
/// route's methods and granted nothing.
pub fn options(req: &ApiRequest, origin: Option<&str>, allow: &str) -> Response {
    let requested = req.header("access-control-request-method");
    if let (Some(origin), Some(method)) = (origin, requested) {
        if !allow.split(", ").any(|m| m == method) {
            let mut refused = ApiError::allowing(allow.to_string()).into_response();
            refused.set_header("vary", "origin");
            return refused;
        }
        return Response::builder()
            .status(204)
            .header("vary", "origin")
            .header("allow", format!("{allow}, OPTIONS"))
            .header("access-control-allow-origin", origin)
            .header("access-control-allow-methods", allow)
            .header("access-control-allow-headers", ALLOW_HEADERS)
            .header("access-control-max-age", MAX_AGE_SECONDS)
            .build();
    }
    Response::builder().status(204).header("vary", "origin").header("allow", format!("{allow}, OPTIONS")).build()
}

/// Adds CORS headers to an answer for an allowed origin.
pub fn decorate(mut response: Response, origin: Option<&str>) -> Response {
    response.set_header("vary", "origin");
    if let Some(origin) = origin {
        response.set_header("access-control-allow-origin", origin);
        response.set_header("access-control-expose-headers", EXPOSE_HEADERS);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Method, Request};
    use std::rc::Rc;

    const ALLOWED: &str = "https://app.example";

    fn options_request(headers: &[(&str, &str)]) -> ApiRequest {
        let config = Config::from_variables(vec![("cors_allowed_origins", Ok(Some(ALLOWED.into())))]);
        let headers = headers.iter().map(|(n, v)| (n.to_string(), v.as_bytes().to_vec())).collect();
        ApiRequest::new(Request::new(Method::new("OPTIONS"), "/api/x", headers, vec![]), Rc::new(config), &[])
    }

    fn answer(headers: &[(&str, &str)]) -> Response {
        let req = options_request(headers);
        let origin = allowed_origin(&req, req.config());
        options(&req, origin, "GET, HEAD, POST")
    }

    #[test]
    fn a_preflight_for_a_method_the_route_serves_is_granted_that_route_s_methods() {
        let granted = answer(&[("origin", ALLOWED), ("access-control-request-method", "POST")]);
        assert_eq!(granted.status(), 204);
        assert_eq!(granted.header("access-control-allow-origin"), Some(ALLOWED));
        assert_eq!(granted.header("access-control-allow-methods"), Some("GET, HEAD, POST"));
        assert_eq!(granted.header("access-control-allow-headers"), Some(ALLOW_HEADERS));
        assert_eq!(granted.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    }

    #[test]
    fn a_preflight_for_another_method_is_a_405_without_a_grant() {
        let refused = answer(&[("origin", ALLOWED), ("access-control-request-method", "DELETE")]);
        assert_eq!(refused.status(), 405);
        assert_eq!(refused.header("allow"), Some("GET, HEAD, POST"));
        assert!(refused.header("access-control-allow-origin").is_none());
    }

    #[test]
    fn other_origins_and_plain_options_learn_the_methods_and_are_granted_nothing() {
        for headers in [&[("origin", "https://evil.example"), ("access-control-request-method", "POST")][..], &[]] {
            let plain = answer(headers);
            assert_eq!(plain.status(), 204);
            assert_eq!(plain.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
            assert!(plain.headers().all(|(name, _)| !name.starts_with("access-control-")), "{headers:?}");
        }
    }

    #[test]
    fn answers_to_allowed_origins_expose_retry_after_server_timing_and_location() {
        let exposed = decorate(Response::builder().status(503).build(), Some(ALLOWED));
        assert_eq!(exposed.header("access-control-expose-headers"), Some("retry-after, server-timing, location"));
        let other = decorate(Response::builder().status(503).build(), None);
        assert!(other.header("access-control-expose-headers").is_none());
        assert_eq!(other.header("vary"), Some("origin"));
    }

    #[test]
    fn allow_names_head_wherever_get_is_served() {
        assert_eq!(ApiError::method_not_allowed("GET, POST").allow.as_deref(), Some("GET, HEAD, POST"));
        assert_eq!(ApiError::method_not_allowed("PATCH, DELETE").allow.as_deref(), Some("PATCH, DELETE"));
    }
}
