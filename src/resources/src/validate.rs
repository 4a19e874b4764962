//! Validation every module shares: a request body checked field by field
//! against the module's spec and normalised. Plain data in, plain data or a
//! [`FieldError`] out: no HTTP and no storage here.

use mewayz_domain::{Chars, Email, Slug, TextRule};
use mewayz_time::{Timestamp, new_id};
use serde_json::{Map, Value, json};

use crate::spec::{Field, Kind, ModuleSpec};

/// An invalid field: 422, naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl ModuleSpec {
    /// Validates a POST body: every field checked, required ones present,
    /// defaults filled in. Unknown fields are refused.
    pub fn validate_new(&self, body: &Value) -> Result<Map<String, Value>, FieldError> {
        let input = object(body)?;
        let mut data = self.validate_fields(input)?;
        for field in self.fields {
            if !data.contains_key(field.name) {
                if field.required {
                    return Err(FieldError::new(field.name, "is required"));
                }
                if let Some(default) = field.default {
                    data.insert(field.name.into(), default());
                }
            }
        }
        Ok(data)
    }

    /// Validates a PATCH body and merges it into `current`. `null` clears an
    /// optional field (back to its default, if it has one).
    pub fn validate_patch(&self, current: &Map<String, Value>, body: &Value) -> Result<Map<String, Value>, FieldError> {
        let input = object(body)?;
        let changes = self.validate_fields(input)?;
        let mut data = current.clone();
        for (name, value) in input {
            if value.is_null() {
                let field = self.known(name)?;
                if field.required {
                    return Err(FieldError::new(name.clone(), "is required and cannot be null"));
                }
                match field.default {
                    Some(default) => data.insert(name.clone(), default()),
                    None => data.remove(name),
                };
            }
        }
        data.extend(changes);
        Ok(data)
    }

    fn validate_fields(&self, input: &Map<String, Value>) -> Result<Map<String, Value>, FieldError> {
        let mut data = Map::new();
        for (name, value) in input {
            let field = self.known(name)?;
            if value.is_null() {
                continue;
            }
            data.insert(name.clone(), check(field, value)?);
        }
        Ok(data)
    }

    /// The field `name` of the module; an unknown one is refused.
    fn known(&self, name: &str) -> Result<&Field, FieldError> {
        self.field(name).ok_or_else(|| FieldError::new(name, format!("unknown field for a {}", self.singular)))
    }
}

fn object(body: &Value) -> Result<&Map<String, Value>, FieldError> {
    body.as_object().ok_or_else(|| FieldError::new("body", "must be a JSON object"))
}

// Each limit once: `check` enforces it and `input_schema` states it.
const PHONE_MIN: usize = 3;
const PHONE_MAX: usize = 32;
const PHONE_SIGNS: &str = " +-().";
const MAX_TAGS: usize = 20;
const TAG: TextRule = TextRule { max: 32, chars: Chars::Line, blank: false };
const URL_MAX: usize = 2048;
const MAX_LINKS: usize = 50;
const LINK_TITLE: TextRule = TextRule { max: 100, chars: Chars::Line, blank: false };
const POSITION_MAX: i64 = 1000;
/// Record and link ids.
const ID_MAX: usize = 64;

/// A text field of a module: printable (line feeds allowed), may be empty.
const fn text_rule(max: usize) -> TextRule {
    TextRule { max, chars: Chars::Lines, blank: true }
}

/// JSON Schema's integers include 482.0: a number with no fraction is one,
/// whichever way it was written.
fn integer(value: &Value) -> Option<i64> {
    let whole = value.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64);
    value.as_i64().or(whole)
}

/// The JSON Schema of a field's value in a request: exactly what `check`
/// accepts, from the same constants and rules (rules no schema can state,
/// such as a phone number's digit or a date's calendar, are in the
/// pattern or the format as far as they go).
#[cfg(feature = "openapi")]
pub fn input_schema(kind: Kind) -> Result<Value, serde_json::Error> {
    use mewayz_domain::{CONTROL, WHITE_SPACE};
    // What `links` checks of an id, and `check` of a currency.
    const LINK_ID_PATTERN: &str = "^[A-Za-z0-9_-]+$";
    const CURRENCY_PATTERN: &str = "^[A-Z]{3}$";
    let text = |rule: TextRule| serde_json::to_value(rule.schema());
    let domain = serde_json::to_value::<mewayz_domain::schema::RefOr<mewayz_domain::schema::Schema>>;
    let url = json!({"type": "string", "maxLength": URL_MAX,
        "pattern": format!("^[Hh][Tt][Tt][Pp][Ss]?://[^/{WHITE_SPACE}{CONTROL}][^{WHITE_SPACE}{CONTROL}]*$")});
    Ok(match kind {
        Kind::Text { max } => text(text_rule(max))?,
        Kind::Email => domain(mewayz_domain::schema::email())?,
        Kind::Url => url,
        Kind::Phone => json!({"type": "string", "minLength": PHONE_MIN, "maxLength": PHONE_MAX,
            "pattern": "^[ +().-]*[0-9][0-9 +().-]*$"}),
        Kind::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::OneOf(values) => json!({"type": "string", "enum": values}),
        Kind::Currency => json!({"type": "string", "pattern": CURRENCY_PATTERN, "description": "ISO 4217"}),
        Kind::DateTime => json!({"type": "string", "format": "date-time"}),
        Kind::Tags => json!({"type": "array", "maxItems": MAX_TAGS, "items": text(TAG)?,
            "description": "kept lower-cased, each once"}),
        Kind::Slug => domain(mewayz_domain::schema::slug())?,
        Kind::Links => {
            let link = json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": ID_MAX, "pattern": LINK_ID_PATTERN},
                    "title": text(LINK_TITLE)?,
                    "url": url,
                    "position": {"type": "integer", "minimum": 0, "maximum": POSITION_MAX},
                },
                "required": ["title", "url"],
                "additionalProperties": false,
            });
            json!({"type": "array", "maxItems": MAX_LINKS, "items": link})
        }
        Kind::Ref(module) => json!({"type": "string", "minLength": 1, "maxLength": ID_MAX,
            "description": format!("the id of a record of {module}")}),
    })
}

/// Checks and normalises one value.
pub fn check(field: &Field, value: &Value) -> Result<Value, FieldError> {
    let name = field.name;
    let err = |message: &str| FieldError::new(name, message);
    let text = || value.as_str().ok_or_else(|| err("must be a string"));
    Ok(match field.kind {
        Kind::Text { max } => {
            let rule = text_rule(max);
            json!(rule.check(text()?).ok_or_else(|| err(&format!("must be {}", rule.describe())))?)
        }
        Kind::Email => json!(Email::parse(name, text()?).map_err(|e| err(&e.message))?.as_str()),
        Kind::Url => json!(url(name, text()?)?),
        Kind::Phone => {
            let phone = text()?;
            let ok = (PHONE_MIN..=PHONE_MAX).contains(&phone.len())
                && phone.chars().all(|c| c.is_ascii_digit() || PHONE_SIGNS.contains(c))
                && phone.chars().any(|c| c.is_ascii_digit());
            if !ok {
                return Err(err("must be a phone number: 3 to 32 of digits, spaces and + - ( ) ., a digit among them"));
            }
            // As sent: trimmed, " 1 " would be stored shorter than allowed.
            json!(phone)
        }
        Kind::Int { min, max } => {
            let n = integer(value).ok_or_else(|| err("must be an integer"))?;
            if !(min..=max).contains(&n) {
                return Err(err(&format!("must be from {min} to {max}")));
            }
            json!(n)
        }
        Kind::Bool => json!(value.as_bool().ok_or_else(|| err("must be true or false"))?),
        Kind::OneOf(values) => {
            let v = text()?;
            if !values.contains(&v) {
                return Err(err(&format!("must be one of {}", values.join(", "))));
            }
            json!(v)
        }
        Kind::Currency => {
            let code = text()?;
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(err("must be an ISO 4217 code such as EUR or USD"));
            }
            json!(code)
        }
        Kind::DateTime => json!(
            Timestamp::parse_rfc3339(text()?)
                .ok_or_else(|| err("must be an RFC 3339 date-time such as 2026-12-01T09:30:00Z"))?
                .to_string()
        ),
        Kind::Tags => {
            let list = value.as_array().ok_or_else(|| err("must be a list of strings"))?;
            // Bounded before any item is looked at, and counted as sent.
            if list.len() > MAX_TAGS {
                return Err(err("at most 20 tags"));
            }
            let mut tags: Vec<String> = Vec::with_capacity(list.len());
            for tag in list {
                let tag = tag.as_str().ok_or_else(|| err("must be a list of strings"))?;
                let tag = TAG.check(tag).ok_or_else(|| err(&format!("tags must be {}", TAG.describe())))?;
                let tag = tag.to_lowercase();
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            json!(tags)
        }
        Kind::Slug => json!(Slug::parse(name, text()?).map_err(|e| err(&e.message))?.as_str()),
        Kind::Links => links(name, value)?,
        Kind::Ref(_) => {
            let id = text()?;
            if !(1..=ID_MAX).contains(&id.chars().count()) {
                return Err(err("must be an id"));
            }
            json!(id)
        }
    })
}

/// An absolute http(s) URL without spaces or control characters.
fn url(name: &str, url: &str) -> Result<String, FieldError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if !host_ok || url.chars().count() > URL_MAX || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(name, "must be an http:// or https:// URL"));
    }
    Ok(url.to_string())
}

fn links(name: &str, value: &Value) -> Result<Value, FieldError> {
    let list = value.as_array().ok_or_else(|| FieldError::new(name, "must be a list of links"))?;
    if list.len() > MAX_LINKS {
        return Err(FieldError::new(name, "at most 50 links"));
    }
    let mut links = Vec::new();
    for (i, link) in list.iter().enumerate() {
        let field = |f: &str| format!("{name}[{i}].{f}");
        let link = link.as_object().ok_or_else(|| FieldError::new(format!("{name}[{i}]"), "must be an object"))?;
        for key in link.keys() {
            if !["id", "title", "url", "position"].contains(&key.as_str()) {
                return Err(FieldError::new(field(key), "unknown field for a link"));
            }
        }
        // A field of the wrong type is named, never read as absent.
        let text = |f: &str| match link.get(f) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            Some(_) => Err(FieldError::new(field(f), "must be text")),
        };
        let title = LINK_TITLE
            .check(text("title")?.unwrap_or_default())
            .ok_or_else(|| FieldError::new(field("title"), format!("must be {}", LINK_TITLE.describe())))?;
        let url = url(&field("url"), text("url")?.unwrap_or_default())?;
        let position = match link.get("position") {
            None => i as i64,
            Some(p) => integer(p)
                .filter(|p| (0..=POSITION_MAX).contains(p))
                .ok_or_else(|| FieldError::new(field("position"), "must be an integer from 0 to 1000"))?,
        };
        // Ids keep click counts attached to a link across edits.
        let id = match text("id")? {
            Some(id)
                if (1..=ID_MAX).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                id.to_string()
            }
            Some(_) => return Err(FieldError::new(field("id"), "must be a link id")),
            None => new_id(),
        };
        links.push(json!({"id": id, "title": title, "url": url, "position": position}));
    }
    links.sort_by_key(|l| l["position"].as_i64());
    Ok(Value::Array(links))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(_: &Map<String, Value>) -> String {
        "active".into()
    }

    static FIELDS: [Field; 5] = [
        Field::required("name", Kind::Text { max: 10 }),
        Field::optional("email", Kind::Email),
        Field::with_default("score", Kind::Int { min: 0, max: 100 }, || json!(0)),
        Field::optional("tags", Kind::Tags),
        Field::optional("site", Kind::Url),
    ];

    fn spec() -> ModuleSpec {
        ModuleSpec {
            name: "things",
            singular: "thing",
            fields: &FIELDS,
            status_of: status,
            search: &["name", "email"],
            unique: None,
            on_write: None,
            present: None,
        }
    }

    #[test]
    fn new_records_are_validated_normalised_and_defaulted() {
        let data =
            spec().validate_new(&json!({"name": " Ada ", "email": "ADA@X.IO", "tags": ["VIP", "vip", " a "]})).unwrap();
        assert_eq!(Value::Object(data), json!({"name": "Ada", "email": "ada@x.io", "score": 0, "tags": ["vip", "a"]}));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (json!({}), "name"),
            (json!({"name": "x", "nope": 1}), "nope"),
            (json!({"name": 5}), "name"),
            (json!({"name": "x", "score": 101}), "score"),
            (json!({"name": "x", "score": "5"}), "score"),
            (json!({"name": "x", "email": "bad"}), "email"),
            (json!({"name": "x", "site": "javascript:alert(1)"}), "site"),
            (json!({"name": "x", "site": "ftp://example.com"}), "site"),
            (json!({"name": "x", "tags": "vip"}), "tags"),
            (json!([1]), "body"),
        ];
        for (body, field) in cases {
            assert_eq!(spec().validate_new(&body).unwrap_err().field, field, "{body}");
        }
    }

    #[test]
    fn patches_merge_and_null_clears_optional_fields() {
        let current = spec().validate_new(&json!({"name": "Ada", "email": "a@x.io"})).unwrap();
        let patched = spec().validate_patch(&current, &json!({"score": 7, "email": null})).unwrap();
        assert_eq!(Value::Object(patched), json!({"name": "Ada", "score": 7}));
        assert_eq!(spec().validate_patch(&current, &json!({"name": null})).unwrap_err().field, "name");
    }

    #[test]
    fn tag_lists_are_bounded_before_their_items_are_looked_at() {
        let tags = Field::optional("tags", Kind::Tags);
        assert_eq!(check(&tags, &json!(vec!["A"; 20])).unwrap(), json!(["a"]));
        assert_eq!(check(&tags, &json!(vec!["a"; 21])).unwrap_err().message, "at most 20 tags", "counted as sent");
        let distinct: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(check(&tags, &json!(distinct)).unwrap_err().message, "at most 20 tags");
        let many: Vec<String> = (0..100_000).map(|i| format!("t{i}")).collect();
        assert_eq!(check(&tags, &json!(many)).unwrap_err().message, "at most 20 tags");
    }

    #[test]
    fn search_text_is_lower_cased() {
        let data = spec().validate_new(&json!({"name": "Ada", "email": "A@X.io"})).unwrap();
        assert_eq!(spec().search_text(&data), "ada a@x.io");
    }

    #[test]
    fn links_get_ids_and_are_ordered_by_position() {
        let field = Field::optional("links", Kind::Links);
        let links = check(
            &field,
            &json!([
                {"title": "Shop", "url": "https://shop.example", "position": 2},
                {"title": "Blog", "url": "http://blog.example", "position": 1},
            ]),
        )
        .unwrap();
        assert_eq!(links[0]["title"], "Blog");
        assert!(links[0]["id"].as_str().is_some_and(|id| !id.is_empty()));
        let bad = check(&field, &json!([{"title": "x", "url": "javascript:alert(1)"}])).unwrap_err();
        assert_eq!(bad.field, "links[0].url");
    }

    /// Found by schemathesis: 482.0 is an integer in JSON Schema.
    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let score = Field::optional("score", Kind::Int { min: 0, max: 1000 });
        assert_eq!(check(&score, &json!(482.0)).unwrap(), json!(482));
        assert_eq!(check(&score, &json!(482.5)).unwrap_err().message, "must be an integer");
        assert_eq!(check(&score, &json!(1e300)).unwrap_err().message, "must be an integer");
    }

    /// Found by schemathesis: an `id` of the wrong type was dropped and
    /// the link given a fresh one.
    #[test]
    fn a_link_field_of_the_wrong_type_is_named_never_dropped() {
        let field = Field::optional("links", Kind::Links);
        let url = "https://shop.example";
        for (link, at) in [
            (json!({"id": {}, "title": "Shop", "url": url}), "links[0].id"),
            (json!({"id": null, "title": "Shop", "url": url}), "links[0].id"),
            (json!({"id": 7, "title": "Shop", "url": url}), "links[0].id"),
            (json!({"title": ["Shop"], "url": url}), "links[0].title"),
            (json!({"title": "Shop", "url": {"href": url}}), "links[0].url"),
            (json!({"title": "Shop", "url": url, "position": "1"}), "links[0].position"),
            (json!({"title": "Shop", "url": url, "position": null}), "links[0].position"),
        ] {
            assert_eq!(check(&field, &json!([link])).unwrap_err().field, at, "{link}");
        }
    }
}
