//! The HTTP layer every feature component shares. A component is a route
//! table; this crate turns its result into a response in one place: errors,
//! CORS, logging.

mod auth;
mod bounded;
mod client;
mod config;
mod cors;
mod error;
mod patch;
mod request;
#[cfg(target_arch = "wasm32")]
pub mod service;

pub use auth::{authenticate, authenticate_member, authenticate_session, now_seconds};
pub use client::client_key;
pub use config::Config;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use patch::Patch;
pub use request::ApiRequest;

use serde::Serialize;
use spin_sdk::http::{Request, Response};

/// Exports `handle` (a feature component's `fn(Request) -> Response`) as the
/// component's WASI P3 HTTP handler.
#[macro_export]
macro_rules! export_service {
    ($handle:path) => {
        #[cfg(target_arch = "wasm32")]
        #[::spin_sdk::http_wasip3::http_service]
        async fn serve_wasip3(req: ::spin_sdk::http_wasip3::Request) -> $crate::service::Answer {
            $crate::service::serve(req, $handle).await
        }
    };
}

/// What a route returns.
pub type ApiResult = Result<Response, ApiError>;

/// Serves one request: CORS preflight, the component's routes, the error
/// mapping, and the headers every answer carries: `nosniff`, and
/// `Server-Timing: app;dur=…`, how long the component worked on it in
/// milliseconds (what the bounded-input tests hold against their limit),
/// and, when it used the database, `db;dur=…;desc=opened|kept;statements=…`:
/// the time spent in the database (through Spin's host), whether the request
/// opened a connection or found its instance's (WASI P3 instances serve many
/// requests; see `service`), and how many statements it sent.
pub fn serve(req: Request, routes: impl FnOnce(&ApiRequest) -> ApiResult) -> Response {
    let started = std::time::Instant::now();
    mewayz_store::take_usage();
    let req = ApiRequest::new(req);
    let config = req.config();
    let origin = cors::allowed_origin(&req, config);
    let mut response = if req.method_is("OPTIONS") {
        cors::preflight(origin)
    } else {
        let response = routes(&req).unwrap_or_else(|err| {
            err.log(&req);
            err.into_response()
        });
        cors::decorate(response, origin)
    };
    // Here, not in each builder, so no answer can miss it: a browser must
    // never guess a type for what we label JSON (or leave unlabelled).
    response.set_header("x-content-type-options", "nosniff");
    let mut timing = format!("app;dur={:.1}", started.elapsed().as_secs_f64() * 1000.0);
    let db = mewayz_store::take_usage();
    if let Some(connected) = db.connected {
        timing.push_str(&format!(
            ", db;dur={:.2};desc={};statements={}",
            db.time.as_secs_f64() * 1000.0,
            connected.as_str(),
            db.statements
        ));
    }
    response.set_header("server-timing", timing);
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

/// Opens the database for this request (lazily: only routes that need data
/// call this). Unreachable → 503.
pub fn open_db() -> Result<mewayz_store::Db, ApiError> {
    open_db_with(&[])
}

/// [`open_db`] for code that owns more of the schema: its parts are brought
/// up to date too.
pub fn open_db_with(also: &[&[mewayz_store::Migration]]) -> Result<mewayz_store::Db, ApiError> {
    Ok(mewayz_store::Db::open(&Config::database_url()?, also)?)
}

/// The workspace as `user_id` sees it. Not a member → 404, so a workspace's
/// existence is not leaked to outsiders.
pub fn workspace_for_member(
    db: &mewayz_store::Db,
    workspace_id: &str,
    user_id: &str,
) -> Result<mewayz_store::workspaces::Workspace, ApiError> {
    mewayz_store::workspaces::find_for_member(db, workspace_id, user_id)?
        .ok_or_else(|| ApiError::not_found("no such workspace"))
}
