//! Invitations into workspaces. The invitee's side: `/api/invitations`
//! (their pending invitations) and `/api/invitations/{id}/accept|decline`.
//! The workspace's side: `/api/workspaces/{id}/invitations[/{id}]`, where
//! admins list and cancel pending ones. Invitations are sent by adding a
//! member (`POST /api/workspaces/{id}/members`, the members component).

use mewayz_api::http::{Request, Response};
use mewayz_api::{ApiError, ApiRequest, ApiResult, ListPage, authenticate, authenticate_member, json, no_content};
use mewayz_domain::{Email, RoleError};
use mewayz_store::invitations::{self, Accepted};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes).await
}

async fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "invitations"] if req.method_is("GET") => received(req).await,
        ["api", "invitations"] => Err(ApiError::method_not_allowed("GET")),
        ["api", "invitations", id, "accept"] if req.method_is("POST") => accept(req, id).await,
        ["api", "invitations", id, "decline"] if req.method_is("POST") => decline(req, id).await,
        ["api", "invitations", _, "accept" | "decline"] => Err(ApiError::method_not_allowed("POST")),
        ["api", "workspaces", ws, "invitations"] if req.method_is("GET") => pending(req, ws).await,
        ["api", "workspaces", _, "invitations"] => Err(ApiError::method_not_allowed("GET")),
        ["api", "workspaces", ws, "invitations", id] if req.method_is("DELETE") => cancel(req, ws, id).await,
        ["api", "workspaces", _, "invitations", _] => Err(ApiError::method_not_allowed("DELETE")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

/// The caller's email as stored: the key invitations are addressed by.
fn email_of(user: &mewayz_store::users::User) -> Result<Email, ApiError> {
    Email::parse("email", &user.email)
        .map_err(|_| ApiError::internal(format!("user {} has a stored email that does not parse", user.id)))
}

async fn received(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req).await?;
    let page = req.page()?;
    let (data, total) = invitations::received(&db, &email_of(&user)?, page).await?;
    json(200, &ListPage::new(data, total, page))
}

async fn accept(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req).await?;
    match invitations::accept(&db, id, &user.id, &email_of(&user)?).await? {
        Accepted::Joined(member) => json(200, &member),
        Accepted::AlreadyMember => {
            Err(ApiError::conflict("already_member", "you are a member of this workspace already"))
        }
    }
}

async fn decline(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req).await?;
    invitations::decline(&db, id, &email_of(&user)?).await?;
    no_content()
}

/// Admins and owners see the workspace's pending invitations; other members
/// get 403, outsiders 404.
async fn pending(req: &ApiRequest, ws: &str) -> ApiResult {
    let (db, _, role) = authenticate_member(req, ws).await?;
    if !role.can_manage_invitations() {
        return Err(RoleError::Forbidden.into());
    }
    let page = req.page()?;
    let (data, total) = invitations::pending(&db, ws, page).await?;
    json(200, &ListPage::new(data, total, page))
}

async fn cancel(req: &ApiRequest, ws: &str, id: &str) -> ApiResult {
    let (db, user, role) = authenticate_member(req, ws).await?;
    if !role.can_manage_invitations() {
        return Err(RoleError::Forbidden.into());
    }
    invitations::cancel(&db, ws, &user.id, id).await?;
    no_content()
}
