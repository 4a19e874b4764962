//! Workspace memberships and the one rule the store enforces itself: a
//! workspace always keeps at least one owner, also under concurrent changes.

use mewayz_domain::Role;
use mewayz_time::now;
use serde::Serialize;

use crate::{Db, Row, StoreError, db::Backend};

#[derive(Debug, Clone, Serialize)]
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

pub fn list(db: &Db, workspace_id: &str) -> Result<Vec<Member>, StoreError> {
    let rows =
        db.query(&format!("{SELECT} WHERE m.workspace_id = $1 ORDER BY m.joined_at, u.email"), &[workspace_id.into()])?;
    rows.iter().map(member).collect()
}

pub fn find(db: &Db, workspace_id: &str, user_id: &str) -> Result<Option<Member>, StoreError> {
    let rows = db.query(
        &format!("{SELECT} WHERE m.workspace_id = $1 AND m.user_id = $2"),
        &[workspace_id.into(), user_id.into()],
    )?;
    rows.first().map(member).transpose()
}

/// Adds a member. `Conflict` if they already are one.
pub fn add(db: &Db, workspace_id: &str, user_id: &str, role: Role, invited_by: &str) -> Result<Member, StoreError> {
    db.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role, invited_by, joined_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[workspace_id.into(), user_id.into(), role.as_str().into(), invited_by.into(), now().into()],
    )?;
    find(db, workspace_id, user_id)?.ok_or_else(|| StoreError::Query("member vanished after insert".into()))
}

/// Changes a member's role (`Some`) or removes them (`None`), refusing to
/// leave the workspace without an owner.
pub fn change(db: &Db, workspace_id: &str, user_id: &str, new_role: Option<Role>) -> Result<(), MemberError> {
    db.transaction(|db| {
        // PostgreSQL: lock the owner rows so two concurrent demotions cannot
        // both see "another owner remains". SQLite's BEGIN IMMEDIATE already
        // serialises writers.
        let lock = if db.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
        let owners: Vec<String> = db
            .query(
                &format!("SELECT user_id FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'{lock}"),
                &[workspace_id.into()],
            )?
            .iter()
            .map(|row| row.text(0))
            .collect::<Result<_, _>>()?;
        let is_owner = owners.iter().any(|o| o == user_id);
        if is_owner && owners.len() == 1 && new_role != Some(Role::Owner) {
            return Err(MemberError::LastOwner);
        }
        match new_role {
            Some(role) => db.execute(
                "UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2",
                &[workspace_id.into(), user_id.into(), role.as_str().into()],
            )?,
            None => db.execute(
                "DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2",
                &[workspace_id.into(), user_id.into()],
            )?,
        }
        Ok(())
    })
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
