//! Sessions that end: single tokens revoked by id, every token of an
//! account ended by raising its session version.

use crate::{Db, StoreError, users::User};

/// The account a token names, if it still exists, with what decides whether
/// the token still holds: the account's session version and whether this
/// token was logged out. One query for every authenticated request.
pub struct Holder {
    pub user: User,
    pub session_version: i64,
    pub revoked: bool,
}

pub fn holder(db: &Db, user_id: &str, jti: &str) -> Result<Option<Holder>, StoreError> {
    let rows = db.query(
        "SELECT id, email, full_name, is_active, created_at, session_version,
                EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2)
         FROM users WHERE id = $1",
        &[user_id.into(), jti.into()],
    )?;
    rows.first()
        .map(|row| {
            Ok(Holder { user: crate::users::from_row(row)?, session_version: row.int(5)?, revoked: row.bool(6)? })
        })
        .transpose()
}

/// Logs one token out until it would have expired anyway, and forgets
/// revocations that have run out.
pub fn revoke(db: &Db, user_id: &str, jti: &str, expires_at: i64, now: i64) -> Result<(), StoreError> {
    db.execute("DELETE FROM revoked_tokens WHERE expires_at <= $1", &[now.into()])?;
    db.execute(
        "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
        &[jti.into(), user_id.into(), expires_at.into()],
    )
}

/// Ends every session of an account; returns the new session version.
pub fn end_all(db: &Db, user_id: &str) -> Result<i64, StoreError> {
    let rows = db.query(
        "UPDATE users SET session_version = session_version + 1 WHERE id = $1 RETURNING session_version",
        &[user_id.into()],
    )?;
    rows.first().ok_or_else(|| StoreError::Query(format!("no user {user_id} to end sessions of")))?.int(0)
}

/// Sets a new password hash and ends every session, in one statement, if
/// the account is still at session version `checked_version` with the hash
/// `checked_hash` the caller verified; returns the new session version, or
/// `None` when something changed in between.
pub fn change_password(
    db: &Db,
    user_id: &str,
    password_hash: &str,
    checked_version: i64,
    checked_hash: &str,
) -> Result<Option<i64>, StoreError> {
    let rows = db.query(
        "UPDATE users SET password_hash = $2, session_version = session_version + 1
         WHERE id = $1 AND session_version = $3 AND password_hash = $4 RETURNING session_version",
        &[user_id.into(), password_hash.into(), checked_version.into(), checked_hash.into()],
    )?;
    rows.first().map(|row| row.int(0)).transpose()
}
