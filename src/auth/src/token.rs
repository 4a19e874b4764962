use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

/// Access tokens live 24 hours, as in the original API.
pub const TOKEN_TTL_SECONDS: u64 = 24 * 60 * 60;

/// The HS256 signing secret. At least 32 bytes: a shorter secret is a
/// configuration error, not something to sign with.
pub struct AuthSecret {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl AuthSecret {
    pub const MIN_LEN: usize = 32;

    pub fn new(secret: &str) -> Option<Self> {
        if secret.len() < Self::MIN_LEN {
            return None;
        }
        Some(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()).ok()?,
            decoding: DecodingKey::from_secret(secret.as_bytes()).ok()?,
        })
    }
}

impl std::fmt::Debug for AuthSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthSecret(<redacted>)")
    }
}

/// What a token says: who (`sub`, a user id), issued when, valid until when,
/// which token it is (`jti`, so that one token can be revoked) and the
/// account's session version when it was issued (`ver`: raising it ends
/// every session of the account at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
    pub ver: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Malformed, badly signed, of another algorithm, or expired.
    Invalid,
}

/// A token could not be signed: jsonwebtoken's reason, for the server log
/// (it never holds the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningError(pub String);

/// Signs a new token for `user_id` at session version `ver`, issued at `now`
/// (Unix seconds), with a fresh random id. HS256 over plain claims does not
/// fail in practice; if it ever does, the caller answers 500.
pub fn issue_token(secret: &AuthSecret, user_id: &str, ver: i64, now: u64) -> Result<String, SigningError> {
    let claims =
        Claims { sub: user_id.to_string(), iat: now, exp: now + TOKEN_TTL_SECONDS, jti: mewayz_time::new_id(), ver };
    crate::hs256::install();
    encode(&Header::new(Algorithm::HS256), &claims, &secret.encoding).map_err(|e| SigningError(e.to_string()))
}

/// Checks a token's signature (HS256 only: "none" and every other algorithm
/// are refused) and its expiry against `now`.
pub fn verify_token(secret: &AuthSecret, token: &str, now: u64) -> Result<Claims, TokenError> {
    crate::hs256::install();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "jti"]);
    // Expiry is checked below against the caller's clock, without leeway.
    validation.validate_exp = false;
    let claims = decode::<Claims>(token, &secret.decoding, &validation).map_err(|_| TokenError::Invalid)?.claims;
    if claims.exp <= now || claims.iat > now + 60 {
        return Err(TokenError::Invalid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn secret() -> AuthSecret {
        AuthSecret::new("a test secret that is long enough!!").unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        // URL-safe base64 without padding, for forging tokens by hand.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(AuthSecret::new("").is_none());
        assert!(AuthSecret::new(&"s".repeat(31)).is_none());
        assert!(AuthSecret::new(&"s".repeat(32)).is_some());
    }

    #[test]
    fn a_token_round_trips_until_it_expires() {
        let token = issue_token(&secret(), "user-1", 3, NOW).unwrap();
        let claims = verify_token(&secret(), &token, NOW + 10).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.iat, claims.exp, claims.ver),
            ("user-1", NOW, NOW + TOKEN_TTL_SECONDS, 3)
        );
        let other = verify_token(&secret(), &issue_token(&secret(), "user-1", 3, NOW).unwrap(), NOW).unwrap();
        assert_ne!(claims.jti, other.jti, "every token has its own id");
        assert!(verify_token(&secret(), &token, NOW + TOKEN_TTL_SECONDS - 1).is_ok());
        assert_eq!(verify_token(&secret(), &token, NOW + TOKEN_TTL_SECONDS), Err(TokenError::Invalid));
    }

    #[test]
    fn another_secret_or_a_changed_payload_is_refused() {
        let token = issue_token(&secret(), "user-1", 3, NOW).unwrap();
        let other = AuthSecret::new("another secret that is long enough").unwrap();
        assert_eq!(verify_token(&other, &token, NOW), Err(TokenError::Invalid));

        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = b64(br#"{"sub":"admin","iat":1800000000,"exp":1900000000}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(verify_token(&secret(), &forged, NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let payload = b64(br#"{"sub":"user-1","iat":1800000000,"exp":1900000000}"#);
        for header in
            [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"HS512","typ":"JWT"}"#, r#"{"alg":"RS256","typ":"JWT"}"#]
        {
            let unsigned = format!("{}.{}.", b64(header.as_bytes()), payload);
            assert_eq!(verify_token(&secret(), &unsigned, NOW), Err(TokenError::Invalid), "{header}");
        }
        // A well-formed HS512 token signed with the right secret (the app's
        // provider signs HS256 only, so it is made by hand here).
        use hmac::{Hmac, KeyInit, Mac};
        let claims = format!(r#"{{"sub":"user-1","iat":{NOW},"exp":{},"jti":"t","ver":0}}"#, NOW + 60);
        let signed = format!("{}.{}", b64(br#"{"alg":"HS512","typ":"JWT"}"#), b64(claims.as_bytes()));
        let mut mac = Hmac::<sha2::Sha512>::new_from_slice(b"a test secret that is long enough!!").unwrap();
        mac.update(signed.as_bytes());
        let hs512 = format!("{signed}.{}", b64(&mac.finalize().into_bytes()));
        assert_eq!(verify_token(&secret(), &hs512, NOW), Err(TokenError::Invalid));
        // And the provider refuses to sign anything but HS256.
        let claims = Claims { sub: "user-1".into(), iat: NOW, exp: NOW + 60, jti: "t".into(), ver: 0 };
        crate::hs256::install();
        assert!(encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(b"k").unwrap()).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        for token in ["", "a.b.c", "not a token", "....", &"x".repeat(10_000)] {
            assert_eq!(verify_token(&secret(), token, NOW), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn tokens_without_an_id_or_session_version_are_refused() {
        // Tokens signed before sessions could end: they could not be revoked.
        #[derive(Serialize)]
        struct Old {
            sub: &'static str,
            iat: u64,
            exp: u64,
        }
        // Signed directly with jsonwebtoken, which needs the app's provider.
        crate::hs256::install();
        let old = encode(&Header::new(Algorithm::HS256), &Old { sub: "user-1", iat: NOW, exp: NOW + 60 }, &{
            EncodingKey::from_secret(b"a test secret that is long enough!!").unwrap()
        })
        .unwrap();
        assert_eq!(verify_token(&secret(), &old, NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn tokens_issued_in_the_future_are_refused() {
        let token = issue_token(&secret(), "user-1", 3, NOW + 3600).unwrap();
        assert_eq!(verify_token(&secret(), &token, NOW), Err(TokenError::Invalid));
    }
}
