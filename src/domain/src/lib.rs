//! Mewayz's domain types. Input is parsed into these once, at the edge; code
//! past the edge never re-checks a string.

mod account;
mod page;
mod role;
mod workspace;

pub use account::{Email, FullName, Password};
pub use page::Page;
pub use role::{MemberChange, Role, RoleError};
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

/// A display name: trimmed, 1 to `max` characters, no control characters.
fn display_name(field: &'static str, raw: &str, max: usize) -> Result<String, Invalid> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > max || name.chars().any(char::is_control) {
        return Err(Invalid::new(field, format!("must be 1 to {max} printable characters")));
    }
    Ok(name.to_string())
}
