//! Credentials: Argon2id password hashes, HS256 access tokens, and how many
//! password attempts a caller gets.
//!
//! No crypto is written here: argon2 and jsonwebtoken do the work. This crate
//! decides the parameters and what counts as a valid token.

mod bearer;
mod hs256;
mod password;
pub mod throttle;
mod token;

pub use bearer::bearer_token;
pub use password::{hash_password, verify_against_nobody, verify_password};
pub use token::{AuthSecret, Claims, SigningError, TOKEN_TTL_SECONDS, TokenError, issue_token, verify_token};
