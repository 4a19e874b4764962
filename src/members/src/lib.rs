//! `/api/workspaces/{id}/members` and `/api/workspaces/{id}/members/{user_id}`.

use mewayz_api::http::{Request, Response};
use mewayz_api::{ApiError, ApiRequest, ApiResult, ListPage, authenticate_member, json, no_content};
use mewayz_domain::{Email, MemberChange, Role};
use mewayz_store::{
    invitations,
    members::{self, Member},
};
use serde::Deserialize;

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes).await
}

async fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "workspaces", ws, "members"] if req.method_is("GET") => list(req, ws).await,
        ["api", "workspaces", ws, "members"] if req.method_is("POST") => add(req, ws).await,
        ["api", "workspaces", _, "members"] => Err(ApiError::method_not_allowed("GET, POST")),
        ["api", "workspaces", ws, "members", user] if req.method_is("PATCH") => change_role(req, ws, user).await,
        ["api", "workspaces", ws, "members", user] if req.method_is("DELETE") => remove(req, ws, user).await,
        ["api", "workspaces", _, "members", _] => Err(ApiError::method_not_allowed("PATCH, DELETE")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::email))]
    email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::role))]
    role: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::role))]
    role: String,
}

async fn list(req: &ApiRequest, ws: &str) -> ApiResult {
    let (db, _, _) = authenticate_member(req, ws).await?;
    let page = req.page()?;
    let (data, total) = members::list(&db, ws, page).await?;
    json(200, &ListPage::new(data, total, page))
}

/// Adding someone is inviting them: the answer is a pending invitation, the
/// same whether or not an account uses the email, and they become a member
/// only when they accept it (the invitations component).
async fn add(req: &ApiRequest, ws: &str) -> ApiResult {
    let (db, user, actor) = authenticate_member(req, ws).await?;
    let body: NewMember = req.json()?;
    let email = Email::parse("email", &body.email)?;
    let role = Role::parse("role", &body.role)?;
    actor.authorize(MemberChange::Add { role })?;
    json(201, &invitations::create(&db, ws, &user.id, &email, role).await?)
}

/// The caller's workspace role and the target membership, or 404 for either.
async fn target(
    req: &ApiRequest,
    ws: &str,
    user_id: &str,
) -> Result<(mewayz_store::Db, String, Role, Member), ApiError> {
    let (db, user, role) = authenticate_member(req, ws).await?;
    let member = members::find(&db, ws, user_id).await?.ok_or_else(|| ApiError::not_found("no such member"))?;
    Ok((db, user.id, role, member))
}

/// Role checks run again inside the store's transaction, on locked rows:
/// these early ones only answer fast and in the usual order (404, body, 403).
async fn change_role(req: &ApiRequest, ws: &str, user_id: &str) -> ApiResult {
    let (db, caller, actor, member) = target(req, ws, user_id).await?;
    let body: RoleChange = req.json()?;
    let role = Role::parse("role", &body.role)?;
    actor.authorize(MemberChange::ChangeRole { from: member.role, to: role })?;
    members::change(&db, ws, &caller, user_id, Some(role)).await?;
    let member = members::find(&db, ws, user_id).await?.ok_or_else(|| ApiError::not_found("no such member"))?;
    json(200, &member)
}

async fn remove(req: &ApiRequest, ws: &str, user_id: &str) -> ApiResult {
    let (db, caller, actor, member) = target(req, ws, user_id).await?;
    actor.authorize(MemberChange::Remove { role: member.role, is_self: caller == user_id })?;
    members::change(&db, ws, &caller, user_id, None).await?;
    no_content()
}
