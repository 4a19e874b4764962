//! Accounts.

use mewayz_domain::{Email, FullName};
use mewayz_time::{new_id, now};
use serde::Serialize;

use crate::{Db, Row, StoreError};

/// An account as the API shows it. The password hash never leaves the store
/// except through [`Credentials`].
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
    pub full_name: Option<String>,
    pub is_active: bool,
    pub created_at: i64,
}

/// A user with the hash to check a login against, and the session version
/// a new token gets.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub session_version: i64,
}

const COLUMNS: &str = "id, email, full_name, is_active, created_at";

/// A user from a row that starts with [`COLUMNS`].
pub(crate) fn from_row(row: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: row.text(0)?,
        email: row.text(1)?,
        full_name: row.opt_text(2)?,
        is_active: row.bool(3)?,
        created_at: row.int(4)?,
    })
}

/// Creates an account. `StoreError::Conflict` if the email is taken.
pub async fn create(
    db: &Db,
    email: &Email,
    password_hash: &str,
    full_name: Option<&FullName>,
) -> Result<User, StoreError> {
    let user = User {
        id: new_id(),
        email: email.as_str().to_string(),
        full_name: full_name.map(|n| n.as_str().to_string()),
        is_active: true,
        created_at: now(),
    };
    db.execute(
        "INSERT INTO users (id, email, password_hash, full_name, is_active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            user.id.clone().into(),
            user.email.clone().into(),
            password_hash.into(),
            user.full_name.clone().into(),
            true.into(),
            user.created_at.into(),
        ],
    )
    .await?;
    Ok(user)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<User>, StoreError> {
    let rows = db.query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"), &[id.into()]).await?;
    rows.first().map(from_row).transpose()
}

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<User>, StoreError> {
    let rows = db.query(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"), &[email.as_str().into()]).await?;
    rows.first().map(from_row).transpose()
}

pub async fn credentials(db: &Db, email: &Email) -> Result<Option<Credentials>, StoreError> {
    let rows = db
        .query(
            &format!("SELECT {COLUMNS}, password_hash, session_version FROM users WHERE email = $1"),
            &[email.as_str().into()],
        )
        .await?;
    rows.first()
        .map(|row| Ok(Credentials { user: from_row(row)?, password_hash: row.text(5)?, session_version: row.int(6)? }))
        .transpose()
}
