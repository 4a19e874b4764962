//! Versioned schema migrations, applied by whichever request first finds the
//! schema behind. Safe when many instances start at once: the check is
//! repeated under a lock (PostgreSQL advisory lock, SQLite write lock).
//!
//! The schema comes in parts, each owned by the crate whose code uses its
//! tables: this crate's (accounts, workspaces, members) and, for example, the
//! resource core's records. A component ensures the parts it uses. Versions
//! are numbered across all parts, and the ledger records each one applied.

use mewayz_time::now;

use crate::{Db, StoreError, Value, db::Backend};

pub struct Migration {
    /// Unique across every part of the schema.
    pub version: i64,
    pub name: &'static str,
    /// One statement each: PostgreSQL's extended protocol runs one at a time.
    pub statements: &'static [&'static str],
}

/// The store's part of the schema. The same DDL serves both backends: TEXT
/// ids, BIGINT Unix seconds, BOOLEAN.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts and workspaces",
        statements: &[
            "CREATE TABLE users (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            full_name TEXT,
            is_active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at BIGINT NOT NULL
        )",
            "CREATE TABLE workspaces (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            slug TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )",
            "CREATE TABLE workspace_members (
            workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
            invited_by TEXT,
            joined_at BIGINT NOT NULL,
            PRIMARY KEY (workspace_id, user_id)
        )",
            "CREATE INDEX workspace_members_by_user ON workspace_members (user_id)",
        ],
    },
    // Version 2 is the resource core's (mewayz-resources).
    Migration {
        version: 3,
        name: "sessions that end, and password attempts",
        statements: &[
            // Raised by "log out everywhere" and a password change: tokens carry
            // the version they were issued at.
            "ALTER TABLE users ADD COLUMN session_version BIGINT NOT NULL DEFAULT 0",
            // Single tokens logged out before they expire; kept until then.
            "CREATE TABLE revoked_tokens (
            jti TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            expires_at BIGINT NOT NULL
        )",
            "CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at)",
            // Failed password attempts per key (`account:<email>`,
            // `address:<ip>`), in the database so every replica sees them.
            "CREATE TABLE password_attempts (
            key TEXT PRIMARY KEY,
            failures BIGINT NOT NULL,
            window_start BIGINT NOT NULL,
            locked_until BIGINT NOT NULL,
            strikes BIGINT NOT NULL,
            pending BIGINT NOT NULL DEFAULT 0
        )",
            "CREATE INDEX password_attempts_by_window ON password_attempts (window_start)",
        ],
    },
    Migration {
        version: 4,
        name: "invitations",
        statements: &[
            // Pending invitations only: accepting, declining or cancelling
            // one deletes it. `email` is lower-cased (mewayz_domain::Email),
            // as users.email is, and need not belong to an account yet.
            "CREATE TABLE invitations (
            id TEXT PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
            invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            UNIQUE (workspace_id, email)
        )",
            "CREATE INDEX invitations_by_email ON invitations (email)",
        ],
    },
];

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// An arbitrary, fixed key for `pg_advisory_xact_lock`.
const PG_MIGRATION_LOCK: i64 = 0x6d65_7761_797a;

/// Applies every migration of the store's part and then of `also` that the
/// ledger does not list. The fast path, when none is missing, is one query.
pub async fn ensure_current(db: &Db, also: &[&[Migration]]) -> Result<(), StoreError> {
    let parts = || std::iter::once(MIGRATIONS).chain(also.iter().copied()).flatten();
    let missing = |applied: &[i64]| parts().any(|m| !applied.contains(&m.version));
    let ledger = db.probe("SELECT version FROM schema_migrations", &[]).await;
    // No ledger is a reason to migrate; no answer is not.
    if let Err(unavailable @ StoreError::Unavailable(_)) = &ledger {
        return Err(unavailable.clone());
    }
    let current = ledger.and_then(|rows| rows.iter().map(|row| row.int(0)).collect::<Result<Vec<_>, _>>());
    if current.is_ok_and(|applied| !missing(&applied)) {
        return Ok(());
    }
    let migrated = db
        .transaction(async |db| {
            if db.backend() == Backend::Postgres {
                db.execute("SELECT pg_advisory_xact_lock($1)", &[Value::Int(PG_MIGRATION_LOCK)]).await?;
            }
            db.execute(CREATE_LEDGER, &[]).await?;
            let applied = applied_versions(db).await?;
            for migration in parts().filter(|m| !applied.contains(&m.version)) {
                for statement in migration.statements {
                    db.execute(statement, &[]).await?;
                }
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    &[migration.version.into(), migration.name.into(), now().into()],
                )
                .await?;
            }
            Ok(())
        })
        .await;
    match migrated {
        // The runtime role of a least-privilege setup (deploy/postgres/
        // roles.sql) may not create tables: the owner migrates, from the
        // migration Job. Until it has, the app is unavailable, not broken.
        Err(StoreError::Query(why)) if why.contains("(42501)") => Err(StoreError::Unavailable(format!(
            "the schema is behind this release and this database user may not migrate it ({why}): \
             run the migration Job (deploy/postgres/migrate-job.yaml) as the owner role"
        ))),
        other => other,
    }
}

async fn applied_versions(db: &Db) -> Result<Vec<i64>, StoreError> {
    db.query("SELECT version FROM schema_migrations", &[]).await?.iter().map(|row| row.int(0)).collect()
}

/// Checks a part of the schema: versions increase within it and none is
/// taken by one of the `other` parts. For the owners' unit tests.
pub fn check_part(part: &[Migration], other: &[&[Migration]]) -> Result<(), String> {
    let versions: Vec<i64> = part.iter().map(|m| m.version).collect();
    if !versions.windows(2).all(|w| w[0] < w[1]) {
        return Err(format!("versions must increase: {versions:?}"));
    }
    if let Some(taken) = versions.iter().find(|v| other.iter().copied().flatten().any(|m| m.version == **v)) {
        return Err(format!("version {taken} is taken by another part"));
    }
    match part.iter().flat_map(|m| m.statements).find(|s| s.trim_end().trim_end_matches(';').contains(';')) {
        Some(statement) => Err(format!("one statement per entry: {statement}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_part_is_well_formed() {
        assert_eq!(check_part(MIGRATIONS, &[]), Ok(()));
    }

    #[test]
    fn a_badly_formed_part_is_caught() {
        const TWO_STATEMENTS: &[Migration] =
            &[Migration { version: 90, name: "x", statements: &["CREATE TABLE a (x TEXT); DROP TABLE users"] }];
        assert!(check_part(TWO_STATEMENTS, &[]).unwrap_err().contains("one statement"));
        const DECREASING: &[Migration] = &[
            Migration { version: 91, name: "x", statements: &[] },
            Migration { version: 90, name: "y", statements: &[] },
        ];
        assert!(check_part(DECREASING, &[]).unwrap_err().contains("increase"));
        const TAKEN: &[Migration] = &[Migration { version: 1, name: "x", statements: &[] }];
        assert!(check_part(TAKEN, &[MIGRATIONS]).unwrap_err().contains("taken"));
    }
}
