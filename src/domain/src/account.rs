use crate::Invalid;

/// A trimmed, lower-cased email address of plausible shape: white space
/// around it, a local part of 1 to 64 characters that are not white space,
/// control characters or `@`, then `@` and a domain of two or more
/// dot-separated labels of ASCII letters, digits and hyphens (international
/// domains in their ASCII form); at most 254 characters as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// `İ`, the one character whose lower case is longer (`i̇`, two): refused, so
/// an address is no longer once stored than the limits it was checked by.
const DOTTED_CAPITAL_I: char = '\u{130}';

impl Email {
    pub const MAX_CHARS: usize = 254;
    const LOCAL_MAX_CHARS: usize = 64;

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new(field, "must be an email address like name@example.com");
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(invalid());
        }
        let (local, domain) = raw.trim().split_once('@').ok_or_else(invalid)?;
        let local_ok = (1..=Self::LOCAL_MAX_CHARS).contains(&local.chars().count())
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@' && c != DOTTED_CAPITAL_I);
        let label_ok = |label: &str| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if !(local_ok && domain_ok) {
            return Err(invalid());
        }
        Ok(Self(raw.trim().to_lowercase()))
    }

    /// The rule of [`Email::parse`] as a regular expression.
    pub fn pattern() -> String {
        use crate::text::{CONTROL, WHITE_SPACE};
        format!(
            "^[{WHITE_SPACE}]*[^{WHITE_SPACE}{CONTROL}@\\u0130]{{1,{}}}@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+[{WHITE_SPACE}]*$",
            Self::LOCAL_MAX_CHARS
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8 to 128 characters. Never logged, never stored.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: String) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(Invalid::new(
                "password",
                format!("must be {} to {} characters long", Self::MIN_CHARS, Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A person's display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub const RULE: crate::TextRule = crate::display_name_rule(100);

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        crate::display_name("full_name", raw, Self::RULE).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let email = Email::parse("email", "  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn an_address_is_no_longer_stored_than_checked() {
        let longer: Vec<char> = ('\0'..='\u{10FFFF}').filter(|c| c.to_lowercase().count() > 1).collect();
        assert_eq!(longer, [DOTTED_CAPITAL_I], "the one character whose lower case is longer");
        assert!(Email::parse("email", "\u{130}da@example.com").is_err());
        assert_eq!(Email::parse("email", "ÄDA@Example.com").unwrap().as_str(), "äda@example.com");
    }

    #[test]
    fn malformed_emails_are_refused_naming_the_field() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a b@example.com",
            "ada@exa mple.com",
            "ada@.example.com",
            "ada@example..com",
        ] {
            let err = Email::parse("email", raw).unwrap_err();
            assert_eq!(err.field, "email", "{raw:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse("email", &long).is_err());
    }

    #[test]
    fn passwords_must_be_8_to_128_characters() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(Password::parse("é".repeat(128)).is_ok(), "counted in characters, not bytes");
        assert!(Password::parse("x".repeat(129)).is_err());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let password = Password::parse("hunter22hunter22".into()).unwrap();
        assert!(!format!("{password:?}").contains("hunter"));
    }

    #[test]
    fn full_names_are_trimmed_and_bounded() {
        assert_eq!(FullName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(FullName::parse("   ").is_err());
        assert!(FullName::parse(&"x".repeat(101)).is_err());
        assert!(FullName::parse("a\u{0}b").is_err());
    }
}
