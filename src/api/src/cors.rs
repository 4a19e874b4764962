//! CORS for the web front end: only origins on the allow-list get CORS
//! headers, echoed exactly (never `*`); credentials are a bearer header, so
//! `Access-Control-Allow-Credentials` is never sent.

use spin_sdk::http::Response;

use crate::{ApiRequest, Config};

const ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "authorization, content-type";
const MAX_AGE_SECONDS: &str = "600";

/// The request's `Origin` if it is on the allow-list.
pub fn allowed_origin<'a>(req: &'a ApiRequest, config: &Config) -> Option<&'a str> {
    let origin = req.header("origin")?;
    config.cors_allowed_origins.iter().any(|o| o == origin).then_some(origin)
}

/// Answers a preflight `OPTIONS`. Origins not on the list get no CORS
/// headers, which the browser treats as a refusal.
pub fn preflight(origin: Option<&str>) -> Response {
    let mut builder = Response::builder();
    builder.status(204).header("vary", "origin");
    if let Some(origin) = origin {
        builder
            .header("access-control-allow-origin", origin)
            .header("access-control-allow-methods", ALLOW_METHODS)
            .header("access-control-allow-headers", ALLOW_HEADERS)
            .header("access-control-max-age", MAX_AGE_SECONDS);
    }
    builder.build()
}

/// Adds CORS headers to an answer for an allowed origin.
pub fn decorate(mut response: Response, origin: Option<&str>) -> Response {
    response.set_header("vary", "origin");
    if let Some(origin) = origin {
        response.set_header("access-control-allow-origin", origin);
    }
    response
}
