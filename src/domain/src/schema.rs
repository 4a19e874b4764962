//! The domain types' rules as JSON Schema, for the OpenAPI document: each
//! built from the constants and patterns the type's `parse` checks, so the
//! document states no limit of its own. Request structs name them with
//! `#[schema(schema_with = mewayz_domain::schema::email)]`.

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaFormat, Type};
pub use utoipa::openapi::{RefOr, schema::Schema};

use crate::{Email, FullName, Password, Role, Slug, WorkspaceName, WorkspaceText};

fn described(mut object: Object, description: &str) -> RefOr<Schema> {
    object.description = Some(description.into());
    RefOr::T(Schema::Object(object))
}

/// `schema`, or `null` (an optional field that `null` leaves out).
pub fn or_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut object)) => {
            object.schema_type = utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null]);
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub fn email() -> RefOr<Schema> {
    let object = string().max_length(Some(Email::MAX_CHARS)).pattern(Some(Email::pattern())).build();
    described(object, "an email address (an international domain in its ASCII form); kept trimmed and lower-cased")
}

pub fn password() -> RefOr<Schema> {
    let object = string()
        .min_length(Some(Password::MIN_CHARS))
        .max_length(Some(Password::MAX_CHARS))
        .format(Some(SchemaFormat::Custom("password".into())))
        .build();
    described(object, "8 to 128 characters of any kind")
}

/// A password as typed at login: whatever its length, a wrong one is a 401.
pub fn login_password() -> RefOr<Schema> {
    let object = string().max_length(Some(Password::MAX_CHARS)).format(Some(SchemaFormat::Custom("password".into())));
    described(object.build(), "the account's password")
}

pub fn slug() -> RefOr<Schema> {
    let object =
        string().min_length(Some(Slug::MIN_LEN)).max_length(Some(Slug::MAX_LEN)).pattern(Some(Slug::PATTERN)).build();
    described(object, "URL-safe: a-z, 0-9 and single hyphens inside")
}

pub fn workspace_name() -> RefOr<Schema> {
    described(WorkspaceName::RULE.schema(), "printable, not only white space; kept trimmed")
}

/// Optional, and `null` is none.
pub fn full_name() -> RefOr<Schema> {
    or_null(described(FullName::RULE.schema(), "printable, not only white space; kept trimmed"))
}

/// [`WorkspaceText`] of at most `max` characters.
pub fn text(max: usize) -> RefOr<Schema> {
    described(WorkspaceText::rule(max).schema(), "kept trimmed")
}

pub fn role() -> RefOr<Schema> {
    <Role as utoipa::PartialSchema>::schema()
}
