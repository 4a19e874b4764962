//! Mewayz's domain types. Input is parsed into these once, at the edge; code
//! past the edge never re-checks a string.

mod account;
mod page;
mod role;
#[cfg(feature = "openapi")]
pub mod schema;
mod text;
mod workspace;

pub use account::{Email, FullName, Password};
pub use page::Page;
pub use role::{MemberChange, Role, RoleError};
pub use text::{CONTROL, Chars, TextRule, WHITE_SPACE};
pub use workspace::{Slug, WorkspaceName, WorkspaceText};

/// Input that does not satisfy a domain rule. `field` names the JSON field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}

/// A display name: 1 to `max` characters as sent, no control characters,
/// not only white space; kept trimmed.
pub(crate) const fn display_name_rule(max: usize) -> TextRule {
    TextRule { max, chars: Chars::Line, blank: false }
}

fn display_name(field: &'static str, raw: &str, rule: TextRule) -> Result<String, Invalid> {
    rule.check(raw).map(String::from).ok_or_else(|| Invalid::new(field, format!("must be {}", rule.describe())))
}
