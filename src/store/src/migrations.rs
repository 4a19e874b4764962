//! Versioned schema migrations, applied by whichever request first finds the
//! schema behind. Safe when many instances start at once: the check is
//! repeated under a lock (PostgreSQL advisory lock, SQLite write lock).

use crate::{Db, StoreError, Value, db::Backend, now};

struct Migration {
    version: i64,
    name: &'static str,
    /// One statement each: PostgreSQL's extended protocol runs one at a time.
    statements: &'static [&'static str],
}

/// The same DDL serves both backends: TEXT ids, BIGINT Unix seconds, BOOLEAN.
const MIGRATIONS: &[Migration] = &[
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
    Migration {
        version: 2,
        name: "business module records",
        statements: &[
            // One table for every module's records: the module's fields live in
            // `data` (JSON text); what queries filter on is in plain columns.
            "CREATE TABLE records (
            id TEXT PRIMARY KEY,
            workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
            module TEXT NOT NULL,
            status TEXT NOT NULL,
            search_text TEXT NOT NULL DEFAULT '',
            unique_key TEXT,
            ref_id TEXT,
            starts_at BIGINT,
            ends_at BIGINT,
            data TEXT NOT NULL,
            visits BIGINT NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (module, unique_key)
        )",
            "CREATE INDEX records_by_workspace ON records (workspace_id, module, created_at)",
            "CREATE INDEX records_by_ref ON records (module, ref_id, starts_at)",
            "CREATE TABLE record_tags (
            record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (record_id, tag)
        )",
            "CREATE INDEX record_tags_by_tag ON record_tags (tag)",
            "CREATE TABLE link_clicks (
            record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
            link_id TEXT NOT NULL,
            clicks BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (record_id, link_id)
        )",
        ],
    },
];

pub const LATEST_VERSION: i64 = 2;

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// An arbitrary, fixed key for `pg_advisory_xact_lock`.
const PG_MIGRATION_LOCK: i64 = 0x6d65_7761_797a;

/// Brings the schema to [`LATEST_VERSION`]. The fast path is one query.
pub fn ensure_current(db: &Db) -> Result<(), StoreError> {
    if applied_version(db).is_ok_and(|v| v >= LATEST_VERSION) {
        return Ok(());
    }
    db.transaction(|db| {
        if db.backend() == Backend::Postgres {
            db.query("SELECT pg_advisory_xact_lock($1)", &[Value::Int(PG_MIGRATION_LOCK)])?;
        }
        db.execute(CREATE_LEDGER, &[])?;
        let current = applied_version(db)?;
        for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
            for statement in migration.statements {
                db.execute(statement, &[])?;
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[migration.version.into(), migration.name.into(), now().into()],
            )?;
        }
        Ok(())
    })
}

fn applied_version(db: &Db) -> Result<i64, StoreError> {
    let rows = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?;
    rows.first().map_or(Ok(0), |row| row.int(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_end_at_latest() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(versions.last(), Some(&LATEST_VERSION));
    }

    #[test]
    fn each_statement_is_a_single_statement() {
        for migration in MIGRATIONS {
            for statement in migration.statements {
                assert!(!statement.trim_end().trim_end_matches(';').contains(';'), "{statement}");
            }
        }
    }
}
