//! Who is calling: a valid bearer token, not logged out, of a user who
//! still exists and has not ended all sessions since it was issued.

use mewayz_auth::{Claims, verify_token};
use mewayz_domain::Role;
use mewayz_store::{
    Db,
    sessions::{self, Holder},
    users::User,
};

use crate::{ApiError, ApiRequest, Config};

/// Seconds since the Unix epoch, as tokens count them.
pub fn now_seconds() -> u64 {
    mewayz_time::now().max(0) as u64
}

/// The caller, from `Authorization: Bearer <token>`. Routes call this before
/// reading their body, so anonymous callers learn nothing but 401. The token is checked
/// before the database is touched; a token whose user is gone or inactive,
/// that was logged out, or that predates the account's last "log out
/// everywhere" or password change is refused like a bad one. A database
/// failure is a 503, never a pass.
pub async fn authenticate(req: &ApiRequest) -> Result<(Db, User), ApiError> {
    authenticate_session(req).await.map(|(db, user, _)| (db, user))
}

/// [`authenticate`] for a route about workspace `workspace_id`, with the
/// caller's role there, in the same query. Not a member → 404, so a
/// workspace's existence is not leaked to outsiders. Every route under
/// `/api/workspaces/{id}` authorizes through this, and nothing else; a
/// change re-checks the role on the locked membership row in its
/// transaction (the store), so this early check only answers fast and in
/// the usual order (401, 404, body, 403).
pub async fn authenticate_member(req: &ApiRequest, workspace_id: &str) -> Result<(Db, User, Role), ApiError> {
    let (db, holder, _) = holder(req, Some(workspace_id)).await?;
    let role = holder.role.ok_or_else(|| ApiError::not_found("no such workspace"))?;
    Ok((db, holder.user, role))
}

/// [`authenticate`], with the token's claims (for routes that end it).
pub async fn authenticate_session(req: &ApiRequest) -> Result<(Db, User, Claims), ApiError> {
    holder(req, None).await.map(|(db, holder, claims)| (db, holder.user, claims))
}

/// The token's holder, if the token still holds.
async fn holder(req: &ApiRequest, workspace_id: Option<&str>) -> Result<(Db, Holder, Claims), ApiError> {
    let refused = || ApiError::unauthorized("the access token is invalid or expired");
    let secret = Config::auth_secret()?;
    let token = mewayz_auth::bearer_token(req.header("authorization"))
        .ok_or_else(|| ApiError::unauthorized("send an access token as Authorization: Bearer <token>"))?;
    let claims = verify_token(&secret, token, now_seconds()).map_err(|_| refused())?;
    let db = req.db().await?;
    match sessions::holder(&db, &claims.sub, &claims.jti, workspace_id).await? {
        Some(holder) if holder.user.is_active && !holder.revoked && holder.session_version == claims.ver => {
            Ok((db, holder, claims))
        }
        _ => Err(refused()),
    }
}
