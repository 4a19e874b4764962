//! Pure helpers for the two SQL dialects and connection strings.

/// Rewrites PostgreSQL placeholders (`$1`) to SQLite's numbered form (`?1`).
/// Our SQL has no `$` anywhere else.
pub fn to_sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// Seconds a PostgreSQL connection attempt may take before the request fails
/// with 503 rather than hanging.
pub const CONNECT_TIMEOUT_SECONDS: u32 = 2;
/// Milliseconds a statement may run before PostgreSQL cancels it.
pub const STATEMENT_TIMEOUT_MS: u32 = 5000;

/// Adds a connect timeout and a server-side statement timeout to a
/// `postgres://` URL, unless the operator set them already.
pub fn with_timeouts(url: &str) -> String {
    let mut url = url.to_string();
    let mut separator = if url.contains('?') { '&' } else { '?' };
    if !url.contains("connect_timeout=") {
        url.push(separator);
        url.push_str(&format!("connect_timeout={CONNECT_TIMEOUT_SECONDS}"));
        separator = '&';
    }
    if !url.contains("options=") {
        url.push(separator);
        url.push_str(&format!("options=-c%20statement_timeout%3D{STATEMENT_TIMEOUT_MS}"));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_question_marks() {
        assert_eq!(
            to_sqlite_placeholders("SELECT a FROM t WHERE b = $1 AND c = $12 OR d = $2"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12 OR d = ?2"
        );
        assert_eq!(to_sqlite_placeholders("SELECT '$' || x"), "SELECT '$' || x");
    }

    #[test]
    fn timeouts_are_added_once() {
        assert_eq!(
            with_timeouts("postgres://u:p@db:5432/app"),
            "postgres://u:p@db:5432/app?connect_timeout=2&options=-c%20statement_timeout%3D5000"
        );
        assert_eq!(
            with_timeouts("postgres://db/app?sslmode=disable&connect_timeout=9"),
            "postgres://db/app?sslmode=disable&connect_timeout=9&options=-c%20statement_timeout%3D5000"
        );
    }
}
