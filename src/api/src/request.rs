//! A request as routes see it: method, path segments, query, and a JSON body
//! parsed once with precise errors.

use std::{cell::RefCell, rc::Rc};

use mewayz_domain::Page;
use mewayz_store::{Db, Migration, Usage};
use serde::de::DeserializeOwned;

use crate::{
    ApiError, Config,
    http::{Method, Request},
};

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct ApiRequest {
    inner: Request,
    config: Rc<Config>,
    /// The parts of the schema beyond the store's that this component owns.
    schema: &'static [&'static [Migration]],
    /// The request's database connection, once a route asked for it.
    db: RefCell<Option<Db>>,
}

impl ApiRequest {
    pub fn new(inner: Request, config: Rc<Config>, schema: &'static [&'static [Migration]]) -> Self {
        Self { inner, config, schema, db: RefCell::new(None) }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The request's connection to the database, opened on first use
    /// (lazily: only routes that need data call this), with the schema up
    /// to date. Unreachable or past `database_timeout_ms` → 503.
    pub async fn db(&self) -> Result<Db, ApiError> {
        if let Some(db) = self.db.borrow().clone() {
            return Ok(db);
        }
        let db = Db::open(&Config::database_url()?, Config::database_timeout()?, self.schema).await?;
        self.db.replace(Some(db.clone()));
        Ok(db)
    }

    /// What the request did with the database, if it opened it.
    pub fn db_usage(&self) -> Option<Usage> {
        self.db.borrow().as_ref().map(Db::usage)
    }

    pub fn method_name(&self) -> String {
        self.inner.method().to_string()
    }

    pub fn method_is(&self, name: &str) -> bool {
        self.inner.method().to_string().eq_ignore_ascii_case(name)
    }

    pub fn method(&self) -> &Method {
        self.inner.method()
    }

    pub fn path(&self) -> &str {
        self.inner.path()
    }

    /// The path's segments without the leading slash: `/api/auth/me` →
    /// `["api", "auth", "me"]`. A trailing slash adds no empty segment.
    pub fn segments(&self) -> Vec<&str> {
        let path = self.path().trim_start_matches('/');
        let path = path.strip_suffix('/').unwrap_or(path);
        if path.is_empty() { Vec::new() } else { path.split('/').collect() }
    }

    pub fn query(&self) -> &str {
        self.inner.query()
    }

    /// A query parameter, percent-decoded (`+` is a space); `None` if absent
    /// or empty.
    pub fn query_param(&self, name: &str) -> Option<String> {
        query_param(self.query(), name)
    }

    /// [`query_param`](Self::query_param) for text that reaches the
    /// database: a NUL character, which PostgreSQL cannot take, is a 422
    /// naming the parameter.
    pub fn text_param(&self, name: &str) -> Result<Option<String>, ApiError> {
        // TEXT_PARAM_PATTERN states this rule in the OpenAPI document.
        match self.query_param(name) {
            Some(value) if value.contains('\0') => {
                Err(ApiError::invalid(name, "must not contain NUL characters (%00)"))
            }
            value => Ok(value),
        }
    }

    /// The page a list route is asked for: `limit` and `offset`, within
    /// [`Page`]'s bounds (422 naming the parameter otherwise). Every list
    /// reads them here.
    pub fn page(&self) -> Result<Page, ApiError> {
        Ok(Page::from_query(self.query())?)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }

    /// The body as `T`: 415 unless it is JSON, 413 above 1 MiB, 400 if it is
    /// not well-formed JSON, 422 naming the field for unknown fields, missing
    /// fields or wrong types.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        parse_json(self.json_body()?)
    }

    /// The body as a JSON value of unknown shape, parsed within the limits
    /// of `bounded.rs` (lists, keys, depth), each checked as it is read.
    pub fn json_value(&self) -> Result<serde_json::Value, ApiError> {
        crate::bounded::parse_json_value(self.json_body()?)
    }

    /// A JSON body's bytes: 415 unless it is JSON, 413 above 1 MiB.
    fn json_body(&self) -> Result<&[u8], ApiError> {
        let is_json = self
            .header("content-type")
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::unsupported_media_type());
        }
        let body = self.inner.body();
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
        }
        Ok(body)
    }
}

/// A text query parameter (`q`, `status`, `tag`) as a regular expression:
/// anything but NUL, which PostgreSQL's text cannot hold.
pub const TEXT_PARAM_PATTERN: &str = "^[^\\u0000]*$";

/// JSON text → `T`, with the error split the API promises.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            let message = inner.to_string();
            let field = unknown_field(&message).unwrap_or(if path == "." { "body".into() } else { path });
            ApiError::invalid(field, strip_position(&message))
        } else {
            ApiError::bad_json(format!("the body is not valid JSON: {inner}"))
        }
    })?;
    Ok(value)
}

/// serde names an unknown field only in its message: "unknown field `x`, …".
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// `name`'s value in a URL query string, percent-decoded; `None` if absent
/// or empty. The one query-string parser of the feature components.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
        remember: Option<bool>,
    }

    fn err(body: &str) -> ApiError {
        parse_json::<Login>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn malformed_json_is_a_400() {
        for body in ["", "{", "{\"email\": }", "nope"] {
            let e = err(body);
            assert_eq!((e.status, e.code), (400, "invalid_json"), "{body:?}");
        }
    }

    #[test]
    fn unknown_fields_are_a_422_naming_the_field() {
        let e = err(r#"{"email":"a@b.co","password":"x","is_admin":true}"#);
        assert_eq!((e.status, e.field.as_deref()), (422, Some("is_admin")));
    }

    #[test]
    fn wrong_types_are_a_422_naming_the_field() {
        let e = err(r#"{"email":"a@b.co","password":42}"#);
        assert_eq!((e.status, e.field.as_deref()), (422, Some("password")));
        let e = err(r#"{"email":"a@b.co","password":"x","remember":"yes"}"#);
        assert_eq!(e.field.as_deref(), Some("remember"));
    }

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(query_param("q=ada+l%C3%BCth%2Fx", "q").as_deref(), Some("ada lüth/x"));
        assert_eq!(query_param("a=1&q=100%", "q").as_deref(), Some("100%"));
        assert_eq!(query_param("q=%zz", "q").as_deref(), Some("%zz"));
        assert_eq!(query_param("q=&x=1", "q"), None);
        assert_eq!(query_param("x=1", "q"), None);
    }

    #[test]
    fn missing_fields_are_a_422() {
        let e = err(r#"{"email":"a@b.co"}"#);
        assert_eq!(e.status, 422);
        assert!(e.message.contains("password"), "{}", e.message);
        let e = err("[]");
        assert_eq!(e.status, 422);
    }
}
