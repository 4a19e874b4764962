//! The API's OpenAPI 3.1 document, built from the types the components
//! really use: request bodies and answers derive `utoipa::ToSchema` (behind
//! each crate's `openapi` feature, never in a component build), the business
//! modules' schemas come from their `ModuleSpec`s, and the error shape is the
//! `ErrorBody` every error answer is serialized from. The operations are
//! listed here and held against spin.toml's routes (routes.rs, written by
//! `cargo run -p generate`) whenever the document is built: a path no
//! route serves, or a route with no operation, fails the build of the docs
//! component.
//!
//! The `openapi` component embeds this document at build time and serves it
//! with no imports at all.

mod modules;
mod routes;

use mewayz_api::TEXT_PARAM_PATTERN;
use mewayz_domain::Page;
use mewayz_manifest::Route;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// Why the document could not be built.
#[derive(Debug)]
pub enum DocumentError {
    /// A derived schema did not turn into JSON (utoipa's types always do).
    Json(serde_json::Error),
    /// The operations and spin.toml's routes disagree.
    Routes(Vec<String>),
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Json(e) => write!(f, "a schema is not JSON: {e}"),
            DocumentError::Routes(problems) => {
                write!(f, "the operations and spin.toml's routes disagree: {}", problems.join("; "))
            }
        }
    }
}

impl std::error::Error for DocumentError {}

impl From<serde_json::Error> for DocumentError {
    fn from(e: serde_json::Error) -> Self {
        DocumentError::Json(e)
    }
}

/// Where operation paths and routes disagree: a path no route serves, or a
/// route no operation is under.
fn route_problems(paths: &[&str], routes: &[(&str, &str)]) -> Vec<String> {
    let mut problems = Vec::new();
    let parsed: Vec<(Route, &str)> = routes
        .iter()
        .filter_map(|(route, component)| match Route::parse(route) {
            Some(parsed) => Some((parsed, *component)),
            None => {
                problems.push(format!("{route} ({component}) is not a route"));
                None
            }
        })
        .collect();
    let mut covered = vec![false; parsed.len()];
    for path in paths {
        let concrete: Vec<&str> = path.split('/').map(|s| if s.starts_with('{') { "sample-1" } else { s }).collect();
        let concrete = concrete.join("/");
        let serving = parsed
            .iter()
            .enumerate()
            .filter(|(_, (r, _))| r.matches(&concrete))
            .max_by(|a, b| a.1.0.precedence(&b.1.0));
        match serving {
            Some((index, _)) => covered[index] = true,
            None => problems.push(format!("the document names {path}, which no route in spin.toml serves")),
        }
    }
    for ((route, component), covered) in parsed.iter().zip(covered) {
        if !covered {
            problems.push(format!("route {} ({component}) has no operation in the document", route.as_str()));
        }
    }
    problems
}

/// The document, as JSON.
pub fn document() -> Result<Value, DocumentError> {
    let mut paths = Map::new();
    let operations = operations();
    let problems = route_problems(&operations.iter().map(|op| op.path.as_str()).collect::<Vec<_>>(), routes::ROUTES);
    if !problems.is_empty() {
        return Err(DocumentError::Routes(problems));
    }
    for op in operations {
        let item = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        item[op.method] = op.to_json();
    }
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mewayz API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Accounts, workspaces with roles, invitations, link-in-bio sites, CRM contacts, \
                products, services and bookings. Every route is its own Spin component. Errors are \
                `{\"error\": {\"code\", \"message\", \"field\"?}}`.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "probes", "description": "Kubernetes probes: answered with no imports at all"},
            {"name": "accounts"}, {"name": "workspaces"}, {"name": "members"}, {"name": "invitations"},
            {"name": "bio-sites"}, {"name": "contacts"}, {"name": "products"}, {"name": "services"},
            {"name": "bookings"}, {"name": "public pages"}, {"name": "operations"},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas()?,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "The access_token from register or login"},
                "statusToken": {"type": "http", "scheme": "bearer",
                    "description": "The operators' status_token variable (not a user's access token)"},
            },
            "headers": {
                "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
            },
        },
    }))
}

/// Every named schema: derived ones with what they refer to, and the modules'.
fn schemas() -> Result<Map<String, Value>, serde_json::Error> {
    let mut out = Map::new();
    fn add<T: ToSchema>(out: &mut Map<String, Value>) -> Result<(), serde_json::Error> {
        let mut all = vec![(T::name().to_string(), T::schema())];
        T::schemas(&mut all);
        for (name, schema) in all {
            out.insert(name, serde_json::to_value(schema)?);
        }
        Ok(())
    }
    add::<mewayz_api::ErrorBody>(&mut out)?;
    add::<mewayz_api::ErrorDetail>(&mut out)?;
    add::<mewayz_domain::Role>(&mut out)?;
    add::<mewayz_store::users::User>(&mut out)?;
    add::<mewayz_accounts::Registration>(&mut out)?;
    add::<mewayz_accounts::Credentials>(&mut out)?;
    add::<mewayz_accounts::PasswordChange>(&mut out)?;
    add::<mewayz_accounts::Session>(&mut out)?;
    add::<mewayz_sessions::Me>(&mut out)?;
    add::<mewayz_store::workspaces::Workspace>(&mut out)?;
    add::<mewayz_workspaces::NewWorkspace>(&mut out)?;
    add::<mewayz_workspaces::WorkspacePatch>(&mut out)?;
    add::<mewayz_store::members::Member>(&mut out)?;
    add::<mewayz_members::NewMember>(&mut out)?;
    add::<mewayz_members::RoleChange>(&mut out)?;
    add::<mewayz_store::invitations::Invitation>(&mut out)?;
    add::<mewayz_store::invitations::Received>(&mut out)?;
    add::<mewayz_store::invitations::WorkspaceName>(&mut out)?;
    for (spec, stem) in modules::all() {
        out.extend(modules::schemas(spec, stem)?);
    }
    // Every list has the one shape (mewayz_api::ListPage).
    for (name, item) in [
        ("WorkspaceList", "Workspace"),
        ("MemberList", "Member"),
        ("ReceivedList", "Received"),
        ("PendingList", "Invitation"),
    ] {
        out.insert(name.into(), list_schema(item));
    }
    for (name, schema) in [
        (
            "ServiceBanner",
            json!({"type": "object", "properties": {"service": {"type": "string"},
            "status": {"type": "string"}, "version": {"type": "string"}}, "required": ["service", "status", "version"]}),
        ),
        (
            "Health",
            json!({"type": "object", "properties": {"status": {"const": "healthy"}, "service": {"type": "string"},
            "version": {"type": "string"}}, "required": ["status", "service", "version"]}),
        ),
        (
            "Readiness",
            json!({"type": "object", "properties": {"ready": {"const": true}, "status": {"const": "ready"}},
            "required": ["ready", "status"]}),
        ),
        (
            "Liveness",
            json!({"type": "object", "properties": {"alive": {"const": true}, "status": {"const": "alive"}},
            "required": ["alive", "status"]}),
        ),
        (
            "Status",
            json!({"type": "object", "description": "draft-inadarei-api-health-check; anonymous callers \
            get only `status`, operators (status_token) the checks", "properties": {"status": {"enum": ["pass", "fail", "warn"]}},
            "required": ["status"]}),
        ),
    ] {
        out.insert(name.into(), schema);
    }
    Ok(out)
}

/// One operation of the document.
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    id: String,
    summary: String,
    /// Rules of the operation no schema states (between fields, against
    /// other records), with the status that refuses them.
    description: Option<&'static str>,
    tag: &'static str,
    auth: Auth,
    params: Vec<Value>,
    body: Option<(String, Option<Value>)>,
    answer: Answer,
    errors: &'static [u16],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Bearer,
    /// The status route: anonymous, or the operator's token for details.
    Optional,
}

enum Answer {
    Json(u16, &'static str),
    Health,
    Empty(u16),
    Html,
    Redirect,
    Document,
    /// The docs page's script and style sheet.
    Asset,
}

fn error_description(status: u16) -> &'static str {
    match status {
        400 => "invalid_json: the body is not well-formed JSON",
        401 => "unauthorized: a missing, bad, expired or ended token; wrong credentials",
        403 => "forbidden: your role in this workspace does not allow this",
        404 => "not_found: no such workspace (or you are not a member), record, invitation or route",
        409 => "a conflict: email_taken, slug_taken, already_member, already_invited, last_owner, slot_full, conflict",
        410 => "invitation_expired or invitation_withdrawn",
        413 => "payload_too_large: bodies are limited to 1 MiB",
        415 => "unsupported_media_type: send Content-Type: application/json",
        422 => "validation_failed: `field` names what is wrong",
        429 => "too_many_attempts: wait Retry-After seconds",
        503 => {
            "database_unavailable: retry after Retry-After seconds; or, on register, login and password change, \
             busy: every password slot of the pod is taken (password_hash_slots), retry after Retry-After (1 s)"
        }
        500 => "configuration_error (auth_secret or database_url not set right) or internal_error",
        _ => "an error",
    }
}

impl Operation {
    /// Probes, the status check and the docs read nothing that can be
    /// misconfigured; every other route can answer 500.
    fn reads_config(&self) -> bool {
        !matches!(self.tag, "probes" | "operations")
    }

    fn to_json(&self) -> Value {
        let mut responses = Map::new();
        let (status, answer) = match &self.answer {
            Answer::Json(status, schema) => {
                (*status, json!({"description": "OK", "content": {"application/json": {"schema": schema_ref(schema)}}}))
            }
            Answer::Health => (
                200,
                json!({"description": "Every check passed (503 when one failed); `?verbose` answers one line of text",
                    "content": {"application/health+json": {"schema": schema_ref("Status")},
                        "text/plain": {"schema": {"type": "string"}}}}),
            ),
            Answer::Empty(status) => (*status, json!({"description": "Done; no body"})),
            Answer::Html => {
                (200, json!({"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}))
            }
            Answer::Redirect => (
                302,
                json!({"description": "To the link's stored URL", "headers": {"Location": {"schema": {"type": "string"}}}}),
            ),
            Answer::Asset => (
                200,
                json!({"description": "A file of the docs page", "content": {
                    "text/javascript": {"schema": {"type": "string"}},
                    "text/css": {"schema": {"type": "string"}},
                }}),
            ),
            Answer::Document => (
                200,
                json!({"description": "This document", "content": {"application/json": {"schema": {"type": "object"}}}}),
            ),
        };
        responses.insert(status.to_string(), answer);
        // Every route that reads configuration or the database can meet a
        // misconfiguration (no auth_secret, a bad database_url) or a bug.
        let server_error: &[u16] = if self.reads_config() { &[500] } else { &[] };
        for &error in self.errors.iter().chain(server_error) {
            let health = matches!(self.answer, Answer::Health);
            let content = if self.tag == "public pages" {
                json!({"text/html": {"schema": {"type": "string"}}})
            } else if health {
                json!({"application/health+json": {"schema": schema_ref("Status")},
                    "text/plain": {"schema": {"type": "string"}}})
            } else {
                json!({"application/json": {"schema": schema_ref("ErrorBody")}})
            };
            let description =
                if health { "A check failed (the body says which to an operator)" } else { error_description(error) };
            let mut response = json!({"description": description, "content": content});
            if (error == 429 || error == 503) && !health {
                response["headers"] = json!({"Retry-After": {"$ref": "#/components/headers/Retry-After"}});
            }
            responses.insert(error.to_string(), response);
        }
        let mut op = json!({
            "operationId": self.id,
            "summary": self.summary,
            "tags": [self.tag],
            "responses": responses,
        });
        if let Some(rules) = self.description {
            op["description"] = json!(format!("Beyond the schema: {rules}."));
        }
        match self.auth {
            Auth::None => op["security"] = json!([]),
            Auth::Bearer => op["security"] = json!([{"bearer": []}]),
            Auth::Optional => op["security"] = json!([{}, {"statusToken": []}]),
        }
        let mut params: Vec<Value> = path_params(&self.path);
        params.extend(self.params.iter().cloned());
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some((schema, example)) = &self.body {
            let mut media = json!({"schema": schema_ref(schema)});
            if let Some(example) = example {
                media["example"] = example.clone();
            }
            op["requestBody"] = json!({"required": true, "content": {"application/json": media}});
        }
        op
    }
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `{workspace_id}` and the like: strings.
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}}))
        .collect()
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description})
}

/// What every list answers (mewayz_api::ListPage): a page of `item`s.
pub(crate) fn list_schema(item: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": schema_ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "offset": {"type": "integer", "minimum": 0},
        },
        "required": ["data", "total", "limit", "offset"],
    })
}

/// A list route: `GET`, bearer auth, `limit` and `offset`, 422 for either
/// out of bounds.
fn list_op(
    path: &str,
    id: &str,
    summary: &str,
    tag: &'static str,
    schema: &'static str,
    errors: &'static [u16],
) -> Operation {
    let mut list = op("get", path, id, summary, tag, Auth::Bearer, None, Answer::Json(200, schema), errors);
    list.params = page_params();
    list
}

fn page_params() -> Vec<Value> {
    vec![
        query(
            "limit",
            json!({"type": "integer", "minimum": 1, "maximum": Page::MAX_LIMIT, "default": Page::DEFAULT_LIMIT}),
            "page size",
        ),
        query(
            "offset",
            json!({"type": "integer", "minimum": 0, "maximum": Page::MAX_OFFSET, "default": 0}),
            "records to skip",
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn op(
    method: &'static str,
    path: &str,
    id: &str,
    summary: &str,
    tag: &'static str,
    auth: Auth,
    body: Option<(&str, Option<Value>)>,
    answer: Answer,
    errors: &'static [u16],
) -> Operation {
    Operation {
        method,
        path: path.into(),
        id: id.into(),
        summary: summary.into(),
        description: None,
        tag,
        auth,
        params: vec![],
        body: body.map(|(schema, example)| (schema.to_string(), example)),
        answer,
        errors,
    }
}

/// Every operation the app serves.
pub fn operations() -> Vec<Operation> {
    use Answer::{Empty, Json};
    use Auth::{Bearer, None as Anonymous};
    let ws = "/api/workspaces/{workspace_id}";
    let mut ops = vec![
        op("get", "/", "serviceBanner", "Service banner", "probes", Anonymous, None, Json(200, "ServiceBanner"), &[]),
        op("get", "/health", "health", "Health", "probes", Anonymous, None, Json(200, "Health"), &[]),
        op(
            "get",
            "/api/health",
            "apiHealth",
            "Health, under /api",
            "probes",
            Anonymous,
            None,
            Json(200, "Health"),
            &[],
        ),
        op(
            "get",
            "/readiness",
            "readiness",
            "Kubernetes readiness",
            "probes",
            Anonymous,
            None,
            Json(200, "Readiness"),
            &[],
        ),
        op(
            "get",
            "/liveness",
            "liveness",
            "Kubernetes liveness",
            "probes",
            Anonymous,
            None,
            Json(200, "Liveness"),
            &[],
        ),
        op(
            "get",
            "/api/status",
            "status",
            "Whether the app can do its job (operators)",
            "operations",
            Auth::Optional,
            None,
            Answer::Health,
            &[503],
        ),
        op(
            "get",
            "/api/openapi.json",
            "openapiDocument",
            "This document",
            "operations",
            Anonymous,
            None,
            Answer::Document,
            &[],
        ),
        op("get", "/api/docs", "apiDocs", "This document, browsable", "operations", Anonymous, None, Answer::Html, &[]),
        op(
            "get",
            "/api/docs/{file}",
            "apiDocsFile",
            "A file the docs page loads",
            "operations",
            Anonymous,
            None,
            Answer::Asset,
            &[404],
        ),
        op(
            "post",
            "/api/auth/register",
            "register",
            "Create an account",
            "accounts",
            Anonymous,
            Some((
                "Registration",
                Some(
                    json!({"email": "ada@example.com", "password": "correct horse battery", "full_name": "Ada Lovelace"}),
                ),
            )),
            Json(201, "Session"),
            &[400, 409, 413, 415, 422, 429, 503],
        ),
        op(
            "post",
            "/api/auth/login",
            "login",
            "Log in",
            "accounts",
            Anonymous,
            Some(("Credentials", Some(json!({"email": "ada@example.com", "password": "correct horse battery"})))),
            Json(200, "Session"),
            &[400, 401, 413, 415, 422, 429, 503],
        ),
        op(
            "get",
            "/api/auth/me",
            "me",
            "The account of this token",
            "accounts",
            Bearer,
            None,
            Json(200, "Me"),
            &[401, 503],
        ),
        op("post", "/api/auth/logout", "logout", "End this token", "accounts", Bearer, None, Empty(204), &[401, 503]),
        op(
            "post",
            "/api/auth/logout-all",
            "logoutAll",
            "End every token of the account",
            "accounts",
            Bearer,
            None,
            Empty(204),
            &[401, 503],
        ),
        op(
            "post",
            "/api/auth/password",
            "changePassword",
            "Change the password; every other session ends",
            "accounts",
            Bearer,
            Some(("PasswordChange", None)),
            Json(200, "Session"),
            &[400, 401, 413, 415, 422, 429, 503],
        ),
        op(
            "post",
            "/api/workspaces",
            "createWorkspace",
            "Create a workspace (you are its owner)",
            "workspaces",
            Bearer,
            Some(("NewWorkspace", Some(json!({"name": "Ada's Studio", "description": "Prints and workshops"})))),
            Json(201, "Workspace"),
            &[400, 401, 409, 413, 415, 422, 503],
        ),
        op(
            "get",
            ws,
            "getWorkspace",
            "A workspace you are a member of",
            "workspaces",
            Bearer,
            None,
            Json(200, "Workspace"),
            &[401, 404, 503],
        ),
        op(
            "patch",
            ws,
            "updateWorkspace",
            "Change a workspace (admins)",
            "workspaces",
            Bearer,
            Some(("WorkspacePatch", None)),
            Json(200, "Workspace"),
            &[400, 401, 403, 404, 409, 413, 415, 422, 503],
        ),
        op(
            "delete",
            ws,
            "deleteWorkspace",
            "Delete a workspace and everything in it (owners)",
            "workspaces",
            Bearer,
            None,
            Empty(204),
            &[401, 403, 404, 503],
        ),
        list_op(
            &format!("{ws}/members"),
            "listMembers",
            "The workspace's members",
            "members",
            "MemberList",
            &[401, 404, 422, 503],
        ),
        op(
            "post",
            &format!("{ws}/members"),
            "inviteMember",
            "Invite someone by email (admins): a pending invitation, the same whether or not an account uses the email",
            "members",
            Bearer,
            Some(("NewMember", Some(json!({"email": "grace@example.com", "role": "editor"})))),
            Json(201, "Invitation"),
            &[400, 401, 403, 404, 409, 413, 415, 422, 503],
        ),
        op(
            "patch",
            &format!("{ws}/members/{{user_id}}"),
            "changeMemberRole",
            "Change a member's role",
            "members",
            Bearer,
            Some(("RoleChange", Some(json!({"role": "admin"})))),
            Json(200, "Member"),
            &[400, 401, 403, 404, 409, 413, 415, 422, 503],
        ),
        op(
            "delete",
            &format!("{ws}/members/{{user_id}}"),
            "removeMember",
            "Remove a member, or leave",
            "members",
            Bearer,
            None,
            Empty(204),
            &[401, 403, 404, 409, 503],
        ),
        list_op(
            "/api/invitations",
            "listReceivedInvitations",
            "Your pending invitations",
            "invitations",
            "ReceivedList",
            &[401, 422, 503],
        ),
        op(
            "post",
            "/api/invitations/{invitation_id}/accept",
            "acceptInvitation",
            "Accept: become a member",
            "invitations",
            Bearer,
            None,
            Json(200, "Member"),
            &[401, 404, 409, 410, 503],
        ),
        op(
            "post",
            "/api/invitations/{invitation_id}/decline",
            "declineInvitation",
            "Decline",
            "invitations",
            Bearer,
            None,
            Empty(204),
            &[401, 404, 503],
        ),
        list_op(
            &format!("{ws}/invitations"),
            "listPendingInvitations",
            "The workspace's pending invitations (admins)",
            "invitations",
            "PendingList",
            &[401, 403, 404, 422, 503],
        ),
        op(
            "delete",
            &format!("{ws}/invitations/{{invitation_id}}"),
            "cancelInvitation",
            "Cancel a pending invitation (admins)",
            "invitations",
            Bearer,
            None,
            Empty(204),
            &[401, 403, 404, 503],
        ),
        op(
            "get",
            "/p/{slug}",
            "publicPage",
            "A published bio site, as HTML (counts a visit)",
            "public pages",
            Anonymous,
            None,
            Answer::Html,
            &[404, 503],
        ),
        op(
            "get",
            "/p/{slug}/l/{link_id}",
            "publicLink",
            "Follow a bio site's link (counts a click)",
            "public pages",
            Anonymous,
            None,
            Answer::Redirect,
            &[404, 503],
        ),
    ];
    ops.push(list_op(
        "/api/workspaces",
        "listWorkspaces",
        "Your workspaces, newest first",
        "workspaces",
        "WorkspaceList",
        &[401, 422, 503],
    ));

    for (spec, stem) in modules::all() {
        let (tag, one) = (spec.name, spec.singular);
        let base = format!("{ws}/{}", spec.name);
        let item = format!("{base}/{{id}}");
        let mut list = list_op(
            &base,
            &format!("list{stem}s"),
            &format!("List {}", spec.name),
            tag,
            leak(format!("{stem}List")),
            &[401, 404, 422, 503],
        );
        list.params.extend([
            query("q", json!({"type": "string", "pattern": TEXT_PARAM_PATTERN}), "case-insensitive text search"),
            query("status", json!({"type": "string", "pattern": TEXT_PARAM_PATTERN}), "only records with this status"),
            query("tag", json!({"type": "string", "pattern": TEXT_PARAM_PATTERN}), "only records with this tag"),
        ]);
        let rules = spec.on_write.map(|on_write| on_write.rules);
        let with_rules = |mut op: Operation| {
            op.description = rules;
            op
        };
        ops.extend([
            list,
            with_rules(op(
                "post",
                &base,
                &format!("create{stem}"),
                &format!("Create a {one} (editors)"),
                tag,
                Bearer,
                Some((&format!("New{stem}"), None)),
                Json(201, leak(stem.to_string())),
                &[400, 401, 403, 404, 409, 413, 415, 422, 503],
            )),
            op(
                "get",
                &format!("{base}/stats"),
                &format!("{}Stats", stem.to_lowercase()),
                &format!("Counts of {} by status", spec.name),
                tag,
                Bearer,
                None,
                Json(200, leak(format!("{stem}Stats"))),
                &[401, 404, 503],
            ),
            op(
                "get",
                &item,
                &format!("get{stem}"),
                &format!("A {one}"),
                tag,
                Bearer,
                None,
                Json(200, leak(stem.to_string())),
                &[401, 404, 503],
            ),
            with_rules(op(
                "patch",
                &item,
                &format!("update{stem}"),
                &format!("Change a {one} (editors; a merge patch)"),
                tag,
                Bearer,
                Some((&format!("{stem}Patch"), None)),
                Json(200, leak(stem.to_string())),
                &[400, 401, 403, 404, 409, 413, 415, 422, 503],
            )),
            op(
                "delete",
                &item,
                &format!("delete{stem}"),
                &format!("Delete a {one} (admins)"),
                tag,
                Bearer,
                None,
                Empty(204),
                &[401, 403, 404, 503],
            ),
        ]);
    }
    ops
}

/// Schema names built at run time live as long as the document does.
fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operations_name_exactly_the_routes_spin_toml_serves() {
        let operations = operations();
        let paths: Vec<&str> = operations.iter().map(|op| op.path.as_str()).collect();
        assert_eq!(route_problems(&paths, routes::ROUTES), Vec::<String>::new());
    }

    #[test]
    fn the_route_check_catches_a_missing_and_an_unserved_route() {
        let routes = [("/api/auth/...", "accounts"), ("/api/workspaces/:workspace_id/members", "members")];
        let problems = route_problems(&["/api/auth/login", "/api/ghosts"], &routes);
        assert_eq!(
            problems,
            [
                "the document names /api/ghosts, which no route in spin.toml serves",
                "route /api/workspaces/:workspace_id/members (members) has no operation in the document",
            ]
        );
        assert!(route_problems(&["/api/workspaces/{workspace_id}/members"], &routes[1..]).is_empty());
    }
}
