//! `/api/workspaces` and `/api/workspaces/{id}`.

use mewayz_api::http::{Request, Response};
use mewayz_api::{
    ApiError, ApiRequest, ApiResult, ListPage, Patch, authenticate, authenticate_member, json, no_content,
};
use mewayz_domain::{Slug, WorkspaceName, WorkspaceText};
use mewayz_store::{
    Db, StoreError,
    workspaces::{self, Workspace, WorkspaceChanges, WorkspaceError},
};
use mewayz_time::new_id;
use serde::Deserialize;

const DESCRIPTION_MAX: usize = 2000;

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes).await
}

async fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "workspaces"] if req.method_is("GET") => list(req).await,
        ["api", "workspaces"] if req.method_is("POST") => create(req).await,
        ["api", "workspaces"] => Err(ApiError::method_not_allowed("GET, POST")),
        ["api", "workspaces", id] if req.method_is("GET") => read(req, id).await,
        ["api", "workspaces", id] if req.method_is("PATCH") => update(req, id).await,
        ["api", "workspaces", id] if req.method_is("DELETE") => delete(req, id).await,
        ["api", "workspaces", _] => Err(ApiError::method_not_allowed("GET, PATCH, DELETE")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::workspace_name))]
    name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = slug_or_null))]
    slug: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = description_schema))]
    description: Option<String>,
}

/// A merge patch: name and slug are required (`null` is a 422); `null`
/// clears the description to empty, as leaving it out does on create.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::workspace_name))]
    name: Patch<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::slug))]
    slug: Patch<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = description_schema))]
    description: Patch<String>,
}

/// The schemas of a slug left out or `null` (derived from the name) and
/// of a description (`null` or left out: empty).
#[cfg(feature = "openapi")]
fn slug_or_null() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    mewayz_domain::schema::or_null(mewayz_domain::schema::slug())
}

#[cfg(feature = "openapi")]
fn description_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    mewayz_domain::schema::or_null(mewayz_domain::schema::text(DESCRIPTION_MAX))
}

fn slug_taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::conflict("slug_taken", "another workspace already uses this slug"),
        other => other.into(),
    }
}

async fn create(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req).await?;
    let body: NewWorkspace = req.json()?;
    let name = WorkspaceName::parse(&body.name)?;
    let slug = match body.slug.as_deref() {
        Some(slug) => Slug::parse("slug", slug)?,
        // A name with too little that is URL-safe ("☕ ☕") still makes a
        // workspace: its slug is then `workspace-` and a fresh id's 32 hex
        // digits (never taken).
        None => match Slug::derive(name.as_str()) {
            Some(slug) => slug,
            None => Slug::parse("slug", &format!("workspace-{}", new_id().replace('-', "")))?,
        },
    };
    let description = WorkspaceText::parse("description", body.description.as_deref().unwrap_or(""), DESCRIPTION_MAX)?;
    let workspace = workspaces::create(&db, &user.id, &name, &slug, &description).await.map_err(slug_taken)?;
    json(201, &workspace)
}

async fn list(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req).await?;
    let page = req.page()?;
    let (data, total) = workspaces::list_for_member(&db, &user.id, page).await?;
    json(200, &ListPage::new(data, total, page))
}

/// The workspace as `user_id` sees it (with their role); gone since the
/// caller was authorized (deleted, or they left) → 404.
async fn shown(db: &Db, id: &str, user_id: &str) -> Result<Workspace, ApiError> {
    workspaces::find_for_member(db, id, user_id).await?.ok_or_else(|| ApiError::not_found("no such workspace"))
}

async fn read(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user, _) = authenticate_member(req, id).await?;
    json(200, &shown(&db, id, &user.id).await?)
}

async fn update(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user, _) = authenticate_member(req, id).await?;
    let body: WorkspacePatch = req.json()?;
    let changes = WorkspaceChanges {
        name: body.name.required("name")?.as_deref().map(WorkspaceName::parse).transpose()?,
        slug: body.slug.required("slug")?.as_deref().map(|s| Slug::parse("slug", s)).transpose()?,
        description: body
            .description
            .or_cleared_to(String::new())
            .as_deref()
            .map(|d| WorkspaceText::parse("description", d, DESCRIPTION_MAX))
            .transpose()?,
    };
    workspaces::update(&db, id, &user.id, &changes).await.map_err(|err| match err {
        WorkspaceError::Store(err) => slug_taken(err),
        WorkspaceError::Forbidden => ApiError::forbidden("only admins and owners change a workspace"),
        other => other.into(),
    })?;
    json(200, &shown(&db, id, &user.id).await?)
}

async fn delete(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user, _) = authenticate_member(req, id).await?;
    workspaces::delete(&db, id, &user.id).await.map_err(|err| match err {
        WorkspaceError::Forbidden => ApiError::forbidden("only owners delete a workspace"),
        other => other.into(),
    })?;
    no_content()
}
