//! Workspaces, always seen through a member: a workspace the caller is not a
//! member of does not exist for them.

use mewayz_domain::{Page, Role, Slug, WorkspaceName, WorkspaceText};
use mewayz_time::{new_id, now};
use serde::Serialize;

use crate::{Db, Row, StoreError, members::locked_role};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The caller's role in this workspace.
    pub role: Role,
}

/// Changes asked for by a PATCH; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct WorkspaceChanges {
    pub name: Option<WorkspaceName>,
    pub slug: Option<Slug>,
    pub description: Option<WorkspaceText>,
}

const COLUMNS: &str = "w.id, w.name, w.slug, w.description, w.created_by, w.created_at, w.updated_at, m.role";

fn workspace(row: &Row) -> Result<Workspace, StoreError> {
    Ok(Workspace {
        id: row.text(0)?,
        name: row.text(1)?,
        slug: row.text(2)?,
        description: row.text(3)?,
        created_by: row.text(4)?,
        created_at: row.int(5)?,
        updated_at: row.int(6)?,
        role: crate::members::stored_role(&row.text(7)?)?,
    })
}

/// Creates a workspace with `owner` as its first owner. `Conflict` if the slug is taken.
pub async fn create(
    db: &Db,
    owner: &str,
    name: &WorkspaceName,
    slug: &Slug,
    description: &WorkspaceText,
) -> Result<Workspace, StoreError> {
    let now = now();
    let ws = Workspace {
        id: new_id(),
        name: name.as_str().into(),
        slug: slug.as_str().into(),
        description: description.as_str().into(),
        created_by: owner.into(),
        created_at: now,
        updated_at: now,
        role: Role::Owner,
    };
    db.transaction(async |db| {
        db.execute(
            "INSERT INTO workspaces (id, name, slug, description, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
            &[
                ws.id.clone().into(),
                ws.name.clone().into(),
                ws.slug.clone().into(),
                ws.description.clone().into(),
                owner.into(),
                now.into(),
            ],
        )
        .await?;
        db.execute(
            "INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at)
             VALUES ($1, $2, 'owner', NULL, $3)",
            &[ws.id.clone().into(), owner.into(), now.into()],
        )
        .await
    })
    .await?;
    Ok(ws)
}

/// The workspaces `user_id` belongs to, newest first, and how many there are.
pub async fn list_for_member(db: &Db, user_id: &str, page: Page) -> Result<(Vec<Workspace>, i64), StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM workspaces w
             JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $1
             ORDER BY w.created_at DESC, w.id
             LIMIT $2 OFFSET $3"
            ),
            &[user_id.into(), i64::from(page.limit).into(), page.offset_i64().into()],
        )
        .await?;
    let total = db.query("SELECT COUNT(*) FROM workspace_members WHERE user_id = $1", &[user_id.into()]).await?;
    let total = Row::single_int(&total)?;
    Ok((rows.iter().map(workspace).collect::<Result<_, _>>()?, total))
}

/// The workspace as `user_id` sees it, or `None` if they are not a member.
pub async fn find_for_member(db: &Db, workspace_id: &str, user_id: &str) -> Result<Option<Workspace>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM workspaces w
             JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $2
             WHERE w.id = $1"
            ),
            &[workspace_id.into(), user_id.into()],
        )
        .await?;
    rows.first().map(workspace).transpose()
}

/// Why a change to a workspace was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum WorkspaceError {
    Store(StoreError),
    /// The actor is not a member (any more).
    NotAMember,
    /// The actor's role, as it stands when the change is written, does not
    /// allow it.
    Forbidden,
}

impl From<StoreError> for WorkspaceError {
    fn from(err: StoreError) -> Self {
        WorkspaceError::Store(err)
    }
}

/// Runs `write` in a transaction if `actor_id`'s role, read on their locked
/// membership row, passes `allowed`: a role changed by a concurrent request
/// is seen, never a stale one.
async fn as_member(
    db: &Db,
    workspace_id: &str,
    actor_id: &str,
    allowed: fn(Role) -> bool,
    write: impl AsyncFnOnce(&Db) -> Result<(), StoreError>,
) -> Result<(), WorkspaceError> {
    db.transaction(async |db| {
        let role = locked_role(db, workspace_id, actor_id).await?.ok_or(WorkspaceError::NotAMember)?;
        if !allowed(role) {
            return Err(WorkspaceError::Forbidden);
        }
        Ok(write(db).await?)
    })
    .await
}

/// Applies `changes` as `actor_id` (an admin or owner). `Store(Conflict)` if
/// the new slug is taken.
pub async fn update(
    db: &Db,
    workspace_id: &str,
    actor_id: &str,
    changes: &WorkspaceChanges,
) -> Result<(), WorkspaceError> {
    as_member(db, workspace_id, actor_id, Role::can_update_workspace, async |db| {
        db.execute(
            "UPDATE workspaces SET
                 name = COALESCE($2, name),
                 slug = COALESCE($3, slug),
                 description = COALESCE($4, description),
                 updated_at = $5
             WHERE id = $1",
            &[
                workspace_id.into(),
                changes.name.as_ref().map(|n| n.as_str()).into(),
                changes.slug.as_ref().map(|s| s.as_str()).into(),
                changes.description.as_ref().map(|d| d.as_str()).into(),
                now().into(),
            ],
        )
        .await
    })
    .await
}

/// Deletes a workspace as `actor_id` (an owner). Its memberships, and every
/// table another part of the schema keys on a workspace (invitations, the
/// resource core's records), go with it by their foreign keys' `ON DELETE
/// CASCADE` (enforced on SQLite too: see [`Db::open`]).
pub async fn delete(db: &Db, workspace_id: &str, actor_id: &str) -> Result<(), WorkspaceError> {
    as_member(db, workspace_id, actor_id, Role::can_delete_workspace, async |db| {
        db.execute("DELETE FROM workspaces WHERE id = $1", &[workspace_id.into()]).await
    })
    .await
}
