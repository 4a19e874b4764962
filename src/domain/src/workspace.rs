use crate::Invalid;

/// A workspace's name: trimmed, 1 to 100 printable characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        crate::display_name("name", raw, 100).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL-safe identifier: 3 to 64 of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let ok = (3..=64).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
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

/// Free text such as a description: at most `max` characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceText(String);

impl WorkspaceText {
    pub fn parse(field: &'static str, raw: &str, max: usize) -> Result<Self, Invalid> {
        let text = raw.trim();
        if text.chars().count() > max {
            return Err(Invalid::new(field, format!("must be at most {max} characters")));
        }
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
