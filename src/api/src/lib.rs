//! The HTTP layer every feature component shares. A component is a route
//! table; this crate turns its result into a response in one place: errors,
//! CORS, logging.

mod admission;
mod auth;
mod bounded;
mod client;
mod config;
mod cors;
mod error;
pub mod http;
mod patch;
mod request;
pub mod service;

pub use admission::with_password_slot;
pub use auth::{authenticate, authenticate_member, authenticate_session, now_seconds};
pub use client::client_key;
pub use config::Config;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use http::{Method, Request as HttpRequest, Response as HttpResponse};
pub use patch::Patch;
pub use request::{ApiRequest, TEXT_PARAM_PATTERN};

use http::{Request, Response};
use mewayz_domain::Page;
use mewayz_store::{Db, Migration};
use serde::Serialize;

/// What a route returns.
pub type ApiResult = Result<Response, ApiError>;

/// Serves one request: the component's routes (HEAD as GET; OPTIONS from
/// the route's methods, with the CORS grant for a preflight), the error
/// mapping, and the headers every answer carries: `nosniff`, and
/// `Server-Timing: app;dur=…`, how long the component worked on it in
/// milliseconds (what the bounded-input tests hold against their limit),
/// and, when it used the database, `db;dur=…;desc=opened|kept;statements=…`:
/// the time spent in the database (through Spin's host), whether the request
/// opened a connection or found its instance's (WASI P3 instances serve many
/// requests; see `service`), and how many statements it sent.
pub async fn serve(req: Request, routes: impl AsyncFnOnce(&ApiRequest) -> ApiResult) -> Response {
    serve_with(req, &[], routes).await
}

/// [`serve`] for a component that owns more of the schema: the parts in
/// `schema` are brought up to date with the store's when a route first
/// opens the database.
pub async fn serve_with(
    req: Request,
    schema: &'static [&'static [Migration]],
    routes: impl AsyncFnOnce(&ApiRequest) -> ApiResult,
) -> Response {
    let started = std::time::Instant::now();
    // HEAD is GET without the body: the route answers it as GET, and Spin's
    // HTTP server sends the headers (Content-Length included) and no body.
    let req = match req.method().as_str() {
        "HEAD" => req.with_method(Method::new("GET")),
        _ => req,
    };
    let req = ApiRequest::new(req, Config::load().await, schema);
    let origin = cors::allowed_origin(&req, req.config());
    let mut response = if let Err(err) = req.config().check() {
        err.log(&req);
        err.into_response()
    } else if req.method_is("OPTIONS") {
        // Every route table answers a method it does not serve with 405 and
        // the methods it does, before any work: that list is what OPTIONS
        // tells (and a path no route serves stays a 404).
        match routes(&req).await {
            Err(ApiError { status: 405, allow: Some(allow), .. }) => cors::options(&req, origin, &allow),
            Ok(response) => response,
            Err(err) => {
                err.log(&req);
                err.into_response()
            }
        }
    } else {
        let response = routes(&req).await.unwrap_or_else(|err| {
            err.log(&req);
            err.into_response()
        });
        cors::decorate(response, origin)
    };
    // Here, not in each builder, so no answer can miss it: a browser must
    // never guess a type for what we label JSON (or leave unlabelled).
    response.set_header("x-content-type-options", "nosniff");
    let mut timing = format!("app;dur={:.1}", started.elapsed().as_secs_f64() * 1000.0);
    if let Some(db) = req.db_usage() {
        timing.push_str(&format!(
            ", db;dur={:.2};desc={};statements={}",
            db.time.as_secs_f64() * 1000.0,
            db.connected.as_str(),
            db.statements
        ));
    }
    response.set_header("server-timing", timing);
    // Dropping the request gives its connection back to the instance.
    drop(req);
    response
}

/// A JSON response.
pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult {
    let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(format!("encoding a response: {e}")))?;
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(body)
        .build())
}

/// An empty 204 response.
pub fn no_content() -> ApiResult {
    Ok(Response::builder().status(204).header("cache-control", "no-store").build())
}

/// Opens the database for code outside [`serve`] (lazily: only what needs
/// data calls this), with the store's part of the schema and `schema` up to
/// date. Unreachable or past `database_timeout_ms` → 503. Routes use
/// [`ApiRequest::db`].
pub async fn open_db(schema: &[&[Migration]]) -> Result<Db, ApiError> {
    Config::load().await;
    Ok(Db::open(&Config::database_url()?, Config::database_timeout()?, schema).await?)
}

/// What every list answers: one page of `data`, how many there are in all,
/// and the page it is (`?limit=` 1 to 100, default 50; `?offset=`, default
/// 0), as [`ApiRequest::page`] read them.
#[derive(Serialize)]
pub struct ListPage<T> {
    pub data: Vec<T>,
    pub total: i64,
    pub limit: u32,
    pub offset: u64,
}

impl<T: Serialize> ListPage<T> {
    pub fn new(data: Vec<T>, total: i64, page: Page) -> Self {
        ListPage { data, total, limit: page.limit, offset: page.offset }
    }
}
