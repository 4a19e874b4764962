//! Who is calling: a valid bearer token of a user who still exists.

use mewayz_auth::verify_token;
use mewayz_store::{
    Db,
    users::{self, User},
};

use crate::{ApiError, ApiRequest, Config};

/// Seconds since the Unix epoch, as tokens count them.
pub fn now_seconds() -> u64 {
    mewayz_time::now().max(0) as u64
}

/// The caller, from `Authorization: Bearer <token>`. Routes call this before
/// reading their body, so anonymous callers learn nothing but 401. The token is checked
/// before the database is touched; a token whose user is gone or inactive is
/// refused like a bad one. A database failure is a 503, never a pass.
pub fn authenticate(req: &ApiRequest, open_db: impl FnOnce() -> Result<Db, ApiError>) -> Result<(Db, User), ApiError> {
    let secret = Config::auth_secret()?;
    let token = mewayz_auth::bearer_token(req.header("authorization"))
        .ok_or_else(|| ApiError::unauthorized("send an access token as Authorization: Bearer <token>"))?;
    let claims = verify_token(&secret, token, now_seconds())
        .map_err(|_| ApiError::unauthorized("the access token is invalid or expired"))?;
    let db = open_db()?;
    match users::find(&db, &claims.sub)? {
        Some(user) if user.is_active => Ok((db, user)),
        _ => Err(ApiError::unauthorized("the access token is invalid or expired")),
    }
}
