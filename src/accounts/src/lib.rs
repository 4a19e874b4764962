//! `/api/auth`: register, log in, change the password — the routes that
//! hash passwords. The session's own routes (who am I, log out) are the
//! `sessions` component's.

use mewayz_api::http::{Request, Response};
use mewayz_api::{
    ApiError, ApiRequest, ApiResult, Config, authenticate_session, client_key, json, now_seconds, with_password_slot,
};
use mewayz_auth::{
    TOKEN_TTL_SECONDS, hash_password, issue_token,
    throttle::{Policy, Verdict},
    verify_against_nobody, verify_password,
};
use mewayz_domain::{Email, FullName, Password};
use mewayz_store::{
    Db, attempts, sessions,
    users::{self, User},
};
use serde::{Deserialize, Serialize};
// Spin 4: a WASI P3 component like the others (spin-sdk 6 has no P2).
#[cfg(not(mewayz_spin3))]
mewayz_api::export_service!(handle);

/// The Spin 3.6 build's entry: a WASI P2 component, unlike the other
/// features. Its password routes run Argon2 (19 MiB, ~100 ms of CPU each),
/// and as a spin-sdk 5.2 P3 component with reused instances a burst of 40
/// clients logging in 3 times peaked at 812 MiB on `spin up` 3.6 (the
/// accounts pods are limited to 768Mi). Cheap requests would also wait
/// behind logins held by the same instance: `sessions` serves `me` and
/// logout.
#[cfg(all(target_arch = "wasm32", mewayz_spin3))]
#[spin_sdk::http_component]
async fn handle_p2(req: spin_sdk::http::Request) -> spin_sdk::http::Response {
    mewayz_api::service::serve_p2(req, handle).await
}

/// Serves one request. Natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes).await
}

async fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "auth", "register"] if req.method_is("POST") => register(req).await,
        ["api", "auth", "login"] if req.method_is("POST") => login(req).await,
        ["api", "auth", "password"] if req.method_is("POST") => change_password(req).await,
        ["api", "auth", "register" | "login" | "password"] => Err(ApiError::method_not_allowed("POST")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::email))]
    email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::password))]
    password: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::full_name))]
    full_name: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::email))]
    email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::login_password))]
    password: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::login_password))]
    current_password: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = mewayz_domain::schema::password))]
    new_password: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Serialize)]
pub struct Session {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    user: User,
}

fn session(user: User, session_version: i64) -> Result<Session, ApiError> {
    let secret = Config::auth_secret()?;
    Ok(Session {
        access_token: issue_token(&secret, &user.id, session_version, now_seconds())
            .map_err(|e| ApiError::internal(format!("signing a token for user {}: {}", user.id, e.0)))?,
        token_type: "bearer",
        expires_in: TOKEN_TTL_SECONDS,
        user,
    })
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

/// Counts an attempt for `key` up front; 429 past the policy's limit.
async fn attempt(db: &Db, key: &str, policy: &Policy) -> Result<(), ApiError> {
    match attempts::attempt(db, key, policy, now_seconds() as i64).await? {
        Verdict::Proceed => Ok(()),
        Verdict::Refuse { retry_after } => Err(ApiError::too_many_attempts(retry_after)),
    }
}

/// Registrations are counted per client address, whatever their outcome:
/// each one that gets past the input checks costs an Argon2 run or tells
/// whether an email is taken.
async fn register(req: &ApiRequest) -> ApiResult {
    Config::auth_secret()?;
    let body: Registration = req.json()?;
    let email = Email::parse("email", &body.email)?;
    let password = Password::parse(body.password)?;
    let full_name = body.full_name.as_deref().map(FullName::parse).transpose()?;
    let address = client_key(req)?.map(|key| format!("register:{key}"));

    with_password_slot(async || {
        let db = req.db().await?;
        let Some(address) = address else {
            return create_account(&db, &email, password, full_name).await;
        };
        if let Verdict::Refuse { retry_after } =
            attempts::attempt(&db, &address, &Policy::REGISTRATION, now_seconds() as i64).await?
        {
            return Err(ApiError::too_many_registrations(retry_after));
        }
        let outcome = create_account(&db, &email, password, full_name).await;
        attempts::settle(&db, &address, true).await?;
        outcome
    })
    .await
}

async fn create_account(db: &Db, email: &Email, password: Password, full_name: Option<FullName>) -> ApiResult {
    if users::find_by_email(db, email).await?.is_some() {
        return Err(ApiError::conflict("email_taken", "an account with this email already exists"));
    }
    let hash = hash_password(password.expose()).map_err(|e| ApiError::internal(format!("hashing a password: {e}")))?;
    let user = users::create(db, email, &hash, full_name.as_ref()).await.map_err(|err| match err {
        // Two registrations raced for the same email.
        mewayz_store::StoreError::Conflict => {
            ApiError::conflict("email_taken", "an account with this email already exists")
        }
        other => other.into(),
    })?;
    json(201, &session(user, 0)?)
}

async fn login(req: &ApiRequest) -> ApiResult {
    Config::auth_secret()?;
    let body: Credentials = req.json()?;
    let email = Email::parse("email", &body.email)?;
    let refused = || ApiError::unauthorized("incorrect email or password");
    if body.password.len() > 4 * Password::MAX_CHARS {
        return Err(refused());
    }
    let address = client_key(req)?;
    // Admitted before the attempts are counted: a login turned away busy
    // has cost the database nothing.
    with_password_slot(async || check_credentials(req, &email, &body.password, address).await).await
}

async fn check_credentials(req: &ApiRequest, email: &Email, password: &str, address: Option<String>) -> ApiResult {
    let refused = || ApiError::unauthorized("incorrect email or password");
    let db = req.db().await?;
    // Both keys are checked, and the attempt counted as pending, before any
    // Argon2 work; then settled. Only failures count against an address.
    if let Some(address) = &address {
        attempt(&db, address, &Policy::ADDRESS).await?;
    }
    let account = account_key(email.as_str());
    if let Err(locked) = attempt(&db, &account, &Policy::ACCOUNT).await {
        if let Some(address) = &address {
            // Refused unchecked: no failure of the address's.
            attempts::settle(&db, address, false).await?;
        }
        return Err(locked);
    }

    // Unknown emails cost the same Argon2 work as wrong passwords, so the
    // answer's timing does not tell which accounts exist.
    let found = match users::credentials(&db, email).await {
        Ok(found) => found,
        Err(err) => {
            // Not checked: settle as no failure, best effort, so a database
            // blip does not leave the attempts pending until the window ends.
            for key in address.iter().chain([&account]) {
                if let Err(settling) = attempts::settle(&db, key, false).await {
                    eprintln!(
                        "POST /api/auth/login: an attempt could not be settled after a failed lookup: {settling}"
                    );
                }
            }
            return Err(err.into());
        }
    };
    let right = match &found {
        Some(found) => verify_password(password, &found.password_hash) && found.user.is_active,
        None => {
            verify_against_nobody(password);
            false
        }
    };
    if let Some(address) = &address {
        attempts::settle(&db, address, !right).await?;
    }
    match found {
        Some(found) if right => {
            attempts::clear(&db, &account).await?;
            json(200, &session(found.user, found.session_version)?)
        }
        _ => {
            attempts::settle(&db, &account, true).await?;
            Err(refused())
        }
    }
}

/// Checks the current password (a failure counts against the account like
/// a failed login), sets the new one and ends every session; the answer
/// carries a fresh token for the caller.
async fn change_password(req: &ApiRequest) -> ApiResult {
    let (db, user, claims) = authenticate_session(req).await?;
    let body: PasswordChange = req.json()?;
    let new_password = Password::parse(body.new_password).map_err(|mut e| {
        e.field = "new_password";
        e
    })?;
    with_password_slot(async || {
        let account = account_key(&user.email);
        attempt(&db, &account, &Policy::ACCOUNT).await?;
        let email = Email::parse("email", &user.email)?;
        let current =
            users::credentials(&db, &email).await?.ok_or_else(|| ApiError::unauthorized("the account is gone"))?;
        if body.current_password.len() > 4 * Password::MAX_CHARS
            || !verify_password(&body.current_password, &current.password_hash)
        {
            attempts::settle(&db, &account, true).await?;
            return Err(ApiError::invalid("current_password", "is not the account's current password"));
        }
        attempts::clear(&db, &account).await?;
        let hash =
            hash_password(new_password.expose()).map_err(|e| ApiError::internal(format!("hashing a password: {e}")))?;
        // Only if nothing changed since this token and this hash were checked:
        // a change racing another (or a logout-all) must not win with a stale
        // session.
        let version = sessions::change_password(&db, &user.id, &hash, claims.ver, &current.password_hash)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the access token is invalid or expired"))?;
        json(200, &session(user, version)?)
    })
    .await
}
