//! The caller's session under `/api/auth`: who am I, log out, log out
//! everywhere. Token routes only: no password is hashed here, so this
//! component runs as a WASI P3 component whose instances Spin reuses (with
//! their database connection), while `accounts`, whose routes run Argon2,
//! stays a P2 component with an instance per request.

use mewayz_api::{
    ApiError, ApiRequest, ApiResult, authenticate, authenticate_session, json, no_content, now_seconds, open_db,
};
use mewayz_store::{sessions, users::User};
use serde::Serialize;
use spin_sdk::http::{Request, Response};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes)
}

fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "auth", "me"] if req.method_is("GET") => me(req),
        ["api", "auth", "logout"] if req.method_is("POST") => logout(req),
        ["api", "auth", "logout-all"] if req.method_is("POST") => logout_all(req),
        ["api", "auth", "me"] => Err(ApiError::method_not_allowed("GET")),
        ["api", "auth", "logout" | "logout-all"] => Err(ApiError::method_not_allowed("POST")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

/// The answer to `GET /api/auth/me`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize)]
pub struct Me {
    user: User,
}

fn me(req: &ApiRequest) -> ApiResult {
    let (_db, user) = authenticate(req, open_db)?;
    json(200, &Me { user })
}

/// Ends this token: it is refused from now on, on every replica.
fn logout(req: &ApiRequest) -> ApiResult {
    let (db, user, claims) = authenticate_session(req, open_db)?;
    sessions::revoke(&db, &user.id, &claims.jti, claims.exp as i64, now_seconds() as i64)?;
    no_content()
}

/// Ends every token of the account, this one included.
fn logout_all(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    sessions::end_all(&db, &user.id)?;
    no_content()
}
