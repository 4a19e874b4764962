//! Sessions that end: single tokens revoked by id, every token of an
//! account ended by raising its session version.

use mewayz_domain::Role;

use crate::{Db, StoreError, members::stored_role, users::User};

/// The account a token names, if it still exists, with what decides whether
/// the token still holds: the account's session version and whether this
/// token was logged out; and, when the route is about a workspace, the
/// account's role there (`None`: not a member). One query for every
/// authenticated request, membership included.
pub struct Holder {
    pub user: User,
    pub session_version: i64,
    pub revoked: bool,
    pub role: Option<Role>,
}

pub async fn holder(
    db: &Db,
    user_id: &str,
    jti: &str,
    workspace_id: Option<&str>,
) -> Result<Option<Holder>, StoreError> {
    let rows = match workspace_id {
        None => {
            db.query(
                "SELECT id, email, full_name, is_active, created_at, session_version,
                    EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2)
             FROM users WHERE id = $1",
                &[user_id.into(), jti.into()],
            )
            .await?
        }
        Some(workspace_id) => {
            db.query(
                "SELECT id, email, full_name, is_active, created_at, session_version,
                    EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2),
                    (SELECT role FROM workspace_members WHERE workspace_id = $3 AND user_id = $1)
             FROM users WHERE id = $1",
                &[user_id.into(), jti.into(), workspace_id.into()],
            )
            .await?
        }
    };
    rows.first()
        .map(|row| {
            let role = match workspace_id {
                Some(_) => row.opt_text(7)?.map(|role| stored_role(&role)).transpose()?,
                None => None,
            };
            Ok(Holder { user: crate::users::from_row(row)?, session_version: row.int(5)?, revoked: row.bool(6)?, role })
        })
        .transpose()
}

/// Logs one token out until it would have expired anyway, and forgets
/// revocations that have run out.
pub async fn revoke(db: &Db, user_id: &str, jti: &str, expires_at: i64, now: i64) -> Result<(), StoreError> {
    db.execute("DELETE FROM revoked_tokens WHERE expires_at <= $1", &[now.into()]).await?;
    db.execute(
        "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
        &[jti.into(), user_id.into(), expires_at.into()],
    )
    .await
}

/// Ends every session of an account; returns the new session version.
pub async fn end_all(db: &Db, user_id: &str) -> Result<i64, StoreError> {
    let rows = db
        .query(
            "UPDATE users SET session_version = session_version + 1 WHERE id = $1 RETURNING session_version",
            &[user_id.into()],
        )
        .await?;
    rows.first().ok_or_else(|| StoreError::Query(format!("no user {user_id} to end sessions of")))?.int(0)
}

/// Sets a new password hash and ends every session, in one statement, if
/// the account is still at session version `checked_version` with the hash
/// `checked_hash` the caller verified; returns the new session version, or
/// `None` when something changed in between.
pub async fn change_password(
    db: &Db,
    user_id: &str,
    password_hash: &str,
    checked_version: i64,
    checked_hash: &str,
) -> Result<Option<i64>, StoreError> {
    let rows = db
        .query(
            "UPDATE users SET password_hash = $2, session_version = session_version + 1
         WHERE id = $1 AND session_version = $3 AND password_hash = $4 RETURNING session_version",
            &[user_id.into(), password_hash.into(), checked_version.into(), checked_hash.into()],
        )
        .await?;
    rows.first().map(|row| row.int(0)).transpose()
}
