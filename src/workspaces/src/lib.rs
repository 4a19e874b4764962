//! `/api/workspaces` and `/api/workspaces/{id}`.

use mewayz_api::{
    ApiError, ApiRequest, ApiResult, Patch, authenticate, json, no_content, open_db, workspace_for_member,
};
use mewayz_domain::{Page, Slug, WorkspaceName, WorkspaceText};
use mewayz_store::{
    StoreError,
    workspaces::{self, Workspace, WorkspaceChanges, WorkspaceError},
};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Request, Response};

const DESCRIPTION_MAX: usize = 2000;

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes)
}

fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "workspaces"] if req.method_is("GET") => list(req),
        ["api", "workspaces"] if req.method_is("POST") => create(req),
        ["api", "workspaces"] => Err(ApiError::method_not_allowed("GET, POST")),
        ["api", "workspaces", id] if req.method_is("GET") => read(req, id),
        ["api", "workspaces", id] if req.method_is("PATCH") => update(req, id),
        ["api", "workspaces", id] if req.method_is("DELETE") => delete(req, id),
        ["api", "workspaces", _] => Err(ApiError::method_not_allowed("GET, PATCH, DELETE")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    name: String,
    slug: Option<String>,
    description: Option<String>,
}

/// A merge patch: name and slug are required (`null` is a 422); `null`
/// clears the description to empty, as leaving it out does on create.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    name: Patch<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    slug: Patch<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    description: Patch<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize)]
pub struct WorkspaceList {
    data: Vec<Workspace>,
    total: i64,
    limit: u32,
    offset: u64,
}

fn slug_taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::conflict("slug_taken", "another workspace already uses this slug"),
        other => other.into(),
    }
}

fn create(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    let body: NewWorkspace = req.json()?;
    let name = WorkspaceName::parse(&body.name)?;
    let slug = match body.slug.as_deref() {
        Some(slug) => Slug::parse("slug", slug)?,
        None => Slug::derive(name.as_str())
            .ok_or_else(|| ApiError::invalid("slug", "the name has too few URL-safe characters: give a slug"))?,
    };
    let description = WorkspaceText::parse("description", body.description.as_deref().unwrap_or(""), DESCRIPTION_MAX)?;
    let workspace = workspaces::create(&db, &user.id, &name, &slug, &description).map_err(slug_taken)?;
    json(201, &workspace)
}

fn list(req: &ApiRequest) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    let page = Page::from_query(req.query())?;
    let (data, total) = workspaces::list_for_member(&db, &user.id, page)?;
    json(200, &WorkspaceList { data, total, limit: page.limit, offset: page.offset })
}

fn read(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    json(200, &workspace_for_member(&db, id, &user.id)?)
}

fn update(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
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
    workspaces::update(&db, id, &user.id, &changes).map_err(|err| match err {
        WorkspaceError::Store(err) => slug_taken(err),
        WorkspaceError::Forbidden => ApiError::forbidden("only admins and owners change a workspace"),
        other => other.into(),
    })?;
    json(200, &workspace_for_member(&db, id, &user.id)?)
}

fn delete(req: &ApiRequest, id: &str) -> ApiResult {
    let (db, user) = authenticate(req, open_db)?;
    workspaces::delete(&db, id, &user.id).map_err(|err| match err {
        WorkspaceError::Forbidden => ApiError::forbidden("only owners delete a workspace"),
        other => other.into(),
    })?;
    no_content()
}
