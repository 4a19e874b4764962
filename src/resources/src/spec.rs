//! What a module is, and the validation every module shares.

use mewayz_domain::{Email, Slug};
use serde_json::{Map, Value, json};

use crate::store::Record;

/// The kind of a field: how input is checked and normalised.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Trimmed text of at most `max` characters.
    Text {
        max: usize,
    },
    Email,
    /// An absolute http or https URL.
    Url,
    /// Digits, spaces and `+-().`, 3 to 32 characters.
    Phone,
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    /// One of the listed values.
    OneOf(&'static [&'static str]),
    /// An ISO 4217 code: three upper-case letters.
    Currency,
    /// An RFC 3339 date-time, stored as given (normalised to UTC `Z`).
    DateTime,
    /// A list of up to 20 short tags, lower-cased and de-duplicated.
    Tags,
    /// A URL-safe slug.
    Slug,
    /// An ordered list of `{title, url, position}` links with ids.
    Links,
    /// The id of a record of another module in the same workspace.
    Ref(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// The value a new record gets when the field is left out.
    pub default: Option<fn() -> Value>,
}

impl Field {
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        Field { name, kind, required: true, default: None }
    }

    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        Field { name, kind, required: false, default: None }
    }

    pub const fn with_default(name: &'static str, kind: Kind, default: fn() -> Value) -> Self {
        Field { name, kind, required: false, default: Some(default) }
    }
}

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

/// A module's checks that need the database (a referenced record exists, a
/// slot has room). Run inside the write's transaction.
pub type WriteHook = fn(&mewayz_store::Db, &WriteContext<'_>) -> Result<Derived, mewayz_api::ApiError>;

/// Adds module-specific fields (counters and the like) to a record's API view.
pub type Presenter = fn(&Record, &mut Map<String, Value>);

/// What a write hook sees.
pub struct WriteContext<'a> {
    pub workspace_id: &'a str,
    /// The record being replaced, for PATCH.
    pub record_id: Option<&'a str>,
    /// The complete, validated data the record will have.
    pub data: &'a Map<String, Value>,
}

/// Columns a hook derives for queries the JSON cannot answer portably.
#[derive(Debug, Default, Clone)]
pub struct Derived {
    pub ref_id: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

pub struct ModuleSpec {
    /// URL segment and storage key, e.g. `contacts`.
    pub name: &'static str,
    /// For messages: `contact`.
    pub singular: &'static str,
    pub fields: &'static [Field],
    /// The record's status, for `?status=` and `stats.by_status`.
    pub status_of: fn(&Map<String, Value>) -> String,
    /// Fields `q=` searches (case-insensitive substring).
    pub search: &'static [&'static str],
    /// A field whose value is unique across all workspaces (a public slug).
    pub unique: Option<&'static str>,
    pub on_write: Option<WriteHook>,
    /// Extra fields for the API view of a record (counters and the like).
    pub present: Option<Presenter>,
}

impl ModuleSpec {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

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
                let field = self.field(name).expect("validated");
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
            let field = self
                .field(name)
                .ok_or_else(|| FieldError::new(name.clone(), format!("unknown field for a {}", self.singular)))?;
            if value.is_null() {
                continue;
            }
            data.insert(name.clone(), check(field, value)?);
        }
        Ok(data)
    }

    /// The lower-cased text `q=` matches against.
    pub fn search_text(&self, data: &Map<String, Value>) -> String {
        self.search
            .iter()
            .filter_map(|f| data.get(*f).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }

    pub fn unique_key(&self, data: &Map<String, Value>) -> Option<String> {
        self.unique.and_then(|f| data.get(f)).and_then(Value::as_str).map(String::from)
    }
}

/// `status_of` for modules with an `is_active` flag.
pub fn active_or_inactive(data: &Map<String, Value>) -> String {
    if value(data, "is_active").as_bool() == Some(false) { "inactive" } else { "active" }.to_string()
}

/// A field of validated data, `null` when absent. (Indexing a `Map` with a
/// missing key panics.)
pub fn value<'a>(data: &'a Map<String, Value>, name: &str) -> &'a Value {
    data.get(name).unwrap_or(&Value::Null)
}

fn object(body: &Value) -> Result<&Map<String, Value>, FieldError> {
    body.as_object().ok_or_else(|| FieldError::new("body", "must be a JSON object"))
}

/// Checks and normalises one value.
pub fn check(field: &Field, value: &Value) -> Result<Value, FieldError> {
    let name = field.name;
    let err = |message: &str| FieldError::new(name, message);
    let text = || value.as_str().ok_or_else(|| err("must be a string"));
    Ok(match field.kind {
        Kind::Text { max } => {
            let text = text()?.trim();
            if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
                return Err(err(&format!("must be at most {max} printable characters")));
            }
            json!(text)
        }
        Kind::Email => json!(Email::parse(name, text()?).map_err(|e| err(&e.message))?.as_str()),
        Kind::Url => json!(url(name, text()?)?),
        Kind::Phone => {
            let phone = text()?.trim();
            let ok = (3..=32).contains(&phone.len())
                && phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
                && phone.chars().any(|c| c.is_ascii_digit());
            if !ok {
                return Err(err("must be a phone number: digits, spaces and + - ( ) ."));
            }
            json!(phone)
        }
        Kind::Int { min, max } => {
            let n = value.as_i64().ok_or_else(|| err("must be an integer"))?;
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
            rfc3339_utc(text()?).ok_or_else(|| err("must be an RFC 3339 date-time such as 2026-12-01T09:30:00Z"))?.1
        ),
        Kind::Tags => {
            let list = value.as_array().ok_or_else(|| err("must be a list of strings"))?;
            let mut tags: Vec<String> = Vec::new();
            for tag in list {
                let tag = tag.as_str().ok_or_else(|| err("must be a list of strings"))?.trim().to_lowercase();
                if tag.is_empty() || tag.chars().count() > 32 || tag.chars().any(char::is_control) {
                    return Err(err("tags must be 1 to 32 printable characters"));
                }
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            if tags.len() > 20 {
                return Err(err("at most 20 tags"));
            }
            json!(tags)
        }
        Kind::Slug => json!(Slug::parse(name, text()?).map_err(|e| err(&e.message))?.as_str()),
        Kind::Links => links(name, value)?,
        Kind::Ref(_) => {
            let id = text()?;
            if id.is_empty() || id.len() > 64 {
                return Err(err("must be an id"));
            }
            json!(id)
        }
    })
}

/// An absolute http(s) URL without spaces or control characters.
fn url(name: &str, raw: &str) -> Result<String, FieldError> {
    let url = raw.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if !host_ok || url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(name, "must be an http:// or https:// URL"));
    }
    Ok(url.to_string())
}

fn links(name: &str, value: &Value) -> Result<Value, FieldError> {
    let list = value.as_array().ok_or_else(|| FieldError::new(name, "must be a list of links"))?;
    if list.len() > 50 {
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
        let title = link.get("title").and_then(Value::as_str).map(str::trim).unwrap_or_default();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(FieldError::new(field("title"), "must be 1 to 100 characters"));
        }
        let url = url(&field("url"), link.get("url").and_then(Value::as_str).unwrap_or_default())?;
        let position = match link.get("position") {
            None => i as i64,
            Some(p) => p
                .as_i64()
                .filter(|p| (0..=1000).contains(p))
                .ok_or_else(|| FieldError::new(field("position"), "must be an integer from 0 to 1000"))?,
        };
        // Ids keep click counts attached to a link across edits.
        let id = match link.get("id").and_then(Value::as_str) {
            Some(id)
                if !id.is_empty()
                    && id.len() <= 64
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                id.to_string()
            }
            Some(_) => return Err(FieldError::new(field("id"), "must be a link id")),
            None => mewayz_store::new_id(),
        };
        links.push(json!({"id": id, "title": title, "url": url, "position": position}));
    }
    links.sort_by_key(|l| l["position"].as_i64());
    Ok(Value::Array(links))
}

/// Parses an RFC 3339 date-time into Unix seconds and its UTC form
/// (`YYYY-MM-DDTHH:MM:SSZ`). Only what the API accepts: `T` separator,
/// seconds, optional fraction, `Z` or `±HH:MM`.
pub fn rfc3339_utc(raw: &str) -> Option<(i64, String)> {
    let b = raw.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = raw.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &raw[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let (h, m) = (num_of(&rest[1..3])?, num_of(&rest[4..6])?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    Some((seconds, format_utc(seconds)))
}

fn num_of(s: &str) -> Option<i64> {
    s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86400);
    let secs = seconds.rem_euclid(86400);
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
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

    #[test]
    fn rfc3339_is_parsed_to_utc() {
        assert_eq!(rfc3339_utc("2026-12-01T09:30:00Z"), Some((1_796_117_400, "2026-12-01T09:30:00Z".into())));
        assert_eq!(rfc3339_utc("2026-12-01T10:30:00.5+01:00").unwrap().1, "2026-12-01T09:30:00Z");
        assert_eq!(rfc3339_utc("2024-02-29T00:00:00Z").unwrap().1, "2024-02-29T00:00:00Z");
        for bad in [
            "2026-12-01",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T09:30:00",
            "2026-12-01 09:30:00Z",
        ] {
            assert_eq!(rfc3339_utc(bad), None, "{bad}");
        }
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
    }
}
