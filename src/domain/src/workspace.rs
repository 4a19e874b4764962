use crate::Invalid;

/// A workspace's name: 1 to 100 printable characters, not only white
/// space; kept trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub const RULE: crate::TextRule = crate::display_name_rule(100);

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        crate::display_name("name", raw, Self::RULE).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL-safe identifier: 3 to 64 of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 64;
    /// Runs of `a-z0-9` joined by single hyphens: what [`Slug::parse`] checks.
    pub const PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let ok = (Self::MIN_LEN..=Self::MAX_LEN).contains(&raw.len())
            && raw
                .split('-')
                .all(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !ok {
            return Err(Invalid::new(field, "must be 3 to 64 characters of a-z, 0-9 and single hyphens inside"));
        }
        Ok(Self(raw.to_string()))
    }

    /// A slug derived from a display name ("Ada's Café" → "ada-s-caf"); `None`
    /// when too little of the name is URL-safe.
    pub fn derive(name: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 64 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        Self::parse("slug", slug).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text such as a description: at most `max` characters as sent, kept
/// trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceText(String);

impl WorkspaceText {
    pub const fn rule(max: usize) -> crate::TextRule {
        crate::TextRule { max, chars: crate::Chars::Any, blank: true }
    }

    pub fn parse(field: &'static str, raw: &str, max: usize) -> Result<Self, Invalid> {
        let rule = Self::rule(max);
        let text = rule.check(raw).ok_or_else(|| Invalid::new(field, format!("must be {}", rule.describe())))?;
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("slug", "my-shop-2").is_ok());
        for bad in ["ab", "My-Shop", "my shop", "-shop", "shop-", "my--shop", "shop/1", "ünï"] {
            assert_eq!(Slug::parse("slug", bad).unwrap_err().field, "slug", "{bad:?}");
        }
    }

    #[test]
    fn slugs_derive_from_names() {
        assert_eq!(Slug::derive("Ada's  Café!").unwrap().as_str(), "ada-s-caf");
        assert_eq!(Slug::derive(&"x".repeat(200)).unwrap().as_str().len(), 64);
        assert!(Slug::derive("!!").is_none());
    }

    #[test]
    fn workspace_names_are_trimmed_and_bounded() {
        assert_eq!(WorkspaceName::parse(" Studio ").unwrap().as_str(), "Studio");
        assert!(WorkspaceName::parse("").is_err());
        assert!(WorkspaceName::parse(&"n".repeat(101)).is_err());
    }
}
