//! One field of a merge-patch body (RFC 7396): left out keeps the stored
//! value, `null` clears it, anything else replaces it. serde's `Option` folds
//! "left out" and `null` together, which let `{"name": null}` pass as "no
//! change" with a 200; this type keeps them apart so a route can refuse
//! `null` for a field every record must have.

use serde::{Deserialize, Deserializer};

use crate::ApiError;

/// Declare patch fields `#[serde(default)]`: a field left out is then
/// [`Patch::Keep`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called when the field is present, so `None` is an explicit null.
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Patch::Clear, Patch::Set))
    }
}

impl<T> Patch<T> {
    /// A field every record has: the new value, if any; `null` is a 422
    /// naming `field` (the name the body uses).
    pub fn required(self, field: &str) -> Result<Option<T>, ApiError> {
        match self {
            Patch::Keep => Ok(None),
            Patch::Set(value) => Ok(Some(value)),
            Patch::Clear => {
                Err(ApiError::invalid(field, "is required and cannot be null: leave it out to keep the current value"))
            }
        }
    }

    /// An optional field: the new value, if any, where `null` becomes `cleared`.
    pub fn or_cleared_to(self, cleared: T) -> Option<T> {
        match self {
            Patch::Keep => None,
            Patch::Clear => Some(cleared),
            Patch::Set(value) => Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::request::parse_json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default)]
        name: Patch<String>,
    }

    fn name(body: &str) -> Patch<String> {
        parse_json::<Body>(body.as_bytes()).unwrap().name
    }

    #[test]
    fn left_out_null_and_a_value_stay_apart() {
        assert_eq!(name("{}"), Patch::Keep);
        assert_eq!(name(r#"{"name": null}"#), Patch::Clear);
        assert_eq!(name(r#"{"name": "Ada"}"#), Patch::Set("Ada".into()));
    }

    #[test]
    fn null_for_a_required_field_is_a_422_naming_it() {
        let err = name(r#"{"name": null}"#).required("name").unwrap_err();
        assert_eq!((err.status, err.code, err.field.as_deref()), (422, "validation_failed", Some("name")));
        assert_eq!(name("{}").required("name").unwrap(), None);
        assert_eq!(name(r#"{"name": "Ada"}"#).required("name").unwrap().as_deref(), Some("Ada"));
    }

    #[test]
    fn null_for_an_optional_field_clears_it() {
        assert_eq!(name(r#"{"name": null}"#).or_cleared_to(String::new()).as_deref(), Some(""));
        assert_eq!(name("{}").or_cleared_to(String::new()), None);
    }

    #[test]
    fn a_wrong_type_is_still_a_422_naming_the_field() {
        let err = parse_json::<Body>(br#"{"name": 5}"#).unwrap_err();
        assert_eq!((err.status, err.field.as_deref()), (422, Some("name")));
    }
}
