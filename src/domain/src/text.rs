//! The character rules of text input, each written once: the check the
//! server runs and (behind `openapi`) the JSON Schema pattern that states
//! it in the OpenAPI document, side by side, so the two cannot drift.

/// A Unicode control character (general category Cc: U+0000–U+001F and
/// U+007F–U+009F, exactly what `char::is_control` is), as a regex class body.
pub const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Unicode's White_Space property (what `char::is_whitespace` and `trim`
/// go by), as a regex class body: regex engines' `\s` differ from it.
pub const WHITE_SPACE: &str = r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// The same, less the line feed.
const CONTROL_BUT_LINE_FEED: &str = r"\u0000-\u0009\u000B-\u001F\u007F-\u009F";

/// Which characters a text field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chars {
    /// Any but control characters: names, titles.
    Line,
    /// Any but control characters other than the line feed: notes.
    Lines,
    /// Anything but NUL, which PostgreSQL's text cannot hold (a description,
    /// which is only ever shown as text).
    Any,
}

impl Chars {
    pub fn allows(self, c: char) -> bool {
        match self {
            Chars::Line => !c.is_control(),
            Chars::Lines => !c.is_control() || c == '\n',
            Chars::Any => c != '\0',
        }
    }

    fn refused(self) -> Option<&'static str> {
        match self {
            Chars::Line => Some(CONTROL),
            Chars::Lines => Some(CONTROL_BUT_LINE_FEED),
            Chars::Any => Some(r"\u0000"),
        }
    }
}

/// A text field: at most `max` characters as sent, of `chars`; `blank`
/// says whether it may be empty or white space only. The server keeps it
/// trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub max: usize,
    pub chars: Chars,
    pub blank: bool,
}

impl TextRule {
    /// The trimmed text, or `None` if `raw` breaks the rule.
    pub fn check(self, raw: &str) -> Option<&str> {
        let fits = raw.chars().count() <= self.max && raw.chars().all(|c| self.chars.allows(c));
        let text = raw.trim();
        (fits && (self.blank || !text.is_empty())).then_some(text)
    }

    /// The rule's regular expression (ECMA-262, as JSON Schema's `pattern`
    /// takes it), if it has one beyond its length.
    pub fn pattern(self) -> Option<String> {
        match (self.chars.refused(), self.blank) {
            (None, true) => None,
            (None, false) => Some(format!("[^{WHITE_SPACE}]")),
            (Some(refused), true) => Some(format!("^[^{refused}]*$")),
            (Some(refused), false) => Some(format!("^[^{refused}]*[^{WHITE_SPACE}{refused}][^{refused}]*$")),
        }
    }

    /// What a message says the rule is: "1 to 100 printable characters".
    pub fn describe(self) -> String {
        let what = match self.chars {
            Chars::Line | Chars::Lines => "printable characters",
            Chars::Any => "characters but NUL",
        };
        match self.blank {
            true => format!("at most {} {what}", self.max),
            false => format!("1 to {} {what}, not only white space", self.max),
        }
    }

    /// The rule as a JSON Schema string.
    #[cfg(feature = "openapi")]
    pub fn schema(self) -> utoipa::openapi::schema::Object {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length((!self.blank).then_some(1))
            .max_length(Some(self.max))
            .pattern(self.pattern())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: TextRule = TextRule { max: 5, chars: Chars::Line, blank: false };
    const NOTE: TextRule = TextRule { max: 5, chars: Chars::Lines, blank: true };

    #[test]
    fn text_is_trimmed_and_measured_as_sent() {
        assert_eq!(NAME.check(" Ada "), Some("Ada"));
        assert_eq!(NAME.check("  Ada "), None, "six characters as sent");
        assert_eq!(NAME.check("  "), None);
        assert_eq!(NOTE.check("  "), Some(""));
        assert_eq!(NAME.check("a\nb"), None);
        assert_eq!(NOTE.check("a\nb"), Some("a\nb"));
        assert_eq!(NOTE.check("a\u{85}b"), None, "C1 controls too");
        let any = TextRule { max: 5, chars: Chars::Any, blank: true };
        assert_eq!(any.check("a\u{7}b"), Some("a\u{7}b"));
        assert_eq!(any.check("a\0b"), None, "PostgreSQL's text holds no NUL");
        assert_eq!(any.pattern().unwrap(), r"^[^\u0000]*$");
    }

    #[test]
    fn patterns_name_exactly_the_refused_characters() {
        assert_eq!(NOTE.pattern().unwrap(), r"^[^\u0000-\u0009\u000B-\u001F\u007F-\u009F]*$");
        assert!(NAME.pattern().unwrap().starts_with(r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0009-\u000D\u0020"));
        let controls = ('\0'..='\u{10FFFF}').filter(|c| c.is_control()).count();
        assert_eq!(controls, 0x20 + 0x21, "Cc is U+0000–U+001F and U+007F–U+009F");
        assert!(('\u{7F}'..='\u{9F}').chain('\0'..='\u{1F}').all(char::is_control));
        let white: Vec<char> = ('\0'..='\u{10FFFF}').filter(|c| c.is_whitespace()).collect();
        let listed = |c: &char| matches!(*c as u32, 0x09..=0x0D | 0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000);
        assert!(white.iter().all(listed) && white.len() == 25, "WHITE_SPACE is char::is_whitespace: {white:?}");
    }
}
