use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

/// Hashes a password with Argon2id (argon2 crate defaults: m = 19 MiB, t = 2,
/// p = 1) and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches a stored PHC hash. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// Spends the same work as [`verify_password`] for an account that does not
/// exist, so a login for an unknown email takes as long as a wrong password.
pub fn verify_against_nobody(password: &str) {
    let _ = verify_password(password, NOBODY);
}

/// An Argon2id hash, with the default parameters, of a password nobody knows.
const NOBODY: &str = "$argon2id$v=19$m=19456,t=2,p=1$bm9ib2R5LWF0LWFsbA$Q5s8YJ5YH3m4yWnIYx5l1w8cQJ0tLZ0m7l4dC5bqQ1Y";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
    }

    #[test]
    fn salts_differ_between_hashes() {
        assert_ne!(hash_password("same password").unwrap(), hash_password("same password").unwrap());
    }

    #[test]
    fn malformed_hashes_never_match() {
        assert!(!verify_password("anything", ""));
        assert!(!verify_password("anything", "plaintext"));
    }

    #[test]
    fn the_nobody_hash_costs_what_a_real_hash_costs() {
        // If it did not parse, or had cheaper parameters, a login for an unknown
        // email would answer faster than one with a wrong password.
        let nobody = PasswordHash::new(NOBODY).unwrap();
        let real_hash = hash_password("x").unwrap();
        let real = PasswordHash::new(&real_hash).unwrap();
        assert_eq!(nobody.algorithm, real.algorithm);
        assert_eq!(nobody.version, real.version);
        assert_eq!(nobody.params, real.params);
        assert_eq!(nobody.hash.unwrap().len(), real.hash.unwrap().len());
    }
}
