//! What a module is: its fields and their kinds, how a record's status is
//! derived, what `q=` searches, and the hooks a module may add. Validation
//! against it is in `validate.rs`.

use mewayz_store::{Db, StoreError};
use serde_json::{Map, Value};

use crate::{store::Record, validate::FieldError};

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

/// A module's checks that need the database (a referenced record exists, a
/// slot has room). Run inside the write's transaction.
/// A hook answers with a boxed future (a `fn` type cannot name an `async
/// fn`'s): `fn hook<'a>(db: &'a Db, write: &'a WriteContext<'a>) ->
/// HookResult<'a> { Box::pin(async move { … }) }`.
pub type WriteHook = for<'a> fn(&'a Db, &'a WriteContext<'a>) -> HookResult<'a>;

/// A module's check of a write as a whole, and what it checks in words:
/// rules no JSON Schema can state (between fields, against other records),
/// which the OpenAPI document names beside the operation's 422.
#[derive(Clone, Copy)]
pub struct OnWrite {
    pub check: WriteHook,
    pub rules: &'static str,
}

/// What a [`WriteHook`] returns.
pub type HookResult<'a> = std::pin::Pin<Box<dyn Future<Output = Result<Derived, WriteError>> + 'a>>;

/// Why a write hook refused a write. Mapped to HTTP in one place, with the
/// rest of the core's errors (`handler.rs`).
#[derive(Debug)]
pub enum WriteError {
    /// A field's value does not fit the stored data (no such service): 422.
    Invalid(FieldError),
    /// The write conflicts with the stored data (a full slot): 409 with `code`.
    Conflict {
        code: &'static str,
        message: String,
    },
    Store(StoreError),
}

impl WriteError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        WriteError::Invalid(FieldError::new(field, message))
    }
}

impl From<StoreError> for WriteError {
    fn from(err: StoreError) -> Self {
        WriteError::Store(err)
    }
}

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
/// A span (`starts_at` to `ends_at`) lasts at most [`LONGEST_SPAN_MINUTES`].
#[derive(Debug, Default, Clone)]
pub struct Derived {
    pub ref_id: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// The longest a record's span may last: a day. The overlap query
/// ([`crate::store::count_overlapping`]) reads only the records that start
/// less than this before the span it checks; without that bound it read
/// every earlier record of the same reference — a service's whole history
/// of bookings on every new booking.
pub const LONGEST_SPAN_MINUTES: i64 = 24 * 60;

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
    pub on_write: Option<OnWrite>,
    /// Extra fields for the API view of a record (counters and the like).
    pub present: Option<Presenter>,
}

impl ModuleSpec {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
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
