//! Password attempts per key, stored so that every instance and replica
//! counts the same failures. The policy is `mewayz_auth::throttle`'s; this
//! is its storage.
//!
//! No row lock is ever held while guest code runs: a login burst from one
//! address shares one row, and an instance holding a lock while it waits
//! for CPU behind other instances' Argon2 made the rest wait past the
//! statement timeout (503s under load). Every write here is one statement.

use mewayz_auth::throttle::{Counter, Policy, Verdict};

use crate::{Db, StoreError, Value};

/// The usual case in one atomic statement: a new key, or a key that is
/// neither locked nor full, gets one more pending attempt (a new window if
/// the last one is over). This is `Policy::attempt`'s `Proceed` branch;
/// keep the two in step. No row back means the policy may refuse, and
/// `decide` works it out.
const PROCEED: &str = "INSERT INTO password_attempts AS a (key, failures, window_start, locked_until, strikes, pending)
     VALUES ($1, 0, $2, 0, 0, 1)
     ON CONFLICT (key) DO UPDATE SET
         strikes = CASE WHEN $2 >= a.window_start + $3 AND a.failures < $4 THEN 0 ELSE a.strikes END,
         failures = CASE WHEN $2 >= a.window_start + $3 THEN 0 ELSE a.failures END,
         pending = CASE WHEN $2 >= a.window_start + $3 THEN 1 ELSE a.pending + 1 END,
         window_start = CASE WHEN $2 >= a.window_start + $3 THEN $2 ELSE a.window_start END
     WHERE a.locked_until <= $2 AND ($2 >= a.window_start + $3 OR a.failures + a.pending < $4)
     RETURNING failures, pending";

/// How often `decide` re-reads a counter that changed under it before it
/// refuses for a second: each lost race means another attempt was counted.
const RACES: usize = 8;

/// Decides an attempt for `key` and stores the new count.
pub async fn attempt(db: &Db, key: &str, policy: &Policy, now: i64) -> Result<Verdict, StoreError> {
    if proceed(db, key, policy, now).await? {
        return Ok(Verdict::Proceed);
    }
    decide(db, key, policy, now).await
}

/// Runs `PROCEED`: true if the attempt was counted as pending.
async fn proceed(db: &Db, key: &str, policy: &Policy, now: i64) -> Result<bool, StoreError> {
    let rows = db.query(PROCEED, &[key.into(), now.into(), policy.window.into(), policy.limit.into()]).await?;
    let Some(row) = rows.first() else { return Ok(false) };
    // A key's first attempt in a window (every login after a right one is
    // such): one in sixteen of them drops keys idle for a day, best effort
    // — every new email or address adds a row, and nothing else removes it.
    let first_in_window = row.int(0)? == 0 && row.int(1)? == 1;
    if first_in_window
        && mewayz_time::new_id().starts_with('0')
        && let Err(err) = forget_idle(db, now).await
    {
        eprintln!("dropping idle password-attempt counters: {err}");
    }
    Ok(true)
}

/// The rest of the policy (refusals, and setting a lock-out), applied with
/// compare-and-swap: the counter read is written back only if no other
/// attempt changed it meanwhile.
async fn decide(db: &Db, key: &str, policy: &Policy, now: i64) -> Result<Verdict, StoreError> {
    for _ in 0..RACES {
        let Some(stored) = read(db, key).await? else {
            // Cleared by a right password since: a fresh start.
            if proceed(db, key, policy, now).await? {
                return Ok(Verdict::Proceed);
            }
            continue;
        };
        let (next, verdict) = policy.attempt(stored, now);
        if next == stored || swap(db, key, &stored, &next).await? {
            return Ok(verdict);
        }
    }
    Ok(Verdict::Refuse { retry_after: 1 })
}

async fn read(db: &Db, key: &str) -> Result<Option<Counter>, StoreError> {
    let rows = db
        .query(
            "SELECT failures, window_start, locked_until, strikes, pending FROM password_attempts WHERE key = $1",
            &[key.into()],
        )
        .await?;
    rows.first()
        .map(|row| {
            Ok(Counter {
                failures: row.int(0)?,
                window_start: row.int(1)?,
                locked_until: row.int(2)?,
                strikes: row.int(3)?,
                pending: row.int(4)?,
            })
        })
        .transpose()
}

/// Writes `next` if the key's counter is still `stored`; false if not.
async fn swap(db: &Db, key: &str, stored: &Counter, next: &Counter) -> Result<bool, StoreError> {
    let fields = |c: &Counter| -> [Value; 5] {
        [c.failures.into(), c.window_start.into(), c.locked_until.into(), c.strikes.into(), c.pending.into()]
    };
    let mut params = vec![key.into()];
    params.extend(fields(next));
    params.extend(fields(stored));
    let rows = db
        .query(
            "UPDATE password_attempts
         SET failures = $2, window_start = $3, locked_until = $4, strikes = $5, pending = $6
         WHERE key = $1 AND failures = $7 AND window_start = $8 AND locked_until = $9 AND strikes = $10
           AND pending = $11
         RETURNING key",
            &params,
        )
        .await?;
    Ok(!rows.is_empty())
}

/// A right password: the key's failures and lock-outs are forgotten.
pub async fn clear(db: &Db, key: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM password_attempts WHERE key = $1", &[key.into()]).await
}

/// Settles an attempt that went ahead (see `Policy::settle`): no longer
/// pending, and counted if it `failed`. One statement, so concurrent
/// settlements of one key add up.
pub async fn settle(db: &Db, key: &str, failed: bool) -> Result<(), StoreError> {
    db.execute(
        "UPDATE password_attempts
         SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, failures = failures + $2
         WHERE key = $1",
        &[key.into(), i64::from(failed).into()],
    )
    .await
}

/// Forgets keys idle for a day: every attempt by a new email or address
/// adds a row, and nothing else would remove it.
pub async fn forget_idle(db: &Db, now: i64) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM password_attempts WHERE window_start < $1 AND locked_until < $2",
        &[(now - 24 * 60 * 60).into(), now.into()],
    )
    .await
}
