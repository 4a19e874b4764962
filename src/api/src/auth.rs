//! Who is calling: a valid bearer token, not logged out, of a user who
//! still exists and has not ended all sessions since it was issued.

use mewayz_auth::{Claims, verify_token};
use mewayz_store::{Db, sessions, users::User};

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
pub fn authenticate(req: &ApiRequest, open_db: impl FnOnce() -> Result<Db, ApiError>) -> Result<(Db, User), ApiError> {
    authenticate_session(req, open_db).map(|(db, user, _)| (db, user))
}

/// [`authenticate`], with the token's claims (for routes that end it).
pub fn authenticate_session(
    req: &ApiRequest,
    open_db: impl FnOnce() -> Result<Db, ApiError>,
) -> Result<(Db, User, Claims), ApiError> {
    let refused = || ApiError::unauthorized("the access token is invalid or expired");
    let secret = Config::auth_secret()?;
    let token = mewayz_auth::bearer_token(req.header("authorization"))
        .ok_or_else(|| ApiError::unauthorized("send an access token as Authorization: Bearer <token>"))?;
    let claims = verify_token(&secret, token, now_seconds()).map_err(|_| refused())?;
    let db = open_db()?;
    match sessions::holder(&db, &claims.sub, &claims.jti)? {
        Some(holder) if holder.user.is_active && !holder.revoked && holder.session_version == claims.ver => {
            Ok((db, holder.user, claims))
        }
        _ => Err(refused()),
    }
}
