//! The Spin variables a feature component reads. Read lazily, per request.

use mewayz_auth::AuthSecret;
use mewayz_store::DatabaseUrl;
use spin_sdk::variables;

use crate::ApiError;

#[derive(Debug, Default)]
pub struct Config {
    /// Exact origins allowed to call the API from a browser.
    pub cors_allowed_origins: Vec<String>,
}

impl Config {
    pub fn load() -> Self {
        let origins = variables::get("cors_allowed_origins").unwrap_or_default();
        Config {
            cors_allowed_origins: origins
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty() && o != "*")
                .collect(),
        }
    }

    /// `trusted_proxies`: the proxies in front of the app whose
    /// `X-Forwarded-For` is believed (comma-separated IPs or CIDR networks,
    /// such as the cluster's pod network). Entries that do not parse are
    /// ignored, and logged.
    pub fn trusted_proxies() -> Vec<ipnet::IpNet> {
        let listed = variables::get("trusted_proxies").unwrap_or_default();
        listed
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .filter_map(|entry| {
                let parsed = entry
                    .parse::<ipnet::IpNet>()
                    .ok()
                    .or_else(|| entry.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from));
                if parsed.is_none() {
                    eprintln!("trusted_proxies: ignoring {entry:?}, not an IP address or network");
                }
                parsed
            })
            .collect()
    }

    /// `database_url`: empty for SQLite `default`, else a `postgres://` URL.
    /// Anything else is a configuration error for routes that need data.
    pub fn database_url() -> Result<DatabaseUrl, ApiError> {
        let raw = variables::get("database_url")
            .map_err(|e| ApiError::configuration(format!("database_url cannot be read: {e}")))?;
        DatabaseUrl::parse(&raw).map_err(|e| ApiError::configuration(e.to_string()))
    }

    /// The token signing secret. Missing or short: a clear 500 for auth
    /// routes only; nothing else depends on it.
    pub fn auth_secret() -> Result<AuthSecret, ApiError> {
        let secret = variables::get("auth_secret").unwrap_or_default();
        AuthSecret::new(&secret).ok_or_else(|| {
            ApiError::configuration(format!(
                "authentication is not configured: set the auth_secret variable \
                 (SPIN_VARIABLE_AUTH_SECRET) to at least {} bytes",
                AuthSecret::MIN_LEN
            ))
        })
    }
}
