//! `/api/auth`: register, log in, and who am I.

use mewayz_api::{ApiError, ApiRequest, ApiResult, Config, authenticate, json, now_seconds, open_db};
use mewayz_auth::{TOKEN_TTL_SECONDS, hash_password, issue_token, verify_against_nobody, verify_password};
use mewayz_domain::{Email, FullName, Password};
use mewayz_store::users::{self, User};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(req: Request) -> Response {
    mewayz_api::serve(req, routes)
}

fn routes(req: &ApiRequest) -> ApiResult {
    match req.segments().as_slice() {
        ["api", "auth", "register"] if req.method_is("POST") => register(req),
        ["api", "auth", "login"] if req.method_is("POST") => login(req),
        ["api", "auth", "me"] if req.method_is("GET") => me(req),
        ["api", "auth", "register" | "login"] => Err(ApiError::method_not_allowed("POST")),
        ["api", "auth", "me"] => Err(ApiError::method_not_allowed("GET")),
        _ => Err(ApiError::not_found("no such route")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    email: String,
    password: String,
    full_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct Session {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    user: User,
}

fn session(user: User) -> Result<Session, ApiError> {
    let secret = Config::auth_secret()?;
    Ok(Session {
        access_token: issue_token(&secret, &user.id, now_seconds()),
        token_type: "bearer",
        expires_in: TOKEN_TTL_SECONDS,
        user,
    })
}

fn register(req: &ApiRequest) -> ApiResult {
    Config::auth_secret()?;
    let body: RegisterBody = req.json()?;
    let email = Email::parse("email", &body.email)?;
    let password = Password::parse(body.password)?;
    let full_name = body.full_name.as_deref().map(FullName::parse).transpose()?;

    let db = open_db()?;
    if users::find_by_email(&db, &email)?.is_some() {
        return Err(ApiError::conflict("email_taken", "an account with this email already exists"));
    }
    let hash = hash_password(password.expose()).map_err(|e| ApiError::internal(format!("hashing a password: {e}")))?;
    let user = users::create(&db, &email, &hash, full_name.as_ref()).map_err(|err| match err {
        // Two registrations raced for the same email.
        mewayz_store::StoreError::Conflict => {
            ApiError::conflict("email_taken", "an account with this email already exists")
        }
        other => other.into(),
    })?;
    json(201, &session(user)?)
}

fn login(req: &ApiRequest) -> ApiResult {
    Config::auth_secret()?;
    let body: LoginBody = req.json()?;
    let email = Email::parse("email", &body.email)?;
    let refused = || ApiError::unauthorized("incorrect email or password");
    if body.password.len() > 4 * Password::MAX_CHARS {
        return Err(refused());
    }

    let db = open_db()?;
    // Unknown emails cost the same Argon2 work as wrong passwords, so the
    // answer's timing does not tell which accounts exist.
    match users::credentials(&db, &email)? {
        Some(found) if verify_password(&body.password, &found.password_hash) && found.user.is_active => {
            json(200, &session(found.user)?)
        }
        Some(_) => Err(refused()),
        None => {
            verify_against_nobody(&body.password);
            Err(refused())
        }
    }
}

fn me(req: &ApiRequest) -> ApiResult {
    #[derive(Serialize)]
    struct Me {
        user: User,
    }
    let (_db, user) = authenticate(req, open_db)?;
    json(200, &Me { user })
}
