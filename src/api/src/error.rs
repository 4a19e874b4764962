//! The one error type of the HTTP layer and its mapping to responses:
//! `{"error":{"code":"…","message":"…"}}` (plus `field` for invalid input).

use crate::http::Response;
use mewayz_domain::{Invalid, RoleError};
use mewayz_store::{StoreError, invitations::InvitationError, members::MemberError, workspaces::WorkspaceError};

use crate::ApiRequest;

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECONDS: u32 = 5;

#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// The route's methods, for `Allow` (405 answers).
    pub allow: Option<Box<str>>,
    /// Seconds, for `Retry-After`.
    pub retry_after: Option<u32>,
    /// For the server log only: what went wrong on our side. Never sent.
    pub detail: Option<String>,
}

/// The body of every error answer.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable and machine-readable, e.g. `validation_failed`.
    pub code: &'static str,
    /// For people.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, allow: None, retry_after: None, detail: None }
    }

    pub fn bad_json(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_json", message)
    }

    /// The request's body stopped before its end (the client went away).
    pub fn unreadable_body() -> Self {
        Self::new(400, "unreadable_body", "the request body could not be read to its end")
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let mut err = Self::new(422, "validation_failed", format!("{field}: {}", message.into()));
        err.field = Some(field);
        err
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    /// A route answering a method it does not serve: `methods` are the ones
    /// it does (`"GET, POST"`). HEAD is served wherever GET is (`serve`), so
    /// `Allow` names it too. `serve` answers OPTIONS from this list.
    pub fn method_not_allowed(methods: &'static str) -> Self {
        let allow = methods.split(", ").flat_map(|m| if m == "GET" { vec!["GET", "HEAD"] } else { vec![m] });
        Self::allowing(allow.collect::<Vec<_>>().join(", "))
    }

    /// 405 for a route that serves exactly `allow` (`"GET, HEAD, POST"`).
    pub(crate) fn allowing(allow: String) -> Self {
        let mut err = Self::new(405, "method_not_allowed", format!("this route accepts {allow}"));
        err.allow = Some(allow.into());
        err
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(413, "payload_too_large", format!("request bodies are limited to {limit} bytes"))
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(415, "unsupported_media_type", "send the body as Content-Type: application/json")
    }

    /// Too many failed password attempts for this account or from this
    /// address: refused before any password work, until `retry_after`.
    pub fn too_many_attempts(retry_after: i64) -> Self {
        Self::throttled("too many failed attempts", retry_after)
    }

    /// Too many registrations from this address: refused before any work.
    pub fn too_many_registrations(retry_after: i64) -> Self {
        Self::throttled("too many registrations from this address", retry_after)
    }

    fn throttled(why: &str, retry_after: i64) -> Self {
        let retry_after = retry_after.clamp(1, i64::from(u32::MAX)) as u32;
        let mut err = Self::new(429, "too_many_attempts", format!("{why}; try again in {retry_after} seconds"));
        err.retry_after = Some(retry_after);
        err
    }

    /// The server is not configured for this: an operator has to act.
    pub fn configuration(message: impl Into<String>) -> Self {
        Self::new(500, "configuration_error", message)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        let mut err = Self::new(500, "internal_error", "something went wrong on our side");
        err.detail = Some(detail.into());
        err
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut err = Self::new(503, "database_unavailable", "the database is not reachable right now; retry shortly");
        err.retry_after = Some(RETRY_AFTER_SECONDS);
        err.detail = Some(detail.into());
        err
    }

    /// Every slot for password work in this pod is taken
    /// (`password_hash_slots`): refused before any of it, so that a burst
    /// of logins cannot starve the pod's probes; the client retries.
    pub fn busy() -> Self {
        let mut err = Self::new(503, "busy", "the server is busy with other sign-ins; retry in a second");
        err.retry_after = Some(1);
        err
    }

    /// Server-side failures go to the component's log (Spin collects stderr),
    /// with the request that met them.
    /// Load shed on purpose (`busy`) is not a failure, and logging each
    /// refusal would add work at the moment the pod has none to spare.
    pub fn log(&self, req: &ApiRequest) {
        if self.status >= 500 && self.code != "busy" {
            eprintln!(
                "{} {} -> {} {}: {}",
                req.method_name(),
                req.path(),
                self.status,
                self.code,
                self.detail.as_deref().unwrap_or(&self.message)
            );
        }
    }

    pub fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code, message: self.message, field: self.field } };
        let mut builder = Response::builder();
        builder.status(self.status).header("content-type", "application/json").header("cache-control", "no-store");
        if let Some(allow) = &self.allow {
            builder.header("allow", &**allow);
        }
        if let Some(seconds) = self.retry_after {
            builder.header("retry-after", seconds.to_string());
        }
        if self.status == 401 {
            builder.header("www-authenticate", "Bearer");
        }
        // Two strings and an optional one always encode; were that ever not
        // so, the answer still says what the status says.
        let body = serde_json::to_vec(&body).unwrap_or_else(|err| {
            eprintln!("an error answer ({} {}) could not be encoded: {err}", self.status, self.code);
            br#"{"error":{"code":"internal_error","message":"something went wrong on our side"}}"#.to_vec()
        });
        builder.body(body).build()
    }
}

impl From<Invalid> for ApiError {
    fn from(err: Invalid) -> Self {
        ApiError::invalid(err.field, err.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(why) => ApiError::unavailable(why),
            StoreError::Conflict => ApiError::conflict("conflict", "this conflicts with an existing record"),
            StoreError::Query(why) => ApiError::internal(why),
            StoreError::Corrupt(why) => ApiError::internal(format!("stored data is corrupt: {why}")),
            StoreError::Unstorable(_) => {
                ApiError::invalid("body", "text must not contain NUL characters (\\u0000): they cannot be stored")
            }
        }
    }
}

impl From<MemberError> for ApiError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Store(err) => err.into(),
            MemberError::LastOwner => ApiError::conflict(
                "last_owner",
                "a workspace must keep at least one owner: make someone else owner first",
            ),
            MemberError::Forbidden(err) => err.into(),
            MemberError::NoSuchMember => ApiError::not_found("no such member"),
            // The caller left or was removed while asking: to them the
            // workspace is gone, as for any outsider.
            MemberError::NotAMember => ApiError::not_found("no such workspace"),
        }
    }
}

impl From<InvitationError> for ApiError {
    fn from(err: InvitationError) -> Self {
        match err {
            InvitationError::Store(err) => err.into(),
            InvitationError::NotAMember => ApiError::not_found("no such workspace"),
            InvitationError::Forbidden(err) => err.into(),
            InvitationError::AlreadyMember => {
                ApiError::conflict("already_member", "a member of this workspace already uses this email")
            }
            InvitationError::AlreadyInvited => ApiError::conflict(
                "already_invited",
                "this email has a pending invitation to this workspace: cancel it to send another",
            ),
            InvitationError::NoSuchInvitation => ApiError::not_found("no such invitation"),
            InvitationError::Expired => {
                ApiError::new(410, "invitation_expired", "this invitation has expired: ask for a new one")
            }
            InvitationError::Withdrawn => ApiError::new(
                410,
                "invitation_withdrawn",
                "whoever sent this invitation may no longer grant its role: ask for a new one",
            ),
        }
    }
}

impl From<WorkspaceError> for ApiError {
    fn from(err: WorkspaceError) -> Self {
        match err {
            WorkspaceError::Store(err) => err.into(),
            WorkspaceError::NotAMember => ApiError::not_found("no such workspace"),
            WorkspaceError::Forbidden => RoleError::Forbidden.into(),
        }
    }
}

impl From<RoleError> for ApiError {
    fn from(RoleError::Forbidden: RoleError) -> Self {
        ApiError::forbidden("your role in this workspace does not allow this")
    }
}
