//! What the `database_url` variable names, decided once, before anything is
//! opened. Pure, so the deploy tests can hold the shipped templates against
//! the very check the app makes.

use std::fmt;

/// The database a `database_url` value names.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// Empty: Spin's SQLite `default` database.
    Sqlite,
    /// A `postgres://` or `postgresql://` URL, as given.
    Postgres(String),
}

/// A `database_url` the app refuses: anything but empty or a PostgreSQL URL.
/// Refused rather than read as "no database configured", so a placeholder
/// left in a deployment stops the app's data routes with a clear
/// configuration error instead of quietly putting data in a pod-local SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDatabaseUrl;

impl fmt::Display for InvalidDatabaseUrl {
    // The value is not repeated: it may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "database_url must be empty (Spin's SQLite `default` database) or a PostgreSQL URL, \
             postgres://user:password@host:port/database",
        )
    }
}

impl std::error::Error for InvalidDatabaseUrl {}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, InvalidDatabaseUrl> {
        let url = raw.trim();
        if url.is_empty() {
            return Ok(DatabaseUrl::Sqlite);
        }
        let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"));
        match rest {
            Some(rest) if !rest.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                Ok(DatabaseUrl::Postgres(url.to_string()))
            }
            _ => Err(InvalidDatabaseUrl),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite => f.write_str("Sqlite"),
            DatabaseUrl::Postgres(_) => f.write_str("Postgres(<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_sqlite_and_postgres_urls_are_postgres() {
        assert_eq!(DatabaseUrl::parse(""), Ok(DatabaseUrl::Sqlite));
        assert_eq!(DatabaseUrl::parse("  "), Ok(DatabaseUrl::Sqlite));
        let url = "postgres://u:p@db:5432/app";
        assert_eq!(DatabaseUrl::parse(&format!(" {url}\n")), Ok(DatabaseUrl::Postgres(url.into())));
        assert!(DatabaseUrl::parse("postgresql://db/app").is_ok());
    }

    #[test]
    fn anything_else_is_refused() {
        for raw in [
            "CHANGE-ME",
            "sqlite://app.db",
            "mysql://u:p@db/app",
            "postgres://",
            "Postgres://db/app",
            "postgres://u:pass word@db/app",
            "set me: postgres://USER:PASSWORD@HOST:5432/mewayz",
        ] {
            assert_eq!(DatabaseUrl::parse(raw), Err(InvalidDatabaseUrl), "{raw}");
        }
    }

    #[test]
    fn neither_the_error_nor_debug_shows_the_url() {
        let url = DatabaseUrl::parse("postgres://u:hunter2@db/app").unwrap();
        assert_eq!(format!("{url:?}"), "Postgres(<redacted>)");
        assert!(!InvalidDatabaseUrl.to_string().contains("hunter2"));
    }
}
