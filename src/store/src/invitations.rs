//! Invitations: the only way into a workspace but creating it. An admin
//! invites an email; whoever holds the account with that email — now, or
//! once they register — sees the invitation and accepts or declines it.
//! Only an accepted invitation makes a member. A row here is a pending
//! invitation: answering or cancelling one deletes it, and one past
//! `expires_at` is treated as gone.

use mewayz_domain::{Email, MemberChange, Page, Role, RoleError};
use mewayz_time::{new_id, now};
use serde::Serialize;

use crate::{
    Db, Row, StoreError,
    db::Backend,
    members::{self, Member, locked_role, stored_role},
};

/// Seven days.
pub const LIFETIME_SECONDS: i64 = 7 * 24 * 60 * 60;

/// A pending invitation as the workspace's admins see it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A pending invitation as the invitee sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Received {
    pub id: String,
    pub workspace: WorkspaceName,
    pub role: Role,
    pub invited_by: Option<String>,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum InvitationError {
    Store(StoreError),
    /// The actor is not a member of the workspace (any more).
    NotAMember,
    /// The actor's role, as it stands when the change is written, does not
    /// allow it.
    Forbidden(RoleError),
    /// A member of the workspace already uses this email.
    AlreadyMember,
    /// A pending invitation for this email exists.
    AlreadyInvited,
    /// No pending invitation with this id for this caller.
    NoSuchInvitation,
    Expired,
    /// Whoever sent it may no longer grant its role (demoted, removed).
    Withdrawn,
}

impl From<StoreError> for InvitationError {
    fn from(err: StoreError) -> Self {
        InvitationError::Store(err)
    }
}

const COLUMNS: &str = "id, workspace_id, email, role, invited_by, created_at, expires_at";

fn invitation(row: &Row) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: row.text(0)?,
        workspace_id: row.text(1)?,
        email: row.text(2)?,
        role: stored_role(&row.text(3)?)?,
        invited_by: row.opt_text(4)?,
        created_at: row.int(5)?,
        expires_at: row.int(6)?,
    })
}

/// Invites `email` into a workspace with `role`, as `actor_id`: authorized
/// against the actor's role as it stands in this transaction. The same
/// whether or not an account uses the email.
pub async fn create(
    db: &Db,
    workspace_id: &str,
    actor_id: &str,
    email: &Email,
    role: Role,
) -> Result<Invitation, InvitationError> {
    let now = now();
    db.transaction(async |db| {
        let actor = locked_role(db, workspace_id, actor_id).await?.ok_or(InvitationError::NotAMember)?;
        actor.authorize(MemberChange::Add { role }).map_err(InvitationError::Forbidden)?;
        let member = db
            .query(
                "SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id
             WHERE m.workspace_id = $1 AND u.email = $2",
                &[workspace_id.into(), email.as_str().into()],
            )
            .await?;
        if !member.is_empty() {
            return Err(InvitationError::AlreadyMember);
        }
        // Expired invitations of this workspace make way for new ones, and so
        // does one for this email whose sender may no longer grant its role.
        db.execute(
            "DELETE FROM invitations WHERE workspace_id = $1 AND expires_at <= $2",
            &[workspace_id.into(), now.into()],
        )
        .await?;
        let existing = db
            .query(
                &format!("SELECT {COLUMNS} FROM invitations WHERE workspace_id = $1 AND email = $2"),
                &[workspace_id.into(), email.as_str().into()],
            )
            .await?;
        if let Some(existing) = existing.first().map(invitation).transpose()?
            && withdrawn(db, &existing).await?
        {
            db.execute("DELETE FROM invitations WHERE id = $1", &[existing.id.into()]).await?;
        }
        let invitation = Invitation {
            id: new_id(),
            workspace_id: workspace_id.into(),
            email: email.as_str().into(),
            role,
            invited_by: Some(actor_id.into()),
            created_at: now,
            expires_at: now + LIFETIME_SECONDS,
        };
        db.execute(
            &format!("INSERT INTO invitations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                invitation.id.clone().into(),
                workspace_id.into(),
                email.as_str().into(),
                role.as_str().into(),
                actor_id.into(),
                now.into(),
                invitation.expires_at.into(),
            ],
        )
        .await
        .map_err(|err| match err {
            StoreError::Conflict => InvitationError::AlreadyInvited,
            other => other.into(),
        })?;
        Ok(invitation)
    })
    .await
}

/// A page of a workspace's pending invitations, oldest first, and how many
/// there are.
pub async fn pending(db: &Db, workspace_id: &str, page: Page) -> Result<(Vec<Invitation>, i64), StoreError> {
    let now = now();
    let rows = db
        .query(
            &format!(
                "SELECT {COLUMNS} FROM invitations WHERE workspace_id = $1 AND expires_at > $2
                 ORDER BY created_at, email, id LIMIT $3 OFFSET $4"
            ),
            &[workspace_id.into(), now.into(), i64::from(page.limit).into(), page.offset_i64().into()],
        )
        .await?;
    let total = db
        .query(
            "SELECT COUNT(*) FROM invitations WHERE workspace_id = $1 AND expires_at > $2",
            &[workspace_id.into(), now.into()],
        )
        .await?;
    Ok((rows.iter().map(invitation).collect::<Result<_, _>>()?, Row::single_int(&total)?))
}

/// Cancels a pending invitation as `actor_id`, who must be allowed to grant
/// its role (an admin cannot cancel an owner's invitation to be owner).
pub async fn cancel(db: &Db, workspace_id: &str, actor_id: &str, id: &str) -> Result<(), InvitationError> {
    db.transaction(async |db| {
        // The invitation first, then the actor's membership: the order
        // `accept` takes them in, so the two cannot deadlock.
        let lock = if db.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
        let rows = db
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM invitations WHERE id = $1 AND workspace_id = $2 AND expires_at > $3{lock}"
                ),
                &[id.into(), workspace_id.into(), now().into()],
            )
            .await?;
        let actor = locked_role(db, workspace_id, actor_id).await?.ok_or(InvitationError::NotAMember)?;
        let found = invitation(rows.first().ok_or(InvitationError::NoSuchInvitation)?)?;
        actor.authorize(MemberChange::Add { role: found.role }).map_err(InvitationError::Forbidden)?;
        db.execute("DELETE FROM invitations WHERE id = $1", &[id.into()]).await?;
        Ok(())
    })
    .await
}

/// A page of the pending invitations addressed to `email`, newest first,
/// and how many there are.
pub async fn received(db: &Db, email: &Email, page: Page) -> Result<(Vec<Received>, i64), StoreError> {
    let now = now();
    let rows = db
        .query(
            "SELECT i.id, w.id, w.name, i.role, i.invited_by, i.expires_at
         FROM invitations i JOIN workspaces w ON w.id = i.workspace_id
         WHERE i.email = $1 AND i.expires_at > $2
         ORDER BY i.created_at DESC, w.name, i.id
         LIMIT $3 OFFSET $4",
            &[email.as_str().into(), now.into(), i64::from(page.limit).into(), page.offset_i64().into()],
        )
        .await?;
    // Every invitation's workspace exists (its foreign key cascades).
    let total = db
        .query(
            "SELECT COUNT(*) FROM invitations WHERE email = $1 AND expires_at > $2",
            &[email.as_str().into(), now.into()],
        )
        .await?;
    let total = Row::single_int(&total)?;
    let received = rows
        .iter()
        .map(|row| {
            Ok(Received {
                id: row.text(0)?,
                workspace: WorkspaceName { id: row.text(1)?, name: row.text(2)? },
                role: stored_role(&row.text(3)?)?,
                invited_by: row.opt_text(4)?,
                expires_at: row.int(5)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((received, total))
}

/// What accepting an invitation came to.
#[derive(Debug)]
pub enum Accepted {
    /// A new member.
    Joined(Member),
    /// The account was a member already; the invitation is gone all the same.
    AlreadyMember,
}

/// Accepts the invitation `id` addressed to `email`, for the account
/// `user_id`: the membership gets the invitation's role if whoever sent it
/// may still grant it, checked on their locked row.
pub async fn accept(db: &Db, id: &str, user_id: &str, email: &Email) -> Result<Accepted, InvitationError> {
    db.transaction(async |db| {
        let lock = if db.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
        let rows = db
            .query(
                &format!("SELECT {COLUMNS} FROM invitations WHERE id = $1 AND email = $2{lock}"),
                &[id.into(), email.as_str().into()],
            )
            .await?;
        let found = invitation(rows.first().ok_or(InvitationError::NoSuchInvitation)?)?;
        if found.expires_at <= now() {
            return Err(InvitationError::Expired);
        }
        if withdrawn(db, &found).await? {
            return Err(InvitationError::Withdrawn);
        }
        db.execute("DELETE FROM invitations WHERE id = $1", &[id.into()]).await?;
        if members::find(db, &found.workspace_id, user_id).await?.is_some() {
            return Ok(Accepted::AlreadyMember);
        }
        let member = members::insert(db, &found.workspace_id, user_id, found.role, found.invited_by.as_deref()).await?;
        Ok(Accepted::Joined(member))
    })
    .await
}

/// Whether whoever sent `invitation` may no longer grant its role (demoted,
/// removed, gone), read on their locked membership row.
async fn withdrawn(db: &Db, invitation: &Invitation) -> Result<bool, StoreError> {
    let sender = match &invitation.invited_by {
        Some(sender) => locked_role(db, &invitation.workspace_id, sender).await?,
        None => None,
    };
    Ok(sender.is_none_or(|role| role.authorize(MemberChange::Add { role: invitation.role }).is_err()))
}

/// Declines (deletes) the invitation `id` addressed to `email`, expired or not.
pub async fn decline(db: &Db, id: &str, email: &Email) -> Result<(), InvitationError> {
    let rows = db
        .query("DELETE FROM invitations WHERE id = $1 AND email = $2 RETURNING id", &[id.into(), email.as_str().into()])
        .await?;
    if rows.is_empty() { Err(InvitationError::NoSuchInvitation) } else { Ok(()) }
}
