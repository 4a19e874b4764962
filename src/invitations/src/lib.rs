//! Invitations into workspaces. The invitee's side: `/api/invitations`
//! (their pending invitations) and `/api/invitations/{id}/accept|decline`.
//! The workspace's side: `/api/workspaces/{id}/invitations[/{id}]`, where
//! admins list and cancel pending ones. Invitations are sent by adding a
//! member (`POST /api/workspaces/{id}/members`, the members component).

use mewayz_api::{ApiError, ApiRequest, ApiResult, authenticate, json, no_content, open_db, workspace_for_member};
use mewayz_domain::{Email, RoleError};
use mewayz_store::invitations::{self, Accepted, Invitation, Received};
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
        ["api", "invitations"] if req.method_is("GET") => received(req),
        ["api", "invitations"] => Err(ApiError::method_not_allowed("GET")),
        ["api", "invitations", id, "accept"] if req.method_is("POST") => accept(req, id),
        ["api", "invitations", id, "decline"] if req.method_is("POST") => decline(req, id),
        ["api", "invitations", _, "accept" | "decline"] => Err(ApiError::method_not_allowed("POST")),
        ["api", "workspaces", ws, "invitations"] if req.method_is("GET") => pending(req, ws),
        ["api", "workspaces", _, "invitations"] => Err(ApiError::method_not_allowed("GET")),
        ["api", "workspaces", ws, "invitations", id] if req.method_is("DELETE") => cancel(req, ws, id),
        ["api", "workspaces", _, "invitations", _] => Err(ApiError::method_not_allowed("DELETE")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

/// `GET /api/invitations`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize)]
pub struct ReceivedList {
    data: Vec<Received>,
    total: usize,
}

/// `GET /api/workspaces/{id}/invitations`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize)]
pub struct PendingList {
    data: Vec<Invitation>,
    total: usize,
}

/// The caller's email as stored: the key invitations are addressed by.
fn email_of(user: &mewayz_store::users::User) -> Result<Email, ApiError> {
    Email::parse("email", &user.email)
        .map_err(|_| ApiError::internal(format!("user {} has a stored email that does not parse", user.id)))
}

fn received(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    let data = invitations::received(&db, &email_of(&user)?)?;
    json(200, &ReceivedList { total: data.len(), data })
}

fn accept(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    match invitations::accept(&db, id, &user.id, &email_of(&user)?)? {
        Accepted::Joined(member) => json(200, &member),
        Accepted::AlreadyMember => {
            Err(ApiError::conflict("already_member", "you are a member of this workspace already"))
        }
    }
}

fn decline(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    invitations::decline(&db, id, &email_of(&user)?)?;
    no_content()
}

/// Admins and owners see the workspace's pending invitations; other members
/// get 403, outsiders 404.
fn pending(req: &ApiRequest, ws: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    let workspace = workspace_for_member(&db, ws, &user.id)?;
    if !workspace.role.can_manage_invitations() {
        return Err(RoleError::Forbidden.into());
    }
    let data = invitations::pending(&db, ws)?;
    json(200, &PendingList { total: data.len(), data })
}

fn cancel(req: &ApiRequest, ws: &str, id: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    let workspace = workspace_for_member(&db, ws, &user.id)?;
    if !workspace.role.can_manage_invitations() {
        return Err(RoleError::Forbidden.into());
    }
    invitations::cancel(&db, ws, &user.id, id)?;
    no_content()
}
