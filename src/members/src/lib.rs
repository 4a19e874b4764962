//! `/api/workspaces/{id}/members` and `/api/workspaces/{id}/members/{user_id}`.

use mewayz_api::{ApiError, ApiRequest, ApiResult, authenticate, json, no_content, open_db, workspace_for_member};
use mewayz_domain::{Email, MemberChange, Role};
use mewayz_store::{
    invitations,
    members::{self, Member},
};
use serde::{Deserialize, Serialize};
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
        ["api", "workspaces", ws, "members"] if req.method_is("GET") => list(req, ws),
        ["api", "workspaces", ws, "members"] if req.method_is("POST") => add(req, ws),
        ["api", "workspaces", _, "members"] => Err(ApiError::method_not_allowed("GET, POST")),
        ["api", "workspaces", ws, "members", user] if req.method_is("PATCH") => change_role(req, ws, user),
        ["api", "workspaces", ws, "members", user] if req.method_is("DELETE") => remove(req, ws, user),
        ["api", "workspaces", _, "members", _] => Err(ApiError::method_not_allowed("PATCH, DELETE")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    email: String,
    role: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    role: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize)]
pub struct MemberList {
    data: Vec<Member>,
    total: usize,
}

fn list(req: &ApiRequest, ws: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    workspace_for_member(&db, ws, &user.id)?;
    let data = members::list(&db, ws)?;
    json(200, &MemberList { total: data.len(), data })
}

/// Adding someone is inviting them: the answer is a pending invitation, the
/// same whether or not an account uses the email, and they become a member
/// only when they accept it (the invitations component).
fn add(req: &ApiRequest, ws: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    let workspace = workspace_for_member(&db, ws, &user.id)?;
    let body: NewMember = req.json()?;
    let email = Email::parse("email", &body.email)?;
    let role = Role::parse("role", &body.role)?;
    workspace.role.authorize(MemberChange::Add { role })?;
    json(201, &invitations::create(&db, ws, &user.id, &email, role)?)
}

/// The caller's workspace role and the target membership, or 404 for either.
fn target(req: &ApiRequest, ws: &str, user_id: &str) -> Result<(mewayz_store::Db, String, Role, Member), ApiError> {
    let (db, user) = authenticate(req, open_db)?;
    let workspace = workspace_for_member(&db, ws, &user.id)?;
    let member = members::find(&db, ws, user_id)?.ok_or_else(|| ApiError::not_found("no such member"))?;
    Ok((db, user.id, workspace.role, member))
}

/// Role checks run again inside the store's transaction, on locked rows:
/// these early ones only answer fast and in the usual order (404, body, 403).
fn change_role(req: &ApiRequest, ws: &str, user_id: &str) -> ApiResult {
    let (db, caller, actor, member) = target(req, ws, user_id)?;
    let body: RoleChange = req.json()?;
    let role = Role::parse("role", &body.role)?;
    actor.authorize(MemberChange::ChangeRole { from: member.role, to: role })?;
    members::change(&db, ws, &caller, user_id, Some(role))?;
    let member = members::find(&db, ws, user_id)?.ok_or_else(|| ApiError::not_found("no such member"))?;
    json(200, &member)
}

fn remove(req: &ApiRequest, ws: &str, user_id: &str) -> ApiResult {
    let (db, caller, actor, member) = target(req, ws, user_id)?;
    actor.authorize(MemberChange::Remove { role: member.role, is_self: caller == user_id })?;
    members::change(&db, ws, &caller, user_id, None)?;
    no_content()
}
