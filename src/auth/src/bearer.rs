//! The token of an `Authorization: Bearer <token>` header, for every route
//! that takes one (auth schemes are case-insensitive, RFC 9110 §11.1).

/// The token, or `None` when the header is absent, of another scheme, or
/// carries an empty token.
pub fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_token_of_a_bearer_header_in_any_case() {
        assert_eq!(bearer_token(Some("Bearer abc.def")), Some("abc.def"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some("BEARER abc")), Some("abc"));
    }

    #[test]
    fn refuses_other_schemes_and_empty_tokens() {
        for header in [None, Some(""), Some("Bearer"), Some("Bearer "), Some("Basic abc"), Some("Bearerabc")] {
            assert_eq!(bearer_token(header), None, "{header:?}");
        }
    }
}
