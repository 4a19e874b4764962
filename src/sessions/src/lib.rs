//! The caller's session under `/api/auth`: who am I, log out, log out
//! everywhere. Token routes only: no password is hashed here, so this
//! component runs as a WASI P3 component whose instances Spin reuses (with
//! their database connection), while `accounts`, whose routes run Argon2,
//! stays a P2 component with an instance per request.

use mewayz_api::http::{Request, Response};
use mewayz_api::{ApiError, ApiRequest, ApiResult, authenticate, authenticate_session, json, no_content, now_seconds};
use mewayz_store::{sessions, users::User};
use serde::Serialize;

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes).await
}

async fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "auth", "me"] if req.method_is("GET") => me(req).await,
        ["api", "auth", "logout"] if req.method_is("POST") => logout(req).await,
        ["api", "auth", "logout-all"] if req.method_is("POST") => logout_all(req).await,
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

async fn me(req: &ApiRequest) -> ApiResult {
    let (_db, user) = authenticate(req).await?;
    json(200, &Me { user })
}

/// Ends this token: it is refused from now on, on every replica.
async fn logout(req: &ApiRequest) -> ApiResult {
    let (db, user, claims) = authenticate_session(req).await?;
    // A verified token's expiry is one we signed (issued + 24 h).
    let expires_at = i64::try_from(claims.exp)
        .map_err(|_| ApiError::internal(format!("a token of user {} expires at {}, past i64", user.id, claims.exp)))?;
    sessions::revoke(&db, &user.id, &claims.jti, expires_at, now_seconds() as i64).await?;
    no_content()
}

/// Ends every token of the account, this one included.
async fn logout_all(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req).await?;
    sessions::end_all(&db, &user.id).await?;
    no_content()
}
