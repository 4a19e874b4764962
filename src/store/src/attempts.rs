//! Password attempts per key, stored so that every instance and replica
//! counts the same failures. The policy is `mewayz_auth::throttle`'s; this
//! is its storage, under a row lock so concurrent attempts count one by one.

use mewayz_auth::throttle::{Counter, Policy, Verdict};

use crate::{Db, StoreError, db::Backend};

/// Decides an attempt for `key` and stores the new count, in one
/// transaction that holds the key's row.
pub fn attempt(db: &Db, key: &str, policy: &Policy, now: i64) -> Result<Verdict, StoreError> {
    db.transaction(|db| {
        db.execute(
            "INSERT INTO password_attempts (key, failures, window_start, locked_until, strikes)
             VALUES ($1, 0, $2, 0, 0) ON CONFLICT (key) DO NOTHING",
            &[key.into(), now.into()],
        )?;
        let lock = if db.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
        let rows = db.query(
            &format!(
                "SELECT failures, window_start, locked_until, strikes, pending FROM password_attempts WHERE key = $1{lock}"
            ),
            &[key.into()],
        )?;
        let row = rows.first().ok_or_else(|| StoreError::Query(format!("attempt counter {key} vanished")))?;
        let stored = Counter {
            failures: row.int(0)?,
            window_start: row.int(1)?,
            locked_until: row.int(2)?,
            strikes: row.int(3)?,
            pending: row.int(4)?,
        };
        let (next, verdict) = policy.attempt(stored, now);
        if next.failures == 0 && next.pending == 1 {
            // A key's first attempt in a window: a moment to drop keys idle
            // for a day (every new email or address adds one).
            forget_idle(db, now)?;
        }
        if next != stored {
            db.execute(
                "UPDATE password_attempts
                 SET failures = $2, window_start = $3, locked_until = $4, strikes = $5, pending = $6
                 WHERE key = $1",
                &[
                    key.into(),
                    next.failures.into(),
                    next.window_start.into(),
                    next.locked_until.into(),
                    next.strikes.into(),
                    next.pending.into(),
                ],
            )?;
        }
        Ok(verdict)
    })
}

/// A right password: the key's failures and lock-outs are forgotten.
pub fn clear(db: &Db, key: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM password_attempts WHERE key = $1", &[key.into()])
}

/// Settles an attempt that went ahead (see `Policy::settle`): no longer
/// pending, and counted if it `failed`. One statement, so concurrent
/// settlements of one key add up.
pub fn settle(db: &Db, key: &str, failed: bool) -> Result<(), StoreError> {
    db.execute(
        "UPDATE password_attempts
         SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, failures = failures + $2
         WHERE key = $1",
        &[key.into(), i64::from(failed).into()],
    )
}

/// Forgets keys idle for a day: every attempt by a new email or address
/// adds a row, and nothing else would remove it.
pub fn forget_idle(db: &Db, now: i64) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM password_attempts WHERE window_start < $1 AND locked_until < $2",
        &[(now - 24 * 60 * 60).into(), now.into()],
    )
}
