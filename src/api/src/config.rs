//! The Spin variables a feature component reads: read once per instance,
//! on its first request (a variable is fixed for the life of the app), by
//! [`Config::load`] before any route runs.

use std::{cell::RefCell, rc::Rc, time::Duration};

use mewayz_auth::AuthSecret;
use mewayz_store::DatabaseUrl;

use crate::{ApiError, service::sdk};

/// The variables every feature component may declare (spin.toml).
const NAMES: [&str; 6] = [
    "auth_secret",
    "cors_allowed_origins",
    "database_timeout_ms",
    "database_url",
    "password_hash_slots",
    "trusted_proxies",
];

/// What `database_timeout_ms` may be: long enough for a slow query, short
/// enough that a client and the kubelet see an answer.
const DATABASE_TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=30_000;

/// What `password_hash_slots` may be: at least one, or no password route
/// could ever run; at most what a pod's memory limit could hold (each hash
/// takes 19 MiB).
const PASSWORD_HASH_SLOTS: std::ops::RangeInclusive<u32> = 1..=16;

/// One variable as Spin answered: its value, `None` when the component does
/// not define it, or why it could not be read (a variables provider's error).
type Read = Result<Option<String>, String>;

#[derive(Debug, Default)]
pub struct Config {
    /// Exact origins allowed to call the API from a browser.
    pub cors_allowed_origins: Vec<String>,
    /// Why `cors_allowed_origins` could not be read: every answer carries
    /// (or lacks) CORS headers, so every request is refused with it.
    cors_unreadable: Option<String>,
    /// Each variable of `NAMES` as read.
    variables: Vec<(&'static str, Read)>,
}

thread_local! {
    static LOADED: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

impl Config {
    /// The instance's variables, read from Spin on its first request.
    pub async fn load() -> Rc<Config> {
        if let Some(config) = LOADED.with_borrow(Clone::clone) {
            return config;
        }
        let mut variables = Vec::with_capacity(NAMES.len());
        for name in NAMES {
            variables.push((name, sdk::variable(name).await));
        }
        let config = Rc::new(Config::from_variables(variables));
        LOADED.set(Some(config.clone()));
        config
    }

    pub(crate) fn from_variables(variables: Vec<(&'static str, Read)>) -> Config {
        let mut config = Config { cors_allowed_origins: Vec::new(), cors_unreadable: None, variables };
        match config.optional("cors_allowed_origins") {
            Ok(origins) => {
                config.cors_allowed_origins = origins
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_string())
                    .filter(|o| !o.is_empty() && o != "*")
                    .collect()
            }
            Err(why) => config.cors_unreadable = Some(why),
        }
        config
    }

    /// What every request needs of the configuration: a readable
    /// `cors_allowed_origins` (an empty or undefined one allows no origin).
    pub fn check(&self) -> Result<(), ApiError> {
        match &self.cors_unreadable {
            Some(why) => Err(ApiError::configuration(format!("cors_allowed_origins cannot be read: {why}"))),
            None => Ok(()),
        }
    }

    /// The loaded variables; empty before the instance's first request
    /// (and in native unit tests), where every variable reads as "not read".
    fn current() -> Rc<Config> {
        LOADED.with_borrow(Clone::clone).unwrap_or_default()
    }

    /// A variable every component that uses it defines (spin.toml gives it
    /// a default): undefined is as wrong as unreadable.
    fn read(&self, name: &str) -> Result<&str, String> {
        match self.variables.iter().find(|(n, _)| *n == name) {
            Some((_, Ok(Some(value)))) => Ok(value),
            Some((_, Ok(None))) => Err("the component does not define it".into()),
            Some((_, Err(why))) => Err(why.clone()),
            None => Err("not read".into()),
        }
    }

    /// A variable whose absence means "none": a component that does not
    /// define it has none of it (empty). One that Spin cannot read is an
    /// error, never empty.
    fn optional(&self, name: &str) -> Result<&str, String> {
        match self.variables.iter().find(|(n, _)| *n == name) {
            Some((_, Ok(Some(value)))) => Ok(value),
            Some((_, Ok(None))) | None => Ok(""),
            Some((_, Err(why))) => Err(why.clone()),
        }
    }

    /// `trusted_proxies`: the proxies in front of the app whose
    /// `X-Forwarded-For` is believed (comma-separated IPs or CIDR networks,
    /// such as the cluster's pod network); empty or undefined: none. An
    /// entry that is neither, or a variable that cannot be read, is a
    /// configuration error for the routes that count per client address:
    /// ignoring it would count every client behind that proxy as one.
    pub fn trusted_proxies() -> Result<Vec<ipnet::IpNet>, ApiError> {
        let config = Config::current();
        let raw = config
            .optional("trusted_proxies")
            .map_err(|e| ApiError::configuration(format!("trusted_proxies cannot be read: {e}")))?;
        parse_proxies(raw).map_err(ApiError::configuration)
    }

    /// `database_url`: empty for SQLite `default`, else a `postgres://` URL.
    /// Anything else is a configuration error for routes that need data.
    pub fn database_url() -> Result<DatabaseUrl, ApiError> {
        let config = Config::current();
        let raw = config
            .read("database_url")
            .map_err(|e| ApiError::configuration(format!("database_url cannot be read: {e}")))?;
        DatabaseUrl::parse(raw).map_err(|e| ApiError::configuration(e.to_string()))
    }

    /// `database_timeout_ms`: how long one database call may take before
    /// the request answers 503 (spin.toml's default: 2000).
    pub fn database_timeout() -> Result<Duration, ApiError> {
        let config = Config::current();
        let raw = config
            .read("database_timeout_ms")
            .map_err(|e| ApiError::configuration(format!("database_timeout_ms cannot be read: {e}")))?;
        parse_timeout(raw).map_err(ApiError::configuration)
    }

    /// `password_hash_slots`: how many password hashes a pod runs at once
    /// (spin.toml's default: 2); more are answered 503 at once.
    pub fn password_hash_slots() -> Result<u32, ApiError> {
        let config = Config::current();
        let raw = config
            .read("password_hash_slots")
            .map_err(|e| ApiError::configuration(format!("password_hash_slots cannot be read: {e}")))?;
        parse_slots(raw).map_err(ApiError::configuration)
    }

    /// The token signing secret. Missing, short or unreadable: a clear 500
    /// for auth routes only; nothing else depends on it. (The message names
    /// the variable, never its value.)
    pub fn auth_secret() -> Result<AuthSecret, ApiError> {
        let config = Config::current();
        let raw = config
            .optional("auth_secret")
            .map_err(|e| ApiError::configuration(format!("auth_secret cannot be read: {e}")))?;
        AuthSecret::new(raw).ok_or_else(|| {
            ApiError::configuration(format!(
                "authentication is not configured: set the auth_secret variable \
                 (SPIN_VARIABLE_AUTH_SECRET) to at least {} bytes",
                AuthSecret::MIN_LEN
            ))
        })
    }
}

fn parse_proxies(raw: &str) -> Result<Vec<ipnet::IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("trusted_proxies: {entry:?} is not an IP address or network"))
        })
        .collect()
}

fn parse_timeout(raw: &str) -> Result<Duration, String> {
    match raw.trim().parse::<u64>() {
        Ok(ms) if DATABASE_TIMEOUT_MS.contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "database_timeout_ms must be a whole number of milliseconds from {} to {}, not {raw:?}",
            DATABASE_TIMEOUT_MS.start(),
            DATABASE_TIMEOUT_MS.end()
        )),
    }
}

fn parse_slots(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(slots) if PASSWORD_HASH_SLOTS.contains(&slots) => Ok(slots),
        _ => Err(format!(
            "password_hash_slots must be a whole number from {} to {}, not {raw:?}",
            PASSWORD_HASH_SLOTS.start(),
            PASSWORD_HASH_SLOTS.end()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_hash_slots_are_checked_not_defaulted() {
        assert_eq!(parse_slots("2"), Ok(2));
        assert_eq!(parse_slots(" 16 "), Ok(16));
        for bad in ["", "0", "17", "-1", "1.5", "two"] {
            assert!(parse_slots(bad).unwrap_err().contains("password_hash_slots"), "{bad:?}");
        }
    }

    #[test]
    fn the_database_timeout_is_checked_not_defaulted() {
        assert_eq!(parse_timeout("2000"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_timeout(" 150 "), Ok(Duration::from_millis(150)));
        for bad in ["", "0", "99", "30001", "2s", "-5", "1.5"] {
            assert!(parse_timeout(bad).unwrap_err().contains("database_timeout_ms"), "{bad:?}");
        }
    }

    #[test]
    fn origins_are_exact_and_never_a_wildcard() {
        let config = Config::from_variables(vec![(
            "cors_allowed_origins",
            Ok(Some(" https://app.example/ ,*,, http://localhost:3000".into())),
        )]);
        assert_eq!(config.cors_allowed_origins, ["https://app.example", "http://localhost:3000"]);
        assert!(config.check().is_ok());
        assert_eq!(config.read("database_url"), Err("not read".into()));
    }

    #[test]
    fn an_unreadable_variable_is_an_error_and_an_undefined_optional_one_is_empty() {
        let config = Config::from_variables(vec![
            ("cors_allowed_origins", Err("provider down".into())),
            ("trusted_proxies", Ok(None)),
            ("auth_secret", Err("vault sealed".into())),
            ("database_url", Ok(None)),
        ]);
        let err = config.check().unwrap_err();
        assert_eq!((err.status, err.code), (500, "configuration_error"));
        assert!(err.message.contains("cors_allowed_origins cannot be read: provider down"), "{}", err.message);
        assert_eq!(config.optional("trusted_proxies"), Ok(""));
        assert_eq!(config.optional("auth_secret"), Err("vault sealed".into()));
        assert_eq!(config.read("database_url"), Err("the component does not define it".into()));
        let undefined = Config::from_variables(vec![("cors_allowed_origins", Ok(None))]);
        assert!(undefined.check().is_ok());
        assert!(undefined.cors_allowed_origins.is_empty());
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses_and_nothing_else() {
        let parsed = parse_proxies(" 10.0.0.0/8, 192.168.1.7 ,,fd00::/8").unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parse_proxies(""), Ok(vec![]));
        assert!(parse_proxies("10.0.0.0/8, ingress").unwrap_err().contains("\"ingress\""));
    }
}
