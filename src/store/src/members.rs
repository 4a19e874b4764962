//! Workspace memberships. A change is decided inside the transaction that
//! writes it, on rows it holds: the actor's role, the target's role and the
//! owners are read there, so a check made on a stale role cannot win, and a
//! workspace always keeps at least one owner, also under concurrent changes.

use mewayz_domain::{MemberChange, Page, Role, RoleError};
use mewayz_time::now;
use serde::Serialize;

use crate::{Db, Row, StoreError, db::Backend};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub workspace_id: String,
    pub user_id: String,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub invited_by: Option<String>,
    pub joined_at: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum MemberError {
    Store(StoreError),
    /// The change would leave the workspace without an owner.
    LastOwner,
    /// The actor's role, as it stands when the change is written, does not
    /// allow it.
    Forbidden(RoleError),
    /// The target is not a member (any more).
    NoSuchMember,
    /// The actor is not a member (any more).
    NotAMember,
}

impl From<StoreError> for MemberError {
    fn from(err: StoreError) -> Self {
        MemberError::Store(err)
    }
}

const SELECT: &str = "SELECT m.workspace_id, m.user_id, u.email, u.full_name, m.role, m.invited_by, m.joined_at
    FROM workspace_members m JOIN users u ON u.id = m.user_id";

/// A role read back from the database: one the app did not write is corrupt
/// data, never a silent `viewer`.
pub(crate) fn stored_role(text: &str) -> Result<Role, StoreError> {
    Role::parse("role", text).map_err(|_| StoreError::Corrupt(format!("unknown role {text:?}")))
}

fn member(row: &Row) -> Result<Member, StoreError> {
    Ok(Member {
        workspace_id: row.text(0)?,
        user_id: row.text(1)?,
        email: row.text(2)?,
        full_name: row.opt_text(3)?,
        role: stored_role(&row.text(4)?)?,
        invited_by: row.opt_text(5)?,
        joined_at: row.int(6)?,
    })
}

/// A page of a workspace's members, earliest first, and how many there are.
pub async fn list(db: &Db, workspace_id: &str, page: Page) -> Result<(Vec<Member>, i64), StoreError> {
    let rows = db
        .query(
            &format!("{SELECT} WHERE m.workspace_id = $1 ORDER BY m.joined_at, u.email, m.user_id LIMIT $2 OFFSET $3"),
            &[workspace_id.into(), i64::from(page.limit).into(), page.offset_i64().into()],
        )
        .await?;
    let total =
        db.query("SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1", &[workspace_id.into()]).await?;
    Ok((rows.iter().map(member).collect::<Result<_, _>>()?, Row::single_int(&total)?))
}

pub async fn find(db: &Db, workspace_id: &str, user_id: &str) -> Result<Option<Member>, StoreError> {
    let rows = db
        .query(
            &format!("{SELECT} WHERE m.workspace_id = $1 AND m.user_id = $2"),
            &[workspace_id.into(), user_id.into()],
        )
        .await?;
    rows.first().map(member).transpose()
}

/// A member's role, with their row locked until the transaction ends
/// (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the write lock).
pub(crate) async fn locked_role(db: &Db, workspace_id: &str, user_id: &str) -> Result<Option<Role>, StoreError> {
    let lock = if db.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
    let rows = db
        .query(
            &format!("SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2{lock}"),
            &[workspace_id.into(), user_id.into()],
        )
        .await?;
    rows.first().map(|row| stored_role(&row.text(0)?)).transpose()
}

/// Writes a membership; `Conflict` if there is one already.
pub(crate) async fn insert(
    db: &Db,
    workspace_id: &str,
    user_id: &str,
    role: Role,
    invited_by: Option<&str>,
) -> Result<Member, StoreError> {
    db.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[workspace_id.into(), user_id.into(), role.as_str().into(), invited_by.into(), now().into()],
    )
    .await?;
    find(db, workspace_id, user_id).await?.ok_or_else(|| StoreError::Query("member vanished after insert".into()))
}

/// Changes a member's role (`Some`) or removes them (`None`) as `actor_id`:
/// authorized against both members' roles as they stand in this
/// transaction, and refused if it would leave the workspace without an owner.
pub async fn change(
    db: &Db,
    workspace_id: &str,
    actor_id: &str,
    user_id: &str,
    new_role: Option<Role>,
) -> Result<(), MemberError> {
    db.transaction(async |db| {
        // PostgreSQL: lock the rows the decision reads — the actor's, the
        // target's and the owners' — in one order, so concurrent changes
        // queue instead of deciding on roles that are about to change.
        // SQLite's BEGIN IMMEDIATE already serialises writers.
        let lock = if db.backend() == Backend::Postgres { " ORDER BY user_id FOR UPDATE" } else { "" };
        let rows: Vec<(String, Role)> = db
            .query(
                &format!(
                    "SELECT user_id, role FROM workspace_members
                     WHERE workspace_id = $1 AND (role = 'owner' OR user_id = $2 OR user_id = $3){lock}"
                ),
                &[workspace_id.into(), actor_id.into(), user_id.into()],
            )
            .await?
            .iter()
            .map(|row| Ok((row.text(0)?, stored_role(&row.text(1)?)?)))
            .collect::<Result<_, StoreError>>()?;
        let role_of = |id: &str| rows.iter().find(|(user, _)| user == id).map(|(_, role)| *role);
        let actor = role_of(actor_id).ok_or(MemberError::NotAMember)?;
        let target = role_of(user_id).ok_or(MemberError::NoSuchMember)?;
        let change = match new_role {
            Some(to) => MemberChange::ChangeRole { from: target, to },
            None => MemberChange::Remove { role: target, is_self: actor_id == user_id },
        };
        actor.authorize(change).map_err(MemberError::Forbidden)?;
        let owners = rows.iter().filter(|(_, role)| *role == Role::Owner).count();
        if target == Role::Owner && owners == 1 && new_role != Some(Role::Owner) {
            return Err(MemberError::LastOwner);
        }
        match new_role {
            Some(role) => {
                db.execute(
                    "UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2",
                    &[workspace_id.into(), user_id.into(), role.as_str().into()],
                )
                .await?
            }
            None => {
                db.execute(
                    "DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2",
                    &[workspace_id.into(), user_id.into()],
                )
                .await?
            }
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_stored_role_is_corrupt_data_not_a_viewer() {
        assert_eq!(stored_role("admin"), Ok(Role::Admin));
        assert_eq!(stored_role("superuser"), Err(StoreError::Corrupt("unknown role \"superuser\"".into())));
    }
}
